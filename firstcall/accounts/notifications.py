"""In-app notifications, plus an SMS/email copy for alerts that must reach a person away from the screen."""

import logging

from django.conf import settings

from firstcall.accounts.models import Notification, User

logger = logging.getLogger(__name__)


def notify(user: User, *, kind: str, title: str, body: str = "", lead=None, url: str = "",
           by_sms: bool = False, by_email: bool = False) -> Notification:  # fmt: skip
    notification = Notification.objects.create(
        user=user, lead=lead, kind=kind, title=title[:200], body=body[:500], url=url[:300]
    )
    if by_sms or by_email:
        from firstcall.messaging.alerts import send_staff_alert

        send_staff_alert(user, notification, by_sms=by_sms, by_email=by_email)
    return notification


def lead_url(lead) -> str:
    return f"{settings.SITE_URL}/leads/{lead.pk}/"
