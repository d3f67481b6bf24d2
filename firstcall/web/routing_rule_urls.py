"""The routing-rule editor's pages; included from firstcall/urls.py."""

from django.urls import path

from firstcall.web import routing_rule_views as views

urlpatterns = [
    path("settings/routing/", views.rule_list, name="routing_rule_list"),
    path("settings/routing/new/", views.rule_new, name="routing_rule_new"),
    path("settings/routing/<int:rule_id>/", views.rule_edit, name="routing_rule_edit"),
    path("settings/routing/<int:rule_id>/move/", views.rule_move, name="routing_rule_move"),
    path("settings/routing/<int:rule_id>/active/", views.rule_active, name="routing_rule_active"),
]
