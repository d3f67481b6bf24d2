"""Cadence execution and enrolment: the only code that changes enrolments and step runs.

Life of a step (DESIGN.md §4: the domain table is the truth, tasks are hints):

    enrol()              -> Enrolment + the first StepRun(pending, due_at); waits are folded into due_at
    claim                -> UPDATE ... SET status='claimed', claim_token=<new> WHERE status IN (pending, held)
                            AND due_at <= now: exactly one worker gets each run (PostgreSQL picks candidates
                            with SELECT ... FOR UPDATE SKIP LOCKED, so workers do not queue behind each other)
    execute_claimed()    -> one transaction: lock the enrolment, re-check the run is still ours and the
                            enrolment still active, do the step (queue the message with idempotency key
                            "cadence-step:<run id>", create the call task...), mark the run done and schedule
                            the next one. A crash anywhere rolls all of it back.
    sweep_due_steps()    -> reclaims runs whose worker died (claimed past the lease) and executes due runs

Exactly once: the claim is a conditional UPDATE; execution checks its claim token under the enrolment's row
lock, so a worker that lost its claim to a lease takeover changes nothing; the message key and the call task's
one-to-one link make even a doubled execution produce one message and one task.

Stops (reply, stage change, opt-out, removal) take the same enrolment lock, cancel the waiting run and
withdraw cadence messages not yet sent, so a step that was claimed before the stop does nothing after it.
"""

from __future__ import annotations

import logging
import re
import time as clock
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from firstcall.cadences import engine
from firstcall.cadences.models import (
    CadenceSettings,
    CadenceStep,
    CadenceVersion,
    CallTask,
    Enrolment,
    MessageTemplate,
    StepRun,
)
from firstcall.cadences.personalise import compose, merge_context
from firstcall.cadences.templating import render
from firstcall.leads.models import Lead
from firstcall.pipeline.models import Stage, TimelineEvent
from firstcall.pipeline.services import record_event

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

    channel = "text" if message.channel == "sms" else "email"
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


# --------------------------------------------------------------------------------------------- claiming


def claim_step_run(step_run_id: int, now: datetime | None = None) -> str | None:
    """Take one due run: exactly one caller gets a token (a single conditional UPDATE)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = StepRun.objects.filter(
        pk=step_run_id, status__in=StepRun.WAITING_STATUSES, due_at__lte=now
    ).update(status=Status.CLAIMED, claimed_at=now, claim_token=token, attempts=F("attempts") + 1)
    return token if claimed == 1 else None


def claim_due_step_runs(limit: int, now: datetime | None = None) -> tuple[str, list[int]]:
    """Take up to ``limit`` due runs, oldest first. On PostgreSQL candidates are locked with SKIP LOCKED, so
    concurrent workers take disjoint batches instead of waiting; on SQLite the IMMEDIATE transaction already
    serialises writers."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = StepRun.objects.filter(status__in=StepRun.WAITING_STATUSES, due_at__lte=now).order_by(
            "due_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            claimed = StepRun.objects.filter(pk__in=ids, status__in=StepRun.WAITING_STATUSES).update(
                status=Status.CLAIMED, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
            )
            if claimed != len(ids):  # cannot happen under the locks; be exact anyway
                ids = list(StepRun.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True))
    return token, ids


def release_claims(token: str, ids: list[int]) -> int:
    """Give back runs claimed but not started (a sweep out of time), for another worker right away."""
    if not ids:
        return 0
    return StepRun.objects.filter(pk__in=ids, status=Status.CLAIMED, claim_token=token).update(
        status=Status.PENDING, claimed_at=None, claim_token="", attempts=F("attempts") - 1
    )


def reclaim_expired_claims(now: datetime | None = None) -> int:
    """Runs claimed by a worker that died (past the lease) go back to pending, or fail after too many tries.
    The run's own transaction rolled back with the worker, so re-running it is safe."""
    now = now or timezone.now()
    stale = StepRun.objects.filter(status=Status.CLAIMED, claimed_at__lt=now - step_lease())
    given_up = 0
    for run_id in list(stale.filter(attempts__gte=max_attempts()).values_list("pk", flat=True)[:100]):
        _fail_and_advance(run_id, None, "worker stopped while running this step too many times")
        given_up += 1
    reclaimed = stale.filter(attempts__lt=max_attempts()).update(
        status=Status.PENDING,
        claimed_at=None,
        claim_token="",
        last_error="worker stopped while running this step; retrying",
    )
    if reclaimed or given_up:
        logger.warning(
            "Cadence sweep: %s step run(s) reclaimed from a dead worker, %s given up", reclaimed, given_up
        )
    return reclaimed + given_up


