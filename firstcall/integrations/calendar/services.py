"""Booking calls with loan officers: free slots, booking (one appointment per slot, even when two borrowers click
at once), rescheduling and cancelling with iCalendar invitations, and each officer's subscribable feed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Team, User
from firstcall.events.outbox import emit
from firstcall.integrations import tasks
from firstcall.integrations.calendar import ics
from firstcall.integrations.calendar.slots import BookingRules, free_slots
from firstcall.integrations.models import Appointment, BookingProfile
from firstcall.leads.models import Channel, IntakeRecord, Lead
from firstcall.leads.services import capture
from firstcall.leads.submission import LeadSubmission
from firstcall.lib.phones import display_phone

FEED_SALT = "firstcall.calendar.feed"
BOOKING_SALT = "firstcall.calendar.lead"
MANAGE_SALT = "firstcall.calendar.manage"
MANAGE_LINK_DAYS = 120


class BookingRefused(ValueError):
    pass


def profile_for(user: User) -> BookingProfile:
    profile, _ = BookingProfile.objects.get_or_create(user=user)
    return profile


BOOKING_SETTINGS = ["is_enabled", "meeting_minutes", "buffer_before_minutes", "buffer_after_minutes",
                    "minimum_notice_minutes", "horizon_days"]  # fmt: skip


def update_profile(user: User, **values) -> dict[str, tuple]:
    """Change the officer's booking page settings; returns what changed, {field: (before, after)}."""
    profile = profile_for(user)
    changes = {}
    for name in BOOKING_SETTINGS:
        if name in values and getattr(profile, name) != values[name]:
            changes[name] = (getattr(profile, name), values[name])
            setattr(profile, name, values[name])
    if changes:
        profile.save(update_fields=list(changes))
    return changes


def rules_for(profile: BookingProfile) -> BookingRules:
    return BookingRules(
        meeting_minutes=profile.meeting_minutes, buffer_before_minutes=profile.buffer_before_minutes,
        buffer_after_minutes=profile.buffer_after_minutes, minimum_notice_minutes=profile.minimum_notice_minutes,
        horizon_days=profile.horizon_days,
    )  # fmt: skip


def bookable(user: User) -> bool:
    return bool(
        user.is_active and user.working_hours and not user.is_out_of_office and profile_for(user).is_enabled
    )


def slots_for(user: User, now: datetime | None = None) -> list[datetime]:
    if not bookable(user):
        return []
    now = now or timezone.now()
    profile = profile_for(user)
    busy = list(Appointment.objects.filter(loan_officer=user, status=Appointment.Status.BOOKED,
                                           ends_at__gte=now - timedelta(days=1))
                .values_list("starts_at", "ends_at"))  # fmt: skip
    return free_slots(user.working_hours, user.time_zone, busy, rules_for(profile), now)


def team_slots(team: Team, now: datetime | None = None) -> dict[datetime, list[User]]:
    """Every slot at least one bookable member has free -> those members, least booked first (round robin)."""
    now = now or timezone.now()
    members = [
        user for user in team.members.filter(is_active=True, role=User.Role.LOAN_OFFICER) if bookable(user)
    ]
    upcoming = {user.pk: Appointment.objects.filter(loan_officer=user, status=Appointment.Status.BOOKED,
                                                    starts_at__gte=now).count() for user in members}  # fmt: skip
    slots: dict[datetime, list[User]] = {}
    for user in members:
        for slot in slots_for(user, now):
            slots.setdefault(slot, []).append(user)
    for users in slots.values():
        users.sort(key=lambda user: (upcoming[user.pk], user.pk))
    return dict(sorted(slots.items()))


def lead_token(lead: Lead) -> str:
    """For a first-touch message's booking link: the booking lands on this lead instead of a new one."""
    return signing.dumps(lead.pk, salt=BOOKING_SALT)


def lead_from_token(token: str, organisation_id: int) -> Lead | None:
    try:
        lead_id = signing.loads(token, salt=BOOKING_SALT, max_age=60 * 60 * 24 * 60)
    except signing.BadSignature:
        return None
    return Lead.objects.filter(pk=lead_id, organisation_id=organisation_id).first()


def booking_url(user: User, lead: Lead | None = None) -> str:
    url = f"{settings.SITE_URL}/book/{user.pk}/"
    return f"{url}?lead={lead_token(lead)}" if lead is not None else url


