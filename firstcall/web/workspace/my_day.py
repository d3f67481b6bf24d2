"""My day: what a loan officer should do next, in the order it matters.

New leads still waiting for a person (with their speed-to-lead clock), replies waiting for an answer, tasks
due today or overdue, today's appointments (tasks of kind "appointment"), hot leads already in conversation,
and leads offered to this person to claim. Every section is one query over leads.access.visible_leads (a
manager's day covers their teams), so the page costs the same whether the person has five leads or fifty
thousand.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, Max, OuterRef, Q

from firstcall.accounts.models import User
from firstcall.cadences.access import open_call_tasks
from firstcall.cadences.models import CallTask
from firstcall.leads.allow_lists import sees_conversations
from firstcall.leads.models import Lead, Stage
from firstcall.messaging.models import Message
from firstcall.pipeline.board import in_outcome, summary_rows, version_of, workspace_leads
from firstcall.pipeline.models import Task
from firstcall.pipeline.tasks_service import open_tasks
from firstcall.routing.models import LeadOffer

NEW_LEAD_WINDOW = timedelta(days=7)
REPLY_WINDOW = timedelta(days=14)
SECTION_SIZE = 25
HOT_SIZE = 10
# Inbound texts that ask for nothing a person should answer: STOP/START/HELP get their automatic response.
KEYWORD_REPLIES = ["opt_out", "opt_in", "help"]
LEAD_FIELDS_FOR_RELATED = ["id", "first_name", "last_name", "phone", "email", "state", "loan_type", "purpose"]


@dataclass
class Reply:
    lead: Lead
    body: str
    received_at: datetime
    needs_review: bool


@dataclass
class DueTask:
    title: str
    due_at: datetime | None
    lead: Lead | None
    is_overdue: bool
    kind: str  # "task" or "call"


@dataclass
class Appointment:
    title: str
    starts_at: datetime
    lead: Lead | None
    is_past: bool


@dataclass
class MyDay:
    new_leads: list[Lead] = field(default_factory=list)
    new_count: int = 0
    older_waiting_count: int = 0
    replies: list[Reply] = field(default_factory=list)
    tasks: list[DueTask] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    hot_leads: list[Lead] = field(default_factory=list)
    offers: list[LeadOffer] = field(default_factory=list)
    version: str = ""

    @property
    def overdue_task_count(self) -> int:
        return sum(1 for task in self.tasks if task.is_overdue)


def start_of_local_day(now: datetime, zone_name: str) -> datetime:
    return now.astimezone(ZoneInfo(zone_name or "UTC")).replace(hour=0, minute=0, second=0, microsecond=0)


def end_of_local_day(now: datetime, zone_name: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone_name or "UTC"))
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def _waiting(leads):
    return leads.filter(in_outcome(Stage.Outcome.OPEN), first_human_contact_at__isnull=True)


def _replies_waiting(user: User, leads, now: datetime):
    answered_later = (
        Message.objects.filter(
            lead_id=OuterRef("lead_id"),
            direction=Message.Direction.OUTBOUND,
            recipient_user__isnull=True,
            created_at__gt=OuterRef("created_at"),
        )
        .exclude(purpose=Message.Purpose.ALERT)
        .exclude(status__in=[Message.Status.FAILED, Message.Status.SUPPRESSED])
    )
    # The visible-lead check is a correlated EXISTS on the lead's key, so the database reads the organisation's
    # recent messages (message_org_recent) and checks each one's lead, rather than probing the messages of
    # every lead the person may see (50,000 for an admin); docs/benchmarks.md.
    return (
        Message.objects.filter(
            organisation_id=user.organisation_id,
            direction=Message.Direction.INBOUND,
            created_at__gte=now - REPLY_WINDOW,
        )
        .filter(Exists(leads.filter(pk=OuterRef("lead_id"))))
        .exclude(keyword__in=KEYWORD_REPLIES)
        .filter(~Exists(answered_later))
    )


def _due_tasks(user: User, now: datetime) -> list[DueTask]:
    end_of_day = end_of_local_day(now, user.time_zone)
    related = [f"lead__{name}" for name in LEAD_FIELDS_FOR_RELATED]
    # select_related(None): the task lists join assignee and creator, which My day does not show.
    # Today's appointments have their own section; an earlier one still open is a task to close.
    todays_appointments = Q(kind=Task.Kind.APPOINTMENT, due_at__gte=start_of_local_day(now, user.time_zone))
    tasks = (
        open_tasks(user)
        .filter(due_at__lt=end_of_day)
        .exclude(todays_appointments)
        .select_related(None)
        .select_related("lead")
        .only("title", "due_at", "completed_at", "lead", *related)[:SECTION_SIZE]
    )
    calls = (
        open_call_tasks(user)
        .filter(due_at__lt=end_of_day)
        .select_related(None)
        .select_related("lead")
        .only("title", "due_at", "lead", *related)
    )
    due = [DueTask(task.title, task.due_at, task.lead, task.is_overdue(now), "task") for task in tasks]
    due += [
        DueTask(call.title, call.due_at, call.lead, call.due_at < now, "call")
        for call in calls[:SECTION_SIZE]
    ]
    due.sort(key=lambda task: (task.due_at is None, task.due_at or now))
    return due[:SECTION_SIZE]


def _todays_appointments(user: User, now: datetime) -> list[Appointment]:
    related = [f"lead__{name}" for name in LEAD_FIELDS_FOR_RELATED]
    appointments = (
        open_tasks(user)
        .filter(
            kind=Task.Kind.APPOINTMENT,
            due_at__gte=start_of_local_day(now, user.time_zone),
            due_at__lt=end_of_local_day(now, user.time_zone),
        )
        .select_related(None)
        .select_related("lead")
        .only("title", "due_at", "lead", *related)
        .order_by("due_at", "pk")[:SECTION_SIZE]
    )
    return [Appointment(task.title, task.due_at, task.lead, task.due_at < now) for task in appointments]


def my_day(user: User, now: datetime) -> MyDay:
    leads = workspace_leads(user)
    waiting = _waiting(leads)
    recent_waiting = waiting.filter(created_at__gte=now - NEW_LEAD_WINDOW)
    day = MyDay()
    day.new_leads = list(summary_rows(recent_waiting).order_by("-created_at", "-id")[:SECTION_SIZE])
    counts = waiting.aggregate(
        total=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=now - NEW_LEAD_WINDOW))
    )
    day.new_count = counts["recent"]
    day.older_waiting_count = counts["total"] - counts["recent"]

    seen = set()
    related = [f"lead__{name}" for name in LEAD_FIELDS_FOR_RELATED]
    # Borrowers' texts are between them and their loan officer: never on a referral partner's day.
    replies = _replies_waiting(user, leads, now) if sees_conversations(user) else Message.objects.none()
    for message in (
        replies.select_related("lead")
        .only("body", "created_at", "needs_review", "lead", *related)
        .order_by("-created_at", "-id")[: SECTION_SIZE * 3]
    ):
        if message.lead_id in seen:
            continue
        seen.add(message.lead_id)
        day.replies.append(Reply(message.lead, message.body, message.created_at, message.needs_review))
    day.replies = day.replies[:SECTION_SIZE]

    day.tasks = _due_tasks(user, now)
    day.appointments = _todays_appointments(user, now)
    day.hot_leads = list(
        summary_rows(
            leads.filter(
                in_outcome(Stage.Outcome.OPEN), score_tier="hot", first_human_contact_at__isnull=False
            )
        ).order_by(F("score").desc(nulls_last=True), "-updated_at")[:HOT_SIZE]
    )
    day.offers = list(
        LeadOffer.objects.filter(user=user, status=LeadOffer.Status.OPEN)
        .select_related("lead")
        .only("expires_at", "kind", "lead", *related)
        .order_by("offered_at", "pk")
    )
    day.version = my_day_version(user, now, leads=leads)
    return day


def my_day_version(user: User, now: datetime, *, leads=None) -> str:
    """Changes when what My day shows changes: polled every few seconds, so a few small aggregates only.

    New leads, offers, replies and tasks change it at once; the current minute is part of it too, so the rest
    (hot leads, older leads, the server-rendered "n min left") is at most a minute old even without
    JavaScript, without aggregating every open lead of an organisation every five seconds."""
    leads = workspace_leads(user) if leads is None else leads
    offers = LeadOffer.objects.filter(user=user, status=LeadOffer.Status.OPEN).aggregate(
        count=Count("pk"), last=Max("pk")
    )
    waiting = _replies_waiting(user, leads, now) if sees_conversations(user) else Message.objects.none()
    replies = waiting.aggregate(count=Count("pk"), last=Max("pk"))
    tasks = Task.objects.filter(assignee=user, completed_at__isnull=True).aggregate(
        count=Count("pk"), last=Max("pk")
    )
    calls = CallTask.objects.filter(owner=user, status=CallTask.Status.OPEN).aggregate(
        count=Count("pk"), last=Max("pk")
    )
    minute = now.replace(second=0, microsecond=0).isoformat()
    recent_waiting = _waiting(leads).filter(created_at__gte=now - NEW_LEAD_WINDOW)
    return version_of(
        recent_waiting,
        sorted(offers.items()),
        sorted(replies.items()),
        sorted(tasks.items()),
        sorted(calls.items()),
        minute,
    )
