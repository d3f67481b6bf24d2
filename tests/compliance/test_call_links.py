"""No page, list, alert or notification offers a loan officer a dialable link to a borrower the gate would not let
them call now: outside the borrower's calling window (their local time, state rules) the page says when the window
opens; with a do-not-call entry or without call consent it says why not. Inside the window the link is there."""

from datetime import timedelta

import pytest
import time_machine

from firstcall.accounts.notifications import notify
from firstcall.cadences.models import CallTask
from firstcall.compliance import calling
from firstcall.compliance import services as compliance
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task
from firstcall.routing import services as routing
from tests.outside_services import BORROWER_PHONE, eastern
from tests.outside_services import tampa_borrower as make_lead

MORNING = eastern(2026, 3, 10, 10, 0)  # Tuesday 10:00 in Tampa
NIGHT = eastern(2026, 3, 10, 21, 30)  # after Florida's 8 p.m. end (Fla. Stat. 501.616(6)(a))
TEL = f'href="tel:{BORROWER_PHONE}"'
OPENS = "8:00 AM EDT Wed Mar 11"


@pytest.fixture
def lead(organisation, owner):
    borrower = make_lead(organisation, owner=owner, consent_calls=True)
    Consent.objects.create(
        lead=borrower,
        channel="calls",
        is_granted=True,
        address=BORROWER_PHONE,
        disclosure_text="I agree to be called by Acme Home Loans.",
        recorded_at=eastern(2026, 3, 1, 9, 0),
    )
    return borrower


@pytest.fixture
def work(lead, owner, organisation):
    """A call to-do, a cadence call task, an appointment and an alert for the lead."""
    Task.objects.create(
        organisation=organisation,
        lead=lead,
        assignee=owner,
        created_by=owner,
        kind=Task.Kind.CALL,
        title="Call about the pre-approval",
        due_at=eastern(2026, 3, 10, 9, 0),
    )
    CallTask.objects.create(
        organisation=organisation,
        lead=lead,
        owner=owner,
        due_at=eastern(2026, 3, 10, 9, 0),
        title="Call Ana: no reply in a week",
    )
    notify(owner, kind="sla", title="Overdue: Ana Lopez is waiting for you", lead=lead)


PAGES = ["/", "/tasks/", "/cadences/tasks/", "/leads/?q=Lopez", "/notifications/", "/notifications/all/"]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_at_night_no_page_offers_a_call_and_each_says_when_the_window_opens(client, owner, lead, work, url):
    client.force_login(owner)
    with time_machine.travel(NIGHT, tick=False):
        html = page(client, url)
    assert "tel:" not in html
    assert 'data-call="hold"' in html
    assert "8:00 AM EDT" in html


def test_the_lead_page_shows_the_number_and_when_the_window_opens(client, owner, lead):
    client.force_login(owner)
    with time_machine.travel(NIGHT, tick=False):
        html = page(client, f"/leads/{lead.pk}/")
    assert TEL not in html
    assert "(813) 555-0199 · " in html
    assert "calling window opens at <time datetime=" in html and OPENS in html


@pytest.mark.parametrize("url", PAGES)
def test_in_the_morning_every_page_offers_the_call(client, owner, lead, work, url):
    client.force_login(owner)
    with time_machine.travel(MORNING, tick=False):
        html = page(client, url)
    assert TEL in html
    assert 'data-call="hold"' not in html


def test_a_do_not_call_entry_shows_why_instead_of_a_link(client, owner, lead, work):
    compliance.add_to_internal_do_not_call(lead.organisation, lead=lead, reason="asked on the phone")
    client.force_login(owner)
    with time_machine.travel(MORNING, tick=False):
        for url in [*PAGES, f"/leads/{lead.pk}/"]:
            html = page(client, url)
            assert "tel:" not in html, url
            assert 'data-call="refuse"' in html, url
        assert "internal do-not-call list" in page(client, f"/leads/{lead.pk}/")


