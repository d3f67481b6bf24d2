"""My day (/): new leads with their speed-to-lead clock, replies waiting, tasks due, today's appointments, hot
leads and offers, refreshed live; each section shows only what the person may see, with constant queries."""

import re
from datetime import UTC, datetime, timedelta
from itertools import count

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.cadences.models import CallTask
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task
from firstcall.routing.models import LeadOffer
from tests.conftest import make_user
from tests.pipeline.workspace_helpers import make_lead, make_new_lead

_keys = count(1)


def message(lead, direction, *, minutes_ago, purpose=None, keyword="", recipient_user=None, status=None):
    inbound = direction == "inbound"
    return Message.objects.create(
        organisation=lead.organisation,
        lead=lead,
        channel="sms",
        direction=direction,
        purpose=purpose or ("reply" if inbound else "manual"),
        keyword=keyword,
        recipient_user=recipient_user,
        body="Yes, please call me after 5" if inbound else "Hi, this is Olivia",
        status=status or ("received" if inbound else "sent"),
        idempotency_key=f"test-{next(_keys)}",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'aria-labelledby="{heading_id}".*?</section>', html, flags=re.DOTALL)
    return match.group(0) if match else ""


def my_day(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(datetime(2026, 3, 10, 16, 0, tzinfo=UTC), tick=False)  # noon in Tampa: inside the window
def test_new_leads_waiting_for_a_person_show_their_clock_and_one_tap_actions(
    client, organisation, owner, teammate
):
    waiting = make_new_lead(
        organisation, owner=owner, first_name="Ana", last_name="Lopez", minutes_left=4, consent_calls=True
    )
    make_new_lead(organisation, owner=owner, first_name="Called", first_human_contact_at=timezone.now())
    make_new_lead(organisation, owner=owner, first_name="Lostone", stage="Lost")
    make_new_lead(organisation, owner=teammate, first_name="Theirs")
    old = make_new_lead(organisation, owner=owner, first_name="Oldie")
    old.created_at = timezone.now() - timedelta(days=9)
    old.save()

    new = section(my_day(client, owner), "new-h")

    assert ">Ana Lopez<" in new
    assert "Called" not in new and "Lostone" not in new and "Theirs" not in new and "Oldie" not in new
    assert re.search(r'<span class="count">1</span>', new)
    assert re.search(r'class="clock clock-due" data-countdown="\d+">[34] min left<', new)
    assert f'href="tel:{waiting.phone}"' in new
    assert f'href="/leads/{waiting.pk}/#compose"' in new
    assert f'href="/leads/{waiting.pk}/"' in new
    assert "1 older lead never contacted" in new


def test_replies_waiting_are_inbound_texts_nobody_answered_yet(client, organisation, owner, teammate):
    waiting = make_lead(
        organisation, owner=owner, first_name="Waiting", first_human_contact_at=timezone.now()
    )
    message(waiting, "outbound", minutes_ago=30)
    message(waiting, "inbound", minutes_ago=10)
    message(
        waiting, "outbound", minutes_ago=5, purpose="alert", recipient_user=owner
    )  # to Olivia, not an answer
    answered = make_lead(organisation, owner=owner, first_name="Answered")
    message(answered, "inbound", minutes_ago=10)
    message(answered, "outbound", minutes_ago=2)
    stopped = make_lead(organisation, owner=owner, first_name="Stopper")
    message(stopped, "inbound", minutes_ago=3, keyword="opt_out")
    failed_answer = make_lead(organisation, owner=owner, first_name="Failedanswer")
    message(failed_answer, "inbound", minutes_ago=10)
    message(failed_answer, "outbound", minutes_ago=2, status="failed")
    theirs = make_lead(organisation, owner=teammate, first_name="Theirs")
    message(theirs, "inbound", minutes_ago=1)

    replies = section(my_day(client, owner), "replies-h")

    assert "Waiting" in replies and "Failedanswer" in replies
    assert "Answered" not in replies and "Stopper" not in replies and "Theirs" not in replies
    assert "“Yes, please call me after 5”" in replies or "Yes, please call me after 5" in replies
    assert f'href="/leads/{waiting.pk}/#compose"' in replies


@time_machine.travel(datetime(2026, 3, 10, 16, 0, tzinfo=UTC), tick=False)  # noon in Tampa
def test_tasks_due_today_and_overdue_including_cadence_calls(client, organisation, owner, teammate):
    now = timezone.now()
    lead = make_lead(organisation, owner=owner, first_name="Tasked")
    Task.objects.create(organisation=organisation, lead=lead, title="Send the fee sheet", assignee=owner,
                        due_at=now - timedelta(hours=2))  # fmt: skip
    Task.objects.create(organisation=organisation, title="Due later today", assignee=owner,
                        due_at=now + timedelta(hours=5))  # fmt: skip
    Task.objects.create(
        organisation=organisation, title="Tomorrow", assignee=owner, due_at=now + timedelta(hours=13)
    )
    Task.objects.create(
        organisation=organisation, title="Next week", assignee=owner, due_at=now + timedelta(days=7)
    )
    Task.objects.create(organisation=organisation, title="Already done", assignee=owner, due_at=now,
                        completed_at=now)  # fmt: skip
    Task.objects.create(organisation=organisation, title="Theo's task", assignee=teammate, due_at=now)
    CallTask.objects.create(organisation=organisation, lead=lead, owner=owner, title="Second call",
                            due_at=now + timedelta(minutes=30))  # fmt: skip

    tasks = section(my_day(client, owner), "tasks-h")

    assert "Send the fee sheet" in tasks and "Due later today" in tasks and "Call: Second call" in tasks
    assert (
        "Tomorrow" not in tasks
        and "Next week" not in tasks
        and "Already done" not in tasks
        and "Theo" not in tasks
    )
    assert '<span class="badge overdue">1 overdue</span>' in tasks
    assert tasks.count('class="day-item is-overdue"') == 1


@time_machine.travel(datetime(2026, 3, 10, 16, 0, tzinfo=UTC), tick=False)  # noon in Tampa
def test_todays_appointments_are_listed_by_time_with_one_tap_to_call(client, organisation, owner, teammate):
    now = timezone.now()
    lead = make_lead(organisation, owner=owner, first_name="Booked", phone="+18135550142", consent_calls=True)

    def appointment(title, starts_at, assignee=owner, **fields):
        Task.objects.create(organisation=organisation, lead=lead, title=title, assignee=assignee,
                            kind=Task.Kind.APPOINTMENT, due_at=starts_at, **fields)  # fmt: skip

    appointment("Rate review", now + timedelta(hours=3))  # 3 p.m.
    appointment("Walk through the pre-approval", now - timedelta(hours=2))  # 10 a.m., already past
    appointment("Call tomorrow", now + timedelta(hours=13))
    appointment("Meeting yesterday", now - timedelta(hours=20))
    appointment("Cancelled", now + timedelta(hours=1), completed_at=now)
    appointment("Appointment of Theo", now + timedelta(hours=1), assignee=teammate)

    html = my_day(client, owner)
    appointments = section(html, "appointments-h")

    assert appointments.index("Walk through the pre-approval") < appointments.index("Rate review")
    assert "10:00 AM" in appointments and "3:00 PM" in appointments
    assert 'href="tel:+18135550142"' in appointments
    for elsewhere in ("Call tomorrow", "Meeting yesterday", "Cancelled", "Theo"):
        assert elsewhere not in appointments
    # Today's appointments are not repeated as tasks; an earlier one left open is a task to close.
    tasks = section(html, "tasks-h")
    assert "Rate review" not in tasks and "Meeting yesterday" in tasks


def test_hot_leads_are_the_ones_already_in_conversation(client, organisation, owner):
    make_lead(organisation, owner=owner, first_name="Hotcontacted", score_tier="hot", score=91,
              first_human_contact_at=timezone.now())  # fmt: skip
    make_new_lead(organisation, owner=owner, first_name="Hotnew", score_tier="hot", score=88)
    make_lead(
        organisation, owner=owner, first_name="Warm", score_tier="warm", first_human_contact_at=timezone.now()
    )

    html = my_day(client, owner)

    hot = section(html, "hot-h")
    assert "Hotcontacted" in hot and "Hotnew" not in hot and "Warm" not in hot
    assert "Hotnew" in section(html, "new-h")


def test_open_offers_can_be_claimed_from_my_day(client, organisation, owner):
    lead = make_lead(organisation, owner=None, first_name="Claimable")
    LeadOffer.objects.create(lead=lead, user=owner, kind="claim", offered_at=timezone.now())
    LeadOffer.objects.create(lead=make_lead(organisation, first_name="Gone"), user=owner, kind="claim",
                             status="withdrawn")  # fmt: skip

    offers = section(my_day(client, owner), "offers-h")

    assert "Claimable" in offers and "Gone" not in offers
    assert f'action="/leads/{lead.pk}/claim/"' in offers


def test_a_manager_sees_the_teams_new_leads_with_their_owners(client, organisation, owner, manager):
    make_new_lead(organisation, owner=owner, first_name="Teamlead")
    make_new_lead(organisation, owner=None, first_name="Nobodys")

    new = section(my_day(client, manager), "new-h")

    assert "Teamlead" in new and "Olivia" in new
    assert "Nobodys" in new and "Unassigned" in new


def test_processors_get_a_my_day_of_their_own_files(client, organisation, owner):
    person = make_user(organisation, "pat", role=User.Role.PROCESSOR)
    make_new_lead(organisation, owner=owner, first_name="Theirfile", processor=person)
    make_new_lead(organisation, owner=owner, first_name="Notours")

    html = my_day(client, person)

    assert "Theirfile" in html and "Notours" not in html


def test_partners_have_no_my_day_and_are_sent_to_the_partner_portal(client, organisation, owner):
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)
    make_new_lead(organisation, owner=owner, first_name="Theirfile", referral_partner=partner)
    client.force_login(partner)

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response.url == "/portal/partner/"
    assert "Theirfile" not in response.content.decode()


