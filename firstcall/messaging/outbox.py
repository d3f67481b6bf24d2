"""The outbox: queue a message in the caller's transaction (delivery enqueued on commit) and the compliance gate
every message passes before it is sent. Life of a message: queue_message() here, then delivery.py, which
claims it, re-checks the gate and sends it; the message row is the truth and tasks are only hints.
"""

import logging
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.compliance import services as compliance_services
from firstcall.compliance.engine import adlint, gate
from firstcall.leads.models import Lead
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.messaging import compliance
from firstcall.messaging.models import Message, SendDecision, Suppression

logger = logging.getLogger(__name__)

ALLOWED = SendDecision.Outcome.ALLOWED
HELD = SendDecision.Outcome.HELD
SUPPRESSED = SendDecision.Outcome.SUPPRESSED

# Waits before attempt 2, 3, ...: quick at first (a blip), then patient (an outage). The last one repeats.
RETRY_DELAYS_SECONDS = (10, 30, 120, 600, 1800, 3600)
SMS, EMAIL = Message.ChannelKind.SMS, Message.ChannelKind.EMAIL
CONSENT_FIELD = {SMS: "consent_sms", EMAIL: "consent_email"}
# Opt-outs a borrower can undo by texting START; an organisation's own entries (manual, DNC import) stay.
SELF_SERVICE_SMS_REASONS = (Suppression.Reason.STOP_KEYWORD, Suppression.Reason.PENDING_REVIEW)


def max_attempts() -> int:
    return int(getattr(settings, "MESSAGING_MAX_ATTEMPTS", 6))


def send_lease() -> timedelta:
    """How long a worker may hold a message in "sending" before the sweep assumes it died."""
    return timedelta(seconds=float(getattr(settings, "MESSAGING_SEND_LEASE_SECONDS", 120)))


def sweep_grace() -> timedelta:
    """A message enqueued this recently is left to its task; the sweep only re-enqueues the forgotten ones."""
    return timedelta(seconds=float(getattr(settings, "MESSAGING_SWEEP_GRACE_SECONDS", 60)))


def storable_text(text: str | None) -> str:
    """PostgreSQL text cannot hold NUL and UTF-8 cannot hold lone surrogates; a borrower's odd name must not
    break the capture transaction that queues the first touch."""
    cleaned = (text or "").replace("\x00", "")
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def normalise_address(channel: str, raw: str | None) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        return _normal_phone(text) if channel == SMS else normalise_email(text)
    except (InvalidPhone, InvalidEmail):
        return text.lower() if channel == EMAIL else text


@lru_cache(maxsize=8192)
def _normal_phone(text: str) -> str:
    """Cached: a text's number is normalised when it is queued, gated and logged, and parsing is the slow part
    (an invalid number raises and is not cached)."""
    return normalise_phone(text)


# ------------------------------------------------------------------------------------------------ queueing


def queue_message(
    lead: Lead | None,
    channel: str,
    body: str,
    *,
    subject: str | None = None,
    html_body: str = "",
    purpose: str,
    is_marketing: bool,
    sent_by=None,
    idempotency_key: str | None = None,
    to_address: str | None = None,
    from_address: str | None = None,
    recipient_user=None,
    organisation: Organisation | None = None,
    cadence_step_id: int | None = None,
    send_after: datetime | None = None,
    attachments: list[dict] | None = None,
) -> Message:
    """Write an outbound message in the caller's transaction and deliver it as soon as that commits.

    Idempotent on ``idempotency_key``: a second call with the same key returns the first message unchanged.
    The recipient defaults to the lead's phone/email (or ``recipient_user``'s for alerts to loan officers)."""
    _check_request(lead, channel, purpose, organisation)
    key = idempotency_key or f"msg:{uuid.uuid4().hex}"
    if idempotency_key is not None:
        # The id first (a narrow indexed read): most keys are new, and a message row is wide to read.
        existing = Message.objects.filter(idempotency_key=key).values_list("pk", flat=True)[:1]
        if existing:
            return Message.objects.get(pk=existing[0])
    message = _new_message(
        lead, channel, body, subject=subject, html_body=html_body, purpose=purpose, is_marketing=is_marketing,
        sent_by=sent_by, key=key, to_address=to_address, from_address=from_address,
        recipient_user=recipient_user, organisation=organisation, cadence_step_id=cadence_step_id,
        send_after=send_after, attachments=attachments,
    )  # fmt: skip
    try:
        # A savepoint: a concurrent duplicate key must not break the caller's transaction.
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return Message.objects.get(idempotency_key=key)
    batch = _delivery_batch_for_transaction() if send_after is None else None
    if batch is not None:
        batch.append(message.pk)
    else:
        transaction.on_commit(partial(enqueue_delivery, message.pk, run_after=send_after), robust=True)
    return message


