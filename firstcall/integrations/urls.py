from django.urls import path

from firstcall.integrations import views

urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/<int:subscription_id>/", views.webhook_detail, name="webhook_detail"),
    path(
        "settings/webhooks/<int:subscription_id>/<str:action>/", views.webhook_action, name="webhook_action"
    ),
    path("settings/webhooks/messages/<int:message_id>/replay/", views.webhook_replay, name="webhook_replay"),
    path("hooks/los/<int:connection_id>/", views.los_inbound, name="los_inbound"),
    path("settings/loan-milestones/", views.los_review, name="los_review"),
    path("settings/loan-milestones/<int:event_id>/", views.los_resolve, name="los_resolve"),
    path("book/<int:user_id>/", views.booking_officer, name="booking_officer"),
    path("book/team/<int:team_id>/", views.booking_team, name="booking_team"),
    path("book/invite/<str:token>/", views.booking_invite, name="booking_invite"),
    path("book/manage/<str:token>/", views.booking_manage, name="booking_manage"),
    path("calendar/<int:user_id>/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
