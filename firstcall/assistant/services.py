"""The assistant's only writers: read a reply and record it, correct a reading, prepare a draft with its
guardrails, and record what a person decided. Sending and the actions on other apps are composed in
firstcall/flows/reply_understood.py; this module never reaches into another domain app."""

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from firstcall.assistant import provider
from firstcall.assistant.engine import Revocation, read_reply
from firstcall.assistant.engine.actions import PlannedAction, plan_actions
from firstcall.assistant.engine.drafting import INTENTS_TO_ANSWER, DraftFacts, check_draft, template_draft
from firstcall.assistant.engine.model import ReplyModel, shared_model
from firstcall.assistant.models import (
    ApprovalMode,
    AssistantSettings,
    Draft,
    LabelledExample,
    ProviderExchange,
    ReplyReading,
)
from firstcall.assistant.revocation import revocation_of
from firstcall.compliance.engine import adlint


def settings_for(organisation) -> AssistantSettings:
    found, _ = AssistantSettings.objects.get_or_create(organisation=organisation)
    return found


def model_for(organisation_id: int) -> ReplyModel:
    """The shipped model, taught the organisation's own corrected replies when it has any."""
    examples = tuple(
        LabelledExample.objects.filter(organisation_id=organisation_id)
        .order_by("pk")
        .values_list("text", "intent")
    )
    return shared_model(examples)


def read_inbound(
    *,
    organisation,
    lead,
    message_id: int,
    text: str,
    channel: str,
    received_at: datetime,
    time_zone: str,
    revocation: Revocation | None = None,
) -> tuple[ReplyReading, list[PlannedAction], bool]:
    """Read one inbound message once: (reading, planned actions, whether it is new). A second call for the same
    message returns the stored reading and no actions, so a retried event never acts twice."""
    existing = ReplyReading.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, [], False
    reading = read_reply(
        text,
        received_at=received_at,
        time_zone=time_zone,
        revocation=revocation if revocation is not None else revocation_of(text),
        model=model_for(organisation.pk),
    )
    stored = ReplyReading.objects.create(
        organisation=organisation,
        lead=lead,
        message_id=message_id,
        channel=channel,
        received_at=received_at,
        intent=reading.intent,
        confidence=reading.confidence,
        language=reading.language,
        opt_out=reading.opt_out,
        needs_review=reading.needs_review,
        entities=reading.entities,
        reason=reading.reason[:300],
    )
    when = datetime.fromisoformat(reading.entities["when"]) if reading.entities.get("when") else None
    planned = plan_actions(reading.intent, when, received_at, settings_for(organisation).actions_enabled)
    return stored, planned, True


def record_action(reading: ReplyReading, kind: str, outcome: str, detail: str) -> None:
    reading.actions = [*reading.actions, {"kind": kind, "outcome": outcome, "detail": detail}]
    ReplyReading.objects.filter(pk=reading.pk).update(actions=reading.actions)


@transaction.atomic
def correct_intent(reading: ReplyReading, intent: str, user, text: str) -> ReplyReading:
    """A person's one-click correction: kept on the reading and as a labelled example for retraining."""
    reading.corrected_intent = intent if intent != reading.intent else ""
    reading.corrected_by = user
    reading.corrected_at = timezone.now()
    reading.needs_review = False
    reading.save(update_fields=["corrected_intent", "corrected_by", "corrected_at", "needs_review"])
    LabelledExample.objects.update_or_create(
        reading=reading,
        defaults={
            "organisation_id": reading.organisation_id,
            "text": text,
            "intent": intent,
            "language": reading.language,
            "created_by": user,
        },
    )
    return reading


def content_findings(body: str) -> list[dict]:
    """Advertising-content findings (Regulation Z trigger terms without their disclosures). An answer to the
    borrower's own message carries no marketing footer, so the NMLS check is left to marketing messages."""
    return [finding.as_dict() for finding in adlint.lint(body, check_nmls=False).findings]


def needs_answer(intent: str) -> bool:
    return intent in INTENTS_TO_ANSWER


