"""A borrower replies, and the reply is understood and acted on at once, at any hour.

    message.received
      -> read the reply (assistant: intent, language, when; opt-outs decided by the compliance rules first)
      -> do the obvious next thing (a call task inside the calling window, follow-up paused or stopped, the lead
         marked lost with the reason, the number's consent revoked, the loan officer alerted), each on the timeline
      -> draft the answer a good loan officer would send, in the borrower's language, with every guardrail
      -> send it only where the organisation allowed this intent to go out on its own, through the outbox's gate

Runs in the worker as a subscriber of `message.received` (firstcall/flows/subscribers.py), once per message:
the reading is unique per message, so a retried event finds it and does nothing again."""

from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.notifications import notify
from firstcall.assistant import services as assistant
from firstcall.assistant.engine import actions as planned
from firstcall.assistant.engine.drafting import DraftFacts
from firstcall.assistant.models import ApprovalMode, Draft, ReplyReading
from firstcall.cadences import services as cadences
from firstcall.compliance import services as compliance
from firstcall.compliance.engine import gate
from firstcall.integrations.calendar.services import booking_url
from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message
from firstcall.messaging.services import opt_out_address, queue_message
from firstcall.pipeline.models import Task
from firstcall.pipeline.services import move_stage
from firstcall.pipeline.tasks_service import create_task

DEFAULT_ZONE = "America/New_York"


def on_message_received(event) -> dict:
    message = Message.objects.filter(pk=event.payload["message_id"]).first()
    if message is None or message.direction != Message.Direction.INBOUND or not message.lead_id:
        return {"outcome": "skipped", "why": "not an inbound message on a lead"}
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("organisation", "owner")
            .get(pk=message.lead_id)
        )
        return understand_reply(lead, message)


def _zone_of(lead: Lead) -> ZoneInfo:
    for name in (lead.time_zone, getattr(lead.organisation, "time_zone", ""), DEFAULT_ZONE):
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError):
                continue
    return ZoneInfo(DEFAULT_ZONE)


def understand_reply(lead: Lead, message: Message) -> dict:
    zone = _zone_of(lead)
    reading, actions, is_new = assistant.read_inbound(
        organisation=lead.organisation,
        lead=lead,
        message_id=message.pk,
        text=message.body,
        channel=message.channel,
        received_at=message.created_at,
        time_zone=zone.key,
    )
    if not is_new:
        return {"outcome": "already read", "reading_id": reading.pk}
    record_event(
        lead,
        TimelineEvent.Kind.MESSAGE,
        f"Reply read as \u201c{reading.label}\u201d ({reading.confidence:.0%} sure). {reading.reason}"[:300],
        data={"reading_id": reading.pk, "intent": reading.intent, "message_id": message.pk},
    )
    for action in actions:
        outcome = _apply(action, lead, reading, message, zone)
        assistant.record_action(reading, action.kind, outcome, action.detail)
    draft = draft_answer(lead, reading, message.body, zone)
    sent = _send_if_allowed(draft, lead) if draft else None
    return {
        "outcome": "read",
        "reading_id": reading.pk,
        "intent": reading.intent,
        "actions": [action.kind for action in actions],
        "draft_id": draft.pk if draft else None,
        "sent_message_id": sent,
    }


# --- actions ------------------------------------------------------------------------------------------------


def _acting_user(lead: Lead):
    return lead.owner


