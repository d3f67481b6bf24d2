"""Alerts to loan officers by text or email: staff messages through the same outbox (logged, retried), without
borrower consent rules. accounts.notifications.notify() asks for them with the staff.alert_requested event;
messaging.subscribers calls send_staff_alert() in the same transaction."""

import logging

from django.conf import settings
from django.utils.html import escape

from firstcall.compliance import calling
from firstcall.lib.phones import display_phone
from firstcall.messaging.models import Message
from firstcall.messaging.services import queue_message

logger = logging.getLogger(__name__)


def _link(notification) -> str:
    url = notification.url or (f"/leads/{notification.lead_id}/" if notification.lead_id else "")
    if url.startswith("/"):
        url = settings.SITE_URL + url
    return url


def send_staff_alert(user, notification, *, by_sms: bool = False, by_email: bool = False) -> list[Message]:
    """Queue the SMS and/or email copy of an in-app notification; one of each per notification, ever."""
    lead = notification.lead
    link = _link(notification)
    borrower_phone = lead.phone if lead is not None and lead.phone else ""
    # Never push a loan officer to call outside the borrower's calling window or against a do-not-call entry:
    # the alert says when the window opens (or why not) instead of "call now" (compliance.calling).
    call_line = calling.call_line(lead) if borrower_phone else ""
    may_call = call_line.startswith("Call ")
    sent: list[Message] = []
    # The lead's organisation is the officer's (alerts never cross organisations) and is usually in memory.
    same_organisation = lead is not None and lead.organisation_id == user.organisation_id
    organisation = lead.organisation if same_organisation else user.organisation
    common = dict(
        purpose=Message.Purpose.ALERT, is_marketing=False, recipient_user=user, organisation=organisation
    )
    if by_sms:
        if user.phone:
            parts = [notification.title, notification.body, link]
            if call_line:
                parts.append(call_line)
            text = " ".join(part for part in parts if part)
            sent.append(
                queue_message(
                    lead,
                    Message.ChannelKind.SMS,
                    text[:1200],
                    idempotency_key=f"alert:{notification.pk}:sms",
                    **common,
                )
            )
        else:
            logger.info("Alert %s: user %s has no phone for an SMS copy", notification.pk, user.pk)
    if by_email:
        if user.email:
            text_lines = [notification.title, notification.body, f"Open the lead: {link}" if link else ""]
            html = [f"<p><strong>{escape(notification.title)}</strong></p>"]
            if notification.body:
                html.append(f"<p>{escape(notification.body)}</p>")
            if link:
                html.append(f'<p><a href="{escape(link)}">Open the lead</a></p>')
            if borrower_phone and may_call:
                text_lines.append(f"Call: {display_phone(borrower_phone)}")
                html.append(
                    f'<p><a href="tel:{escape(borrower_phone)}">'
                    f"Call {escape(display_phone(borrower_phone))}</a></p>"
                )
            elif call_line:
                text_lines.append(call_line)
                html.append(f"<p>{escape(call_line)}</p>")
            sent.append(
                queue_message(
                    lead,
                    Message.ChannelKind.EMAIL,
                    "\n".join(line for line in text_lines if line),
                    subject=notification.title,
                    html_body="".join(html),
                    idempotency_key=f"alert:{notification.pk}:email",
                    **common,
                )
            )
        else:
            logger.info("Alert %s: user %s has no email for an email copy", notification.pk, user.pk)
    return sent
