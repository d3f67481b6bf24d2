from django.urls import path

from firstcall.routing import views

urlpatterns = [
    path("routing/", views.rules, name="routing_rules"),
    path("leads/<int:lead_id>/claim/", views.claim, name="lead_claim"),
    path("leads/<int:lead_id>/reassign/", views.reassign, name="lead_reassign"),
]
