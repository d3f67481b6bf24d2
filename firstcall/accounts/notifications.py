"""In-app notifications, plus an SMS/email copy for alerts that must reach a person away from the screen. The copy
is asked for with the `staff.alert_requested` event; messaging queues it in the same transaction
(firstcall/messaging/subscribers.py)."""

from django.conf import settings

from firstcall.accounts.models import Notification, User
from firstcall.events.outbox import emit


def notify(user: User, *, kind: str, title: str, body: str = "", lead=None, url: str = "",
           by_sms: bool = False, by_email: bool = False) -> Notification:  # fmt: skip
    notification = Notification.objects.create(
        user=user, lead=lead, kind=kind, title=title[:200], body=body[:500], url=url[:300]
    )
    if by_sms or by_email:
        emit(
            "staff.alert_requested",
            organisation_id=user.organisation_id,
            notification_id=notification.pk,
            user_id=user.pk,
            lead_id=notification.lead_id,
            by_sms=bool(by_sms),
            by_email=bool(by_email),
            loaded={"notification": notification},
        )
    return notification


def lead_url(lead) -> str:
    return f"{settings.SITE_URL}/leads/{lead.pk}/"
