"""Cadence enrolment: which cadence a lead enters (on capture, on entering a stage, by hand or in bulk), the plan
of its steps, scheduling the next step, and every way an enrolment stops (reply, opt-out, stage change, human
contact, removal). Step execution is in execution.py; editing cadences in editing.py.

Stops (reply, stage change, opt-out, removal) take the enrolment's row lock, cancel the waiting run and
withdraw cadence messages not yet sent, so a step that was claimed before the stop does nothing after it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from firstcall.cadences import engine
from firstcall.cadences.models import (
    CadenceSettings,
    CadenceStep,
    CadenceVersion,
    CallTask,
    Enrolment,
    StepRun,
)
from firstcall.compliance import services as compliance_services
from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.leads.timeline import record_event

logger = logging.getLogger(__name__)

Status = StepRun.Status
Kind = CadenceStep.Kind
OPEN = Enrolment.OPEN_STATUSES
# Retries of a step that raised: quick, then patient. After the last one the step is marked failed and the
# cadence moves on, so one broken template never strands a lead.
RETRY_DELAYS_SECONDS = (30, 120, 600, 1800)
# Steps that follow each other without a wait are run back to back, up to this many per call.
MAX_CHAIN = 20


def step_lease() -> timedelta:
    """How long a worker may hold a claimed step before the sweep assumes it died and reclaims it."""
    return timedelta(seconds=float(getattr(settings, "CADENCE_STEP_LEASE_SECONDS", 120)))


def max_attempts() -> int:
    return int(getattr(settings, "CADENCE_MAX_ATTEMPTS", 5))


def sweep_budget_seconds() -> float:
    """One sweep executes due steps for at most this long, so the other sweeps of the worker still run."""
    return float(getattr(settings, "CADENCE_SWEEP_BUDGET_SECONDS", 20))


def sweep_batch_size() -> int:
    return int(getattr(settings, "CADENCE_SWEEP_BATCH", 100))


class EnrolmentRefused(Exception):
    """Why a lead cannot be enrolled (already in a cadence, cadence off, lead closed...)."""


# ------------------------------------------------------------------------------------------- facts and plans


def lead_zone(lead: Lead):
    return engine.zone_or(lead.time_zone, lead.organisation.time_zone)


def calendar_for(organisation):
    from firstcall.routing.services import business_hours_for

    return business_hours_for(organisation)


def segment_of(lead: Lead) -> engine.Segment:
    return engine.Segment(
        pipeline_kind=lead.pipeline.kind if lead.pipeline_id else "",
        purpose=lead.purpose or "",
        loan_type=lead.loan_type or "",
        source_id=lead.source_id,
        stage=lead.stage.name if lead.stage_id else "",
        score_tier=lead.score_tier or "",
        language=(lead.preferred_language or "en").split("-")[0],
    )


def rules_of(cadence) -> engine.Rules:
    return engine.Rules(
        pipeline_kind=cadence.pipeline_kind,
        purposes=tuple(cadence.purposes or ()),
        loan_types=tuple(cadence.loan_types or ()),
        source_ids=tuple(cadence.source_ids or ()),
        stages=tuple(cadence.stages or ()),
        score_tiers=tuple(cadence.score_tiers or ()),
        languages=tuple(cadence.languages or ()),
    )


def to_plan_step(step: CadenceStep) -> engine.PlanStep:
    wait = (
        engine.Wait(step.wait_amount, step.wait_unit, step.at_local_time) if step.kind == Kind.WAIT else None
    )
    return engine.PlanStep(step.position, step.key, step.kind, wait)


# Published versions never change, so their steps are cached per process (a draft is never executed). The key
# includes the publication time, so a version id reused after a database restore is not mistaken for another.
_published_steps: dict[tuple[int, datetime], list[CadenceStep]] = {}
_CACHE_LIMIT = 500


def steps_of(version_id: int) -> list[CadenceStep]:
    published_at = CadenceVersion.objects.filter(pk=version_id).values_list("published_at", flat=True).first()
    cached = _published_steps.get((version_id, published_at)) if published_at else None
    if cached is not None:
        return cached
    steps = list(CadenceStep.objects.filter(version_id=version_id).order_by("position"))
    if published_at is not None:
        if len(_published_steps) >= _CACHE_LIMIT:
            _published_steps.clear()
        _published_steps[(version_id, published_at)] = steps
    return steps


def forget_cached_steps() -> None:
    _published_steps.clear()


def _load_lead(lead_id: int) -> Lead:
    # The encrypted income fields are never needed here: deferring them skips their decryption.
    return (
        Lead.objects.select_related("organisation", "owner", "stage", "pipeline", "source")
        .defer("annual_income", "monthly_debts")
        .get(pk=lead_id)
    )


# -------------------------------------------------------------------------------------------- scheduling


def _schedule_from(enrolment: Enrolment, position: int, start: datetime, lead: Lead) -> StepRun | None:
    """Create the run of the next non-wait step at or after ``position`` (waits add up into its due time),
    or complete the enrolment when the plan is over."""
    steps = steps_of(enrolment.cadence_version_id)
    plan = [to_plan_step(step) for step in steps]
    nxt = engine.plan_next(plan, position, start, lead_zone(lead), calendar_for(lead.organisation))
    if nxt.position is None:
        _complete(enrolment, lead, detail="all steps done")
        return None
    step = steps[nxt.position]
    run = StepRun.objects.create(enrolment=enrolment, step=step, due_at=nxt.due_at, created_at=timezone.now())
    Enrolment.objects.filter(pk=enrolment.pk).update(current_step=step, next_step_at=nxt.due_at)
    enrolment.current_step, enrolment.next_step_at = step, nxt.due_at
    if nxt.due_at <= timezone.now() + timedelta(seconds=1):
        transaction.on_commit(partial(enqueue_step, run.pk), robust=True)
    return run


def enqueue_step(step_run_id: int) -> None:
    """Best effort: when the queue is unavailable the sweep runs the step anyway."""
    from firstcall.cadences.tasks import run_due_step

    try:
        run_due_step.enqueue(step_run_id)
    except Exception:
        logger.exception("Could not enqueue cadence step run %s; the sweep will run it", step_run_id)


def _complete(enrolment: Enrolment, lead: Lead, *, detail: str) -> None:
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk, status=Enrolment.Status.ACTIVE).update(
        status=Enrolment.Status.COMPLETED,
        ended_at=now,
        next_step_at=None,
        current_step=None,
        stop_detail=detail,
    )
    enrolment.status = Enrolment.Status.COMPLETED
    record_event(
        Lead(pk=lead.pk),
        TimelineEvent.Kind.CADENCE,
        f"Cadence {enrolment.cadence.name} completed ({detail})",
        data={"enrolment_id": enrolment.pk, "cadence_id": enrolment.cadence_id, "status": "completed"},
    )


# --------------------------------------------------------------------------------------------- enrolment


def _open_enrolments(lead: Lead):
    return Enrolment.objects.filter(lead_id=lead.pk, status__in=OPEN)


def sending_limits(organisation) -> CadenceSettings:
    """The organisation's own per-borrower caps on cadence messages (created with the defaults on first use)."""
    limits, _ = CadenceSettings.objects.get_or_create(organisation=organisation)
    return limits