def _check_request(lead, channel: str, purpose: str, organisation) -> None:
    if channel not in CONSENT_FIELD:
        raise ValueError(f"Unknown channel {channel!r}")
    if purpose not in Message.Purpose.values:
        raise ValueError(f"Unknown purpose {purpose!r}")
    if organisation is None and lead is None:
        raise ValueError("A message needs a lead or an organisation")


def _new_message(
    lead, channel, body, *, subject, html_body, purpose, is_marketing, sent_by, key, to_address, from_address,
    recipient_user, organisation, cadence_step_id, send_after, attachments=None,
) -> Message:  # fmt: skip
    """The outbound message queue_message() writes, unsaved."""
    _check_request(lead, channel, purpose, organisation)
    organisation = organisation if organisation is not None else lead.organisation
    if to_address is None:
        holder = recipient_user if recipient_user is not None else lead
        to_address = getattr(holder, "phone" if channel == SMS else "email", "") if holder is not None else ""
    address = normalise_address(channel, to_address)
    if from_address is None:
        from_address = (
            organisation.sms_from_number or settings.SMS_FROM_NUMBER
            if channel == SMS
            else settings.DEFAULT_FROM_EMAIL
        )
    if channel == EMAIL and is_marketing:
        body, html_body = _with_email_footer(organisation, lead, address, body, html_body)
    now = timezone.now()
    return Message(
        organisation=organisation,
        lead=lead,
        recipient_user=recipient_user,
        channel=channel,
        direction=Message.Direction.OUTBOUND,
        purpose=purpose,
        is_marketing=is_marketing,
        to_address=address,
        from_address=from_address or "",
        subject=storable_text(subject)[:300],
        body=storable_text(body),
        html_body=storable_text(html_body),
        attachments=(attachments or []) if channel == EMAIL else [],
        idempotency_key=key,
        sent_by=sent_by,
        cadence_step_id=cadence_step_id,
        next_attempt_at=send_after,
        last_enqueued_at=now,
        created_at=now,
        updated_at=now,
    )