def _apply(action: planned.PlannedAction, lead: Lead, reading: ReplyReading, message: Message, zone) -> str:
    owner = _acting_user(lead)
    if action.kind == planned.CALL_TASK:
        if owner is None:
            return "no owner to call"
        at = action.at
        decision = compliance.preview_call(lead, at)
        if decision.outcome == gate.HOLD and decision.until:
            at = (
                decision.until
            )  # the borrower's time falls outside the calling window: the first time inside it
        elif decision.outcome == gate.REFUSE:
            notify(
                owner,
                kind="assistant",
                title="Call requested but not allowed",
                body=decision.summary,
                lead=lead,
            )
            return f"refused: {decision.summary}"
        create_task(
            lead.organisation,
            title=f"Call {lead.first_name or 'the borrower'} back (asked by text)",
            created_by=owner,
            assignee=owner,
            lead=lead,
            due_at=at,
            kind=Task.Kind.CALL,
            notes=f"\u201c{message.body[:200]}\u201d",
        )
        local = at.astimezone(zone).strftime("%a %b %-d, %-I:%M %p %Z")
        return f"call task due {local}"
    if action.kind == planned.PAUSE_AND_RESTART:
        paused = 0
        for enrolment in cadences.open_enrolments_for(lead):
            paused += bool(cadences.pause_enrolment(enrolment, note=f"Borrower: not now. {action.detail}"))
        if owner is not None:
            create_task(
                lead.organisation,
                title=f"Restart follow-up with {lead.first_name or 'the borrower'}",
                created_by=owner,
                assignee=owner,
                lead=lead,
                due_at=action.at,
                kind=Task.Kind.FOLLOW_UP,
                notes=action.detail,
            )
        return f"{paused} follow-up(s) paused until {action.at.astimezone(zone):%b %-d, %Y}"
    if action.kind == planned.STOP_AND_LOSE:
        cadences.stop_lead_enrolments(lead, reason="replied", detail=action.lost_reason)
        lost = (
            Stage.objects.filter(pipeline_id=lead.pipeline_id, outcome=Stage.Outcome.LOST)
            .order_by("position")
            .first()
        )
        if lost is not None and lead.stage_id != lost.pk:
            move_stage(lead, lost, actor=None, lost_reason=action.lost_reason)
        return f"lost: {action.lost_reason}"
    if action.kind == planned.REVOKE_NUMBER:
        opt_out_address(
            lead.organisation,
            "sms",
            lead.phone,
            reason="manual",
            how="wrong number reply",
            source_message=message,
        )
        record_event(
            lead, TimelineEvent.Kind.CONSENT_REVOKED, "Wrong number: consent for this number revoked."
        )
        if owner is not None:
            notify(
                owner,
                kind="assistant",
                title="Wrong number",
                body="Check the lead's phone number.",
                lead=lead,
            )
        return "consent revoked for the number"
    if owner is None:
        return "no owner to alert"
    titles = {
        planned.SEND_BOOKING_LINK: "Wants to meet",
        planned.ALERT_WITH_SUGGESTION: "Asked about rates",
        planned.CHECK_DOCUMENTS: "Says documents were sent",
        planned.ALERT: "Replied",
    }
    notify(owner, kind="assistant", title=f"{lead.first_name or 'Borrower'}: {titles[action.kind]}",
           body=message.body[:200], lead=lead)  # fmt: skip
    if action.kind == planned.CHECK_DOCUMENTS:
        create_task(
            lead.organisation,
            title="Check the documents the borrower sent",
            created_by=owner,
            assignee=owner,
            lead=lead,
            due_at=timezone.now(),
            kind=Task.Kind.DOCUMENT,
        )
    return "loan officer alerted"


# --- drafts -------------------------------------------------------------------------------------------------


def facts_for(lead: Lead, reading: ReplyReading, zone) -> DraftFacts:
    owner = lead.owner
    officer = (owner.get_full_name() or owner.get_username()) if owner else lead.organisation.name
    booking = booking_url(owner, lead) if owner is not None else ""
    figures = tuple(
        str(value)
        for value in (lead.purchase_price, lead.down_payment, lead.property_value, lead.loan_balance)
        if value is not None
    )
    facts = DraftFacts(
        first_name=lead.first_name,
        officer_name=officer,
        language=reading.language,
        purpose=lead.purpose,
        booking_link=booking,
        figures=figures,
        officer_nmls=getattr(owner, "nmls_id", "") or "",
        company_name=lead.organisation.name,
        company_nmls=compliance.company_nmls_id(lead.organisation),
    )
    return assistant.with_when(facts, reading, zone)