def save_sending_limits(organisation, *, max_texts_per_day, max_emails_per_week) -> None:
    CadenceSettings.objects.filter(pk=sending_limits(organisation).pk).update(
        max_texts_per_day=max_texts_per_day,
        max_emails_per_week=max_emails_per_week,
        updated_at=timezone.now(),
    )


def enrol(
    lead: Lead,
    cadence,
    *,
    actor=None,
    how: str = "manual",
    replace: bool = False,
    now: datetime | None = None,
) -> Enrolment:
    """Put a lead on the cadence's published version and schedule its first step. Raises EnrolmentRefused."""
    now = now or timezone.now()
    if cadence.organisation_id != lead.organisation_id:
        raise EnrolmentRefused("That cadence belongs to another organisation.")
    if not cadence.is_active:
        raise EnrolmentRefused(f"{cadence.name} is turned off.")
    if cadence.current_version_id is None:
        raise EnrolmentRefused(f"{cadence.name} has no published version yet.")
    if lead.stage.is_closed and cadence.stop_when_closed:
        raise EnrolmentRefused(
            f"The lead is {lead.stage.name.lower()}; {cadence.name} stops for closed leads."
        )
    with transaction.atomic():
        # Lock the lead's open enrolments (and, by the unique constraint, any racing insert) for this change.
        existing = list(_open_enrolments(lead).select_for_update(of=("self",)).select_related("cadence"))
        if any(enrolment.cadence_id == cadence.pk for enrolment in existing):
            raise EnrolmentRefused(f"The lead is already in {cadence.name}.")
        exclusive = not cadence.allows_parallel
        blocking = [e for e in existing if exclusive and e.is_exclusive and e.pipeline_id == lead.pipeline_id]
        if blocking and not replace:
            names = ", ".join(e.cadence.name for e in blocking)
            raise EnrolmentRefused(f"The lead is already in {names}. Remove it first, or replace it.")
        for other in blocking:
            _end(
                other,
                Enrolment.Status.STOPPED,
                Enrolment.StopReason.REPLACED,
                f"replaced by {cadence.name}",
                actor=actor,
                now=now,
            )
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    organisation_id=lead.organisation_id,
                    lead=lead,
                    cadence=cadence,
                    cadence_version_id=cadence.current_version_id,
                    pipeline_id=lead.pipeline_id,
                    is_exclusive=exclusive,
                    enrolled_at=now,
                    enrolled_by=actor,
                    enrolled_how=how[:60],
                )
        except IntegrityError as error:
            raise EnrolmentRefused("The lead was just enrolled in another cadence.") from error
        version = cadence.current_version.number if cadence.current_version_id else 0
        record_event(
            lead,
            TimelineEvent.Kind.CADENCE,
            f"Enrolled in cadence {cadence.name} (version {version}, {how})",
            actor=actor,
            data={"enrolment_id": enrolment.pk, "cadence_id": cadence.pk, "version": version, "how": how},
        )
        _schedule_from(enrolment, 0, now, lead)
    return enrolment