def queue_messages(requests: list[dict], *, caller_delivers: bool = False) -> list[Message]:
    """queue_message() for many messages (each a dict of its keyword arguments, with ``lead``, ``channel``,
    ``body`` and an ``idempotency_key``): one read for the keys already used and one insert for the rest.
    Same messages, same idempotency, same delivery on commit; returned in the order asked.

    ``caller_delivers``: the caller sends the messages due now itself right after its transaction commits (the
    cadence sweep, services.deliver_many), so no delivery task is enqueued for them: a task row per batch that
    would only find them sent. Should the caller not get to one (it crashed, or raised), the message is still
    queued and the outbox sweep enqueues it once the sweep grace has passed: a delay, never a loss."""
    for request in requests:
        _check_request(
            request.get("lead"), request["channel"], request["purpose"], request.get("organisation")
        )
    keys = [request["idempotency_key"] for request in requests]
    existing = {
        message.idempotency_key: message for message in Message.objects.filter(idempotency_key__in=keys)
    }
    fresh: dict[str, Message] = {}
    for request in requests:
        key = request["idempotency_key"]
        if key in existing or key in fresh:
            continue
        arguments = {
            "subject": None, "html_body": "", "sent_by": None, "to_address": None, "from_address": None,
            "recipient_user": None, "organisation": None, "cadence_step_id": None, "send_after": None,
            **{name: value for name, value in request.items() if name != "idempotency_key"},
        }  # fmt: skip
        fresh[key] = _new_message(key=key, **arguments)
    if fresh:
        try:
            with transaction.atomic():
                Message.objects.bulk_create(list(fresh.values()))
        except IntegrityError:  # a concurrent writer used one of the keys: one by one, each idempotent
            return [queue_message(**request) for request in requests]
        due_now = [message for message in fresh.values() if message.next_attempt_at is None]
        batch = None if caller_delivers or not due_now else _delivery_batch_for_transaction()
        for message in fresh.values():
            if message.next_attempt_at is None and caller_delivers:
                continue
            if message.next_attempt_at is None and batch is not None:
                batch.append(message.pk)
            else:
                transaction.on_commit(
                    partial(enqueue_delivery, message.pk, run_after=message.next_attempt_at), robust=True
                )
    return [existing.get(key) or fresh[key] for key in keys]


def withdraw_queued(organisation_id: int, key_prefix: str, *, keep: set[str], reason: str) -> int:
    """Withdraw the messages not yet sent whose idempotency key starts with ``key_prefix`` (except ``keep``):
    e.g. the reminders of an appointment that moved or was cancelled. Each withdrawal is a logged decision."""
    now = timezone.now()
    message_ids = list(
        Message.objects.filter(organisation_id=organisation_id, idempotency_key__startswith=key_prefix,
                               status__in=Message.SENDABLE_STATUSES)
        .exclude(idempotency_key__in=keep).values_list("pk", flat=True)
    )  # fmt: skip
    if not message_ids:
        return 0
    count = Message.objects.filter(pk__in=message_ids, status__in=Message.SENDABLE_STATUSES).update(
        status=Message.Status.SUPPRESSED, status_reason=reason[:500], updated_at=now
    )
    SendDecision.objects.bulk_create(
        SendDecision(message_id=pk, outcome=SUPPRESSED, reasons=[reason], decided_at=now)
        for pk in message_ids
    )
    return count


_batches = threading.local()