# -------------------------------------------------------------------------------------------- execution


@dataclass
class StepOutcome:
    status: str
    notes: str = ""
    message_id: int | None = None
    next_position: int | None = None  # where the plan continues; None with ends=True: the cadence is over
    ends: bool = False
    hold_until: datetime | None = None


@dataclass(frozen=True)
class ExecutionResult:
    outcome: str  # done, skipped, held, failed, cancelled, retry, lost claim
    next_run_id: int | None = None
    next_due_at: datetime | None = None
    message_id: int | None = None


class _Batch:
    """Reads shared by the steps of one transaction, and the writes they produce, applied in bulk: a batch of
    steps costs a handful of queries plus one message insert each, instead of a dozen queries per step."""

    def __init__(self, now: datetime):
        self.now = now
        self._calendars: dict[int, object] = {}
        self._limits: dict[int, CadenceSettings | None] = {}
        self._steps: dict[int, list[CadenceStep]] = {}
        self.suppressed: dict[tuple[int, str, str], str] | None = None  # None: look each address up
        self.finished: list[StepRun] = []
        self.new_runs: list[StepRun] = []
        self.moved: list[Enrolment] = []
        self.completed: dict[str, list[int]] = {}
        self.events: list[TimelineEvent] = []
        self.may_have_stopped = False  # a step moved a stage, which can stop enrolments

    def calendar(self, organisation):
        if organisation.pk not in self._calendars:
            self._calendars[organisation.pk] = calendar_for(organisation)
        return self._calendars[organisation.pk]

    def limits(self, organisation_id: int) -> CadenceSettings | None:
        if organisation_id not in self._limits:
            self._limits[organisation_id] = CadenceSettings.objects.filter(
                organisation_id=organisation_id
            ).first()
        return self._limits[organisation_id]

    def steps(self, version_id: int) -> list[CadenceStep]:
        if version_id not in self._steps:
            self._steps[version_id] = steps_of(version_id)
        return self._steps[version_id]

    def prefetch_suppressions(self, pairs: list[tuple[Lead, str]]) -> None:
        """One query for every address the batch will message (organisation, channel, address)."""
        from firstcall.messaging.models import Suppression
        from firstcall.messaging.services import normalise_address

        wanted = {
            (
                lead.organisation_id,
                channel,
                normalise_address(channel, lead.phone if channel == "sms" else lead.email),
            )
            for lead, channel in pairs
        }
        wanted = {key for key in wanted if key[2]}
        self.suppressed = {}
        if not wanted:
            return
        rows = Suppression.objects.filter(
            organisation_id__in={key[0] for key in wanted},
            address__in={key[2] for key in wanted},
            lifted_at__isnull=True,
        ).values_list("organisation_id", "channel", "address", "reason")
        for organisation_id, channel, address, reason in rows:
            self.suppressed[(organisation_id, channel, address)] = reason

    def suppression_reason(self, organisation_id: int, channel: str, address: str) -> str | None:
        if self.suppressed is None:
            from firstcall.messaging.services import active_suppression_reason

            return active_suppression_reason(organisation_id, channel, address)
        return self.suppressed.get((organisation_id, channel, address))

    def complete(self, enrolment: Enrolment, detail: str) -> None:
        self.completed.setdefault(detail, []).append(enrolment.pk)
        enrolment.status = Enrolment.Status.COMPLETED
        self.events.append(
            TimelineEvent(
                lead_id=enrolment.lead_id,
                kind=TimelineEvent.Kind.CADENCE,
                created_at=self.now,
                summary=f"Cadence {enrolment.cadence.name} completed ({detail})"[:300],
                data={
                    "enrolment_id": enrolment.pk,
                    "cadence_id": enrolment.cadence_id,
                    "status": "completed",
                },
            )
        )

    def advance(self, run: StepRun, enrolment: Enrolment, lead: Lead, outcome: StepOutcome) -> None:
        """Plan what follows a finished step: the next run (waits folded into its due time) or completion."""
        if outcome.ends:
            self.complete(enrolment, outcome.notes or "ended by a branch")
            return
        position = outcome.next_position if outcome.next_position is not None else run.step.position + 1
        steps = self.steps(enrolment.cadence_version_id)
        nxt = engine.plan_next(
            [to_plan_step(step) for step in steps],
            position,
            self.now,
            lead_zone(lead),
            self.calendar(lead.organisation),
        )
        if nxt.position is None:
            self.complete(enrolment, "all steps done")
            return
        step = steps[nxt.position]
        self.new_runs.append(StepRun(enrolment=enrolment, step=step, due_at=nxt.due_at, created_at=self.now))
        enrolment.current_step, enrolment.next_step_at = step, nxt.due_at
        self.moved.append(enrolment)

    def flush(self) -> None:
        if self.finished:
            # One prepared statement for the batch: Django's bulk_update builds a CASE per column, which costs
            # more to compile than the rows cost to write.
            _executemany(
                StepRun,
                ["status", "finished_at", "notes", "message_id", "claimed_at", "last_error"],
                [
                    (run.status, run.finished_at, run.notes, run.message_id, None, run.last_error, run.pk)
                    for run in self.finished
                ],
            )
        if self.may_have_stopped:
            touched = [enrolment.pk for enrolment in self.moved] + [
                pk for ids in self.completed.values() for pk in ids
            ]
            still_active = set(
                Enrolment.objects.filter(pk__in=touched, status=Enrolment.Status.ACTIVE).values_list(
                    "pk", flat=True
                )
            )
            self.new_runs = [run for run in self.new_runs if run.enrolment_id in still_active]
            self.moved = [enrolment for enrolment in self.moved if enrolment.pk in still_active]
            self.events = [event for event in self.events if event.data.get("enrolment_id") in still_active]
        if self.new_runs:
            StepRun.objects.bulk_create(self.new_runs)
        if self.moved:
            _executemany(
                Enrolment,
                ["current_step_id", "next_step_at"],
                [
                    (enrolment.current_step.pk, enrolment.next_step_at, enrolment.pk)
                    for enrolment in self.moved
                ],
            )
        for detail, enrolment_ids in self.completed.items():
            Enrolment.objects.filter(pk__in=enrolment_ids, status=Enrolment.Status.ACTIVE).update(
                status=Enrolment.Status.COMPLETED,
                ended_at=self.now,
                next_step_at=None,
                current_step=None,
                stop_detail=detail[:300],
            )
        if self.events:
            TimelineEvent.objects.bulk_create(self.events)


