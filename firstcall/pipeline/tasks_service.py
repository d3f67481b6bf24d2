"""Tasks: create, assign, re-date and complete to-dos, and remind assignees of what is coming due.

Who sees which tasks (`visible_tasks`): org admins see the organisation's; everyone else sees tasks assigned
to them, tasks they created, and tasks on leads they may see (leads.access.visible_leads); managers also see
the tasks of their teams' members. Referral partners have no tasks. Whoever sees a task may complete or
re-assign it. A task is only assigned inside its organisation, and a task on a lead only to someone who may
see that lead (a to-do that links to a page its assignee cannot open helps nobody and leaks the name).

Cadence call steps create cadences.CallTask rows; cadences.access.open_call_tasks lists them alongside, so the
tasks page is one list, and they are completed through cadences.services.complete_call_task.
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.accounts.notifications import lead_url, notify
from firstcall.events.outbox import emit
from firstcall.leads.access import visible_leads
from firstcall.leads.models import TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.pipeline.models import Task

# Remind this long before a task is due; a task found already overdue is reminded at once, unless it has been
# overdue for longer than REMINDER_STALE_AFTER (an old backlog must not flood anyone with alerts at once).
REMINDER_AHEAD = timedelta(minutes=15)
REMINDER_STALE_AFTER = timedelta(hours=24)
REMINDER_BATCH = 500


class TaskRefused(ValueError):
    pass


def _works_here(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.organisation_id is not None
        and user.role != User.Role.PARTNER
    )


def can_use_tasks(user) -> bool:
    return _works_here(user)


def can_see_team_tasks(user) -> bool:
    return _works_here(user) and (user.is_org_admin or user.role == User.Role.MANAGER)


def visible_tasks(user) -> QuerySet[Task]:
    if not _works_here(user):
        return Task.objects.none()
    tasks = Task.objects.filter(organisation_id=user.organisation_id)
    if user.is_org_admin:
        return tasks
    scope = Q(assignee=user) | Q(created_by=user) | Q(lead__in=visible_leads(user).values("pk"))
    if user.role == User.Role.MANAGER:
        scope |= Q(assignee__teams__in=user.managed_teams.values("pk"))
    # A subquery on ids instead of .distinct(): the team join can repeat rows, and DISTINCT breaks ordering
    # by joined columns on PostgreSQL.
    return tasks.filter(pk__in=Task.objects.filter(scope).values("pk"))


def assignable_users(organisation_id: int) -> QuerySet[User]:
    return (
        User.objects.filter(organisation_id=organisation_id, is_active=True)
        .exclude(role=User.Role.PARTNER)
        .order_by("first_name", "last_name", "username")
    )


def _check_assignee(organisation_id: int, assignee: User | None, lead) -> None:
    if assignee is None:
        return
    if (
        assignee.organisation_id != organisation_id
        or not assignee.is_active
        or assignee.role == User.Role.PARTNER
    ):
        raise TaskRefused("Tasks can only be assigned to active people of your organisation.")
    if lead is not None and not visible_leads(assignee).filter(pk=lead.pk).exists():
        raise TaskRefused(f"{assignee} cannot see this lead, so cannot be given a task on it.")


def _due_data(due_at: datetime | None) -> dict:
    """The due time goes in the event's data (UTC, ISO 8601); each reader's page shows it in their own zone."""
    return {"due_at": due_at.astimezone(UTC).isoformat()} if due_at else {}


def in_zone_of(person: User, moment: datetime) -> str:
    """A time written into an alert for one person: in their zone, with its abbreviation."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(person.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return local.strftime("%b %-d, %-I:%M %p ") + local.tzname()


@transaction.atomic
def create_task(
    organisation,
    *,
    title: str,
    created_by: User,
    assignee: User | None = None,
    lead=None,
    due_at: datetime | None = None,
    kind: str = Task.Kind.FOLLOW_UP,
    notes: str = "",
) -> Task:
    title = " ".join((title or "").split())
    if not title:
        raise TaskRefused("Give the task a title.")
    if kind not in Task.Kind.values:
        raise TaskRefused("Unknown kind of task.")
    if created_by.organisation_id != organisation.pk:
        raise TaskRefused("Tasks belong to your own organisation.")
    if lead is not None and lead.organisation_id != organisation.pk:
        raise TaskRefused("That lead belongs to another organisation.")
    _check_assignee(organisation.pk, assignee, lead)
    task = Task.objects.create(
        organisation=organisation,
        lead=lead,
        title=title[:200],
        notes=(notes or "").strip()[:5000],
        kind=kind,
        assignee=assignee,
        created_by=created_by,
        due_at=due_at,
    )
    if lead is not None:
        who = f" for {assignee}" if assignee else ""
        record_event(
            lead,
            TimelineEvent.Kind.TASK,
            f"Task{who}: {task.title}",
            actor=created_by,
            data={"task_id": task.pk, "action": "created", **_due_data(due_at)},
        )
    if assignee is not None and assignee.pk != created_by.pk:
        _notify_assigned(task, by=created_by)
    return task


def _notify_assigned(task: Task, *, by: User) -> None:
    about = f" ({task.lead.full_name})" if task.lead_id and task.lead.full_name else ""
    notify(
        task.assignee,
        kind="task_assigned",
        title=f"{by} gave you a task: {task.title}{about}"[:200],
        body=f"Due {in_zone_of(task.assignee, task.due_at)}" if task.due_at else "",
        lead=task.lead,
        url=lead_url(task.lead) if task.lead_id else "/tasks/",
    )


