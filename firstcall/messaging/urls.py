from django.urls import path

from firstcall.messaging import views

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("hooks/sms/status/", views.sms_status_hook, name="sms_status_hook"),
    path("hooks/sms/inbound/", views.sms_inbound_hook, name="sms_inbound_hook"),
    path("hooks/email/inbound/", views.email_inbound_hook, name="email_inbound_hook"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