def test_live_refresh_is_204_until_a_new_lead_arrives(client, organisation, owner):
    make_new_lead(organisation, owner=owner, first_name="First")
    html = my_day(client, owner)
    version = re.search(r'data-version="([0-9a-f]+)"', html).group(1)
    live = reverse("my_day_live")

    assert 'hx-get="/my-day/live/?version=' in html
    assert '"X-Background-Poll": "1"' in html
    assert client.get(live, {"version": version}).status_code == 204

    make_new_lead(organisation, owner=owner, first_name="Second")
    response = client.get(live, {"version": version})
    assert response.status_code == 200
    assert "Second" in response.content.decode()


def test_my_day_runs_the_same_number_of_queries_for_5_or_50_leads(client, organisation, owner, manager):
    def count_queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
            assert client.get(reverse("my_day_live")).status_code == 200
        return len(queries)

    def add(number):
        now = timezone.now()
        for index in range(number):
            lead = make_new_lead(organisation, owner=owner, score_tier="hot" if index % 2 else "warm",
                                 first_human_contact_at=now if index % 3 == 0 else None)  # fmt: skip
            message(lead, "inbound", minutes_ago=5)
            Task.objects.create(
                organisation=organisation, lead=lead, title="Call back", assignee=owner, due_at=now
            )
            CallTask.objects.create(
                organisation=organisation, lead=lead, owner=owner, title="Call", due_at=now
            )
            LeadOffer.objects.create(lead=lead, user=owner, kind="claim", offered_at=now)

    add(5)
    few = (count_queries(owner), count_queries(manager))
    add(45)
    many = (count_queries(owner), count_queries(manager))

    assert few == many