def _executemany(model, columns: list[str], rows: list[tuple]) -> None:
    """UPDATE <model> SET <columns> WHERE id = ... for many rows; values go through the backend's adapters."""
    table = connection.ops.quote_name(model._meta.db_table)
    fields = {field.column: field for field in model._meta.concrete_fields}
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    prepared = [
        tuple(
            fields[column].get_db_prep_save(value, connection)
            for column, value in zip(columns, row[:-1], strict=True)
        )
        + (row[-1],)
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", prepared)  # noqa: S608 - names from _meta


def run_step(step_run_id: int) -> str:
    """Claim and run one step, then any steps that follow it without a wait. Safe to call twice or late."""
    token = claim_step_run(step_run_id)
    if token is None:
        return "not claimed"
    result = execute_claimed(step_run_id, token)
    _run_chain(result)
    return result.outcome


def _run_chain(result: ExecutionResult) -> int:
    ran = 0
    while (
        ran < MAX_CHAIN and result.next_run_id and result.next_due_at and result.next_due_at <= timezone.now()
    ):
        token = claim_step_run(result.next_run_id)
        if token is None:
            break
        result = execute_claimed(result.next_run_id, token)
        ran += 1
    return ran


def execute_claimed(step_run_id: int, token: str) -> ExecutionResult:
    """Run a step this worker has claimed. Everything the step does commits together with "done" and the next
    run, or not at all."""
    return execute_claimed_batch([step_run_id], token)[step_run_id]


def execute_claimed_batch(run_ids: list[int], token: str) -> dict[int, ExecutionResult]:
    """Run claimed steps in one transaction. If any step raises, the batch rolls back and each step is run on
    its own, so the others still go and only the failing one is retried."""
    try:
        with transaction.atomic():
            return _execute_locked(run_ids, token)
    except Exception as error:  # a bug or an outage: retried with backoff, then the cadence moves on
        if len(run_ids) > 1:
            logger.warning("A cadence batch of %s steps failed; running them one by one", len(run_ids))
            return {run_id: execute_claimed(run_id, token) for run_id in run_ids}
        logger.exception("Cadence step run %s failed", run_ids[0])
        return {run_ids[0]: _retry_or_fail(run_ids[0], token, f"{type(error).__name__}: {error}"[:500])}


def _execute_locked(run_ids: list[int], token: str) -> dict[int, ExecutionResult]:
    results = {run_id: ExecutionResult("lost claim") for run_id in run_ids}
    enrolment_ids = sorted(set(StepRun.objects.filter(pk__in=run_ids).values_list("enrolment_id", flat=True)))
    # Lock order everywhere: enrolments (by id), then their runs. A stop holds the same lock, so it is either
    # fully before a step (we see it and cancel) or fully after (it cancels what the step scheduled).
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.select_for_update(of=("self",))
        .select_related("cadence")
        .filter(pk__in=enrolment_ids)
        .order_by("pk")
    }
    runs = list(
        StepRun.objects.select_for_update(of=("self",))
        .filter(pk__in=run_ids, status=Status.CLAIMED, claim_token=token)  # else reclaimed after our lease
        .select_related("step")
        .order_by("pk")
    )
    now = timezone.now()
    batch = _Batch(now)
    cancelled = [run for run in runs if enrolments[run.enrolment_id].status != Enrolment.Status.ACTIVE]
    for run in cancelled:
        status = enrolments[run.enrolment_id].status
        StepRun.objects.filter(pk=run.pk).update(
            status=Status.CANCELLED, finished_at=now, claimed_at=None, notes=f"enrolment is {status}"
        )
        results[run.pk] = ExecutionResult("cancelled")
    runs = [run for run in runs if run not in cancelled]
    leads = {
        lead.pk: lead
        for lead in Lead.objects.select_related("organisation", "owner", "stage", "pipeline", "source")
        .defer("annual_income", "monthly_debts")
        .filter(pk__in={enrolments[run.enrolment_id].lead_id for run in runs})
    }
    sends = [
        (leads[enrolments[run.enrolment_id].lead_id], "sms" if run.step.kind == Kind.SEND_SMS else "email")
        for run in runs
        if run.step.kind in (Kind.SEND_SMS, Kind.SEND_EMAIL)
    ]
    if len(sends) > 1:
        batch.prefetch_suppressions(sends)
    for run in runs:
        enrolment = enrolments[run.enrolment_id]
        lead = leads[enrolment.lead_id]
        outcome = _perform(run, run.step, enrolment, lead, now, batch)
        if outcome.status == Status.HELD:
            StepRun.objects.filter(pk=run.pk).update(
                status=Status.HELD,
                due_at=outcome.hold_until,
                claimed_at=None,
                claim_token="",
                notes=outcome.notes[:500],
            )
            Enrolment.objects.filter(pk=enrolment.pk).update(next_step_at=outcome.hold_until)
            results[run.pk] = ExecutionResult("held")
            continue
        _finish(batch, run, outcome)
        batch.advance(run, enrolment, lead, outcome)
    batch.flush()
    following = {new_run.enrolment_id: new_run for new_run in batch.new_runs}
    for run in batch.finished:
        nxt = following.get(run.enrolment_id)
        results[run.pk] = ExecutionResult(
            run.status, nxt.pk if nxt else None, nxt.due_at if nxt else None, run.message_id
        )
    return results


