"""Notes on a lead, with @mentions.

`add_note(lead, author, body)` stores the note, puts it on the lead's timeline and notifies each teammate
mentioned by username (`@theo`). A mention only reaches a person of the same organisation who may see the
lead (leads.access.visible_leads): a note must never alert, or link, someone the lead is hidden from, and
referral partners never see notes at all. The names that could not be notified are returned so the page can
say so.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction

from firstcall.accounts.models import User
from firstcall.accounts.notifications import lead_url, notify
from firstcall.leads.access import visible_leads
from firstcall.pipeline.models import Note, TimelineEvent
from firstcall.pipeline.services import record_event

MAX_NOTE_LENGTH = 5000
# Django usernames are letters, digits and @ . + - _; a mention ends at anything else, and a trailing dot or
# dash is punctuation ("thanks @theo.").
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*[\w+])")


class NoteRefused(ValueError):
    pass


@dataclass
class NoteResult:
    note: Note
    notified: list[User] = field(default_factory=list)
    not_notified: list[str] = field(default_factory=list)  # mentioned names nobody (allowed) answers to


def mentioned_usernames(body: str) -> list[str]:
    """The @usernames in a note, in order of first appearance, without duplicates (case-insensitive)."""
    seen: dict[str, str] = {}
    for match in MENTION.finditer(body or ""):
        name = match.group(1)
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def can_read_notes(user, lead) -> bool:
    """Everyone who sees the full lead page; referral partners see only partner-safe fields."""
    return (
        user.is_authenticated
        and user.role != User.Role.PARTNER
        and visible_leads(user).filter(pk=lead.pk).exists()
    )


def _mentionable(lead, names: list[str]) -> tuple[list[User], list[str]]:
    if not names:
        return [], []
    wanted = {name.casefold() for name in names}
    candidates = [
        user
        for user in User.objects.filter(organisation_id=lead.organisation_id, is_active=True).exclude(
            role=User.Role.PARTNER
        )
        if user.username.casefold() in wanted
    ]
    allowed = [user for user in candidates if visible_leads(user).filter(pk=lead.pk).exists()]
    found = {user.username.casefold() for user in allowed}
    return allowed, [name for name in names if name.casefold() not in found]


@transaction.atomic
def add_note(lead, author: User, body: str) -> NoteResult:
    text = (body or "").strip()
    if not text:
        raise NoteRefused("Write something first.")
    if len(text) > MAX_NOTE_LENGTH:
        raise NoteRefused(f"Notes are limited to {MAX_NOTE_LENGTH} characters.")
    note = Note.objects.create(lead=lead, author=author, body=text)
    people, not_notified = _mentionable(lead, mentioned_usernames(text))
    if people:
        note.mentions.set(people)
    preview = " ".join(text.split())
    record_event(
        lead,
        TimelineEvent.Kind.NOTE,
        f"Note: {preview[:200]}",
        actor=author,
        data={"note_id": note.pk, "mentions": [person.pk for person in people]},
    )
    notified = []
    for person in people:
        if person.pk == author.pk:
            continue
        notify(
            person,
            kind="mention",
            title=f"{author} mentioned you on {lead.full_name or f'lead {lead.pk}'}",
            body=preview[:300],
            lead=lead,
            url=lead_url(lead) + "#timeline",
        )
        notified.append(person)
    return NoteResult(note=note, notified=notified, not_notified=not_notified)