def matching_cadences(lead: Lead, *, trigger: str):
    """Active cadences with this trigger whose rules fit the lead, best (lowest priority number) first."""
    from firstcall.cadences.models import Cadence

    segment = segment_of(lead)
    candidates = Cadence.objects.filter(
        organisation_id=lead.organisation_id, is_active=True, trigger=trigger, current_version__isnull=False
    ).order_by("priority", "id")
    return [cadence for cadence in candidates if not engine.rule_mismatches(rules_of(cadence), segment)]


def _auto_enrol(lead: Lead, *, trigger: str, how: str, replace: bool = False) -> list[Enrolment]:
    enrolled = []
    took_exclusive = False
    for cadence in matching_cadences(lead, trigger=trigger):
        if not cadence.allows_parallel and took_exclusive:
            continue
        try:
            enrolled.append(enrol(lead, cadence, how=how, replace=replace))
        except EnrolmentRefused as refusal:
            logger.info("Lead %s not auto-enrolled in cadence %s: %s", lead.pk, cadence.pk, refusal)
            continue
        took_exclusive = took_exclusive or not cadence.allows_parallel
    return enrolled


def enrol_new_lead(lead: Lead) -> list[Enrolment]:
    """The capture hook: enrol a new lead in the first matching capture cadence (and any parallel ones)."""
    return _auto_enrol(lead, trigger="capture", how="capture rule")


