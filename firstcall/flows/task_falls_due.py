"""A task falls due (a follow-up, a call, a document to collect, a booked appointment).

The worker's periodic sweep (firstcall/sweeps.py) finds open, assigned tasks due within the next 15 minutes, or
overdue by less than a day, whose reminder has not gone out; for each, in one transaction:

1. the reminder is claimed (pipeline.tasks_service.claim_reminder), so two workers never remind twice;
2. for a call to a borrower, the compliance gate says whether the borrower may be called now: the calling window
   in the borrower's local time (strictest of the ZIP's and the area code's zones), call consent, both
   do-not-call lists and the state caps (compliance.services.preview_call, not stored);
3. the assignee is reminded in-app, "Due soon" or "Overdue", with the due time in their own zone and, for a
   call, whether to call now or from when (pipeline.tasks_service.remind_assignee); a task reminder has no text or
   email copy;
4. `task.due` is emitted (outbound webhooks, docs/events.md).

Nothing escalates: an overdue task stays on its assignee's task list and My Day until someone completes it."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from firstcall.compliance import services as compliance
from firstcall.compliance.engine import gate
from firstcall.pipeline import tasks_service
from firstcall.pipeline.models import Task


def sweep_tasks_falling_due(now: datetime | None = None) -> int:
    """Remind every task coming due now; returns how many reminders went out."""
    now = now or timezone.now()
    return sum(task_falls_due(task_id, now=now) for task_id in tasks_service.tasks_coming_due(now))


def task_falls_due(task_id: int, *, now: datetime) -> bool:
    with transaction.atomic():
        task = tasks_service.claim_reminder(task_id, now=now)
        if task is None:
            return False  # already reminded, or completed meanwhile
        tasks_service.remind_assignee(task, now=now, advice=calling_advice(task, now))
    return True


def calling_advice(task: Task, now: datetime) -> str:
    """For a call task on a lead: may the borrower be called now, and if not, from when (in the assignee's zone)."""
    if task.kind != Task.Kind.CALL or task.lead is None:
        return ""
    decision = compliance.preview_call(task.lead, now)
    if decision.allowed:
        return "The borrower may be called now."
    if decision.outcome == gate.HOLD and decision.until:
        return f"The borrower may be called from {tasks_service.in_zone_of(task.assignee, decision.until)}."
    return f"Do not call the borrower: {decision.summary}"[:300]
