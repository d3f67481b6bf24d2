"""The referral partner report: for each partner, the borrowers referred in the period (through the portal or
naming the partner by any channel), applications, funded loans and conversion, counted by the rollups' rules and
checked here against numbers worked out by hand. A partner with no referrals shows "—", never a division by
zero. Managers and admins only; partners are listed by name (counts, not a ranking: RESPA section 8)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Stage
from firstcall.pipeline.services import move_stage
from firstcall.portals import partners
from firstcall.reports import queries
from firstcall.reports.filters import filters_from
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def _november():
    with time_machine.travel(NOW, tick=False):
        yield


def partner(organisation, name, email):
    return make_user(organisation, name.lower(), role=User.Role.PARTNER, first_name=name, email=email)


def borrower(organisation, owner, number, stage_name="New", **fields):
    return tampa_borrower(organisation, owner=owner, first_name=f"B{number}", email=f"b{number}@example.com",
                          phone=f"+1813555{number:04d}", stage_name=stage_name, **fields)  # fmt: skip


def move(lead, stage_name, owner, **fields):
    move_stage(lead, Stage.objects.get(pipeline=lead.pipeline, name=stage_name), actor=owner, **fields)


@pytest.fixture
def story(organisation, owner):
    """Rita: 4 referred in November (one at Application, one Closed, one Qualified, one that reached Application
    and was then lost) and one in August: 4 referrals, 3 applications, 1 funded, 25.0%.
    Paul: 1 referred through the portal only, at Clear to close: 1, 1, 0, 0.0%.
    Zoe: none: 0, 0, 0, —. A borrower nobody referred counts for nobody."""
    rita = partner(organisation, "Rita", "rita@realty.example")
    paul = partner(organisation, "Paul", "paul@homes.example")
    zoe = partner(organisation, "Zoe", "zoe@brokers.example")
    borrower(organisation, owner, 1, "Application", referral_partner=rita)
    borrower(organisation, owner, 2, "Closed", referral_partner=rita)
    borrower(organisation, owner, 3, "Qualified", referral_partner=rita)
    lost = borrower(organisation, owner, 4, "Qualified", referral_partner=rita)
    move(lost, "Application", owner)
    move(lost, "Lost", owner, lost_reason="Chose another lender")
    old = borrower(organisation, owner, 5, "Closed", referral_partner=rita)
    Lead.objects.filter(pk=old.pk).update(created_at=datetime(2026, 8, 3, 15, 0, tzinfo=UTC))
    partners.record_referral(paul, borrower(organisation, owner, 6, "Clear to close"))
    borrower(organisation, owner, 7, "Closed")
    return rita, paul, zoe


def test_counts_and_conversion_match_the_hand_computed_figures(organisation, owner, manager, story):
    filters = filters_from(PERIOD, organisation.pk)
    report = queries.partners_report(manager, filters)
    figures = [
        (g["label"], g["referrals"], g["applications"], g["funded"], g["conversion_percent"])
        for g in report["groups"]
    ]
    assert [(label, r, a, f, None if c is None else str(c)) for label, r, a, f, c in figures] == [
        ("Paul", 1, 1, 0, "0.0"),
        ("Rita", 4, 3, 1, "25.0"),
        ("Zoe", 0, 0, 0, None),
    ]


def test_the_page_is_for_managers_and_admins_and_shows_a_dash_for_no_referrals(
    organisation, owner, manager, admin_user, story
):
    for person in (manager, admin_user):
        client = Client()
        client.force_login(person)
        assert "Referral partners" in client.get("/reports/").content.decode()
        page = client.get("/reports/partners/", PERIOD)
        assert page.status_code == 200
        html = " ".join(page.content.decode().split())
        assert '<th scope="row">Rita</th><td class="num">4</td><td class="num">3</td><td class="num">1</td><td class="num">75.0%</td><td class="num">25.0%</td>' in html  # fmt: skip
        assert '<th scope="row">Zoe</th><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">—</td><td class="num">—</td>' in html  # fmt: skip
        csv = client.get("/reports/partners/", {**PERIOD, "format": "csv"}).content.decode()
        assert "Rita,True,4,3,1,75.0,25.0" in csv
    officer = Client()
    officer.force_login(owner)
    assert "Referral partners" not in officer.get("/reports/").content.decode()
    assert officer.get("/reports/partners/", PERIOD).status_code == 403
    with pytest.raises(queries.ReportRefused):
        queries.partners_report(owner, filters_from(PERIOD, organisation.pk))


def test_a_manager_counts_only_their_teams_leads(organisation, manager, story):
    other = make_user(organisation, "outsider")
    borrower(organisation, other, 8, "Closed", referral_partner=story[2])
    report = queries.partners_report(manager, filters_from(PERIOD, organisation.pk))
    assert {g["label"]: g["referrals"] for g in report["groups"]}["Zoe"] == 0
    report = queries.partners_report(None, filters_from(PERIOD, organisation.pk))
    assert {g["label"]: (g["referrals"], g["funded"]) for g in report["groups"]}["Zoe"] == (1, 1)
