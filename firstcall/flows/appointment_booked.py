"""A borrower books, moves or cancels a call with a loan officer: the borrower's calendar invitation by email
(the same entry as the officer's: one UID, a higher SEQUENCE for each change, CANCEL when cancelled) and text
reminders a day and an hour before. All through the outbox, so consent, opt-outs and the borrower's calling
window apply to each reminder at the moment it is sent; a move or a cancellation withdraws the reminders that
no longer hold. The officer's own invitation is sent by integrations (a staff email)."""

from datetime import timedelta

from django.utils import timezone

from firstcall.integrations.calendar.services import borrower_invitation, borrower_zone, manage_url
from firstcall.integrations.models import Appointment
from firstcall.messaging.models import Message
from firstcall.messaging.outbox import queue_message, withdraw_queued

REMINDERS = (("day", timedelta(days=1)), ("hour", timedelta(hours=1)))


def after_appointment(event) -> dict:
    """IN_TRANSACTION subscriber of appointment.booked (booked, rescheduled or cancelled)."""
    appointment = Appointment.objects.select_related("lead__organisation", "loan_officer__organisation").get(
        pk=event.payload["appointment_id"]
    )
    lead, officer = appointment.lead, appointment.loan_officer
    prefix = f"appointment:{appointment.uid}:"
    this_version = f"{prefix}{appointment.sequence}:"
    cancelled = appointment.status == Appointment.Status.CANCELLED
    when = f"{appointment.starts_at.astimezone(borrower_zone(appointment)):%A, %B %-d at %-I:%M %p %Z}"
    officer_name = officer.get_full_name() or officer.username
    queued = []

    if lead.email:
        verb = "Cancelled" if cancelled else ("Moved" if appointment.sequence else "Booked")
        queue_message(
            lead, Message.ChannelKind.EMAIL,
            f"Your call with {officer_name} on {when} is cancelled." if cancelled
            else f"Your call with {officer_name} ({lead.organisation.name}) is on {when}. "
            f"The invitation attached adds it to your calendar. To move or cancel it: {manage_url(appointment)}",
            subject=f"{verb}: your call with {officer_name} on {when}",
            purpose=Message.Purpose.APPOINTMENT, is_marketing=False,
            idempotency_key=f"{this_version}invitation", attachments=[borrower_invitation(appointment)],
        )  # fmt: skip
        queued.append("invitation")

    reminder_keys = set()
    if not cancelled and lead.phone:
        for name, ahead in REMINDERS:
            send_at = appointment.starts_at - ahead
            if send_at <= timezone.now():
                continue  # booked less than a day (or an hour) ahead: that reminder would be late
            key = f"{this_version}reminder-{name}"
            reminder_keys.add(key)
            queue_message(
                lead, Message.ChannelKind.SMS,
                f"Reminder: your call with {officer_name} of {lead.organisation.name} is {when}. "
                "Reply to move it. Reply STOP to opt out.",
                purpose=Message.Purpose.APPOINTMENT, is_marketing=False, idempotency_key=key, send_after=send_at,
            )  # fmt: skip
            queued.append(f"reminder-{name}")

    withdrawn = withdraw_queued(
        lead.organisation_id, prefix, keep=reminder_keys | {f"{this_version}invitation"},
        reason="the appointment was cancelled" if cancelled else "the appointment moved",
    )  # fmt: skip
    return {"queued": queued, "withdrawn": withdrawn}