@transaction.atomic
def complete_task(task: Task, *, actor: User, now: datetime | None = None) -> bool:
    """Mark done once; a second click (or a second person) changes nothing and returns False."""
    now = now or timezone.now()
    done = Task.objects.filter(pk=task.pk, completed_at__isnull=True).update(
        completed_at=now, completed_by=actor
    )
    if not done:
        return False
    task.completed_at, task.completed_by = now, actor
    if task.lead_id:
        record_event(
            task.lead,
            TimelineEvent.Kind.TASK,
            f"Task done: {task.title}",
            actor=actor,
            data={"task_id": task.pk, "action": "completed"},
        )
    return True


@transaction.atomic
def reopen_task(task: Task, *, actor: User) -> bool:
    reopened = Task.objects.filter(pk=task.pk, completed_at__isnull=False).update(
        completed_at=None, completed_by=None
    )
    if reopened and task.lead_id:
        task.completed_at = task.completed_by = None
        record_event(
            task.lead,
            TimelineEvent.Kind.TASK,
            f"Task reopened: {task.title}",
            actor=actor,
            data={"task_id": task.pk, "action": "reopened"},
        )
    return bool(reopened)


@transaction.atomic
def update_task(task: Task, *, actor: User, assignee: User | None, due_at: datetime | None) -> list[str]:
    """Re-assign and/or re-date a task; returns what changed. A new assignee or due date means a new
    reminder."""
    _check_assignee(task.organisation_id, assignee, task.lead if task.lead_id else None)
    changed = []
    if (assignee.pk if assignee else None) != task.assignee_id:
        changed.append("assignee")
    if due_at != task.due_at:
        changed.append("due date")
    if not changed:
        return []
    task.assignee, task.due_at, task.reminder_sent_at = assignee, due_at, None
    task.save(update_fields=["assignee", "due_at", "reminder_sent_at"])
    if task.lead_id:
        who = f" to {assignee}" if "assignee" in changed and assignee else ""
        record_event(
            task.lead,
            TimelineEvent.Kind.TASK,
            f"Task changed ({', '.join(changed)}){who}: {task.title}",
            actor=actor,
            data={"task_id": task.pk, "action": "changed", **_due_data(due_at)},
        )
    if "assignee" in changed and assignee is not None and assignee.pk != actor.pk:
        _notify_assigned(task, by=actor)
    return changed


def tasks_coming_due(now: datetime) -> list[int]:
    """Open, assigned tasks due within REMINDER_AHEAD whose reminder has not gone out, oldest due first; a task
    overdue for longer than REMINDER_STALE_AFTER is left alone."""
    return list(
        Task.objects.filter(
            completed_at__isnull=True,
            reminder_sent_at__isnull=True,
            assignee__isnull=False,
            assignee__is_active=True,
            due_at__lte=now + REMINDER_AHEAD,
            due_at__gte=now - REMINDER_STALE_AFTER,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:REMINDER_BATCH]
    )


def claim_reminder(task_id: int, *, now: datetime) -> Task | None:
    """Claim the task's reminder with a conditional update of reminder_sent_at, so two workers never send the
    same one twice. Returns the task, or None when it is already reminded or done. Call inside a transaction."""
    claimed = Task.objects.filter(
        pk=task_id, reminder_sent_at__isnull=True, completed_at__isnull=True
    ).update(reminder_sent_at=now)
    if not claimed:
        return None
    return Task.objects.select_related("assignee", "lead", "lead__organisation").get(pk=task_id)


def remind_assignee(task: Task, *, now: datetime, advice: str = "") -> None:
    """The in-app reminder to the task's assignee ("Due soon" or "Overdue", the due time in their zone, and
    `advice` when given), then the `task.due` fact."""
    state = "Overdue" if task.due_at < now else "Due soon"
    about = f" ({task.lead.full_name})" if task.lead_id and task.lead.full_name else ""
    due = f"Due {in_zone_of(task.assignee, task.due_at)}"
    notify(
        task.assignee,
        kind="task_due",
        title=f"{state}: {task.title}{about}"[:200],
        body=f"{due}. {advice}" if advice else due,
        lead=task.lead,
        url=lead_url(task.lead) if task.lead_id else "/tasks/",
    )
    emit("task.due", organisation_id=task.organisation_id, task_id=task.pk, lead_id=task.lead_id,
         assigned_to_id=task.assignee_id)  # fmt: skip


# ------------------------------------------------------------------------------------ the tasks page lists


def open_tasks(user, *, team: bool = False) -> QuerySet[Task]:
    """The person's own open tasks, or (managers and admins, team=True) every open task they may see."""
    tasks = visible_tasks(user).filter(completed_at__isnull=True)
    if not (team and can_see_team_tasks(user)):
        tasks = tasks.filter(assignee=user)
    return tasks.select_related("lead", "assignee", "created_by").order_by(
        F("due_at").asc(nulls_last=True), "created_at", "pk"
    )


def recently_completed(user, *, team: bool = False, limit: int = 20) -> list[Task]:
    tasks = visible_tasks(user).filter(completed_at__isnull=False)
    if not (team and can_see_team_tasks(user)):
        tasks = tasks.filter(Q(assignee=user) | Q(completed_by=user))
    return list(
        tasks.select_related("lead", "assignee", "completed_by").order_by("-completed_at", "-pk")[:limit]
    )