def test_a_call_task_in_oklahoma_after_8pm_there_is_not_offered(client, owner, organisation):
    # 20:30 Central is 21:30 Eastern: outside Oklahoma's 8 p.m. end (15 O.S. § 775C.1 et seq.).
    borrower = make_lead(
        organisation,
        owner=owner,
        consent_calls=True,
        phone="+14055550142",
        zip_code="73102",
        state="OK",
        time_zone="America/Chicago",
        first_name="Bo",
    )
    CallTask.objects.create(
        organisation=organisation, lead=borrower, owner=owner, due_at=NIGHT, title="Call Bo"
    )
    client.force_login(owner)
    with time_machine.travel(NIGHT - timedelta(hours=1), tick=False):  # 19:30 Central: inside
        assert 'href="tel:+14055550142"' in page(client, "/cadences/tasks/")
    with time_machine.travel(NIGHT, tick=False):
        html = page(client, "/cadences/tasks/")
    assert "tel:" not in html and "7:00 AM CDT" not in html and "8:00 AM CDT Wed Mar 11" in html


def test_call_advice_names_the_reason_and_the_local_opening(lead):
    advice = calling.call_advice(lead, NIGHT)
    assert advice.outcome == "hold" and not advice.may_call
    assert advice.opens_at == eastern(2026, 3, 11, 8, 0)
    assert advice.opens_text == OPENS
    assert "FL 08:00-20:00" in advice.reason
    assert calling.call_advice(lead, MORNING).may_call


@time_machine.travel(NIGHT, tick=False)
def test_an_sla_alert_at_night_says_when_the_window_opens_not_call_now(lead, owner):
    lead.respond_by = NIGHT - timedelta(minutes=5)
    lead.sla_status = "pending"
    lead.save(update_fields=["respond_by", "sla_status"])
    assert routing.sweep_sla_breaches() == 1
    [alert] = Message.objects.filter(purpose=Message.Purpose.ALERT, channel="sms", recipient_user=owner)
    assert "tel:" not in alert.body
    assert f"calling window opens at {OPENS} (the borrower's time)" in alert.body


@time_machine.travel(MORNING, tick=False)
def test_an_sla_alert_inside_the_window_carries_the_call_link(lead, owner):
    lead.respond_by = MORNING - timedelta(minutes=5)
    lead.sla_status = "pending"
    lead.save(update_fields=["respond_by", "sla_status"])
    assert routing.sweep_sla_breaches() == 1
    [alert] = Message.objects.filter(purpose=Message.Purpose.ALERT, channel="sms", recipient_user=owner)
    assert f"Call (813) 555-0199: tel:{BORROWER_PHONE}" in alert.body


@time_machine.travel(NIGHT, tick=False)
def test_a_new_lead_email_alert_at_night_has_no_call_link(lead, owner):
    notification = notify(owner, kind="new_lead", title="New lead: Ana Lopez", lead=lead, by_email=True)
    [alert] = Message.objects.filter(purpose=Message.Purpose.ALERT, channel="email", recipient_user=owner)
    assert notification.lead_id == lead.pk
    assert "tel:" not in alert.html_body
    assert OPENS in alert.body and OPENS in alert.html_body


@time_machine.travel(MORNING, tick=False)
def test_a_call_held_by_the_florida_cap_says_when_the_next_call_is_allowed(client, owner, lead):
    for hours in (3, 2, 1):
        calls.log_call(lead, actor=owner, outcome="no_answer", at=MORNING - timedelta(hours=hours))
    advice = calling.call_advice(lead)
    # The oldest call (7:00) leaves the 24 hours at 7:00 tomorrow; Florida's window opens at 8:00.
    assert advice.capped and advice.opens_at == eastern(2026, 3, 11, 8, 0)
    assert advice.opens_text == OPENS
    client.force_login(owner)
    html = page(client, f"/leads/{lead.pk}/")
    assert TEL not in html
    assert "Not now: next call allowed at" in html and "calls and texts together" in html
