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
from firstcall.leads.models import TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.pipeline.models import Note

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


# Who may be brought in by a mention: the organisation's own staff. A referral partner never sees notes.
SHAREABLE_ROLES = {User.Role.ADMIN, User.Role.MANAGER, User.Role.LOAN_OFFICER, User.Role.PROCESSOR}


@dataclass
class MentionPlan:
    name: str
    user: User | None
    action: str  # "notify" (sees the lead), "share" (will be given access), "refuse"
    reason: str = ""


def can_share(author: User, lead) -> bool:
    """Who may share a lead by mentioning a teammate: its owner, a manager or admin who sees it."""
    return author.is_org_admin or author.role == User.Role.MANAGER or lead.owner_id == author.pk


def plan_mentions(lead, author: User, body: str) -> list[MentionPlan]:
    """What each @mention in a note will do, said before the note is saved."""
    names = mentioned_usernames(body)
    if not names:
        return []
    wanted = {name.casefold() for name in names}
    people = {
        user.username.casefold(): user
        for user in User.objects.filter(organisation_id=lead.organisation_id, is_active=True)
        if user.username.casefold() in wanted
    }
    seeing = set(visible_leads_ids_for(people.values(), lead))
    plans = []
    for name in names:
        user = people.get(name.casefold())
        if user is None:
            plans.append(MentionPlan(name, None, "refuse", "nobody in your organisation has this username"))
        elif user.pk in seeing:
            plans.append(MentionPlan(name, user, "notify"))
        elif user.role not in SHAREABLE_ROLES:
            plans.append(MentionPlan(name, user, "refuse", "referral partners do not see notes"))
        elif not can_share(author, lead):
            plans.append(MentionPlan(name, user, "refuse",
                                     "they cannot see this lead, and only its owner or a manager may share it"))  # fmt: skip
        else:
            plans.append(MentionPlan(name, user, "share", "the lead will be shared with them"))
    return plans


def visible_leads_ids_for(users, lead) -> list[int]:
    return [user.pk for user in users if visible_leads(user).filter(pk=lead.pk).exists()]


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
def add_note(lead, author: User, body: str, *, share: bool = True) -> NoteResult:
    """Store the note; a mentioned teammate who cannot see the lead is given access first when the author may
    share it (`share`), so that every mention the page promised reaches its person."""
    text = (body or "").strip()
    if not text:
        raise NoteRefused("Write something first.")
    if len(text) > MAX_NOTE_LENGTH:
        raise NoteRefused(f"Notes are limited to {MAX_NOTE_LENGTH} characters.")
    if share:
        for plan in plan_mentions(lead, author, text):
            if plan.action == "share":
                lead.shared_with.add(plan.user)
                record_event(lead, TimelineEvent.Kind.ASSIGNED, f"Shared with {plan.user} (mentioned in a note)",
                             actor=author, data={"shared_with_id": plan.user.pk})  # fmt: skip
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
