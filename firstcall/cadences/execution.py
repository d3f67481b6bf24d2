"""Cadence step execution: claim due step runs, do each step exactly once, retry, sweep.

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
"""

from __future__ import annotations

import logging
import time as clock
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from firstcall.cadences import engine
from firstcall.cadences.enrolment import (  # noqa: F401
    MAX_CHAIN,
    RETRY_DELAYS_SECONDS,
    Kind,
    Status,
    _load_lead,
    calendar_for,
    lead_zone,
    max_attempts,
    step_lease,
    steps_of,
    sweep_batch_size,
    sweep_budget_seconds,
    to_plan_step,
)
from firstcall.cadences.models import (
    CadenceSettings,
    CadenceStep,
    CallTask,
    Enrolment,
    MessageTemplate,
    StepRun,
)
from firstcall.cadences.personalise import compose, merge_context
from firstcall.cadences.templating import render
from firstcall.compliance import services as compliance_services
from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.leads.timeline import record_event

logger = logging.getLogger(__name__)


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

    def __init__(self, now: datetime, *, caller_delivers: bool = False):
        self.now = now
        self.caller_delivers = caller_delivers  # the sweep sends the messages itself after the commit
        self._calendars: dict[int, object] = {}
        self._limits: dict[int, CadenceSettings | None] = {}
        self._steps: dict[int, list[CadenceStep]] = {}
        self.suppressed: dict[tuple[int, str, str], str] | None = None  # None: look each address up
        # The organisation caps' count of recent messages per (organisation, channel, address), newest first;
        # None: each step reads its own. Messages the batch queues are added as it goes.
        self.recent_sends: dict[tuple[int, str, str], list[datetime]] | None = None
        # Messages the batch's steps queue, written together (run, queue_message arguments, "text"/"email").
        self.queued: list[tuple[StepRun, dict, str]] = []
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

    def prefetch_recent_sends(self, pairs: list[tuple[Lead, str]]) -> None:
        """One query per channel for the organisation caps of every address the batch will message."""
        from firstcall.messaging.models import Message
        from firstcall.messaging.services import normalise_address

        self.recent_sends = {}
        for channel, window in (("sms", timedelta(hours=24)), ("email", timedelta(days=7))):
            wanted = {
                (
                    lead.organisation_id,
                    normalise_address(channel, lead.phone if channel == "sms" else lead.email),
                )
                for lead, lead_channel in pairs
                if lead_channel == channel and self.limits(lead.organisation_id) is not None
            }
            wanted = {key for key in wanted if key[1]}
            if not wanted:
                continue
            rows = (
                Message.objects.filter(
                    organisation_id__in={key[0] for key in wanted},
                    channel=channel,
                    to_address__in={key[1] for key in wanted},
                    direction=Message.Direction.OUTBOUND,
                    is_marketing=True,
                    created_at__gt=self.now - window,
                )
                .exclude(status__in=[Message.Status.SUPPRESSED, Message.Status.FAILED])
                .order_by("-created_at")
                .values_list("organisation_id", "to_address", "created_at")
            )
            for organisation_id, address, created_at in rows:
                self.recent_sends.setdefault((organisation_id, channel, address), []).append(created_at)

    def queue(self, run: StepRun, request: dict, label: str) -> None:
        self.queued.append((run, request, label))
        if self.recent_sends is not None:
            key = (request["lead"].organisation_id, request["channel"], request["to_address"])
            self.recent_sends.setdefault(key, []).insert(0, self.now)

    def write_messages(self) -> None:
        """Queue the batch's messages (one read, one insert) and give each step its message."""
        from firstcall.messaging.services import queue_messages

        if not self.queued:
            return
        messages = queue_messages(
            [request for _run, request, _label in self.queued], caller_delivers=self.caller_delivers
        )
        for (run, _request, label), message in zip(self.queued, messages, strict=True):
            run.message_id = message.pk
            run.notes = f"{label} queued (message {message.pk})"[:500]

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


