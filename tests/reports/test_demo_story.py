"""The demo's reports tell a believable story: a fast and a slow loan officer (and the fast one funds more), sources
at different prices whose leads end differently, and stage histories the velocity figures can read."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from firstcall.reports import queries
from firstcall.reports.filters import filters_from
from firstcall.web.demo import seed_demo

pytestmark = pytest.mark.django_db

WEEKDAY_MIDDAY = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)


@pytest.fixture
def demo():
    # Inside each test's transaction: seeding once for the module left audit rows behind (they outlive their
    # organisation by design, and PostgreSQL refuses to delete them), which other tests then counted.
    with time_machine.travel(WEEKDAY_MIDDAY, tick=False):
        return seed_demo(lead_count=300).organisation


def year(organisation, by: str):
    return filters_from(
        {"from": "2025-12-08", "to": "2026-12-08", "by": by}, organisation.pk, date(2026, 12, 8)
    )


def a_fast_and_a_slow_loan_officer(demo):
    by_officer = {group["label"]: group for group in queries.speed_report(None, year(demo, "lo"))["groups"]}
    olivia = next(group for label, group in by_officer.items() if label.startswith("Olivia"))
    daniel = next(group for label, group in by_officer.items() if label.startswith("Daniel"))
    assert olivia["contacted_within_5_min_percent"] > daniel["contacted_within_5_min_percent"] + 30
    assert olivia["first_contact_median_s"] < daniel["first_contact_median_s"]
    funnel = {
        group["label"]: group["steps"] for group in queries.funnel_report(None, year(demo, "lo"))["groups"]
    }
    funded_share = {
        label: steps[-1]["from_first_percent"]
        for label, steps in funnel.items()
        if label[:6] in ("Olivia", "Daniel")
    }
    olivia_share, daniel_share = (
        next(v for k, v in funded_share.items() if k.startswith(n)) for n in ("Ol", "Da")
    )
    assert olivia_share > daniel_share


def sources_differ_in_cost_and_in_what_their_leads_become(demo):
    groups = {group["label"]: group for group in queries.roi_report(None, year(demo, "source"))["groups"]}
    assert len({group["cost_per_lead"] for group in groups.values()}) >= 4
    costs = [group["cost_per_funded_loan"] for group in groups.values() if group["cost_per_funded_loan"]]
    assert len(set(costs)) >= 2  # the paid sources' funded loans cost different amounts
    website, meta = groups["Website"], groups["Facebook & Instagram lead ads"]
    assert website["funded"] / website["leads"] > meta["funded"] / meta["leads"]


def the_stage_history_feeds_the_velocity(demo):
    velocity = queries.activity_report(None, year(demo, ""), now=WEEKDAY_MIDDAY)["velocity"]
    assert sum(row["left"] for row in velocity) > 50
    assert any(row["average_days"] for row in velocity)


def test_the_demo_tells_the_reports_story(demo):
    # One seeding (300 leads, about 15 s) for the three parts of the story.
    a_fast_and_a_slow_loan_officer(demo)
    sources_differ_in_cost_and_in_what_their_leads_become(demo)
    the_stage_history_feeds_the_velocity(demo)