def _finish(batch: _Batch, run: StepRun, outcome: StepOutcome) -> None:
    run.status, run.finished_at, run.notes = outcome.status, batch.now, outcome.notes[:500]
    run.message_id, run.claimed_at = outcome.message_id, None
    run.last_error = outcome.notes[:500] if outcome.status == Status.FAILED else ""
    batch.finished.append(run)


def _retry_or_fail(step_run_id: int, token: str, error: str) -> ExecutionResult:
    with transaction.atomic():
        run = StepRun.objects.filter(pk=step_run_id, status=Status.CLAIMED, claim_token=token).first()
        if run is None:
            return ExecutionResult("lost claim")
        if run.attempts < max_attempts():
            delay = RETRY_DELAYS_SECONDS[min(run.attempts, len(RETRY_DELAYS_SECONDS)) - 1]
            StepRun.objects.filter(pk=run.pk, claim_token=token).update(
                status=Status.PENDING,
                due_at=timezone.now() + timedelta(seconds=delay),
                claimed_at=None,
                claim_token="",
                last_error=error,
            )
            return ExecutionResult("retry")
    return _fail_and_advance(step_run_id, token, error)


def _fail_and_advance(step_run_id: int, token: str | None, error: str) -> ExecutionResult:
    """Give up on a step: mark it failed, say so on the timeline, and go on with the rest of the plan."""
    with transaction.atomic():
        run = StepRun.objects.filter(pk=step_run_id, status=Status.CLAIMED).select_related("step").first()
        if run is None or (token is not None and run.claim_token != token):
            return ExecutionResult("lost claim")
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("cadence")
            .get(pk=run.enrolment_id)
        )
        lead = _load_lead(enrolment.lead_id)
        record_event(
            lead,
            TimelineEvent.Kind.CADENCE,
            f"Cadence {enrolment.cadence.name}: step {run.step.position + 1} failed and was skipped",
            data={"step_run_id": run.pk, "error": error[:300]},
        )
        batch = _Batch(timezone.now())
        _finish(batch, run, StepOutcome(Status.FAILED, error))
        if enrolment.status == Enrolment.Status.ACTIVE:
            batch.advance(run, enrolment, lead, StepOutcome(Status.FAILED, error))
        batch.flush()
        nxt = batch.new_runs[0] if batch.new_runs else None
    return ExecutionResult(Status.FAILED, nxt.pk if nxt else None, nxt.due_at if nxt else None)