def manage_url(appointment: Appointment) -> str:
    """The borrower's own page to move or cancel the call (a signed link, in their invitation email)."""
    token = signing.dumps(appointment.pk, salt=MANAGE_SALT)
    return f"{settings.SITE_URL}/book/manage/{token}/"


def appointment_from_manage_token(token: str) -> Appointment | None:
    try:
        appointment_id = signing.loads(token, salt=MANAGE_SALT, max_age=60 * 60 * 24 * MANAGE_LINK_DAYS)
    except signing.BadSignature:
        return None
    return (
        Appointment.objects.select_related("loan_officer__organisation", "lead")
        .filter(pk=appointment_id)
        .first()
    )


def booking_link_for(lead: Lead, officer: User | None = None) -> str:
    """The lead's own link to its loan officer's (or ``officer``'s) booking page, for the first touch and the
    `{{ officer.booking_link }}` merge field; "" when the officer takes no bookings (no working hours, out of
    office, or the page switched off). Reads only: no profile is created."""
    officer = officer if officer is not None else lead.owner
    if officer is None or not officer.is_active or not officer.working_hours or officer.is_out_of_office:
        return ""
    if BookingProfile.objects.filter(user=officer, is_enabled=False).exists():
        return ""
    return booking_url(officer, lead)


def book(officer: User, starts_at: datetime, *, first_name: str, last_name: str, email: str, phone: str,
         borrower_time_zone: str = "", lead: Lead | None = None, now: datetime | None = None) -> Appointment:  # fmt: skip
    now = now or timezone.now()
    starts_at = starts_at.astimezone(UTC)
    if lead is None:
        lead = _lead_for_booking(officer, first_name, last_name, email, phone)
    with transaction.atomic():
        # One booking at a time per officer: two borrowers choosing the same slot cannot both get it.
        profile = BookingProfile.objects.select_for_update().get(pk=profile_for(officer).pk)
        if starts_at not in set(slots_for(officer, now)):
            raise BookingRefused("That time was just taken. Please choose another.")
        appointment = Appointment.objects.create(
            organisation_id=officer.organisation_id, loan_officer=officer, lead=lead, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=profile.meeting_minutes), borrower_time_zone=borrower_time_zone,
            uid=f"{uuid.uuid4()}@firstcall",
        )  # fmt: skip
        if lead.owner_id != officer.pk:
            # The borrower chose this officer: they see the lead and its Appointment task, whoever owns it.
            lead.shared_with.add(officer)
        _announce(appointment, "booked")
    return appointment


def _lead_for_booking(officer: User, first_name, last_name, email, phone) -> Lead:
    record = IntakeRecord.objects.create(organisation_id=officer.organisation_id, channel=Channel.MANUAL,
                                         method="POST", path=f"/book/{officer.pk}/", content_type="booking")  # fmt: skip
    result = capture(LeadSubmission(first_name=first_name, last_name=last_name, email=email or None,
                                    phone=phone or None), organisation=officer.organisation, intake_record=record)  # fmt: skip
    if not result.is_accepted:
        raise BookingRefused("; ".join(f"{', '.join(messages)}" for messages in result.errors.values()))
    return result.lead


def reschedule(appointment: Appointment, starts_at: datetime, now: datetime | None = None) -> Appointment:
    officer = appointment.loan_officer
    with transaction.atomic():
        BookingProfile.objects.select_for_update().get(user=officer)
        Appointment.objects.filter(pk=appointment.pk).update(
            status=Appointment.Status.CANCELLED
        )  # free its slot
        free = set(slots_for(officer, now))
        if starts_at.astimezone(UTC) not in free:
            raise BookingRefused("That time is not free.")
        length = appointment.ends_at - appointment.starts_at
        Appointment.objects.filter(pk=appointment.pk).update(
            status=Appointment.Status.BOOKED, starts_at=starts_at, ends_at=starts_at + length,
            sequence=appointment.sequence + 1,
        )  # fmt: skip
        appointment.refresh_from_db()
        _announce(appointment, "rescheduled")
    return appointment


def cancel(appointment: Appointment) -> Appointment:
    with transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED,
                                                             sequence=appointment.sequence + 1)  # fmt: skip
        appointment.refresh_from_db()
        _announce(appointment, "cancelled")
    return appointment