def execute_claimed_batch(
    run_ids: list[int], token: str, *, caller_delivers: bool = False
) -> dict[int, ExecutionResult]:
    """Run claimed steps in one transaction. If any step raises, the batch rolls back and each step is run on
    its own, so the others still go and only the failing one is retried. ``caller_delivers``: the caller sends
    the batch's messages itself once this returns (outbox.queue_messages)."""
    try:
        with transaction.atomic():
            return _execute_locked(run_ids, token, caller_delivers=caller_delivers)
    except Exception as error:  # a bug or an outage: retried with backoff, then the cadence moves on
        if len(run_ids) > 1:
            logger.warning("A cadence batch of %s steps failed; running them one by one", len(run_ids))
            return {run_id: execute_claimed(run_id, token) for run_id in run_ids}
        logger.exception("Cadence step run %s failed", run_ids[0])
        return {run_ids[0]: _retry_or_fail(run_ids[0], token, f"{type(error).__name__}: {error}"[:500])}


def _execute_locked(
    run_ids: list[int], token: str, *, caller_delivers: bool = False
) -> dict[int, ExecutionResult]:
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
    batch = _Batch(now, caller_delivers=caller_delivers)
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
        batch.prefetch_recent_sends(sends)
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
    batch.write_messages()
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
    recent = (
        batch.recent_sends.get((lead.organisation_id, channel, address), [])
        if batch.recent_sends is not None
        else None
    )
    hold_until = _organisation_cap_hold(
        lead, channel, address, now, batch.limits(lead.organisation_id), recent
    )
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
    request = {
        "lead": lead,
        "channel": channel,
        "body": composed.body,
        "subject": composed.subject or None,
        "html_body": composed.html_body,
        "purpose": Message.Purpose.CADENCE,
        "is_marketing": True,
        "idempotency_key": f"cadence-step:{run.pk}",
        "cadence_step_id": run.pk,
    }
    if batch.recent_sends is not None:
        # A batch queues its messages together after its steps (write_messages gives each step its message).
        batch.queue(run, {**request, "to_address": address}, label)
        return StepOutcome(Status.DONE, f"{label} queued")
    message = queue_message(**request)
    return StepOutcome(Status.DONE, f"{label} queued (message {message.pk})", message_id=message.pk)


def _organisation_cap_hold(
    lead: Lead,
    channel: str,
    address: str,
    now: datetime,
    limits: CadenceSettings | None,
    prefetched: list[datetime] | None = None,
) -> datetime | None:
    """The organisation's own per-borrower cap (CadenceSettings); None when the step may go now.
    ``prefetched``: the address's recent marketing messages, newest first, when the batch read them."""
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
    if prefetched is not None:
        recent = [moment for moment in prefetched if moment > now - window][:cap]
        if len(recent) < cap:
            return None
        return min(recent) + window + timedelta(seconds=1)
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
        # The call counts toward the FL/OK/MD 3-per-24-hours cap from now on, calls and texts together.
        compliance_services.record_call_task(lead.organisation, lead, task.pk)
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
    inline = bool(getattr(settings, "CADENCE_DELIVER_INLINE", True))
    executed = 0
    while clock.monotonic() < deadline:
        token, ids = claim_due_step_runs(size)
        if not ids:
            break
        for start in range(0, len(ids), chunk):
            if clock.monotonic() >= deadline:
                release_claims(token, ids[start:])
                return executed
            results = execute_claimed_batch(ids[start : start + chunk], token, caller_delivers=inline)
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
    if not getattr(settings, "CADENCE_DELIVER_INLINE", True) or not message_ids:
        return
    from firstcall.messaging.services import deliver_many

    try:
        deliver_many(message_ids)
    except Exception:  # the outbox rows are still the truth; their task or sweep will retry
        logger.exception(
            "Inline delivery of %s cadence messages failed; left to the outbox", len(message_ids)
        )


def sweep_due_steps(now: datetime | None = None) -> int:
    """The periodic sweep (firstcall/sweeps.py): recover runs of dead workers, then run everything due."""
    return reclaim_expired_claims(now) + run_due_steps()
