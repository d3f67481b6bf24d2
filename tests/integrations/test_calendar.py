"""Booking calls: free slots from working hours and buffers, the public pages, invitations parsed back with
icalendar, reschedules and cancellations on the same UID, the loan officer's feed and the Appointment task."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from firstcall.integrations.calendar import services as calendar
from firstcall.integrations.calendar.slots import BookingRules, free_slots
from firstcall.integrations.models import Appointment
from firstcall.leads.models import Lead
from firstcall.pipeline.models import Task
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
# Monday 7 December 2026, 08:00 in New York.
MONDAY_MORNING = datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)


def ny(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def test_slots_respect_hours_buffers_notice_and_other_appointments():
    busy = [(ny(7, 13), ny(7, 13, 30))]
    slots = free_slots(WEEKDAYS, "America/New_York", busy, BookingRules(horizon_days=0), MONDAY_MORNING)
    local = [slot.astimezone(NEW_YORK).strftime("%H:%M") for slot in slots]
    assert local[0] == "10:00"  # two hours' notice from 08:00
    assert "12:30" not in local  # would run into the 13:00 call
    assert "13:00" not in local and "13:30" not in local  # the call and its 15-minute buffer
    assert "14:00" in local
    assert local[-1] == "16:00"  # 16:30 + 30 min + 15 min buffer passes 17:00
    saturday = free_slots(WEEKDAYS, "America/New_York", [], BookingRules(horizon_days=5), MONDAY_MORNING)
    assert not [slot for slot in saturday if slot.astimezone(NEW_YORK).weekday() >= 5]


def test_slots_follow_the_officers_zone_across_daylight_saving():
    # 1 November 2026: clocks go back; 09:00 in New York is 14:00 UTC after, 13:00 UTC before.
    now = datetime(2026, 10, 30, 6, 0, tzinfo=NEW_YORK)
    slots = free_slots(
        WEEKDAYS, "America/New_York", [], BookingRules(horizon_days=4, minimum_notice_minutes=0), now
    )
    first_each_day = {}
    for slot in slots:
        first_each_day.setdefault(slot.astimezone(NEW_YORK).date(), slot)
    assert [(s.hour, s.tzinfo) for s in first_each_day.values()] == [(13, UTC), (14, UTC), (14, UTC)]


@pytest.fixture
def officer(organisation, team):
    user = make_user(organisation, "olga", first_name="Olga", last_name="Officer", email="olga@acme.test",
                     nmls_id="100009", working_hours=WEEKDAYS, time_zone="America/New_York")  # fmt: skip
    user.teams.add(team)
    return user


@pytest.fixture
def work(run_worker, django_capture_on_commit_callbacks):
    def run():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return run


@pytest.fixture(autouse=True)
def _subscribers(settings):
    settings.EVENT_SUBSCRIBERS = ["firstcall.integrations.subscribers", "firstcall.pipeline.subscribers"]


def invitation_of(message) -> Calendar:
    [part] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return Calendar.from_ical(
        part.get_content() if isinstance(part.get_content(), str) else part.get_content().decode()
    )


def invitation_emails(smtp_server) -> list:
    """The emails carrying an invitation (a new lead also brings the officer's new-lead alert)."""
    return [
        message for message in smtp_server.messages()
        if any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
    ]  # fmt: skip


def test_a_borrower_books_on_the_officers_page_and_both_calendars_get_the_call(
    client, officer, smtp_server, work, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        page = client.get(f"/book/{officer.pk}/?tz=America/Chicago").content.decode()
        assert "Monday, December 7" in page and "9:00 AM" in page  # 10:00 in New York is 9:00 in Chicago
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/book/{officer.pk}/", {
                "slot": ny(7, 10).isoformat(), "tz": "America/Chicago", "first_name": "Ana", "last_name": "Lopez",
                "email": "ana.lopez@example.com", "phone": "(813) 555-0199",
            })  # fmt: skip
        assert response.status_code == 201
        assert "Monday, December 7 at 9:00 AM" in response.content.decode()
        work()
    appointment = Appointment.objects.get()
    lead = Lead.objects.get()
    assert (appointment.lead, appointment.loan_officer, appointment.starts_at) == (lead, officer, ny(7, 10))
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    task = Task.objects.get(kind=Task.Kind.APPOINTMENT)
    assert (task.lead, task.assignee, task.due_at) == (lead, officer, ny(7, 10))
    [email] = invitation_emails(smtp_server)
    assert email["To"] == "olga@acme.test"
    invite = invitation_of(email)
    assert str(invite["METHOD"]) == "REQUEST"
    [timezone_component] = invite.walk("VTIMEZONE")
    assert str(timezone_component["TZID"]) == "America/New_York"
    [event] = invite.walk("VEVENT")
    assert str(event["UID"]) == appointment.uid and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == ny(7, 10).astimezone(NEW_YORK)
    assert {str(a) for a in event.get("ATTENDEE")} == {
        "mailto:olga@acme.test",
        "mailto:ana.lopez@example.com",
    }
    # The borrower's copy from the confirmation page is the same invitation.
    download = client.get(response.context["ics_url"])
    assert Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"] == appointment.uid