# ------------------------------------------------------------------------------------------ doing a step


def _perform(
    run: StepRun, step: CadenceStep, enrolment: Enrolment, lead: Lead, now: datetime, batch: _Batch
) -> StepOutcome:
    if step.kind in (Kind.SEND_SMS, Kind.SEND_EMAIL):
        return _send(run, step, lead, now, batch)
    if step.kind == Kind.CALL_TASK:
        return _call_task(run, step, enrolment, lead)
    if step.kind == Kind.NOTIFY_OWNER:
        return _notify_owner(run, step, enrolment, lead)
    if step.kind == Kind.MOVE_STAGE:
        batch.may_have_stopped = True
        return _move_stage(step, enrolment, lead)
    if step.kind == Kind.BRANCH:
        return _branch(step, enrolment, lead)
    if step.kind == Kind.WAIT:  # never scheduled as a run; harmless if it ever is
        return StepOutcome(Status.SKIPPED, "wait")
    raise ValueError(f"unknown step kind {step.kind!r}")


def _send(run: StepRun, step: CadenceStep, lead: Lead, now: datetime, batch: _Batch) -> StepOutcome:
    from firstcall.messaging.models import Message
    from firstcall.messaging.services import normalise_address, queue_message

    channel = "sms" if step.kind == Kind.SEND_SMS else "email"
    label = "text" if channel == "sms" else "email"
    address = normalise_address(channel, lead.phone if channel == "sms" else lead.email)
    # Cheap early answers; the messaging gate re-checks all of it right before the send.
    if not address:
        return StepOutcome(Status.SKIPPED, f"no {label} address")
    if not (lead.consent_sms if channel == "sms" else lead.consent_email):
        return StepOutcome(Status.SKIPPED, f"no {label} consent")
    suppressed = batch.suppression_reason(lead.organisation_id, channel, address)
    if suppressed:
        return StepOutcome(Status.SKIPPED, f"address on the do-not-contact list ({suppressed})")
    hold_until = _organisation_cap_hold(lead, channel, address, now, batch.limits(lead.organisation_id))
    if hold_until is not None:
        return StepOutcome(
            Status.HELD,
            f"organisation limit reached; held until {hold_until:%Y-%m-%d %H:%M} UTC",
            hold_until=hold_until,
        )
    template = MessageTemplate.objects.filter(pk=step.template_id).first() if step.template_id else None
    composed = compose(lead, channel, subject=step.subject, body=step.body, template=template)
    if not composed.body.strip():
        return StepOutcome(Status.SKIPPED, "the message is empty")
    message = queue_message(
        lead,
        channel,
        composed.body,
        subject=composed.subject or None,
        html_body=composed.html_body,
        purpose=Message.Purpose.CADENCE,
        is_marketing=True,
        idempotency_key=f"cadence-step:{run.pk}",
        cadence_step_id=run.pk,
    )
    return StepOutcome(Status.DONE, f"{label} queued (message {message.pk})", message_id=message.pk)


