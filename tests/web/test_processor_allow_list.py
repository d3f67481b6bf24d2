"""A processor sees a lead by allow-list (firstcall/leads/allow_lists.py, PROCESSOR_FACTS and the processor's
timeline kinds): the loan file (borrower, consent, scenario, finances, owner, tasks) on every workspace page, never
how the lead was bought, scored or routed, nor its first-response clock. Checked per page and per event kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads import allow_lists
from firstcall.leads.models import LeadScore, LeadSource
from firstcall.leads.timeline import record_event
from firstcall.pipeline.models import Task
from firstcall.routing.models import RoutingDecisionLog
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PAGES = ["my_day", "my_day_live", "outbox", "lead_page", "lead_timeline", "lead_list", "board"]
# What only the sales side is shown, each with a marker that appears nowhere else.
SALES_ONLY = {
    "source": ["Zillow Premier Marker", "springpromomarker"],
    "score": ["Score marker detail", "tier-hot"],
    "routing": ["Routing marker reason"],
    "response_clock": ["Respond by", "clock-"],
}
# What the processor works with, on the lead page.
LOAN_FILE = {
    "contact": ["ana.lopez@example.com"],
    "scenario": ["350,000"],
    "finances": ["721"],
    "owner": ["Olivia"],
    "tasks": ["Order the appraisal"],
}


@pytest.fixture
def file(organisation, team, make_lead):
    officer = make_user(organisation, "olivia", first_name="Olivia", licensed_states=["FL"])
    officer.teams.add(team)
    processor = make_user(organisation, "pat", role=User.Role.PROCESSOR, first_name="Pat")
    source = LeadSource.objects.create(organisation=organisation, name="Zillow Premier Marker", channel="api")
    lead = make_lead(
        officer, processor=processor, source=source, utm_campaign="springpromomarker", score=87, score_tier="hot",
        respond_by=timezone.now() + timedelta(minutes=4), sla_status="pending",
    )  # fmt: skip
    LeadScore.objects.create(lead=lead, points=87, tier="hot", trigger="capture",
                             reasons=[{"factor": "credit", "points": 20, "detail": "Score marker detail"}])  # fmt: skip
    RoutingDecisionLog.objects.create(organisation=organisation, lead=lead, rule_name="Everyone",
                                      strategy="round_robin", chosen_user=officer, reason="Routing marker reason")  # fmt: skip
    Task.objects.create(organisation=organisation, lead=lead, title="Order the appraisal", assignee=processor,
                        due_at=timezone.now() + timedelta(days=1))  # fmt: skip
    return {"processor": processor, "loan_officer": officer}, lead


def _get(client, page: str, lead):
    url, headers = {
        "my_day": ("/", {}),
        "my_day_live": ("/my-day/live/", {}),
        "outbox": ("/outbox/", {}),
        "lead_page": (f"/leads/{lead.pk}/", {}),
        "lead_timeline": (f"/leads/{lead.pk}/timeline/", {"HTTP_HX_REQUEST": "true"}),
        "lead_list": ("/leads/", {}),
        "board": ("/board/purchase/", {}),
    }[page]
    response = client.get(url, **headers)
    assert response.status_code == 200, page
    return response.content.decode()


def test_the_processor_allow_list_is_explicit_and_narrower_than_the_loan_officers():
    assert allow_lists.PROCESSOR_FACTS < allow_lists.LEAD_FACTS
    assert allow_lists.LEAD_FACTS - allow_lists.PROCESSOR_FACTS == set(SALES_ONLY)
    assert set(allow_lists.FACTS) == set(User.Role.values)


@pytest.mark.parametrize("page", PAGES)
def test_a_processor_is_never_shown_how_the_lead_was_bought_scored_or_routed(file, signed_in, page):
    people, lead = file
    html = _get(signed_in(people["processor"]), page, lead)
    shown = {fact: [m for m in markers if m in html] for fact, markers in SALES_ONLY.items()}
    assert not any(shown.values()), f"processor sees {shown} on {page}"


@pytest.mark.parametrize("page", ["lead_page", "lead_list", "board"])
def test_the_loan_officer_is_shown_them_on_the_same_pages(file, signed_in, page):
    people, lead = file
    html = _get(signed_in(people["loan_officer"]), page, lead)
    expected = {
        "lead_page": ["Zillow Premier Marker", "springpromomarker", "Score marker detail", "Routing marker reason",
                      "Respond by", "tier-hot"],
        "lead_list": ["Zillow Premier Marker", "tier-hot"],
        "board": ["tier-hot", "clock-"],
    }[page]  # fmt: skip
    assert [marker for marker in expected if marker not in html] == []


def test_the_processor_sees_the_loan_file_on_the_lead_page_and_list(file, signed_in):
    people, lead = file
    client = signed_in(people["processor"])
    html = _get(client, "lead_page", lead)
    assert {fact: [m for m in markers if m not in html] for fact, markers in LOAN_FILE.items()} == {
        fact: [] for fact in LOAN_FILE
    }
    assert "Ana Lopez" in _get(client, "lead_list", lead)


@pytest.mark.parametrize("page", ["lead_page", "lead_timeline"])
@pytest.mark.parametrize("kind", sorted(allow_lists.EVERY_EVENT_KIND))
def test_each_event_kind_reaches_the_processor_only_if_allow_listed(file, signed_in, kind, page):
    people, lead = file
    marker = "Processor marker of kind " + kind.replace("_", " ")
    record_event(lead, kind, marker, data={"to": "Contacted"} if kind == "stage_changed" else {})
    html = _get(signed_in(people["processor"]), page, lead)
    assert (marker in html) is (kind in allow_lists.TIMELINE_KINDS["processor"]), (kind, page)


def test_a_processor_cannot_filter_or_sort_by_what_they_are_not_shown(
    file, signed_in, organisation, make_lead
):
    people, lead = file
    cold = make_lead(people["loan_officer"], processor=people["processor"], first_name="Cole", score=5,
                     score_tier="cold")  # fmt: skip
    client = signed_in(people["processor"])
    page = client.get("/leads/", {"score_tier": "hot", "source": str(lead.source_id), "sort": "score"})
    names = [row.first_name for row in page.context["page"].object_list]
    # Neither filter applies and the list keeps its newest-first order.
    assert names == [cold.first_name, lead.first_name]
    form = page.context["form"]
    assert {"source", "score_tier", "sla"}.isdisjoint(form.fields)
    assert "score" not in dict(form.fields["sort"].choices)
