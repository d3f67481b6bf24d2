"""iCalendar (RFC 5545) invitations and feeds with iTIP methods (RFC 5546). Pure: no Django.

An invitation is METHOD:REQUEST with one VEVENT whose UID never changes for the appointment; a reschedule sends
the same UID with a higher SEQUENCE, a cancellation METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE
again. Times are written in the loan officer's zone with its VTIMEZONE, so calendars show the meeting right
across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//FirstCall//Appointments//EN"


@dataclass(frozen=True)
class Meeting:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    summary: str
    description: str
    organizer_email: str
    organizer_name: str
    attendees: tuple[tuple[str, str], ...]  # (email, name)
    location: str = ""
    cancelled: bool = False
    stamp: datetime | None = None


def _event(meeting: Meeting) -> Event:
    zone = ZoneInfo(meeting.time_zone)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (meeting.stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    if meeting.location:
        event.add("location", meeting.location)
    organizer = vCalAddress(f"mailto:{meeting.organizer_email}")
    organizer.params["cn"] = vText(meeting.organizer_name)
    event["organizer"] = organizer
    for email, name in meeting.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText(
            "ACCEPTED" if email == meeting.organizer_email else "NEEDS-ACTION"
        )
        event.add("attendee", attendee, encode=0)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invitation(meeting: Meeting) -> bytes:
    calendar = _calendar("CANCEL" if meeting.cancelled else "REQUEST")
    calendar.add_component(_event(meeting))
    calendar.add_missing_timezones(first_date=date(meeting.starts_at.year - 1, 1, 1),
                                   last_date=date(meeting.starts_at.year + 2, 1, 1))  # fmt: skip
    return calendar.to_ical()


def feed(name: str, meetings: list[Meeting]) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not sent)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    if meetings:
        calendar.add_missing_timezones(first_date=date(min(m.starts_at for m in meetings).year - 1, 1, 1),
                                       last_date=date(max(m.starts_at for m in meetings).year + 2, 1, 1))  # fmt: skip
    return calendar.to_ical()