def draft_gate(lead: Lead, channel: str) -> dict:
    address = lead.phone if channel == "sms" else lead.email
    touch = compliance.build_touch(
        lead.organisation, lead, channel=channel, kind="manual", address=address, at=timezone.now()
    )
    return gate.decide(touch).as_dict()


def draft_answer(lead: Lead, reading: ReplyReading, borrower_text: str, zone) -> Draft | None:
    channel = reading.channel if reading.channel in ("sms", "email") else "sms"
    facts = facts_for(lead, reading, zone)
    return assistant.prepare_draft(
        reading,
        facts,
        borrower_text=borrower_text,
        channel=channel,
        gate=draft_gate(lead, channel),
        office_hours_now=_office_hours_now(lead, zone),
    ) if assistant.needs_answer(reading.final_intent) else None  # fmt: skip


def _office_hours_now(lead: Lead, zone) -> bool:
    chosen = assistant.settings_for(lead.organisation)
    local = timezone.now().astimezone(zone)
    return local.weekday() < 5 and chosen.office_opens <= local.time() < chosen.office_closes


def _send_if_allowed(draft: Draft, lead: Lead) -> int | None:
    if draft.status != Draft.Status.WAITING or draft.approval_mode == ApprovalMode.APPROVE:
        return None
    return send_draft(draft, lead, user=None)


def send_draft(draft: Draft, lead: Lead, *, user, body: str | None = None) -> int:
    """Queue an approved draft through the outbox (its gate holds or refuses it like any other text)."""
    message = queue_message(
        lead,
        draft.channel,
        body if body is not None else draft.body,
        subject="Re: your home loan" if draft.channel == "email" else None,
        purpose=Message.Purpose.MANUAL,
        is_marketing=False,
        sent_by=user,
        idempotency_key=f"assistant-draft:{draft.pk}",
    )
    assistant.mark_sent(draft, message_id=message.pk, user=user)
    who = "sent on its own (allowed for this kind of reply)" if user is None else f"approved by {user}"
    record_event(lead, TimelineEvent.Kind.MESSAGE, f"Drafted reply {who}.", actor=user,
                 data={"draft_id": draft.pk, "message_id": message.pk})  # fmt: skip
    return message.pk


def preview_draft(lead: Lead) -> dict:
    """What would be drafted for the lead's latest reply right now, without storing or sending anything."""
    from firstcall.assistant.engine.drafting import check_draft, template_draft

    reading = ReplyReading.objects.filter(lead=lead).order_by("-received_at").first()
    if reading is None:
        return {"lead": lead.pk, "draft": None, "reason": "The borrower has not replied yet."}
    zone = _zone_of(lead)
    intent = reading.final_intent
    if not assistant.needs_answer(intent):
        return {"lead": lead.pk, "intent": intent, "draft": None, "reason": "This reply needs no answer."}
    facts = facts_for(lead, reading, zone)
    channel = reading.channel if reading.channel in ("sms", "email") else "sms"
    body = template_draft(intent, facts)
    checks = check_draft(body, facts, channel=channel, gate=draft_gate(lead, channel),
                         content_findings=assistant.content_findings(body))  # fmt: skip
    return {
        "lead": lead.pk,
        "intent": intent,
        "language": facts.language,
        "channel": channel,
        "draft": body,
        "guardrails": checks.as_list(),
        "sendable": checks.passed,
    }


def seed_reply_examples(organisation, limit: int = 12) -> int:
    """For the demo: read the borrowers' latest replies now (as the worker would have), so readings, actions and
    drafts waiting for approval are there when an evaluator signs in."""
    replies = (
        Message.objects.filter(
            organisation=organisation, direction=Message.Direction.INBOUND, lead__isnull=False
        )
        .exclude(keyword="opt_out")
        .order_by("-created_at")[:limit]
    )
    read = 0
    for message in replies:
        lead = Lead.objects.select_related("organisation", "owner").get(pk=message.lead_id)
        read += understand_reply(lead, message).get("outcome") == "read"
    return read