def prepare_draft(
    reading: ReplyReading,
    facts: DraftFacts,
    *,
    borrower_text: str,
    channel: str,
    gate: dict | None,
    office_hours_now: bool,
) -> Draft | None:
    """The draft answer for a reading, once: from the provider when the organisation allows it and it answers,
    else from the template, with every guardrail's result. None when the intent needs no answer."""
    intent = reading.final_intent
    assistant_settings = settings_for(reading.organisation)
    if not needs_answer(intent) or not assistant_settings.drafts_enabled or reading.lead_id is None:
        return None
    existing = Draft.objects.filter(reading=reading).first()
    if existing is not None:
        return existing
    body, origin, exchange = template_draft(intent, facts), Draft.Origin.TEMPLATE, None
    if assistant_settings.provider_enabled and provider.is_configured():
        answer = provider.draft_with_provider(intent, borrower_text, facts)
        exchange = ProviderExchange(
            organisation_id=reading.organisation_id,
            lead_id=reading.lead_id,
            request=answer.request,
            response=answer.response,
            status=answer.status,
            latency_ms=answer.latency_ms,
        )
        if answer.text:
            body, origin = answer.text, Draft.Origin.PROVIDER
    guardrails = check_draft(body, facts, channel=channel, gate=gate, content_findings=content_findings(body))
    mode = assistant_settings.approval_mode(intent)
    if mode == ApprovalMode.AUTO_AFTER_HOURS and office_hours_now:
        mode = ApprovalMode.APPROVE
    draft = Draft.objects.create(
        organisation_id=reading.organisation_id,
        lead_id=reading.lead_id,
        reading=reading,
        channel=channel,
        language=facts.language,
        body=body,
        origin=origin,
        status=Draft.Status.WAITING if guardrails.passed else Draft.Status.BLOCKED,
        approval_mode=mode,
        guardrails=guardrails.as_list(),
    )
    if exchange is not None:
        exchange.draft = draft
        exchange.save()
    return draft


def recheck_draft(draft: Draft, body: str, facts: DraftFacts, *, gate: dict | None, user) -> Draft:
    """A person edited the draft: the guardrails run again on the new words."""
    guardrails = check_draft(
        body, facts, channel=draft.channel, gate=gate, content_findings=content_findings(body)
    )
    draft.edited = draft.edited or body != draft.body
    draft.body = body
    draft.guardrails = guardrails.as_list()
    draft.status = Draft.Status.WAITING if guardrails.passed else Draft.Status.BLOCKED
    draft.save(update_fields=["body", "guardrails", "status", "edited"])
    return draft


def mark_sent(draft: Draft, *, message_id: int, user) -> Draft:
    draft.status = Draft.Status.SENT
    draft.sent_message_id = message_id
    draft.decided_by = user
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "sent_message_id", "decided_by", "decided_at"])
    return draft


def discard(draft: Draft, user) -> Draft:
    if draft.status in (Draft.Status.WAITING, Draft.Status.BLOCKED):
        draft.status = Draft.Status.DISCARDED
        draft.decided_by = user
        draft.decided_at = timezone.now()
        draft.save(update_fields=["status", "decided_by", "decided_at"])
    return draft


def with_when(facts: DraftFacts, reading: ReplyReading, zone) -> DraftFacts:
    when = reading.entities.get("when")
    return replace(facts, when_local=datetime.fromisoformat(when).astimezone(zone) if when else None)


def save_settings(chosen: AssistantSettings, **values) -> AssistantSettings:
    for name, value in values.items():
        setattr(chosen, name, value)
    chosen.save()
    return chosen


def retrain(organisation) -> dict:
    """Rebuild the organisation's model from the shipped and corrected labels; score it on the held-out split."""
    from firstcall.assistant.engine.model import TEST_FILE, read_labelled

    shared_model.cache_clear()
    model = model_for(organisation.pk)
    held_out = read_labelled(TEST_FILE)
    right = 0
    for reply in held_out:
        readings = read_reply(
            reply.text,
            received_at=timezone.now(),
            time_zone="America/New_York",
            revocation=revocation_of(reply.text),
            model=model,
        )
        right += readings.intent == reply.intent
    examples = LabelledExample.objects.filter(organisation=organisation).count()
    return {"organisation": organisation.pk, "corrected_examples": examples, "held_out": len(held_out),
            "held_out_accuracy": round(right / len(held_out), 4)}  # fmt: skip
