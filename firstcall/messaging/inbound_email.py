"""Email replies from borrowers, through an inbound-parse webhook (Mailgun-style routes: the provider receives the
mail and POSTs its parsed fields to /hooks/email/inbound/).

The webhook proves itself with HMAC-SHA256(signing key, timestamp + token) = signature (Mailgun's scheme),
compared in constant time, and a timestamp older than a few minutes is refused so a captured request cannot be
replayed. A reply lands on the lead's timeline as a conversation message and goes through the same
``on_inbound_reply`` as a text (cadences stop, the score counts it, the owner is alerted). A reply that is only
"unsubscribe" / "stop" opts the address out of email organisation-wide, like the unsubscribe link (CAN-SPAM:
honour opt-outs, REFERENCE.md §4.5); free-text that may be a revocation is suppressed and flagged for a person.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.leads.models import Lead
from firstcall.messaging import compliance
from firstcall.messaging.models import Message, Suppression

MAX_SIGNATURE_AGE_SECONDS = 15 * 60


def signing_key() -> str:
    return getattr(settings, "EMAIL_INBOUND_SIGNING_KEY", "")


def is_valid_signature(timestamp: str, token: str, signature: str, *, now: float | None = None) -> bool:
    key = signing_key()
    if not key or not timestamp or not token or not signature:
        return False
    try:
        age = abs((now if now is not None else time.time()) - float(timestamp))
    except ValueError:
        return False
    if age > MAX_SIGNATURE_AGE_SECONDS:
        return False
    expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def find_lead_by_email(address: str, organisation: Organisation | None = None) -> Lead | None:
    """The borrower who wrote: their open lead first. Without a known organisation, only an address that
    belongs to one organisation's leads is matched (never guess across organisations)."""
    leads = Lead.objects.filter(email__iexact=address).select_related("stage", "organisation")
    if organisation is not None:
        leads = leads.filter(organisation=organisation)
    candidates = list(leads.order_by("-last_inquiry_at", "-id")[:20])
    if len({lead.organisation_id for lead in candidates}) != 1:
        return None
    return next((lead for lead in candidates if not lead.stage.is_closed), candidates[0])


def receive_inbound_email(
    *,
    from_address: str,
    to_address: str,
    subject: str,
    body: str,
    provider_message_id: str,
    provider: str = "mailgun",
) -> tuple[Message | None, bool]:
    """Record an email from a borrower and act on it. Returns (message, is_new); (None, False) when nobody
    matches the sender; a provider's retry of the same Message-Id changes nothing."""
    from firstcall.messaging import services

    address = services.normalise_address(Message.ChannelKind.EMAIL, from_address)
    key = f"inbound:email:{provider_message_id or uuid.uuid4().hex}"[:200]
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    organisations = list(Organisation.objects.all()[:2])
    only_organisation = organisations[0] if len(organisations) == 1 else None
    lead = find_lead_by_email(address, only_organisation) if address else None
    if lead is None:
        return None, False
    organisation = lead.organisation
    # A reply quotes our own text below it; the keyword check reads the subject and the borrower's own words.
    own_words = body.strip().split("\n\n", 1)[0] if body else ""
    keyword = compliance.classify_inbound_keywords(own_words or subject or "")
    kind = keyword.kind if keyword.kind in ("opt_out", "possible_opt_out") else "none"
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    organisation=organisation,
                    lead=lead,
                    channel=Message.ChannelKind.EMAIL,
                    direction=Message.Direction.INBOUND,
                    purpose=Message.Purpose.REPLY,
                    to_address=services.normalise_address(Message.ChannelKind.EMAIL, to_address)
                    or to_address[:254],
                    from_address=address,
                    subject=services.storable_text(subject)[:300],
                    body=services.storable_text(body),
                    status=Message.Status.RECEIVED,
                    idempotency_key=key,
                    provider=provider,
                    provider_message_id=(provider_message_id or "")[:100],
                    keyword="" if kind == "none" else kind,
                    needs_review=kind == "possible_opt_out",
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            return Message.objects.get(idempotency_key=key), False
        if kind == "opt_out":
            services.opt_out_address(
                organisation,
                Message.ChannelKind.EMAIL,
                address,
                reason=Suppression.Reason.UNSUBSCRIBE,
                how=f"{keyword.matched} email reply",
                source_message=message,
            )
        elif kind == "possible_opt_out":
            services.add_suppression(
                organisation,
                Message.ChannelKind.EMAIL,
                address,
                reason=Suppression.Reason.PENDING_REVIEW,
                note=f"possible opt-out: {keyword.matched}"[:300],
                source_message=message,
            )
            services.suppress_pending_messages(
                organisation,
                Message.ChannelKind.EMAIL,
                address,
                reason=f"possible opt-out reply ({keyword.matched}); awaiting review",
            )
        services.on_inbound_reply(lead, message)
        services.emit_message_received(message)
    return message, True
