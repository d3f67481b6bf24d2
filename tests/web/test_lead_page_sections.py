"""The lead page's sections and its next action: every section is a <details> open in the HTML (nothing hidden
without JavaScript), the summary card links to each, and the next action says what to do now."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from firstcall.leads.models import Stage
from firstcall.pipeline.models import Task
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _next_action(client, lead) -> str:
    html = client.get(reverse("lead_detail", args=[lead.pk])).content.decode()
    match = re.search(r'<p class="next-action" id="next-action">(.*?)</p>', html, re.S)
    assert match, "no next action on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_every_section_is_open_in_the_html_and_linked_from_the_summary(organisation, make_lead, signed_in):
    olivia = make_user(organisation, "olivia")
    lead = make_lead(olivia)
    html = signed_in(olivia).get(reverse("lead_detail", args=[lead.pk])).content.decode()
    sections = re.findall(r'<details class="lead-section" id="([\w-]+)" open', html)
    assert sections == ["section-reach", "section-details", "section-why", "section-tasks", "section-timeline",
                        "section-more"]  # fmt: skip
    for section in sections:
        assert f'href="#{section}"' in html
    # The summary card (name, owner, next action, quick actions and section links) comes before every section.
    assert html.index('id="next-action"') < html.index('id="section-reach"')
    assert html.index('class="quick-actions"') < html.index('id="section-reach"')


def test_an_admin_who_may_work_the_lead_gets_the_reach_section(organisation, make_lead, signed_in):
    olivia = make_user(organisation, "olivia")
    manager = make_user(organisation, "mia", role="admin")
    lead = make_lead(olivia)
    html = signed_in(manager).get(reverse("lead_detail", args=[lead.pk])).content.decode()
    assert 'href="#section-reach"' in html


def test_the_next_action_follows_the_response_clock_then_tasks_then_nothing(
    organisation, make_lead, signed_in
):
    olivia = make_user(organisation, "olivia", time_zone="America/New_York")
    client = signed_in(olivia)
    now = timezone.now()
    lead = make_lead(olivia, respond_by=now + timedelta(minutes=4), sla_status="pending")
    assert _next_action(client, lead).startswith("Next: call Ana before")

    lead.respond_by = now - timedelta(minutes=1)
    lead.save(update_fields=["respond_by"])
    assert _next_action(client, lead) == "Next: call Ana now: the response time has passed."

    lead.first_human_contact_at = now
    lead.save(update_fields=["first_human_contact_at"])
    assert _next_action(client, lead) == "Next: nothing planned. Plan a task"

    Task.objects.create(organisation=organisation, lead=lead, title="Send the fee sheet", assignee=olivia,
                        due_at=now - timedelta(hours=2))  # fmt: skip
    action = _next_action(client, lead)
    assert (
        action.startswith("Next: Send the fee sheet, due") and "overdue" in action and "All tasks" in action
    )

    Task.objects.filter(lead=lead).delete()
    lead.stage = Stage.objects.get(pipeline=lead.pipeline, outcome=Stage.Outcome.LOST)
    lead.save(update_fields=["stage"])
    assert _next_action(client, lead) == f"Next: nothing: this lead is in {lead.stage.name}."
