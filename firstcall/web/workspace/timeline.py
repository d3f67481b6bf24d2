"""Reading a lead's timeline a page at a time, newest first, with what each event points at (the message
text of a conversation event, the note of a note event) fetched in bulk: three queries a page, however long
the timeline is.

Pages are keyset-paginated on (created_at, id), so "load more" stays fast and does not skip or repeat
events that arrive while the person is reading.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from firstcall.leads.models import Lead, TimelineEvent
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Note

PAGE_SIZE = 25
Kind = TimelineEvent.Kind
FILTERS = {
    "all": ("Everything", None),
    "conversation": ("Conversation", [Kind.MESSAGE]),
    "calls": ("Calls", [Kind.CALL]),
    "notes": ("Notes", [Kind.NOTE]),
    "tasks": ("Tasks", [Kind.TASK]),
    "changes": (
        "Changes",
        [
            Kind.FIELD_CHANGED,
            Kind.STAGE_CHANGED,
            Kind.ASSIGNED,
            Kind.SCORED,
            Kind.CONSENT_RECORDED,
            Kind.CONSENT_REVOKED,
            Kind.CREATED,
            Kind.MERGED,
            Kind.REOPENED,
            Kind.SLA,
            Kind.CADENCE,
        ],
    ),
}


@dataclass
class Entry:
    event: TimelineEvent
    message: Message | None = None
    note: Note | None = None
    changes: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def direction(self) -> str:
        return (self.event.data or {}).get("direction", "")


@dataclass
class Page:
    entries: list[Entry]
    next_cursor: str  # "" on the last page
    filter_name: str


def field_label(name: str) -> str:
    try:
        return str(Lead._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def cursor_of(event: TimelineEvent) -> str:
    return f"{event.created_at.isoformat()}~{event.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    moment, _, pk = (cursor or "").rpartition("~")
    when = parse_datetime(moment) if moment else None
    if when is None or not pk.isdigit():
        return None
    return when, int(pk)


def timeline_page(
    lead, *, before: str = "", filter_name: str = "all", size: int = PAGE_SIZE, allowed_kinds=None
) -> Page:
    """`allowed_kinds`: the event kinds the reader's role may see (leads/allow_lists.py); None for all."""
    filter_name = filter_name if filter_name in FILTERS else "all"
    events = (
        TimelineEvent.objects.filter(lead_id=lead.pk).select_related("actor").order_by("-created_at", "-id")
    )
    if allowed_kinds is not None:
        events = events.filter(kind__in=sorted(allowed_kinds))
    kinds = FILTERS[filter_name][1]
    if kinds:
        events = events.filter(kind__in=kinds)
    position = _parse_cursor(before)
    if position:
        when, pk = position
        events = events.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    rows = list(events[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    message_ids, note_ids = set(), set()
    for event in rows:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind == Kind.MESSAGE and data.get("direction") and isinstance(data.get("message_id"), int):
            message_ids.add(data["message_id"])
        if event.kind == Kind.NOTE and isinstance(data.get("note_id"), int):
            note_ids.add(data["note_id"])
    messages = {}
    if message_ids:
        # Only this lead's messages, whatever an event's data says.
        messages = {
            message.pk: message
            for message in Message.objects.filter(pk__in=message_ids, lead_id=lead.pk).only(
                "pk",
                "channel",
                "direction",
                "subject",
                "body",
                "status",
                "status_reason",
                "purpose",
                "created_at",
                "sent_at",
                "to_address",
                "from_address",
                "lead_id",
            )
        }
    notes = {}
    if note_ids:
        notes = {note.pk: note for note in Note.objects.filter(pk__in=note_ids, lead_id=lead.pk)}
    entries = []
    for event in rows:
        data = event.data if isinstance(event.data, dict) else {}
        entry = Entry(event=event)
        if event.kind == Kind.MESSAGE:
            entry.message = messages.get(data.get("message_id"))
        elif event.kind == Kind.NOTE:
            entry.note = notes.get(data.get("note_id"))
        if isinstance(data.get("changes"), dict):
            entry.changes = [
                (field_label(name), *(list(values) + [None, None])[:2])
                for name, values in data["changes"].items()
                if isinstance(values, list | tuple)
            ]
        entries.append(entry)
    return Page(entries=entries, next_cursor=cursor_of(rows[-1]) if has_more else "", filter_name=filter_name)