def _delivery_batch_for_transaction() -> list[int] | None:
    """The messages one transaction queues for immediate delivery (a captured lead's first touch and the loan
    officer's alerts) go to the workers as one task when it commits: one task row to claim and finish
    instead of one per message. None outside a transaction (the message is enqueued on its own at once).

    A batch is shared only by messages queued at the same savepoint level of the same transaction while its
    commit callback is still registered; it is started afresh otherwise (committed, rolled back, dropped with
    a rolled-back savepoint, or queued from a nested block), so no message ever joins a batch that will not
    be sent when its own transaction commits."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    # A block opened with savepoint=False (routing inside capture) marks its level with None: it has no
    # savepoint to roll back on its own, so it is the same level as the block around it.
    level = set(connection.savepoint_ids) - {None}
    current = getattr(_batches, "current", None)
    if (
        current is not None
        and current[0] is connection
        and any(hook[1] is current[1] and hook[0] - {None} == level for hook in connection.run_on_commit)
    ):
        return current[2]
    message_ids: list[int] = []
    callback = partial(enqueue_delivery_batch, message_ids)
    transaction.on_commit(callback, robust=True)
    _batches.current = (connection, callback, message_ids)
    return message_ids


def enqueue_delivery_batch(message_ids: list[int]) -> None:
    """Best effort, like enqueue_delivery: the sweep finds anything not enqueued."""
    if not message_ids:
        return
    if len(message_ids) == 1:
        enqueue_delivery(message_ids[0])
        return
    from firstcall.messaging.tasks import deliver_messages

    try:
        deliver_messages.enqueue(list(message_ids))
    except Exception:
        logger.exception("Could not enqueue delivery of messages %s; the sweep will retry", message_ids)


# Borrowers first: within a batch the first touch goes out before the loan officer's alerts.
DELIVERY_ORDER = {Message.Purpose.FIRST_TOUCH: 0}


def _with_email_footer(organisation, lead, address, body, html_body):
    """CAN-SPAM (REFERENCE.md §4.5): marketing email carries a working opt-out and the sender's postal
    address."""
    from django.utils.html import escape

    from firstcall.messaging.unsubscribe import unsubscribe_url

    url = unsubscribe_url(organisation_id=organisation.pk, address=address, lead_id=getattr(lead, "pk", None))
    # No fallback: without a postal address the gate refuses marketing email (CAN-SPAM, 15 U.S.C. 7704(a)(5)).
    postal = organisation.postal_address or ""
    if url not in body:
        body = f"{body}\n\n--\n{organisation.name}, {postal}\nThis is an advertisement. Unsubscribe: {url}\n"
    if html_body and escape(url) not in html_body and url not in html_body:
        footer = (
            f'<p style="font-size:12px;color:#555">{escape(organisation.name)}, {escape(postal)}<br>'
            f'<a href="{escape(url)}">Unsubscribe</a></p>'
        )
        html_body = (
            html_body.replace("</body>", footer + "</body>") if "</body>" in html_body else html_body + footer
        )
    return body, html_body


def enqueue_delivery(message_id: int, *, run_after: datetime | None = None) -> None:
    """Best effort: if the queue is unavailable the sweep finds the message anyway."""
    from firstcall.messaging.tasks import deliver_message

    try:
        task = deliver_message
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return  # the sweep sends it when it is due
            task = task.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:
        logger.exception("Could not enqueue delivery of message %s; the sweep will retry", message_id)


# ------------------------------------------------------------------------------------------ the gate


@dataclass(frozen=True)
class SendFacts:
    """Everything the gate needs, read fresh from the database right before a send."""

    channel: str
    to_address: str
    is_to_borrower: bool
    is_response: bool
    is_marketing: bool
    has_consent: bool
    suppression_reason: str | None
    zip_time_zone: str
    phone: str
    state: str
    recent_marketing_sends: tuple[datetime, ...] = ()
    # The touch the compliance engine decides on (borrower messages only): consent per address, do-not-call
    # lists, calling windows, caps over calls and texts, CAN-SPAM sender identity.
    touch: gate.Touch | None = None
    # An opt-out confirmation goes within 5 minutes of the opt-out or not at all (47 CFR 64.1200(a)(12)).
    response_expired: bool = False
    # Regulation Z advertising findings for a marketing message (12 CFR 1026.24(c), (d)).
    content_findings: tuple = ()


@dataclass(frozen=True)
class GateResult:
    outcome: str
    reasons: list[str]
    held_until: datetime | None = None
    zones: list[str] = field(default_factory=list)
    needs_review: bool = False
    decision: gate.Decision | None = None

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)[:500]


OPT_OUT_CONFIRMATION_WINDOW = timedelta(minutes=5)
ENGINE_OUTCOME = {gate.ALLOW: ALLOWED, gate.HOLD: HELD, gate.REFUSE: SUPPRESSED}


def message_kind(message: Message) -> str:
    """The kind of touch for the compliance engine: a loan officer's own message is "manual"; the first touch
    and cadence steps are "marketing"; answers and other automatic notices are "transactional"."""
    if message.sent_by_id is not None:
        return "manual"
    return "marketing" if message.is_marketing else "transactional"


def evaluate_send(facts: SendFacts, now: datetime) -> GateResult:
    """Pure decision: may this message go out now, must it wait (and until when), or must it never go?"""
    channel_name = "text" if facts.channel == SMS else "email"
    if not facts.to_address:
        return GateResult(SUPPRESSED, [f"no {channel_name} address for the recipient"])
    if facts.is_response and facts.response_expired:
        return GateResult(
            SUPPRESSED,
            ["opt-out confirmation not sent: more than 5 minutes after the opt-out (47 CFR 64.1200(a)(12))"],
        )
    if facts.is_response:
        # One opt-out confirmation is allowed (47 CFR 64.1200(a)(12)); HELP must be answered (CTIA,
        # REFERENCE §4.4).
        return GateResult(ALLOWED, ["answer to the recipient's own STOP/HELP/START: sent without delay"])
    if facts.suppression_reason:
        return GateResult(SUPPRESSED, [f"address is on the do-not-contact list ({facts.suppression_reason})"])
    if not facts.is_to_borrower:
        return GateResult(
            ALLOWED, ["alert to a loan officer: not a borrower message, no borrower consent needed"]
        )
    if facts.touch is None:
        return GateResult(SUPPRESSED, [f"no {channel_name} consent from the borrower"])
    if facts.content_findings:
        # Trigger terms without their disclosures: never sent as written.
        decision = gate.Decision(
            gate.REFUSE,
            None,
            tuple(gate.Reason(f.rule, f.citation, f.detail, gate.REFUSE) for f in facts.content_findings),
            {f.rule: adlint.RULES_CHECKED_ON for f in facts.content_findings},
        )
        return GateResult(SUPPRESSED, [f.detail for f in facts.content_findings], decision=decision)
    decision = gate.decide(facts.touch)
    zones = []
    if facts.channel == SMS:
        zones = compliance.candidate_time_zones(
            facts.zip_time_zone or None, facts.phone or None, facts.state or None
        )
    reasons = [reason.detail for reason in decision.reasons]
    return GateResult(
        ENGINE_OUTCOME[decision.outcome], reasons, decision.until, zones, decision.needs_review, decision
    )


@dataclass(frozen=True)
class MarketingIdentity:
    """Who a marketing message is from, for the SAFE Act identification (12 U.S.C. 5101 et seq.; 12 CFR
    1007.105(c), 1008.105; state advertising rules): the loan officer (the sender, else the lead's owner; none
    before the lead is assigned, when the message speaks for the company) and the company."""

    officer_name: str
    officer_nmls: str
    company_name: str
    company_nmls: str
    has_officer: bool


_READ_LEAD = object()


def marketing_identity(
    message: Message, lead=_READ_LEAD, company_nmls: str | None = None
) -> MarketingIdentity | None:
    """``lead`` (with its owner) and ``company_nmls``: what a batch has read already; read here otherwise."""
    if not (message.is_marketing and message.is_to_borrower) or message.is_response_to_borrower_request:
        return None
    officer = message.sent_by
    if officer is None and message.lead_id:
        if lead is _READ_LEAD:
            lead = Lead.objects.filter(pk=message.lead_id).select_related("owner").only("owner").first()
        officer = lead.owner if lead is not None else None
    organisation = message.organisation
    return MarketingIdentity(
        officer_name=(officer.get_full_name() or officer.get_username()) if officer is not None else "",
        officer_nmls=(officer.nmls_id or "").strip() if officer is not None else "",
        company_name=organisation.name,
        company_nmls=company_nmls
        if company_nmls is not None
        else compliance_services.company_nmls_id(organisation),
        has_officer=officer is not None,
    )


def add_identification(message: Message, identity: MarketingIdentity | None, *, save: bool = True) -> bool:
    """Add the NMLS IDs on file that the message does not state yet, right before it is sent (so an ID set
    after the message was queued is used). The text sent is the text stored: saved here, or by the caller
    (``save=False``, a batch) when this returns True."""
    if identity is None:
        return False
    line = adlint.identification_line(
        f"{message.subject}\n{message.body}",
        loan_officer_name=identity.officer_name,
        loan_officer_nmls=identity.officer_nmls,
        company_name=identity.company_name,
        company_nmls=identity.company_nmls,
    )
    if not line:
        return False
    body = message.body.rstrip("\n")
    if message.channel == EMAIL and "\n\n--\n" in body:
        head, _, footer = body.partition("\n\n--\n")
        body = f"{head}\n\n{line}\n\n--\n{footer}\n"
    else:
        body = f"{body}\n{line}"
    html_body = message.html_body
    if html_body:
        from django.utils.html import escape

        paragraph = f"<p>{escape(line)}</p>"
        html_body = (
            html_body.replace("</body>", paragraph + "</body>")
            if "</body>" in html_body
            else html_body + paragraph
        )
    message.body, message.html_body = body, html_body
    if save:
        Message.objects.filter(pk=message.pk).update(body=body, html_body=html_body)
    return True


def gather_send_facts(
    message: Message, now: datetime, identity: MarketingIdentity | None = None
) -> SendFacts:
    lead = (
        Lead.objects.filter(pk=message.lead_id).select_related("organisation").first()
        if message.lead_id
        else None
    )
    recent: tuple[datetime, ...] = ()
    if message.channel == SMS and message.to_address:
        rows = (
            Message.objects.filter(
                organisation_id=message.organisation_id,
                channel=SMS,
                to_address=message.to_address,
                direction=Message.Direction.OUTBOUND,
                status__in=[Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED],
            )
            .filter(Q(is_marketing=True) | Q(sent_by__isnull=False))
            .filter(
                Q(sent_at__gt=now - timedelta(hours=24))
                | Q(sent_at__isnull=True, claimed_at__gt=now - timedelta(hours=24))
            )
            .exclude(pk=message.pk)
            .values_list("sent_at", "claimed_at")
        )
        recent = tuple(sent_at or claimed_at for sent_at, claimed_at in rows)
    touch = None
    if message.is_to_borrower and message.to_address:
        touch = compliance_services.build_touch(
            lead.organisation if lead is not None else message.organisation,
            lead,
            channel=message.channel,
            kind=message_kind(message),
            address=message.to_address,
            at=now,
            # Texts already sent are counted from the outbox; calls from the compliance log.
            recent_texts=recent,
        )
    return SendFacts(
        channel=message.channel,
        to_address=message.to_address,
        is_to_borrower=message.is_to_borrower,
        is_response=message.is_response_to_borrower_request,
        is_marketing=message.is_marketing,
        has_consent=bool(lead and getattr(lead, CONSENT_FIELD[message.channel])),
        suppression_reason=active_suppression_reason(
            message.organisation_id, message.channel, message.to_address
        ),
        zip_time_zone=getattr(lead, "time_zone", "") or "",
        # The number we text is the one whose area code matters, even if the lead's phone changed since.
        phone=message.to_address if message.channel == SMS else getattr(lead, "phone", "") or "",
        state=getattr(lead, "state", "") or "",
        recent_marketing_sends=recent,
        touch=touch,
        content_findings=_content_findings(message, identity),
        response_expired=message.purpose == Message.Purpose.OPT_OUT_CONFIRMATION
        and now - message.created_at > OPT_OUT_CONFIRMATION_WINDOW,
    )


def _content_findings(message: Message, identity: MarketingIdentity | None) -> tuple:
    """Advertising content rules for a marketing message to a borrower: Regulation Z trigger terms and the
    SAFE Act identification (both NMLS IDs stated), the same for one message and for a batch."""
    if not (message.is_marketing and message.is_to_borrower):
        return ()
    return adlint.lint(
        f"{message.subject}\n{message.body}",
        check_nmls=identity is not None,
        loan_officer_nmls=identity.officer_nmls if identity is not None else None,
        company_nmls=identity.company_nmls if identity is not None else None,
        require_loan_officer=identity is not None and identity.has_officer,
    ).findings


def decide_send(message: Message, now: datetime | None = None) -> GateResult:
    """The compliance gate before every send; every decision is logged with its reasons (and, for borrower
    messages, each rule's citation and version in the compliance log)."""
    now = now or timezone.now()
    identity = marketing_identity(message)
    add_identification(message, identity)
    facts = gather_send_facts(message, now, identity)
    result = evaluate_send(facts, now)
    decision, touch_row = _decision_rows(message, facts, result, now)
    decision.save(force_insert=True)
    if touch_row is not None:
        touch_row.save(force_insert=True)
    return result


def _decision_rows(message: Message, facts: SendFacts, result: GateResult, now: datetime):
    """The log of one send decision, unsaved: the outbox's SendDecision and, for a borrower message, the
    compliance log's TouchDecision with each rule's citation and version (None otherwise)."""
    decision = SendDecision(
        message=message,
        outcome=result.outcome,
        reasons=result.reasons,
        zones=list(result.zones),
        held_until=result.held_until,
        decided_at=now,
    )
    if result.decision is None:
        return decision, None
    touch_row = compliance_services.decision_row(
        message.organisation,
        Lead(pk=message.lead_id) if message.lead_id else None,
        facts.touch,
        result.decision,
        subject_type="message",
        subject_id=message.pk,
        actor=message.sent_by,
    )
    return decision, touch_row


def gather_send_facts_many(
    messages: list[Message], now: datetime, identities: dict[int, MarketingIdentity | None] | None = None
) -> dict[int, SendFacts]:
    """gather_send_facts() for many messages in a few queries (leads, recent texts, suppressions, and the
    compliance facts of compliance_services.TouchFacts), giving each message exactly the facts it would get
    on its own. Messages to one number are taken in list order, as if sent one after the other: a text the
    batch allows counts towards the caps of the later ones to that number."""
    lead_ids = {message.lead_id for message in messages if message.lead_id}
    leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=lead_ids).select_related("organisation")}
    batch_ids = {message.pk for message in messages}
    sms = [message for message in messages if message.channel == SMS and message.to_address]
    recent_by_address: dict[tuple[int, str], list[datetime]] = {}
    if sms:
        rows = (
            Message.objects.filter(
                organisation_id__in={message.organisation_id for message in sms},
                channel=SMS,
                to_address__in={message.to_address for message in sms},
                direction=Message.Direction.OUTBOUND,
                status__in=[Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED],
            )
            .filter(Q(is_marketing=True) | Q(sent_by__isnull=False))
            .filter(
                Q(sent_at__gt=now - timedelta(hours=24))
                | Q(sent_at__isnull=True, claimed_at__gt=now - timedelta(hours=24))
            )
            .exclude(pk__in=batch_ids)
            .order_by()
            .values_list("organisation_id", "to_address", "sent_at", "claimed_at")
        )
        for organisation_id, address, sent_at, claimed_at in rows:
            recent_by_address.setdefault((organisation_id, address), []).append(sent_at or claimed_at)
    suppressed: dict[tuple[int, str, str], str] = {}
    addressed = [message for message in messages if message.to_address]
    if addressed:
        rows = (
            Suppression.objects.filter(
                organisation_id__in={message.organisation_id for message in addressed},
                address__in={message.to_address for message in addressed},
                lifted_at__isnull=True,
            )
            .order_by("-created_at", "-id")
            .values_list("organisation_id", "channel", "address", "reason")
        )
        for organisation_id, channel, address, reason in rows:
            suppressed.setdefault((organisation_id, channel, address), reason)
    touch_facts = compliance_services.TouchFacts(
        now,
        [
            (message.organisation_id, leads.get(message.lead_id), message.channel, message.to_address)
            for message in messages
            if message.is_to_borrower and message.to_address
        ],
    )
    # Numbers the batch texts more than once: only there does an earlier text's decision matter to a later one.
    shared = Counter((message.organisation_id, message.to_address) for message in sms)
    facts: dict[int, SendFacts] = {}
    for message in messages:
        lead = leads.get(message.lead_id) if message.lead_id else None
        recent: tuple[datetime, ...] = ()
        if message.channel == SMS and message.to_address:
            recent = tuple(recent_by_address.get((message.organisation_id, message.to_address), ()))
        touch = None
        if message.is_to_borrower and message.to_address:
            touch = touch_facts.touch(
                lead.organisation if lead is not None else message.organisation,
                lead,
                channel=message.channel,
                kind=message_kind(message),
                address=message.to_address,
                recent_texts=recent,
            )
        facts[message.pk] = SendFacts(
            channel=message.channel,
            to_address=message.to_address,
            is_to_borrower=message.is_to_borrower,
            is_response=message.is_response_to_borrower_request,
            is_marketing=message.is_marketing,
            has_consent=bool(lead and getattr(lead, CONSENT_FIELD[message.channel])),
            suppression_reason=suppressed.get((message.organisation_id, message.channel, message.to_address))
            if message.to_address
            else None,
            zip_time_zone=getattr(lead, "time_zone", "") or "",
            phone=message.to_address if message.channel == SMS else getattr(lead, "phone", "") or "",
            state=getattr(lead, "state", "") or "",
            recent_marketing_sends=recent,
            touch=touch,
            content_findings=_content_findings(message, (identities or {}).get(message.pk)),
            response_expired=message.purpose == Message.Purpose.OPT_OUT_CONFIRMATION
            and now - message.created_at > OPT_OUT_CONFIRMATION_WINDOW,
        )
        if (
            message.channel == SMS
            and message.to_address
            and shared[(message.organisation_id, message.to_address)] > 1
        ):
            counted = message.is_marketing or message.sent_by_id is not None
            if counted and evaluate_send(facts[message.pk], now).outcome == ALLOWED:
                recent_by_address.setdefault((message.organisation_id, message.to_address), []).append(now)
    return facts


