"""The workspace pages (board, lead list, team). Included from firstcall/web/urls.py (before the lead page
routes), so they need no line of their own in firstcall/urls.py."""

from django.urls import path

from firstcall.web.workspace import views

urlpatterns = [
    path("board/", views.board_home, name="pipeline_board_home"),
    path("board/<slug:kind>/", views.pipeline_board, name="pipeline_board"),
    path("board/<slug:kind>/live/", views.pipeline_board_live, name="pipeline_board_live"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/bulk/", views.lead_bulk_action, name="lead_bulk_action"),
    path("leads/views/", views.saved_view_create, name="saved_view_create"),
    path("leads/views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("leads/<int:lead_id>/move/", views.move_lead_stage, name="lead_move_stage"),
    path("leads/<int:lead_id>/call-now/", views.lead_call_now, name="lead_call_now"),
    path("team/", views.team, name="team"),
]