@dataclass
class BulkResult:
    enrolled: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def bulk_enrol(leads, cadence, actor, *, replace: bool = False) -> BulkResult:
    """Enrol many leads; each one on its own (one refusal does not stop the rest). The actor must be allowed
    to manage each lead's enrolment, else it is skipped and left unchanged."""
    from firstcall.cadences.access import can_manage_enrolment

    result = BulkResult()
    for lead in leads:
        if actor is not None and not can_manage_enrolment(actor, lead):
            result.skipped[lead.pk] = "You may not change this lead's cadence."
            continue
        try:
            enrol(lead, cadence, actor=actor, how="bulk", replace=replace)
        except EnrolmentRefused as refusal:
            result.skipped[lead.pk] = str(refusal)
        else:
            result.enrolled.append(lead.pk)
    return result


def _withdraw_unsent_messages(enrolment: Enrolment, reason: str) -> int:
    """Cadence messages queued or held (e.g. until 8 a.m.) but not yet sent are not sent after a stop.

    Hook candidate for messaging (a ``withdraw_messages(ids, reason)`` there would own these two writes); a
    message already being sent is past stopping and goes out."""
    from firstcall.messaging.models import Message, SendDecision

    message_ids = list(
        StepRun.objects.filter(enrolment=enrolment, message__isnull=False)
        .filter(message__status__in=Message.SENDABLE_STATUSES)
        .values_list("message_id", flat=True)
    )
    if not message_ids:
        return 0
    now = timezone.now()
    withdrawn = list(
        Message.objects.filter(pk__in=message_ids, status__in=Message.SENDABLE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    Message.objects.filter(pk__in=withdrawn, status__in=Message.SENDABLE_STATUSES).update(
        status=Message.Status.SUPPRESSED, status_reason=reason[:500], updated_at=now
    )
    SendDecision.objects.bulk_create(
        SendDecision(message_id=pk, outcome=SendDecision.Outcome.SUPPRESSED, reasons=[reason], decided_at=now)
        for pk in withdrawn
    )
    return len(withdrawn)


def _end(enrolment: Enrolment, status: str, reason: str, detail: str, *, actor=None, now=None) -> bool:
    """Stop an open enrolment (caller holds its lock): cancel the waiting run, withdraw unsent messages, and
    say so on the timeline."""
    now = now or timezone.now()
    updated = Enrolment.objects.filter(pk=enrolment.pk, status__in=OPEN).update(
        status=status,
        stop_reason=reason,
        stop_detail=detail[:300],
        ended_at=now,
        ended_by=actor,
        next_step_at=None,
    )
    if not updated:
        return False
    enrolment.status, enrolment.stop_reason = status, reason
    StepRun.objects.filter(enrolment=enrolment, status__in=StepRun.WAITING_STATUSES).update(
        status=Status.CANCELLED, finished_at=now, notes=f"cadence stopped: {detail}"[:500]
    )
    withdrawn = _withdraw_unsent_messages(enrolment, f"cadence stopped: {detail}")
    label = Enrolment.StopReason(reason).label if reason else status
    summary = f"Cadence {enrolment.cadence.name} stopped: {label.lower()}"
    if detail and detail.lower() != label.lower():
        summary += f" ({detail})"
    if withdrawn:
        summary += f"; {withdrawn} unsent message{'s' if withdrawn > 1 else ''} withdrawn"
    record_event(
        Lead(pk=enrolment.lead_id),
        TimelineEvent.Kind.CADENCE,
        summary,
        actor=actor,
        data={
            "enrolment_id": enrolment.pk,
            "cadence_id": enrolment.cadence_id,
            "status": status,
            "reason": reason,
            "detail": detail[:300],
            "withdrawn_messages": withdrawn,
        },
    )
    return True


def stop_enrolment(enrolment: Enrolment, *, reason: str, detail: str = "", actor=None) -> bool:
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update(of=("self",)).select_related("cadence").get(pk=enrolment.pk)
        )
        stopped = _end(
            locked,
            Enrolment.Status.STOPPED,
            reason,
            detail or Enrolment.StopReason(reason).label,
            actor=actor,
        )
    enrolment.refresh_from_db()
    return stopped


def stop_lead_enrolments(lead: Lead, *, reason: str, detail: str, actor=None, only=None) -> int:
    """Stop every open enrolment of the lead (or those ``only`` accepts)."""
    stopped = 0
    with transaction.atomic():
        for enrolment in _open_enrolments(lead).select_for_update(of=("self",)).select_related("cadence"):
            if only is not None and not only(enrolment):
                continue
            stopped += _end(enrolment, Enrolment.Status.STOPPED, reason, detail, actor=actor)
    return stopped


def pause_enrolment(enrolment: Enrolment, *, actor=None, note: str = "") -> bool:
    """The owner pauses: nothing more is sent until resumed; the step that was waiting is remembered."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update(of=("self",)).select_related("cadence").get(pk=enrolment.pk)
        )
        if locked.status != Enrolment.Status.ACTIVE:
            return False
        waiting = locked.step_runs.filter(status__in=StepRun.WAITING_STATUSES).first()
        Enrolment.objects.filter(pk=locked.pk).update(
            status=Enrolment.Status.PAUSED,
            paused_at=now,
            current_step_id=waiting.step_id if waiting else locked.current_step_id,
            next_step_at=waiting.due_at if waiting else locked.next_step_at,
        )
        StepRun.objects.filter(enrolment=locked, status__in=StepRun.WAITING_STATUSES).update(
            status=Status.CANCELLED, finished_at=now, notes="paused"
        )
        withdrawn = _withdraw_unsent_messages(locked, "cadence paused")
        summary = f"Cadence {locked.cadence.name} paused"
        if note:
            summary += f": {note}"
        if withdrawn:
            summary += f"; {withdrawn} unsent message{'s' if withdrawn > 1 else ''} withdrawn"
        record_event(
            Lead(pk=locked.lead_id),
            TimelineEvent.Kind.CADENCE,
            summary,
            actor=actor,
            data={"enrolment_id": locked.pk, "status": "paused"},
        )
    enrolment.refresh_from_db()
    return True


def resume_enrolment(enrolment: Enrolment, *, actor=None) -> bool:
    """Continue from the step that was waiting: at its planned time, or now when that has passed."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update(of=("self",)).select_related("cadence").get(pk=enrolment.pk)
        )
        if locked.status != Enrolment.Status.PAUSED:
            return False
        lead = _load_lead(locked.lead_id)
        if lead.stage.is_closed and locked.cadence.stop_when_closed:
            _end(
                locked,
                Enrolment.Status.STOPPED,
                Enrolment.StopReason.STAGE_CHANGED,
                f"lead is {lead.stage.name.lower()}",
                actor=actor,
            )
            enrolment.refresh_from_db()
            return False
        try:
            with transaction.atomic():
                Enrolment.objects.filter(pk=locked.pk).update(status=Enrolment.Status.ACTIVE, paused_at=None)
        except IntegrityError as error:
            raise EnrolmentRefused(
                "The lead is in another cadence now; remove it from that one first."
            ) from error
        locked.status = Enrolment.Status.ACTIVE
        record_event(
            lead,
            TimelineEvent.Kind.CADENCE,
            f"Cadence {locked.cadence.name} resumed",
            actor=actor,
            data={"enrolment_id": locked.pk, "status": "active"},
        )
        if locked.current_step_id is None:
            _complete(locked, lead, detail="nothing left to do")
        else:
            due = max(locked.next_step_at or now, now)
            run = StepRun.objects.create(enrolment=locked, step_id=locked.current_step_id, due_at=due)
            Enrolment.objects.filter(pk=locked.pk).update(next_step_at=due)
            if due <= now + timedelta(seconds=1):
                transaction.on_commit(partial(enqueue_step, run.pk), robust=True)
    enrolment.refresh_from_db()
    return True