def decide_send_many(messages: list[Message], now: datetime | None = None) -> dict[int, GateResult]:
    """decide_send() for many messages: the same decisions, and the same log rows (a SendDecision per message
    and the compliance log's TouchDecision for borrower messages), written with two bulk inserts."""
    now = now or timezone.now()
    owners = {
        lead.pk: lead
        for lead in Lead.objects.filter(pk__in={m.lead_id for m in messages if m.lead_id and m.sent_by_id is None})
        .select_related("owner")
        .only("owner")
    }  # fmt: skip
    companies: dict[int, str] = {}
    for message in messages:
        if message.is_marketing and message.organisation_id not in companies:
            companies[message.organisation_id] = compliance_services.company_nmls_id(message.organisation)
    identities = {
        message.pk: marketing_identity(
            message, owners.get(message.lead_id), companies.get(message.organisation_id)
        )
        for message in messages
    }
    identified = [
        message for message in messages if add_identification(message, identities[message.pk], save=False)
    ]
    if identified:
        Message.objects.bulk_update(identified, ["body", "html_body"])
    all_facts = gather_send_facts_many(messages, now, identities)
    results: dict[int, GateResult] = {}
    decisions, touch_rows = [], []
    for message in messages:
        facts = all_facts[message.pk]
        result = evaluate_send(facts, now)
        results[message.pk] = result
        decision, touch_row = _decision_rows(message, facts, result, now)
        decisions.append(decision)
        if touch_row is not None:
            touch_rows.append(touch_row)
    SendDecision.objects.bulk_create(decisions)
    if touch_rows:
        from firstcall.compliance.models import TouchDecision

        TouchDecision.objects.bulk_create(touch_rows)
    return results


def active_suppression_reason(organisation_id: int, channel: str, address: str) -> str | None:
    if not address:
        return None
    return (
        Suppression.objects.filter(
            organisation_id=organisation_id, channel=channel, address=address, lifted_at__isnull=True
        )
        .values_list("reason", flat=True)
        .first()
    )