def _announce(appointment: Appointment, status: str) -> None:
    emit("appointment.booked", organisation_id=appointment.organisation_id, lead_id=appointment.lead_id,
         appointment_id=appointment.pk, assigned_to_id=appointment.loan_officer_id,
         starts_at=appointment.starts_at.isoformat(), status=status)  # fmt: skip
    # Sent by the worker: a slow or absent mail server never fails the borrower's booking.
    transaction.on_commit(lambda: tasks.send_officer_invitation.enqueue(appointment.pk))


def meeting(appointment: Appointment, *, for_borrower: bool = False) -> ics.Meeting:
    """The calendar entry. The borrower's copy says who calls whom and never carries the lead page's address."""
    officer, lead = appointment.loan_officer, appointment.lead
    organisation = officer.organisation
    officer_name = officer.get_full_name() or officer.username
    attendees = [(officer.email, officer.get_full_name() or officer.username)]
    if lead.email:
        attendees.append((lead.email, lead.full_name or "Borrower"))
    return ics.Meeting(
        uid=appointment.uid, sequence=appointment.sequence, starts_at=appointment.starts_at,
        ends_at=appointment.ends_at, time_zone=officer.time_zone,
        summary=f"Call with {officer_name}, {organisation.name}" if for_borrower
        else f"Call: {lead.full_name or 'borrower'} with {officer_name}",
        description=(f"{officer_name} ({organisation.name}) will call you at {display_phone(lead.phone)}."
                     if lead.phone else f"A call with {officer_name} ({organisation.name}).") if for_borrower
        else f"{organisation.name}. Phone: {lead.phone or '-'}. Lead: {settings.SITE_URL}/leads/{lead.pk}/",
        organizer_email=officer.email, organizer_name=officer.get_full_name() or officer.username,
        attendees=tuple(attendees), cancelled=appointment.status == Appointment.Status.CANCELLED,
    )  # fmt: skip


def borrower_zone(appointment: Appointment) -> ZoneInfo:
    """The zone the borrower chose on the booking page, else the lead's, else the officer's."""
    for name in (
        appointment.borrower_time_zone,
        appointment.lead.time_zone,
        appointment.loan_officer.time_zone,
    ):
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, ZoneInfoNotFoundError):
            continue
    return ZoneInfo("UTC")


def borrower_invitation(appointment: Appointment) -> dict:
    """The borrower's calendar invitation as an email attachment (REQUEST, or CANCEL once cancelled)."""
    invite = meeting(appointment, for_borrower=True)
    method = "CANCEL" if invite.cancelled else "REQUEST"
    return {"filename": "invite.ics", "content_type": f"text/calendar; method={method}; charset=UTF-8",
            "content": ics.invitation(invite).decode()}  # fmt: skip


def send_officer_invitation(appointment_id: int) -> str:
    """The loan officer's calendar invitation (a staff email, not a borrower message)."""
    if settings.EMAIL_PROVIDER != "smtp":
        return "not sent: FIRSTCALL_EMAIL_PROVIDER is not smtp"
    appointment = Appointment.objects.select_related("loan_officer__organisation", "lead").get(
        pk=appointment_id
    )
    officer = appointment.loan_officer
    if not officer.email:
        return "not sent: the officer has no email address"
    invite = meeting(appointment)
    method = "CANCEL" if invite.cancelled else "REQUEST"
    verb = "Cancelled" if invite.cancelled else ("Updated" if appointment.sequence else "New")
    local = appointment.starts_at.astimezone(ZoneInfo(officer.time_zone))
    message = EmailMessage(
        subject=f"{verb} call {local:%a %b %d, %I:%M %p} with {appointment.lead.full_name or 'a borrower'}",
        body=f"{invite.summary}\n{invite.description}\n",
        from_email=settings.DEFAULT_FROM_EMAIL, to=[officer.email],
    )  # fmt: skip
    message.attach("invite.ics", ics.invitation(invite), f"text/calendar; method={method}; charset=UTF-8")
    message.send()
    return "sent"


def feed_token(user: User) -> str:
    return signing.Signer(salt=FEED_SALT).sign(str(user.pk)).split(":", 1)[1]


def user_for_feed(user_id: int, token: str) -> User | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not signing.constant_time_compare(feed_token(user), token):
        return None
    return user


def officer_feed(user: User) -> bytes:
    since = timezone.now() - timedelta(days=30)
    appointments = Appointment.objects.filter(loan_officer=user, starts_at__gte=since).select_related(
        "loan_officer__organisation", "lead")  # fmt: skip
    return ics.feed(f"FirstCall: {user.get_full_name() or user.username}", [meeting(a) for a in appointments])