def remove_enrolment(enrolment: Enrolment, *, actor=None) -> bool:
    who = f"by {actor.get_full_name() or actor.username}" if actor is not None else "through the API"
    return stop_enrolment(
        enrolment, reason=Enrolment.StopReason.REMOVED, detail=f"removed {who}", actor=actor
    )


# ------------------------------------------------------------------------------------------------- hooks


def on_borrower_reply(lead: Lead, message) -> None:
    """Every inbound message from a borrower (text or email): stop cadences that stop on a reply, count it as
    engagement for the score, and alert the owner. Called by messaging.services.on_inbound_reply."""
    from firstcall.accounts.notifications import lead_url, notify
    from firstcall.leads.scoring_service import rescore_lead

    channel = {"sms": "text", "portal": "portal message"}.get(message.channel, "email")
    keyword = f" ({message.keyword.replace('_', ' ')})" if getattr(message, "keyword", "") else ""
    stop_lead_enrolments(
        lead,
        reason=Enrolment.StopReason.REPLIED,
        detail=f"borrower replied by {channel}{keyword}",
        only=lambda enrolment: enrolment.cadence.stop_on_reply,
    )
    lead = _load_lead(lead.pk)
    rescore_lead(lead, trigger="reply")
    if lead.owner_id:
        preview = (message.body or "").strip().replace("\n", " ")
        notify(
            lead.owner,
            kind="reply",
            title=f"{lead.full_name or 'A borrower'} replied by {channel}{keyword}",
            body=preview[:300],
            lead=lead,
            url=lead_url(lead),
        )


