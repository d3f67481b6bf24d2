from django.urls import path

from firstcall.web import assistant_views

urlpatterns = [
    path("replies/", assistant_views.drafts_waiting, name="assistant_drafts"),
    path("replies/waiting/", assistant_views.waiting_badge, name="assistant_waiting"),
    path("replies/lead/<int:lead_id>/", assistant_views.lead_panel, name="assistant_lead_panel"),
    path("replies/drafts/<int:draft_id>/send/", assistant_views.draft_send, name="assistant_draft_send"),
    path(
        "replies/drafts/<int:draft_id>/discard/",
        assistant_views.draft_discard,
        name="assistant_draft_discard",
    ),
    path(
        "replies/readings/<int:reading_id>/correct/",
        assistant_views.reading_correct,
        name="assistant_correct",
    ),
    path("settings/assistant/", assistant_views.assistant_settings, name="assistant_settings"),
]