def _organisation_cap_hold(
    lead: Lead, channel: str, address: str, now: datetime, limits: CadenceSettings | None
) -> datetime | None:
    """The organisation's own per-borrower cap (CadenceSettings); None when the step may go now."""
    from firstcall.messaging.models import Message

    if limits is None:
        return None
    cap, window = (
        (limits.max_texts_per_day, timedelta(hours=24))
        if channel == "sms"
        else (limits.max_emails_per_week, timedelta(days=7))
    )
    if not cap:
        return None
    recent = list(
        Message.objects.filter(
            organisation_id=lead.organisation_id,
            channel=channel,
            to_address=address,
            direction=Message.Direction.OUTBOUND,
            is_marketing=True,
            created_at__gt=now - window,
        )
        .exclude(status__in=[Message.Status.SUPPRESSED, Message.Status.FAILED])
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:cap]
    )
    if len(recent) < cap:
        return None
    return min(recent) + window + timedelta(seconds=1)


def _call_task(run: StepRun, step: CadenceStep, enrolment: Enrolment, lead: Lead) -> StepOutcome:
    from firstcall.accounts.notifications import lead_url, notify

    context = merge_context(lead)
    title = " ".join(render(step.body, context).split())[:200] or f"Call {lead.full_name or 'the borrower'}"
    task, created = CallTask.objects.get_or_create(
        step_run=run,
        defaults={
            "organisation_id": lead.organisation_id,
            "lead": lead,
            "owner": lead.owner,
            "due_at": run.due_at,
            "title": title,
            "notes": f"From cadence {enrolment.cadence.name}",
        },
    )
    if created:
        record_event(
            Lead(pk=lead.pk),
            TimelineEvent.Kind.CADENCE,
            f"Call task created: {title}",
            data={"call_task_id": task.pk, "step_run_id": run.pk},
        )
        if lead.owner_id:
            notify(
                lead.owner,
                kind="call_task",
                title=title,
                body=f"Cadence {enrolment.cadence.name}",
                lead=lead,
                url=lead_url(lead),
            )
    owner = str(lead.owner) if lead.owner_id else "nobody (unassigned lead)"
    return StepOutcome(Status.DONE, f"call task {task.pk} for {owner}")


def _notify_owner(run: StepRun, step: CadenceStep, enrolment: Enrolment, lead: Lead) -> StepOutcome:
    from firstcall.accounts.notifications import lead_url, notify

    if not lead.owner_id:
        return StepOutcome(Status.SKIPPED, "the lead has no owner to notify")
    title = (
        " ".join(render(step.body, merge_context(lead)).split())[:200] or f"Cadence {enrolment.cadence.name}"
    )
    notify(
        lead.owner,
        kind="cadence",
        title=title,
        body=f"Cadence {enrolment.cadence.name}",
        lead=lead,
        url=lead_url(lead),
        by_sms=step.notify_by_sms,
    )
    return StepOutcome(Status.DONE, f"notified {lead.owner}")


def _move_stage(step: CadenceStep, enrolment: Enrolment, lead: Lead) -> StepOutcome:
    target = Stage.objects.filter(pipeline_id=lead.pipeline_id, name__iexact=step.stage_name.strip()).first()
    if target is None:
        return StepOutcome(Status.SKIPPED, f"no stage named {step.stage_name!r} in {lead.pipeline.name}")
    if target.pk == lead.stage_id:
        return StepOutcome(Status.DONE, f"already in {target.name}")
    move_lead_stage(lead, target, why=f"cadence {enrolment.cadence.name}")
    return StepOutcome(Status.DONE, f"moved to {target.name}")


