"""The breakdowns by vendor campaign and by hour of arrival, and the activity report (replies by channel and hour,
calls per loan officer, tasks overdue, days in each stage and stalls), against hand-computed fixtures, for each
role, on the page, the command line and the API."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key
from firstcall.cadences.models import CallTask
from firstcall.flows.loan_officer_calls import log_call
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.sources import create_source
from firstcall.leads.stages import first_stage
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task
from firstcall.pipeline.services import move_stage
from firstcall.reports import queries
from firstcall.reports.filters import filters_from
from firstcall.reports.models import ReportSettings
from firstcall.reports.rollups import rebuild
from tests.conftest import make_user

# New York is five hours behind UTC in November 2026 (summer time ended on the 1st).
EST = timedelta(hours=5)


def at_ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) + EST


def new_lead(organisation, owner, source, arrived, *, campaign="", contact_after=None, phone="0001"):
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    with time_machine.travel(arrived, tick=False):
        return Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner, source=source,
            first_name="Bo", last_name="Rrower", phone=f"+1813555{phone}", loan_type="conventional",
            utm_campaign=campaign, purchase_price=Decimal("300000"), down_payment=Decimal("0"),
            first_human_contact_at=None if contact_after is None else arrived + timedelta(seconds=contact_after),
        )  # fmt: skip


def move(lead, stage_name, when):
    with time_machine.travel(when, tick=False):
        move_stage(lead, lead.pipeline.stages.get(name=stage_name), None, "")


def month(organisation, **extra):
    return filters_from({"from": "2026-11-01", "to": "2026-11-30", **extra}, organisation.pk)


@pytest.fixture
def sources(organisation):
    zillow, _ = create_source(organisation, channel="api", name="Zillow")
    website, _ = create_source(organisation, channel="web_form", name="Website")
    return zillow, website


@pytest.fixture
def campaigns(organisation, owner, teammate, sources):
    zillow, website = sources
    a = new_lead(
        organisation, owner, zillow, at_ny(2, 9, 10), campaign="spring-fha", contact_after=30, phone="0001"
    )
    move(a, "Application", at_ny(2, 9, 20))
    new_lead(
        organisation, owner, zillow, at_ny(2, 9, 40), campaign="spring-fha", contact_after=200, phone="0002"
    )
    new_lead(organisation, teammate, zillow, at_ny(2, 14, 5), campaign="refi-blast", phone="0003")
    d = new_lead(organisation, teammate, website, at_ny(2, 14, 30), contact_after=45, phone="0004")
    move(d, "Closed", at_ny(3, 10))
    with time_machine.travel(at_ny(4, 9), tick=False):
        rebuild(organisation)


def test_the_funnel_by_vendor_campaign(organisation, campaigns):
    report = queries.funnel_report(None, month(organisation, by="campaign"))
    counts = {group["label"]: [step["count"] for step in group["steps"]] for group in report["groups"]}
    # Leads, contacted, applied, approved, funded.
    assert counts == {
        "No campaign": [1, 1, 1, 1, 1],
        "refi-blast": [1, 0, 0, 0, 0],
        "spring-fha": [2, 2, 1, 0, 0],
    }
    spring = report["groups"][2]["steps"]
    assert spring[2]["from_previous_percent"] == Decimal("50.0")
    assert spring[4]["from_previous_percent"] is None  # nothing approved: no ratio, never a division error
    assert queries.funnel_report(None, filters_from({"from": "2026-12-01", "to": "2026-12-31", "by": "campaign"},
                                                    organisation.pk))["groups"] == []  # fmt: skip


def test_a_stage_chosen_as_funded_counts_as_funded(organisation, campaigns):
    ReportSettings.objects.update_or_create(
        organisation=organisation, defaults={"funnel_stages": {"purchase": {"funded": "Application"}}}
    )
    with time_machine.travel(at_ny(4, 9), tick=False):
        rebuild(organisation)
    report = queries.funnel_report(None, month(organisation, by="campaign"))
    counts = {group["label"]: [step["count"] for step in group["steps"]] for group in report["groups"]}
    assert counts["spring-fha"] == [2, 2, 1, 1, 1]  # the lead at Application is funded (and so approved)
    assert counts["No campaign"] == [1, 1, 1, 1, 1]


def test_speed_to_lead_by_hour_of_arrival_in_the_organisations_zone(organisation, campaigns):
    report = queries.speed_report(None, month(organisation, by="hour"))
    morning, afternoon = report["groups"]
    assert (morning["key"], morning["label"], morning["leads"]) == (9, "09:00\u201310:00", 2)
    assert (morning["contacted_within_1_min"], morning["contacted_within_5_min"]) == (1, 2)
    assert morning["contacted_within_1_min_percent"] == Decimal("50.0")
    assert morning["contacted_within_5_min_percent"] == Decimal("100.0")
    speed = {row["bucket"]: row for row in morning["conversion_by_speed"]}
    assert (speed["within 1 minute"]["leads"], speed["within 1 minute"]["applied"]) == (1, 1)
    assert speed["within 1 minute"]["applied_percent"] == Decimal("100.0")
    assert (speed["1 to 5 minutes"]["leads"], speed["1 to 5 minutes"]["applied"]) == (1, 0)
    assert speed["over a day"]["applied_percent"] is None  # no leads in the bucket
    assert (afternoon["key"], afternoon["leads"], afternoon["contacted_within_5_min"]) == (14, 2, 1)
    speed = {row["bucket"]: row for row in afternoon["conversion_by_speed"]}
    assert speed["within 1 minute"]["funded"] == 1 and speed["never contacted"]["leads"] == 1


def test_speed_by_campaign_on_the_page_and_its_csv(client, organisation, admin_user, campaigns):
    client.force_login(admin_user)
    page = client.get("/reports/speed/?from=2026-11-01&to=2026-11-30&by=campaign")
    assert page.status_code == 200
    assert b"spring-fha" in page.content and b"No campaign" in page.content
    csv = client.get("/reports/speed/?from=2026-11-01&to=2026-11-30&by=hour&format=csv").content.decode()
    assert "09:00\u201310:00" in csv and "14:00\u201315:00" in csv


NOW = at_ny(17, 14)


@pytest.fixture
def lena(organisation):
    return make_user(organisation, "lena", first_name="Lena")  # a loan officer on no team


@pytest.fixture
def activity(organisation, owner, teammate, lena, sources):
    zillow, _ = sources
    a = new_lead(organisation, owner, zillow, at_ny(2, 9, 10), phone="0011")
    c = new_lead(organisation, teammate, zillow, at_ny(2, 14, 5), phone="0012")
    e = new_lead(organisation, lena, zillow, at_ny(2, 9, 30), phone="0013")
    move(a, "Contacted", at_ny(3, 9, 10))  # one day in New
    move(a, "Application", at_ny(5, 9, 10))  # two days in Contacted; twelve in Application by the 17th

    def message(lead, channel, when, direction=Message.Direction.OUTBOUND, **extra):
        extra.setdefault("idempotency_key", f"report-test-{when.isoformat()}-{channel}-{direction}-{lead.pk}-"
                                            f"{extra.get('purpose', '')}{extra.get('status', '')}")  # fmt: skip
        inbound = direction == Message.Direction.INBOUND
        extra.setdefault("purpose", Message.Purpose.REPLY if inbound else Message.Purpose.CADENCE)
        extra.setdefault("status", Message.Status.RECEIVED if inbound else Message.Status.DELIVERED)
        return Message.objects.create(
            organisation=organisation, lead=lead, channel=channel, direction=direction, to_address=lead.phone, created_at=when, sent_at=when if direction == "outbound" else None, **extra,
        )  # fmt: skip

    inbound = Message.Direction.INBOUND
    message(a, "sms", at_ny(2, 10))
    message(a, "sms", at_ny(2, 10, 20), inbound)  # answered within the day
    message(a, "email", at_ny(2, 10, 5))  # the text reply does not answer the email
    message(c, "sms", at_ny(2, 15))
    message(c, "sms", at_ny(4, 16), inbound)  # two days later: not a reply to it
    message(e, "sms", at_ny(2, 10, 30))
    message(e, "sms", at_ny(2, 11), inbound)
    message(
        a, "sms", at_ny(2, 10), recipient_user=owner, purpose=Message.Purpose.ALERT
    )  # to staff: not counted
    message(c, "sms", at_ny(2, 10, 40), status=Message.Status.FAILED)  # never sent: not counted
    for lead, actor, outcome in ((a, owner, "connected"), (a, owner, "no_answer"), (c, teammate, "voicemail"),
                                 (e, lena, "connected")):  # fmt: skip
        with time_machine.travel(at_ny(6, 11), tick=False):
            log_call(lead, actor=actor, outcome=outcome)
    for assignee, due, done in ((owner, at_ny(16, 9), None), (owner, at_ny(10, 9), None),
                                (owner, at_ny(10, 9), at_ny(10, 10)), (owner, at_ny(18, 9), None),
                                (lena, at_ny(12, 9), None)):  # fmt: skip
        Task.objects.create(organisation=organisation, lead=a, title="Follow up", assignee=assignee, due_at=due,
                            completed_at=done)  # fmt: skip
    CallTask.objects.create(
        organisation=organisation, lead=c, owner=teammate, due_at=at_ny(15, 9), title="Call"
    )
    with time_machine.travel(NOW, tick=False):
        rebuild(organisation)


def activity_for(user, organisation, **extra):
    with time_machine.travel(NOW, tick=False):
        return queries.activity_report(user, month(organisation, **extra))


def test_reply_rate_by_channel_and_hour_sent(organisation, activity):
    report = activity_for(None, organisation)
    assert [(r["channel"], r["sent"], r["replied"], r["reply_percent"]) for r in report["replies_by_channel"]] == [
        ("email", 1, 0, Decimal("0.0")), ("sms", 3, 2, Decimal("66.7"))]  # fmt: skip
    assert [(r["hour"], r["sent"], r["replied"], r["reply_percent"]) for r in report["replies_by_hour"]] == [
        (10, 3, 2, Decimal("66.7")), (15, 1, 0, Decimal("0.0"))]  # fmt: skip


def test_calls_and_their_outcomes_per_loan_officer(organisation, activity):
    calls = {row["label"]: row for row in activity_for(None, organisation)["calls_by_lo"]}
    assert calls["Olivia"]["calls"] == 2 and calls["Olivia"]["outcomes"]["connected"] == 1
    assert calls["Olivia"]["outcomes"]["no_answer"] == 1 and calls["Olivia"]["connected_percent"] == Decimal(
        "50.0"
    )
    assert calls["Theo"]["outcomes"]["voicemail"] == 1 and calls["Theo"]["connected_percent"] == Decimal(
        "0.0"
    )
    assert calls["Lena"]["connected_percent"] == Decimal("100.0")


def test_tasks_overdue_now(organisation, activity):
    overdue = {row["label"]: (row["tasks"], row["call_tasks"], row["total"])
               for row in activity_for(None, organisation)["tasks_overdue"]}  # fmt: skip
    # Olivia: two open tasks past due (one done, one due tomorrow); Theo: a cadence call task; Lena: one task.
    assert overdue == {"Lena": (1, 0, 1), "Olivia": (2, 0, 2), "Theo": (0, 1, 1)}


def test_days_in_each_stage_and_where_leads_stall(organisation, activity):
    velocity = {row["stage"]: row for row in activity_for(None, organisation)["velocity"]}
    assert list(velocity) == ["New", "Contacted", "Application"]
    assert (velocity["New"]["left"], velocity["New"]["average_days"]) == (1, Decimal("1.0"))
    assert velocity["New"]["seconds_in_stage"] == 86400
    # Theo's and Lena's leads have waited in New since the 2nd: fifteen days, over the two weeks of a stall.
    assert (velocity["New"]["now_in"], velocity["New"]["stalled"], velocity["New"]["stalled_percent"]) == (
        2, 2, Decimal("100.0"))  # fmt: skip
    assert (velocity["Contacted"]["left"], velocity["Contacted"]["average_days"]) == (1, Decimal("2.0"))
    assert velocity["Contacted"]["stalled_percent"] is None  # nobody waits there: no ratio
    application = velocity["Application"]
    assert (application["left"], application["average_days"], application["now_in"], application["stalled"]) == (
        0, None, 1, 0)  # fmt: skip


def test_an_empty_period_has_no_rows_and_no_division(organisation, activity):
    with time_machine.travel(NOW, tick=False):
        report = queries.activity_report(None, filters_from({"from": "2026-10-01", "to": "2026-10-31"},
                                                            organisation.pk))  # fmt: skip
    assert (
        report["replies_by_channel"] == [] and report["replies_by_hour"] == [] and report["calls_by_lo"] == []
    )
    assert all(row["left"] == 0 and row["average_days"] is None for row in report["velocity"])


def test_each_role_sees_its_own_activity(organisation, owner, manager, admin_user, activity):
    mine = activity_for(owner, organisation)
    assert [(r["channel"], r["sent"], r["replied"]) for r in mine["replies_by_channel"]] == [("email", 1, 0),
                                                                                           ("sms", 1, 1)]  # fmt: skip
    assert [row["label"] for row in mine["calls_by_lo"]] == ["Olivia"]
    assert [row["label"] for row in mine["tasks_overdue"]] == ["Olivia"]
    assert {row["stage"]: row["now_in"] for row in mine["velocity"]} == {
        "New": 0,
        "Contacted": 0,
        "Application": 1,
    }
    team = activity_for(manager, organisation)  # Olivia and Theo are on the manager's team; Lena is not
    assert [(r["channel"], r["sent"], r["replied"]) for r in team["replies_by_channel"]] == [("email", 1, 0),
                                                                                           ("sms", 2, 1)]  # fmt: skip
    assert [row["label"] for row in team["calls_by_lo"]] == ["Olivia", "Theo"]
    assert [row["label"] for row in team["tasks_overdue"]] == ["Olivia", "Theo"]
    everyone = activity_for(admin_user, organisation)
    assert [row["label"] for row in everyone["calls_by_lo"]] == ["Lena", "Olivia", "Theo"]


def test_the_activity_page_for_each_role(client, organisation, owner, manager, admin_user, activity):
    for user, sees_lena in ((owner, False), (manager, False), (admin_user, True)):
        client.force_login(user)
        with time_machine.travel(NOW, tick=False):
            page = client.get("/reports/activity/?from=2026-11-01&to=2026-11-30")
        assert page.status_code == 200
        body = page.content.decode()
        assert "Reply rate by channel" in body and "Days in each stage" in body
        assert ('<th scope="row">Lena</th>' in body) is sees_lena
    partner = make_user(organisation, "pat", role="partner")
    client.force_login(partner)
    assert client.get("/reports/activity/")["Location"] == "/portal/partner/"  # partners have no workspace


def test_the_command_line_and_the_api_carry_the_inputs_behind_each_ratio(
    client, organisation, owner, activity
):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("report", "activity", "--org", str(organisation.pk), "--from", "2026-11-01", "--to",
                     "2026-11-30", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    sms = next(row for row in report["replies_by_channel"] if row["channel"] == "sms")
    assert (sms["sent"], sms["replied"], sms["reply_percent"]) == (3, 2, "66.7")
    out = StringIO()
    call_command("report", "activity", "--org", str(organisation.pk), "--from", "2026-11-01", "--to",
                 "2026-11-30", "--format", "csv", stdout=out)  # fmt: skip
    assert out.getvalue().splitlines()[0].startswith("table,")
    _, raw = create_api_key(organisation, name="reports", scopes=[ApiKey.SCOPE_LEADS_READ])
    with time_machine.travel(NOW, tick=False):
        answer = client.get(
            "/api/v1/reports/activity?from=2026-11-01&to=2026-11-30", headers={"X-Api-Key": raw}
        )
    assert answer.status_code == 200, answer.content
    new = next(row for row in answer.json()["velocity"] if row["stage"] == "New")
    assert (new["left"], new["seconds_in_stage"], new["now_in"], new["stalled"]) == (1, 86400, 2, 2)
    client.force_login(owner)
    with time_machine.travel(NOW, tick=False):
        mine = client.get("/api/v1/reports/activity?from=2026-11-01&to=2026-11-30").json()
    assert [row["label"] for row in mine["calls_by_lo"]] == ["Olivia"]


def test_a_text_and_its_reply_reach_the_activity_report_at_the_next_sweep(organisation, activity):
    from firstcall.reports.rollups import rebuild_stale

    lead = Lead.objects.get(phone="+18135550011")
    for direction, status, minutes in (("outbound", "delivered", 60), ("inbound", "received", 30)):
        Message.objects.create(
            organisation=organisation, lead=lead, channel="sms", direction=direction, to_address=lead.phone,
            purpose="cadence" if direction == "outbound" else "reply", status=status,
            created_at=NOW - timedelta(minutes=minutes),
            sent_at=NOW - timedelta(minutes=minutes) if direction == "outbound" else None,
            idempotency_key=f"sweep-{direction}",
        )  # fmt: skip
    assert activity_for(None, organisation)["replies_by_channel"][1]["sent"] == 3  # not rolled up yet
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert rebuild_stale() >= 2  # today and yesterday
    sms = activity_for(None, organisation)["replies_by_channel"][1]
    assert (sms["sent"], sms["replied"]) == (4, 3)
    assert {row["hour"]: row["sent"] for row in activity_for(None, organisation)["replies_by_hour"]}[13] == 1
