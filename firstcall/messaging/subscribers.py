"""What messaging does when something happens elsewhere. Listed in settings.EVENT_SUBSCRIBERS; docs/events.md."""

from firstcall.accounts.models import Notification
from firstcall.messaging.alerts import send_staff_alert


def queue_staff_alert(event) -> dict:
    """The text and/or email copy of a person's in-app notification, queued through the outbox in the transaction
    that made the notification (so it commits or rolls back with it); once per notification and channel."""
    payload = event.payload
    notification = getattr(event, "loaded", {}).get("notification")  # the row notify() just wrote
    if notification is None or notification.pk != payload["notification_id"]:
        notification = (
            Notification.objects.select_related("user", "lead").filter(pk=payload["notification_id"]).first()
        )
    if notification is None:
        return {"queued": 0, "why": "the notification no longer exists"}
    sent = send_staff_alert(
        notification.user, notification, by_sms=payload["by_sms"], by_email=payload["by_email"]
    )
    return {"queued": len(sent), "message_ids": [message.pk for message in sent]}


IN_TRANSACTION = {
    "staff.alert_requested": [queue_staff_alert],
}

SUBSCRIBERS: dict = {}