def move_lead_stage(lead: Lead, stage: Stage, *, why: str, actor=None) -> bool:
    """The move_stage step: the pipeline's own move (timeline, closed_at, lost reason), which calls
    on_stage_changed, so the cadence's stop rules and stage-triggered cadences apply as for a person's move."""
    from firstcall.pipeline.services import move_stage

    return move_stage(
        lead, stage, actor=actor, lost_reason=why if stage.outcome == Stage.Outcome.LOST else ""
    )


def _branch(step: CadenceStep, enrolment: Enrolment, lead: Lead) -> StepOutcome:
    from firstcall.messaging.models import Message

    has_replied = (
        Message.objects.filter(
            lead_id=lead.pk, direction=Message.Direction.INBOUND, created_at__gte=enrolment.enrolled_at
        ).exists()
        if step.condition_field == "replied"
        else False
    )
    facts = engine.BranchFacts(
        stage=lead.stage.name,
        score_tier=lead.score_tier or "",
        loan_type=lead.loan_type or "",
        purpose=lead.purpose or "",
        has_agent=lead.has_real_estate_agent,
        has_replied=has_replied,
    )
    holds, why = engine.condition_holds(
        step.condition_field, step.condition_values, step.condition_negate, facts
    )
    if not holds:
        return StepOutcome(Status.DONE, f"condition not met ({why}): continue")
    if not step.jump_to_key:
        return StepOutcome(Status.DONE, f"condition met ({why}): end of cadence", ends=True)
    target = engine.position_of([to_plan_step(s) for s in steps_of(step.version_id)], step.jump_to_key)
    if target is None:
        return StepOutcome(Status.DONE, f"condition met ({why}) but the target step is gone: end", ends=True)
    return StepOutcome(Status.DONE, f"condition met ({why}): jump to step {target + 1}", next_position=target)


# ------------------------------------------------------------------------------------------------- sweep


def run_due_steps(*, budget_seconds: float | None = None, batch_size: int | None = None) -> int:
    """Claim due runs in batches and execute them (a transaction per chunk) until none is due or the time
    budget is spent; runs claimed but not reached go back to pending for the next worker at once."""
    budget = sweep_budget_seconds() if budget_seconds is None else budget_seconds
    size = batch_size or sweep_batch_size()
    chunk = max(1, int(getattr(settings, "CADENCE_EXECUTION_CHUNK", 50)))
    deadline = clock.monotonic() + budget
    executed = 0
    while clock.monotonic() < deadline:
        token, ids = claim_due_step_runs(size)
        if not ids:
            break
        for start in range(0, len(ids), chunk):
            if clock.monotonic() >= deadline:
                release_claims(token, ids[start:])
                return executed
            results = execute_claimed_batch(ids[start : start + chunk], token)
            executed += len(results)
            _deliver_now([result.message_id for result in results.values() if result.message_id])
            for result in results.values():
                executed += _run_chain(result)
    return executed


def _deliver_now(message_ids: list[int]) -> None:
    """Send what a sweep batch just queued, from this worker, rather than leave a burst of thousands of texts
    to the shared task queue (where they would wait behind, and delay, new leads' first texts). deliver()
    claims each message, so the task enqueued on commit finds it sent and does nothing; a message that cannot
    go now (held, failed, worker killed) is left to the outbox's own task, retries and sweep."""
    if not getattr(settings, "CADENCE_DELIVER_INLINE", True):
        return
    from firstcall.messaging.services import deliver

    for message_id in message_ids:
        try:
            deliver(message_id)
        except Exception:  # the outbox row is still the truth; its task or sweep will retry
            logger.exception("Inline delivery of cadence message %s failed; left to the outbox", message_id)


def sweep_due_steps(now: datetime | None = None) -> int:
    """The periodic sweep (firstcall/sweeps.py): recover runs of dead workers, then run everything due."""
    return reclaim_expired_claims(now) + run_due_steps()


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
