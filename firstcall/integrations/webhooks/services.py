"""Outbound webhooks (Standard Webhooks 1.0): subscriptions, the outbox of messages, delivery with retries over a
day, disabling a receiver that keeps failing (and telling the organisation's admins), and replay.

Signing follows https://www.standardwebhooks.com (spec 1.0): headers `webhook-id` (stable across retries),
`webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature` = "v1," + base64(HMAC-SHA256(secret,
"{id}.{timestamp}.{body}")), with the `whsec_`-prefixed base64 secret shown once to the admin.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from firstcall.accounts.models import Organisation, User
from firstcall.integrations import tasks
from firstcall.integrations.models import WebhookAttempt, WebhookMessage, WebhookSubscription
from firstcall.integrations.webhooks import sender
from firstcall.integrations.webhooks.addresses import BlockedDestination, check_destination

logger = logging.getLogger(__name__)

# Webhook event types a subscription can choose, and what each means. Payloads carry ids and facts only (as the
# domain events do): a receiver reads names and numbers through the API with its key.
EVENT_TYPES = {
    "lead.created": "A new lead arrived (any channel).",
    "lead.inquiry": "A returning borrower's new inquiry was merged into their open lead.",
    "lead.assigned": "A lead got a loan officer.",
    "lead.stage_changed": "A lead moved to another pipeline stage.",
    "lead.opted_out": "A borrower withdrew consent for texts, email or calls.",
    "message.received": "A borrower replied by text or email.",
    "task.due": "A follow-up task came due.",
    "document.reviewed": "A loan officer finished reviewing a borrower's document.",
    "loan.milestone": "The loan origination system reported a milestone for a lead's loan.",
    "loan.funded": "The loan origination system reported the loan funded.",
    "webhook.test": "A test message sent from the settings page.",
}
SELECTABLE_EVENT_TYPES = [name for name in EVENT_TYPES if name != "webhook.test"]

# Delay before attempt 2, 3, ...: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, so the last of 8 attempts is
# 27 h 35 min after the first (the schedule Standard Webhooks' reference implementation uses).
RETRY_DELAYS = [
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5),
    timedelta(hours=10), timedelta(hours=10),
]  # fmt: skip
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A receiver that has failed every delivery for this long when a message gives up is disabled.
DISABLE_AFTER = timedelta(hours=24)
SEND_LEASE = timedelta(minutes=2)


class InvalidSubscription(ValueError):
    pass


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def allowed_hosts() -> list[str]:
    return list(settings.WEBHOOK_ALLOWED_HOSTS)


def check_url(url: str) -> None:
    try:
        check_destination(url, allowed_hosts=allowed_hosts())
    except BlockedDestination as error:
        raise InvalidSubscription(str(error)) from error


def create_subscription(organisation: Organisation, *, url: str, event_types: list[str], description: str = "",
                        actor: User | None = None) -> WebhookSubscription:  # fmt: skip
    unknown = sorted(set(event_types) - set(SELECTABLE_EVENT_TYPES))
    if unknown or not event_types:
        raise InvalidSubscription(
            f"Choose events from the catalogue (unknown: {', '.join(unknown) or 'none chosen'})."
        )
    check_url(url)
    return WebhookSubscription.objects.create(
        organisation=organisation, url=url, event_types=sorted(set(event_types)), description=description[:200],
        secret=new_secret(), created_by=actor,
    )  # fmt: skip


def enable(subscription: WebhookSubscription) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", failing_since=None
    )


def disable(subscription: WebhookSubscription, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            is_active=False, disabled_at=now, disabled_reason=reason[:300]
        )
        WebhookMessage.objects.filter(
            subscription=subscription,
            status__in=[WebhookMessage.Status.PENDING, WebhookMessage.Status.SENDING],
        ).update(status=WebhookMessage.Status.CANCELLED, next_attempt_at=None, lease_until=None)


# --- the outbox ---------------------------------------------------------------------------------------------


def queue(organisation_id: int, event_type: str, data: dict, *, event_id: int | None = None,
          occurred_at: datetime | None = None) -> list[WebhookMessage]:  # fmt: skip
    """One message per subscription of the organisation that chose this event type, in the caller's transaction;
    delivery is enqueued when it commits. Repeating the same event_id adds nothing."""
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(
            organisation_id=organisation_id, is_active=True
        )
        if subscription.wants(event_type)
    ]
    occurred_at = occurred_at or timezone.now()
    messages = []
    for subscription in subscriptions:
        if (
            event_id is not None
            and WebhookMessage.objects.filter(subscription=subscription, event_id=event_id).exists()
        ):
            continue
        body = json.dumps(
            {"type": event_type, "timestamp": occurred_at.isoformat().replace("+00:00", "Z"), "data": data},
            separators=(",", ":"), sort_keys=True,
        )  # fmt: skip
        messages.append(
            WebhookMessage.objects.create(
                subscription=subscription,
                organisation_id=organisation_id,
                event_type=event_type,
                event_id=event_id,
                body=body,
                message_id="msg_" + secrets.token_hex(16),
                next_attempt_at=timezone.now(),
            )  # fmt: skip
        )
    if messages:
        ids = [message.pk for message in messages]
        transaction.on_commit(lambda: _enqueue(ids))
    return messages


def _enqueue(message_ids: list[int]) -> None:
    for message_id in message_ids:
        tasks.deliver_webhook.enqueue(message_id)


def send_test(subscription: WebhookSubscription) -> WebhookMessage:
    with transaction.atomic():
        now = timezone.now()
        message = WebhookMessage.objects.create(
            subscription=subscription, organisation_id=subscription.organisation_id, event_type="webhook.test",
            body=json.dumps({"type": "webhook.test", "timestamp": now.isoformat().replace("+00:00", "Z"),
                             "data": {"subscription_id": subscription.pk}}, separators=(",", ":"), sort_keys=True),
            message_id="msg_" + secrets.token_hex(16), next_attempt_at=now,
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue([message.pk]))
    return message


def replay(message: WebhookMessage) -> None:
    """Send a message again (same webhook-id and body, a fresh schedule); its attempts stay in the log."""
    with transaction.atomic():
        WebhookMessage.objects.filter(pk=message.pk).update(
            status=WebhookMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_until=None,
            replayed_at=timezone.now(),
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue([message.pk]))


# --- delivery -----------------------------------------------------------------------------------------------


def signed_headers(subscription: WebhookSubscription, message: WebhookMessage, when: datetime) -> dict:
    signature = Webhook(subscription.secret).sign(message.message_id, when, message.body)
    return {
        "content-type": "application/json",
        "user-agent": "FirstCall-Webhooks/1",
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }


def _claim(message_id: int, now: datetime) -> WebhookMessage | None:
    claimed = (
        WebhookMessage.objects.filter(pk=message_id, subscription__is_active=True)
        .filter(
            Q(status=WebhookMessage.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookMessage.Status.SENDING, lease_until__lt=now)
        )  # fmt: skip
        .update(status=WebhookMessage.Status.SENDING, lease_until=now + SEND_LEASE)
    )
    if not claimed:
        return None
    return WebhookMessage.objects.select_related("subscription").get(pk=message_id)


def deliver(message_id: int) -> str:
    """Attempt one due message; idempotent and safe to run late or twice (the claim lets one worker send)."""
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "not due"
    subscription = message.subscription
    result = sender.post(
        subscription.url, message.body.encode(), signed_headers(subscription, message, now),
        allowed_hosts=allowed_hosts(), timeout_seconds=settings.WEBHOOK_TIMEOUT_SECONDS,
    )  # fmt: skip
    finished = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            message=message, attempted_at=now, status_code=result.status_code, error=result.error[:300],
            duration_ms=result.duration_ms, response_excerpt=result.response_excerpt[:300],
        )  # fmt: skip
        attempts = message.attempts + 1
        if result.is_success:
            WebhookMessage.objects.filter(pk=message.pk).update(
                status=WebhookMessage.Status.DELIVERED, attempts=attempts, delivered_at=finished, lease_until=None,
                next_attempt_at=None, last_status_code=result.status_code, last_error="",
            )  # fmt: skip
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=None)
            return "delivered"
        failing_since = subscription.failing_since or now
        if subscription.failing_since is None:
            WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(
                failing_since=now
            )
        gave_up = attempts >= MAX_ATTEMPTS
        WebhookMessage.objects.filter(pk=message.pk).update(
            status=WebhookMessage.Status.FAILED if gave_up else WebhookMessage.Status.PENDING,
            attempts=attempts, lease_until=None, last_status_code=result.status_code, last_error=result.error[:300],
            next_attempt_at=None if gave_up else finished + RETRY_DELAYS[attempts - 1],
        )  # fmt: skip
        if gave_up and finished - failing_since >= DISABLE_AFTER:
            reason = (f"Every delivery failed since {failing_since:%Y-%m-%d %H:%M} UTC; the last error was "
                      f"{result.error or 'no answer'}.")  # fmt: skip
            disable(subscription, reason)
            transaction.on_commit(lambda: _tell_admins(subscription.pk, reason))
            return "failed; subscription disabled"
        if not gave_up:
            retry_in = RETRY_DELAYS[attempts - 1]
            transaction.on_commit(lambda: _enqueue_later(message.pk, finished + retry_in))
    return "failed" if gave_up else "will retry"


def _enqueue_later(message_id: int, when: datetime) -> None:
    tasks.deliver_webhook.using(run_after=when).enqueue(message_id)


def _tell_admins(subscription_id: int, reason: str) -> None:
    subscription = WebhookSubscription.objects.select_related("organisation").get(pk=subscription_id)
    admins = User.objects.filter(
        organisation_id=subscription.organisation_id, role=User.Role.ADMIN, is_active=True
    )
    recipients = [admin.email for admin in admins if admin.email]
    if not recipients:
        return
    link = f"{settings.SITE_URL}/settings/webhooks/{subscription.pk}/"
    try:
        send_mail(
            subject=f"Webhook to {subscription.url[:80]} was turned off",
            message=(f"FirstCall stopped sending webhooks to {subscription.url} for {subscription.organisation.name}.\n\n"
                     f"{reason}\n\nMessages are kept. Fix the receiver, turn the webhook back on and replay what it "
                     f"missed: {link}\n"),
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=recipients,
        )  # fmt: skip
    except OSError:
        logger.exception("Could not email admins that webhook subscription %s was disabled", subscription_id)


def sweep_due_webhooks() -> int:
    """For firstcall.sweeps.SWEEPS: deliver messages whose task was lost (due and not claimed, or lease expired)."""
    now = timezone.now()
    due = list(
        WebhookMessage.objects.filter(subscription__is_active=True)
        .filter(
            Q(status=WebhookMessage.Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=30))
            | Q(status=WebhookMessage.Status.SENDING, lease_until__lt=now)
        )  # fmt: skip
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:100]
    )
    # Re-armed so the next sweep leaves them to these tasks; the claim in deliver() lets one worker send each.
    WebhookMessage.objects.filter(pk__in=due, status=WebhookMessage.Status.PENDING).update(
        next_attempt_at=now
    )
    _enqueue(due)
    return len(due)
