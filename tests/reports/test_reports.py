"""Reports read from rollups built from real leads: a hand-computed funnel, money by source with prorated monthly
fees, speed buckets, each role's view, the command line, the API, the vendor credit export and the weekly digest
through a real SMTP server."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from firstcall.accounts.models import ApiKey, User
from firstcall.accounts.services import create_api_key
from firstcall.leads.models import Inquiry, Lead, Pipeline, Stage
from firstcall.leads.sources import create_source
from firstcall.leads.stages import first_stage
from firstcall.pipeline.services import move_stage
from firstcall.reports import queries
from firstcall.reports.digest import send_due_digests
from firstcall.reports.filters import filters_from
from firstcall.reports.models import (
    DailyRollup,
    DigestSubscription,
    FundedLoan,
    PeriodRollup,
    ReportSettings,
    SourceMonthlyFee,
    StaleDay,
)
from firstcall.reports.rollups import ROLLUPS_VERSION, mark_lead_stale, rebuild, rebuild_stale
from tests.conftest import make_user

DAY = date(2026, 11, 2)  # a Monday
NOON = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # noon in New York


@pytest.fixture
def sources(organisation):
    zillow, _ = create_source(organisation, channel="api", name="Zillow")
    zillow.cost_per_lead = Decimal("40")
    zillow.save(update_fields=["cost_per_lead"])
    website, _ = create_source(organisation, channel="web_form", name="Website")
    return zillow, website


def add_lead(
    organisation, owner, source, *, stage_name=None, contact_after=None, price=None, down=None, n=[0]
):
    n[0] += 1
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    with time_machine.travel(NOON + timedelta(minutes=n[0]), tick=False):
        lead = Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner, source=source,
            first_name=f"B{n[0]}", last_name="Orrower", phone=f"+1813555{n[0]:04d}", loan_type="fha",
            purchase_price=price, down_payment=down,
            first_human_contact_at=NOON + timedelta(minutes=n[0], seconds=contact_after)
            if contact_after is not None else None,
        )  # fmt: skip
        Inquiry.objects.create(lead=lead, source=source)
        if stage_name:
            stage = pipeline.stages.get(name=stage_name)
            move_stage(lead, stage, None, "Went elsewhere" if stage.outcome == Stage.Outcome.LOST else "")
    return lead


@pytest.fixture
def book(organisation, owner, teammate, sources):
    zillow, website = sources
    # Owner, Zillow: 4 leads. One funded ($300k loan), one reached Application then lost, two contacted only.
    add_lead(organisation, owner, zillow, stage_name="Closed", contact_after=30, price=Decimal("350000"),
             down=Decimal("50000"))  # fmt: skip
    lead = add_lead(organisation, owner, zillow, stage_name="Application", contact_after=200)
    move_stage(lead, lead.pipeline.stages.get(name="Lost"), None, "Went elsewhere")
    add_lead(organisation, owner, zillow, contact_after=45)
    add_lead(organisation, owner, zillow, contact_after=4000)
    # Teammate, Website: 2 leads, one never contacted, one at Clear to close.
    add_lead(organisation, teammate, website)
    add_lead(organisation, teammate, website, stage_name="Clear to close", contact_after=20)
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        rebuild(organisation)


def month_filters(organisation, **extra):
    return filters_from({"from": "2026-11-01", "to": "2026-11-30", **extra}, organisation.pk)


def test_the_funnel_by_hand(organisation, book):
    report = queries.funnel_report(None, month_filters(organisation))
    steps = {step["name"]: step["count"] for step in report["groups"][0]["steps"]}
    assert steps == {"Leads": 6, "Contacted": 5, "Applied": 3, "Approved": 2, "Funded": 1}


def test_money_by_source_with_a_prorated_monthly_fee(organisation, sources, book):
    zillow, website = sources
    SourceMonthlyFee.objects.create(source=website, month=date(2026, 11, 1), amount=Decimal("300"))
    ReportSettings.objects.update_or_create(
        organisation=organisation, defaults={"revenue_bps": Decimal("100")}
    )
    # Half of November: the fee counts for 15 of its 30 days.
    report = queries.roi_report(None, filters_from({"from": "2026-11-01", "to": "2026-11-15", "by": "source"},
                                                   organisation.pk))  # fmt: skip
    by_name = {group["label"]: group for group in report["groups"]}
    assert by_name["Zillow"]["lead_cost"] == Decimal("160.00")
    assert by_name["Zillow"]["cost_per_lead"] == Decimal("40.00")
    assert by_name["Zillow"]["applications"] == 2
    assert by_name["Zillow"]["pull_through"] == Decimal("50.0")
    assert by_name["Zillow"]["funded_amount"] == Decimal("300000.00")
    assert by_name["Zillow"]["revenue"] == Decimal("3000.00")
    assert by_name["Zillow"]["cost_per_funded_loan"] == Decimal("160.00")
    assert by_name["Website"]["lead_cost"] == Decimal("150.00")
    assert by_name["Website"]["cost_per_funded_loan"] is None


def test_funded_amount_from_the_loan_system_wins_over_the_estimate(organisation, book):
    funded = Lead.objects.get(stage__outcome=Stage.Outcome.WON)
    FundedLoan.objects.create(organisation=organisation, lead=funded, amount=Decimal("305000"),
                              funded_on=date(2026, 11, 20))  # fmt: skip
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        rebuild(organisation)
    report = queries.roi_report(None, month_filters(organisation))
    assert report["groups"][0]["funded_amount"] == Decimal("305000.00")


def test_speed_buckets_and_their_conversion(organisation, book):
    group = queries.speed_report(None, month_filters(organisation))["groups"][0]
    assert group["contacted_within_1_min"] == 3  # 30 s, 45 s and 20 s
    assert group["contacted_within_5_min"] == 4
    assert group["contacted_within_1_min_percent"] == Decimal("50.0")
    conversion = {row["bucket"]: row for row in group["conversion_by_speed"]}
    assert conversion["within 1 minute"]["leads"] == 3 and conversion["within 1 minute"]["funded"] == 1
    assert conversion["never contacted"]["leads"] == 1


def test_each_role_sees_its_own_numbers(organisation, owner, teammate, manager, book):
    def leads_for(user):
        return queries.funnel_report(user, month_filters(organisation))["groups"][0]["steps"][0]["count"]

    assert leads_for(owner) == 4
    assert leads_for(teammate) == 2
    assert leads_for(manager) == 6  # both are on the manager's team
    partner = make_user(organisation, "pat", role=User.Role.PARTNER)
    with pytest.raises(queries.ReportRefused):
        queries.funnel_report(partner, month_filters(organisation))


def test_the_pages_for_each_role_and_the_csv(client, organisation, owner, admin_user, book):
    client.force_login(owner)
    page = client.get("/reports/funnel/?from=2026-11-01&to=2026-11-30&by=source")
    assert page.status_code == 200
    # The owner's leads all came from Zillow: the teammate's Website leads are not among the groups.
    assert b'">Zillow <a class="small"' in page.content
    assert b'">Website <a class="small"' not in page.content
    csv = client.get("/reports/roi/?from=2026-11-01&to=2026-11-30&by=source&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Zillow" in csv.content.decode()
    partner = make_user(organisation, "pat", role=User.Role.PARTNER)
    client.force_login(partner)
    assert client.get("/reports/funnel/").url == "/portal/partner/"  # partners have no workspace
    client.force_login(admin_user)
    assert client.get("/reports/speed/?from=2026-13-01").status_code == 400


def test_the_command_line_prints_json_with_the_inputs_behind_each_ratio(organisation, book):
    out = StringIO()
    call_command("report", "roi", "--org", str(organisation.pk), "--from", "2026-11-01", "--to", "2026-11-30",
                 "--by", "source", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    zillow = next(group for group in report["groups"] if group["label"] == "Zillow")
    assert (zillow["lead_cost"], zillow["leads"], zillow["cost_per_lead"]) == ("160.00", 4, "40.00")
    out = StringIO()
    call_command("report", "funnel", "--org", str(organisation.pk), "--from", "2026-11-01", "--to", "2026-11-30",
                 "--format", "csv", stdout=out)  # fmt: skip
    assert out.getvalue().splitlines()[0].startswith("group,name,count")


def test_the_api_needs_a_read_scope_and_answers_json(client, organisation, book):
    _, raw = create_api_key(organisation, name="reports", scopes=[ApiKey.SCOPE_LEADS_READ])
    response = client.get("/api/v1/reports/funnel?from=2026-11-01&to=2026-11-30", headers={"X-Api-Key": raw})
    assert response.status_code == 200, response.content
    assert response.json()["groups"][0]["steps"][0]["count"] == 6
    assert client.get("/api/v1/reports/nonsense", headers={"X-Api-Key": raw}).status_code == 404
    assert client.get("/api/v1/reports/funnel").status_code in (401, 403)


def test_vendor_credits_list_the_repeat_deliveries(client, organisation, admin_user, sources, book):
    zillow, _ = sources
    repeat = Lead.objects.filter(source=zillow).first()
    with time_machine.travel(NOON + timedelta(days=3), tick=False):
        Inquiry.objects.create(
            lead=repeat, source=zillow, data={"external_id": "Z-77"}, match_reason="same phone"
        )
    client.force_login(admin_user)
    response = client.get(f"/reports/sources/{zillow.pk}/credits.csv?from=2026-11-03&to=2026-11-30")
    body = response.content.decode()
    assert "Z-77" in body and "duplicate" in body


def test_a_new_lead_marks_its_day_and_the_sweep_rebuilds_it(organisation, owner, sources, book):
    zillow, _ = sources
    lead = add_lead(organisation, owner, zillow)
    mark_lead_stale(lead.pk)
    assert StaleDay.objects.filter(organisation=organisation, day=DAY).exists()
    assert rebuild_stale() == 1
    report = queries.funnel_report(None, month_filters(organisation))
    assert report["groups"][0]["steps"][0]["count"] == 7


def test_the_weekly_digest_goes_out_once_through_smtp(organisation, manager, book, smtp_server, settings):
    manager.email = "morgan@acme.test"
    manager.save(update_fields=["email"])
    DigestSubscription.objects.create(user=manager, weekday=0, hour=8)
    monday_9am = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
    with time_machine.travel(monday_9am, tick=False):
        assert send_due_digests() == 1
        assert send_due_digests() == 0  # once a week, even if two workers sweep
    [message] = smtp_server.messages()
    raw = message.as_string() if hasattr(message, "as_string") else str(message)
    assert "Your week in leads" in raw
    assert "Content-ID: <leads-by-source>" in raw
    assert "image/png" in raw


def test_new_leads_reach_the_rollups_through_the_recent_days_refresh(organisation, owner, sources, book):
    zillow, _ = sources
    add_lead(organisation, owner, zillow)  # arrives a few minutes after noon on the 2nd: nothing subscribed
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        assert rebuild_stale() == 2  # today and yesterday, in the organisation's zone
        assert rebuild_stale() == 0  # not again within five minutes
    report = queries.funnel_report(None, month_filters(organisation))
    assert report["groups"][0]["steps"][0]["count"] == 7


def test_the_digest_lists_the_same_stalled_leads_as_the_activity_report(
    organisation, manager, book, smtp_server
):
    manager.email = "morgan@acme.test"
    manager.save(update_fields=["email"])
    DigestSubscription.objects.create(user=manager, weekday=0, hour=8)
    # Edited last week but still in New since November 2nd: stalled, because stalling is waiting in one stage.
    edited = Lead.objects.get(first_human_contact_at__isnull=True)
    Lead.objects.filter(pk=edited.pk).update(updated_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    monday_9am = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    with time_machine.travel(monday_9am, tick=False):
        activity = queries.activity_report(manager, month_filters(organisation))
        assert send_due_digests() == 1
    # Open on the 23rd: the three leads still in New and the one at Clear to close; not the won or the lost one.
    assert sum(row["stalled"] for row in activity["velocity"]) == 4
    [message] = smtp_server.messages()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Stalled leads: 4" in text
    assert "4 open leads waiting in the same stage for over 14 days" in html
    assert f"/leads/{edited.pk}/" in html
    assert "in Clear to close since Nov 2" in html


def test_the_sweep_builds_rollups_never_built_once_without_a_command(organisation, owner, sources):
    zillow, _ = sources
    add_lead(organisation, owner, zillow, contact_after=30)
    add_lead(organisation, owner, zillow, stage_name="Closed", contact_after=90)
    # As after a deployment: leads, and no rollups built for the organisation's current shape.
    assert not ReportSettings.objects.filter(organisation=organisation, rollups_version__gt=0).exists()
    a_month_later = NOON + timedelta(days=30)  # the leads are no longer among the recent days
    with time_machine.travel(a_month_later, tick=False):
        assert rebuild_stale() >= 31  # every day from the first lead's to today
        funnel = queries.funnel_report(None, month_filters(organisation))
        steps = {step["name"]: step["count"] for step in funnel["groups"][0]["steps"]}
        assert (steps["Leads"], steps["Funded"]) == (2, 1)
        assert ReportSettings.objects.get(organisation=organisation).rollups_version == ROLLUPS_VERSION
        # Once only: a later sweep leaves the organisation's rollups to the stale days and the recent refresh.
        DailyRollup.objects.filter(organisation=organisation).delete()
        PeriodRollup.objects.filter(organisation=organisation).delete()
        assert rebuild_stale() == 0
    assert queries.funnel_report(None, month_filters(organisation))["groups"] == []


def test_rollups_of_an_older_shape_are_rebuilt_by_the_sweep(organisation, owner, sources):
    zillow, _ = sources
    add_lead(organisation, owner, zillow)
    # Built before the period rollups existed: daily rows only.
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        rebuild(organisation)
    PeriodRollup.objects.filter(organisation=organisation).delete()
    ReportSettings.objects.filter(organisation=organisation).update(rollups_version=2)
    assert queries.funnel_report(None, month_filters(organisation))["groups"] == []
    with time_machine.travel(NOON + timedelta(days=30), tick=False):
        assert rebuild_stale() >= 31
    assert queries.funnel_report(None, month_filters(organisation))["groups"][0]["steps"][0]["count"] == 1


def test_undefined_ratios_show_a_dash_on_the_pages_and_an_empty_period_divides_by_nothing(
    client, organisation, admin_user, book
):
    client.force_login(admin_user)
    page = client.get("/reports/roi/?from=2026-11-01&to=2026-11-30&by=source").content.decode()
    # Website: free leads (cost $0) and nothing funded: no cost per funded loan and no return, shown as "—".
    row = page.index('<th scope="row">Website')
    website = page[row : page.index("</tr>", row)]
    assert website.count("\u2014") == 2 and "$0.00" in website
    for name in ("funnel", "speed", "roi", "cadences", "activity"):
        assert client.get(f"/reports/{name}/?from=2025-01-01&to=2025-01-31&by=source").status_code == 200, (
            name
        )
        assert client.get(f"/reports/{name}/?from=2025-01-01&to=2025-01-31&format=csv").status_code == 200
    empty = client.get("/reports/roi/?from=2025-01-01&to=2025-01-31").content.decode()
    assert "No leads arrived in this period." in empty