def on_opt_out(lead: Lead, channel: str) -> int:
    """The borrower opted out (STOP, unsubscribe link, confirmed free-text revocation): every open cadence of
    the lead stops. Called by messaging.services.opt_out_address for each lead with the address."""
    label = "texts" if channel == "sms" else "email"
    return stop_lead_enrolments(lead, reason=Enrolment.StopReason.OPTED_OUT, detail=f"opted out of {label}")


def _stops_on(cadence, stage: Stage) -> str | None:
    if stage.is_closed and cadence.stop_when_closed:
        return f"moved to {stage.name}"
    if stage.name.casefold() in {name.casefold() for name in cadence.stop_on_stages or ()}:
        return f"moved to {stage.name}"
    if cadence.stop_when_leaving_stages and cadence.stages:
        if stage.name.casefold() not in {name.casefold() for name in cadence.stages}:
            return f"left {', '.join(cadence.stages)} for {stage.name}"
    return None


def on_stage_changed(lead: Lead, old_stage: Stage | None, new_stage: Stage, *, actor=None) -> None:
    """Stop cadences whose stop rules the new stage meets, then enrol in stage-triggered cadences for it.
    Called by whatever moves a lead's stage (pipeline/workspace), in its transaction, after saving."""
    with transaction.atomic():
        for enrolment in _open_enrolments(lead).select_for_update(of=("self",)).select_related("cadence"):
            why = _stops_on(enrolment.cadence, new_stage)
            if why:
                _end(
                    enrolment, Enrolment.Status.STOPPED, Enrolment.StopReason.STAGE_CHANGED, why, actor=actor
                )
        if old_stage is None or old_stage.pk != new_stage.pk:
            lead = _load_lead(lead.pk)
            _auto_enrol(lead, trigger="stage", how=f"entered {new_stage.name}", replace=True)


def on_human_contact(lead: Lead, *, how: str, actor=None) -> int:
    """A person reached the borrower (a call task marked 'talked'): automatic follow-up has done its job."""
    return stop_lead_enrolments(lead, reason=Enrolment.StopReason.TALKED, detail=how, actor=actor)


# -------------------------------------------------------------------------------------------- call tasks