def test_a_slot_cannot_be_booked_twice(client, officer):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        calendar.book(
            officer, ny(7, 11), first_name="Ana", last_name="Lopez", email="ana@example.com", phone=""
        )
        response = client.post(f"/book/{officer.pk}/", {"slot": ny(7, 11).isoformat(), "first_name": "Bo",
                                                        "email": "bo@example.com"})  # fmt: skip
    assert response.status_code == 400 and "Choose one of the times shown" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_reschedule_keeps_the_uid_with_a_higher_sequence_and_cancel_sends_cancel(
    officer, smtp_server, work, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            appointment = calendar.book(officer, ny(7, 11), first_name="Ana", last_name="Lopez",
                                        email="ana@example.com", phone="")  # fmt: skip
        work()
        with django_capture_on_commit_callbacks(execute=True):
            calendar.reschedule(appointment, ny(8, 15))
        work()
        task = Task.objects.get(kind=Task.Kind.APPOINTMENT)
        assert task.due_at == ny(8, 15)
        with django_capture_on_commit_callbacks(execute=True):
            calendar.cancel(appointment)
        work()
    first, moved, cancelled = (invitation_of(message) for message in invitation_emails(smtp_server))
    events = [invite.walk("VEVENT")[0] for invite in (first, moved, cancelled)]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART") == ny(8, 15).astimezone(NEW_YORK)
    assert [str(invite["METHOD"]) for invite in (first, moved, cancelled)] == ["REQUEST", "REQUEST", "CANCEL"]
    assert str(events[2]["STATUS"]) == "CANCELLED"
    task.refresh_from_db()
    assert task.completed_at is not None


def test_the_team_page_books_the_least_booked_free_officer(client, officer, organisation, team):
    other = make_user(
        organisation, "otto", email="otto@acme.test", working_hours=WEEKDAYS, time_zone="America/New_York"
    )
    other.teams.add(team)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        calendar.book(
            officer, ny(7, 14), first_name="Ana", last_name="Lopez", email="ana@example.com", phone=""
        )
        response = client.post(f"/book/team/{team.pk}/", {"slot": ny(7, 11).isoformat(), "first_name": "Bo",
                                                           "email": "bo@example.com"})  # fmt: skip
    assert response.status_code == 201
    assert Appointment.objects.get(starts_at=ny(7, 11)).loan_officer == other


def test_a_first_touch_booking_link_books_onto_the_borrowers_lead(client, officer, organisation):
    lead = tampa_borrower(organisation, owner=officer)
    url = calendar.booking_url(officer, lead)
    assert url.startswith("http") and "?lead=" in url
    path = url.split("://", 1)[1].split("/", 1)[1]
    with time_machine.travel(MONDAY_MORNING, tick=False):
        page = client.get(f"/{path}")
        assert 'name="email"' not in page.content.decode()  # the lead is known: no contact form
        response = client.post(f"/{path}", {"slot": ny(7, 12).isoformat()})
    assert response.status_code == 201
    assert Appointment.objects.get().lead == lead and Lead.objects.count() == 1


def test_the_officers_feed_needs_its_token_and_lists_the_appointments(client, officer):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        appointment = calendar.book(officer, ny(9, 9), first_name="Ana", last_name="Lopez", email="a@example.com",
                                    phone="")  # fmt: skip
    assert client.get(f"/calendar/{officer.pk}/wrong.ics").status_code == 404
    response = client.get(f"/calendar/{officer.pk}/{calendar.feed_token(officer)}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    assert "METHOD" not in feed
    assert [str(event["UID"]) for event in feed.walk("VEVENT")] == [appointment.uid]


def test_an_officer_without_working_hours_has_no_booking_page(client, organisation):
    user = make_user(organisation, "nora")
    assert client.get(f"/book/{user.pk}/").status_code == 404


def _arrive(organisation, source, **fields):
    from firstcall.flows.lead_arrives import lead_arrives
    from firstcall.leads.models import IntakeRecord
    from firstcall.leads.submission import ConsentInput, LeadSubmission

    record = IntakeRecord.objects.create(organisation=organisation, source=source, channel="api")
    values = dict(
        first_name="Ana", last_name="Lopez", phone="8135550190", zip="33602", purpose="purchase",
        loan_type="fha", consent=ConsentInput(sms=True, text="I agree to texts", ip="203.0.113.1"),
    )  # fmt: skip
    submission = LeadSubmission(**(values | fields))
    return lead_arrives(submission, organisation=organisation, intake_record=record, source=source).lead


def test_the_first_touch_carries_a_link_that_books_onto_the_lead_when_the_officer_takes_bookings(
    client, organisation, team, api_source
):
    from firstcall.messaging.models import Message

    olga = make_user(organisation, "olga", first_name="Olga", nmls_id="100009", licensed_states=["FL"],
                     working_hours=WEEKDAYS, time_zone="America/New_York", phone="+18135550101")  # fmt: skip
    olga.teams.add(team)
    with time_machine.travel(MONDAY_MORNING.replace(hour=10), tick=False):
        lead = _arrive(organisation, api_source)
        assert lead.owner == olga
        first_touch = Message.objects.get(lead=lead, purpose="first_touch")
        link = calendar.booking_url(olga, lead)
        assert first_touch.body.count(link) == 1 and "Or pick a time that suits you: " in first_touch.body
        path = link.split("://", 1)[1].split("/", 1)[1]
        assert client.post(f"/{path}", {"slot": ny(8, 12).isoformat()}).status_code == 201
    assert Appointment.objects.get().lead == lead and Lead.objects.count() == 1

    # An officer who switched the booking page off (or has no working hours) sends no link.
    profile = calendar.profile_for(olga)
    profile.is_enabled = False
    profile.save()
    with time_machine.travel(MONDAY_MORNING.replace(hour=11), tick=False):
        other = _arrive(organisation, api_source, first_name="Bo", last_name="Diaz", phone="8135550191")
    assert "/book/" not in Message.objects.get(lead=other, purpose="first_touch").body


def test_the_borrower_gets_the_invitation_and_reminders_and_a_move_or_cancellation_replaces_them(
    officer, organisation, smtp_server, twilio_settings, standin, work, django_capture_on_commit_callbacks,
    settings,
):  # fmt: skip
    from firstcall.messaging.models import Message

    settings.EVENT_SUBSCRIBERS = [*settings.EVENT_SUBSCRIBERS, "firstcall.flows.subscribers"]
    lead = tampa_borrower(organisation, owner=officer)

    def borrower_invitations():
        return [
            invitation_of(m) for m in invitation_emails(smtp_server) if m["To"] == "ana.lopez@example.com"
        ]

    def reminders(status):
        return sorted(Message.objects.filter(lead=lead, channel="sms", purpose="appointment", status=status)
                      .values_list("next_attempt_at", flat=True))  # fmt: skip

    with time_machine.travel(MONDAY_MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            appointment = calendar.book(officer, ny(8, 11), first_name="Ana", last_name="Lopez",
                                        email=lead.email, phone=lead.phone, lead=lead)  # fmt: skip
        work()
    [first] = borrower_invitations()
    event = first.walk("VEVENT")[0]
    assert (str(first["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == (
        "REQUEST",
        appointment.uid,
        0,
    )
    assert "/leads/" not in str(event["DESCRIPTION"]) and "Olga" in str(event["SUMMARY"])
    assert reminders("queued") == [ny(7, 11), ny(8, 10)]  # a day and an hour before

    with time_machine.travel(ny(7, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            calendar.reschedule(appointment, ny(9, 15))
        work()
    assert reminders("queued") == [ny(8, 15), ny(9, 14)]
    assert len(reminders("suppressed")) == 2  # the old times no longer hold
    moved = borrower_invitations()[-1].walk("VEVENT")[0]
    assert int(moved["SEQUENCE"]) == 1 and moved.decoded("DTSTART") == ny(9, 15).astimezone(NEW_YORK)

    with time_machine.travel(ny(8, 15, 1), tick=False):
        work()  # the day-before reminder is due
    [sent] = standin.created_messages()
    assert (
        "Reminder: your call with Olga Officer" in sent.body
        and "Wednesday, December 9 at 3:00 PM" in sent.body
    )
    assert reminders("queued") == [ny(9, 14)]

    with time_machine.travel(ny(8, 16), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            calendar.cancel(appointment)
        work()
    assert reminders("queued") == []
    assert str(borrower_invitations()[-1]["METHOD"]) == "CANCEL"


def test_the_borrower_moves_and_then_cancels_the_call_from_their_own_link(client, officer, organisation):
    lead = tampa_borrower(organisation, owner=officer)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        appointment = calendar.book(officer, ny(8, 11), first_name="Ana", last_name="Lopez", email=lead.email,
                                    phone=lead.phone, lead=lead, borrower_time_zone="America/Chicago")  # fmt: skip
        path = "/" + calendar.manage_url(appointment).split("://", 1)[1].split("/", 1)[1]
        page = client.get(path).content.decode()
        assert "Tuesday, December 8 at 10:00 AM (America/Chicago)" in page  # 11:00 in New York
        assert "Lopez" not in page and "/leads/" not in page

        assert client.post(path, {"action": "move", "slot": "tomorrow"}).status_code == 400
        moved = client.post(path, {"action": "move", "slot": ny(9, 15).isoformat()})
        assert moved.status_code == 200 and "Your call is moved" in moved.content.decode()
        appointment.refresh_from_db()
        assert (appointment.starts_at, appointment.sequence) == (ny(9, 15), 1)

        cancelled = client.post(path, {"action": "cancel"})
        appointment.refresh_from_db()
        assert "Your call is cancelled" in cancelled.content.decode()
        assert (appointment.status, appointment.sequence) == (Appointment.Status.CANCELLED, 2)
        assert client.post(path, {"action": "move", "slot": ny(10, 15).isoformat()}).status_code == 400

    assert client.get(path.replace("/manage/", "/manage/x")).status_code == 404
    with time_machine.travel(MONDAY_MORNING + timedelta(days=calendar.MANAGE_LINK_DAYS + 1), tick=False):
        assert client.get(path).status_code == 404  # the link expires


def test_a_loan_officer_sets_their_own_booking_page_and_borrowers_see_it(client, officer, organisation):
    from django.test import Client

    from firstcall.accounts.models import AuditEvent

    def signed_in(user):
        signed = Client()
        signed.force_login(user)
        return signed

    page = signed_in(officer)
    shown = page.get("/account/booking/").content.decode()
    assert f"/book/{officer.pk}/" in shown and f"/calendar/{officer.pk}/" in shown
    week = {f"work_{day}_{end}": time for day in ("mon", "tue", "wed", "thu", "fri")
            for end, time in (("open", "09:00"), ("close", "17:00"))}  # fmt: skip
    settings_form = {**week, "is_enabled": "on", "meeting_minutes": "45", "buffer_before_minutes": "0",
                     "buffer_after_minutes": "15", "minimum_notice_minutes": "120", "horizon_days": "14"}  # fmt: skip
    assert page.post("/account/booking/", settings_form).status_code == 302
    event = AuditEvent.objects.get(action="booking_page.updated")
    assert event.detail["changes"] == {"meeting_minutes": ["30", "45"]}
    # The week shortened on Friday: the officer keeps their own hours (routing reads the same ones).
    assert (
        page.post("/account/booking/", {**settings_form, **week, "work_fri_close": "12:00"}).status_code
        == 302
    )
    officer.refresh_from_db()
    assert officer.working_hours["fri"] == ["09:00", "12:00"] and officer.working_hours["mon"] == [
        "09:00",
        "17:00",
    ]
    bad_day = {**settings_form, "work_fri_close": "08:00"}
    assert page.post("/account/booking/", bad_day).status_code == 422
    with time_machine.travel(MONDAY_MORNING, tick=False):
        appointment = calendar.book(officer, ny(7, 11), first_name="Ana", last_name="Lopez", email="a@example.com",
                                    phone="")  # fmt: skip
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)

    assert page.post("/account/booking/", {**settings_form, "meeting_minutes": "5"}).status_code == 422
    assert page.post("/account/booking/", {**settings_form, "is_enabled": ""}).status_code == 302
    assert client.get(f"/book/{officer.pk}/").status_code == 404  # the page is off

    processor = make_user(organisation, "pat", role="processor")
    assert signed_in(processor).get("/account/booking/").status_code == 403