def complete_call_task(task: CallTask, *, outcome: str, actor, notes: str = "") -> bool:
    """Mark a call task done. Talking to the borrower is human contact (SLA) and stops the cadence."""
    from firstcall.routing.services import record_human_contact

    if outcome not in CallTask.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}")
    now = timezone.now()
    with transaction.atomic():
        updated = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.OPEN).update(
            status=CallTask.Status.DONE,
            outcome=outcome,
            done_at=now,
            done_by=actor,
            notes=(f"{task.notes}\n{notes}".strip() if notes else task.notes),
        )
        if not updated:
            return False
        lead = _load_lead(task.lead_id)
        # The call was made: the cap counts it at the time of the call (calls and texts together).
        compliance_services.record_call_task_done(lead.organisation, lead, task.pk, at=now)
        record_event(
            lead,
            TimelineEvent.Kind.CALL,
            f"Call task done: {CallTask.Outcome(outcome).label.lower()}"
            + (f" ({notes[:150]})" if notes else ""),
            actor=actor,
            data={"call_task_id": task.pk, "outcome": outcome},
        )
        if outcome == CallTask.Outcome.CONNECTED:
            record_human_contact(lead, at=now, actor=actor, how="call task: talked to the borrower")
            on_human_contact(lead, how="talked to the borrower on a call", actor=actor)
    task.refresh_from_db()
    return True


# ---------------------------------------------------------------------------------------------- lead page


def _placeholders_in_words(text: str) -> str:
    """A step's title as a person reads it in the editor: `{{ borrower.full_name }}` -> [borrower's full name]."""
    return re.sub(
        r"\{\{\s*(\w+)\.(\w+)[^}]*\}\}",
        lambda match: f"[{match.group(1)}'s {match.group(2).replace('_', ' ')}]",
        text or "",
    )


def describe_step(step: CadenceStep) -> str:
    if step.kind in (Kind.SEND_SMS, Kind.SEND_EMAIL):
        what = "Text" if step.kind == Kind.SEND_SMS else "Email"
        if step.template_id:
            return f"{what} “{step.template.name}”"
        preview = (step.subject or step.body or "").strip().replace("\n", " ")
        return f"{what} “{preview[:50]}{'…' if len(preview) > 50 else ''}”"
    if step.kind == Kind.CALL_TASK:
        return f"Call task: {_placeholders_in_words(step.body)[:80]}"
    if step.kind == Kind.WAIT:
        return engine.describe_wait(engine.Wait(step.wait_amount, step.wait_unit, step.at_local_time))
    if step.kind == Kind.BRANCH:
        condition = CadenceStep.ConditionField(step.condition_field).label if step.condition_field else "?"
        values = f" {', '.join(step.condition_values)}" if step.condition_values else ""
        negation = "not " if step.condition_negate else ""
        target = "jump ahead" if step.jump_to_key else "end the cadence"
        return f"If {negation}{condition.lower()}{values}: {target}"
    if step.kind == Kind.MOVE_STAGE:
        return f"Move to stage {step.stage_name}"
    if step.kind == Kind.NOTIFY_OWNER:
        return f"Notify the owner: {_placeholders_in_words(step.body)[:80]}"
    return step.get_kind_display()


def next_step_for(lead: Lead) -> tuple[str, datetime | None] | None:
    """(what happens next, when) for the lead page; None when the lead is in no open cadence."""
    enrolments = list(_open_enrolments(lead).select_related("cadence", "current_step__template"))
    if not enrolments:
        return None
    runs = list(
        StepRun.objects.filter(enrolment__in=enrolments, status__in=StepRun.UNFINISHED_STATUSES)
        .select_related("step__template", "enrolment__cadence")
        .order_by("due_at")
    )
    if runs:
        run = runs[0]
        return f"{describe_step(run.step)} ({run.enrolment.cadence.name})", run.due_at
    enrolment = enrolments[0]
    if enrolment.status == Enrolment.Status.PAUSED:
        return f"Paused: {enrolment.cadence.name}", None
    return f"{enrolment.cadence.name}: nothing scheduled", None


def open_enrolments_for(lead: Lead) -> list[Enrolment]:
    return list(_open_enrolments(lead).select_related("cadence", "cadence_version", "current_step__template"))
