"""The demo organisation (`firstcall demo` seeds it) shows a populated, believable workspace: each loan
officer's My day has replies, tasks (one overdue) and today's appointments; the board has cards along the
pipeline; the team view has every officer; a worked lead's timeline has its calls and notes."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.pipeline.models import Task
from firstcall.web.demo import seed_demo

pytestmark = pytest.mark.django_db


# A weekday, 2 p.m. in Florida and 11 a.m. in California: every demo borrower is inside the calling window.
WEEKDAY_MIDDAY = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)


@pytest.fixture
def demo():
    with time_machine.travel(WEEKDAY_MIDDAY, tick=True):
        yield seed_demo(lead_count=80).organisation


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'aria-labelledby="{heading_id}".*?</section>', html, flags=re.DOTALL)
    assert match, heading_id
    return match.group(0)


def count_in(html: str, heading_id: str) -> int:
    return int(re.search(rf'id="{heading_id}">[^<]*<span class="count">(\d+)', html).group(1))


def test_every_loan_officers_day_has_replies_tasks_and_appointments(demo):
    officers = User.objects.filter(organisation=demo, role=User.Role.LOAN_OFFICER)
    assert officers.count() == 4
    for officer in officers:
        html = signed_in(officer.username).get("/").content.decode()

        assert count_in(html, "replies-h") >= 1, officer
        assert count_in(html, "tasks-h") >= 2, officer
        assert "overdue" in section(html, "tasks-h")
        assert count_in(html, "appointments-h") == 2, officer
        assert "tel:+1" in section(html, "appointments-h")


def test_the_board_has_cards_all_along_the_pipeline_with_volumes(demo):
    html = signed_in("manager").get("/board/purchase/").content.decode()

    counts = [int(count) for count in re.findall(r'class="column-count" data-count="(\d+)"', html)]
    assert len(counts) == 10  # New ... Clear to close, Closed, Lost
    assert sum(1 for count in counts if count) >= 5 and sum(counts) >= 20
    assert re.search(r'class="column-volume"[^>]*>\$\d', html)


def test_the_team_view_shows_every_officer_with_open_leads(demo):
    html = signed_in("manager").get("/team/").content.decode()

    for officer in User.objects.filter(organisation=demo, role=User.Role.LOAN_OFFICER):
        assert officer.get_full_name() in html or officer.first_name in html


def test_worked_leads_have_calls_notes_and_tasks_on_their_timeline(demo):
    worked = Lead.objects.filter(organisation=demo, lead_notes__isnull=False).distinct().first()
    assert worked is not None
    html = signed_in("admin").get(f"/leads/{worked.pk}/").content.decode()

    assert worked.timeline.filter(kind=TimelineEvent.Kind.CALL).exists()
    assert worked.lead_notes.first().body[:40] in html.replace("&#x27;", "'")
    assert Task.objects.filter(lead__organisation=demo, completed_at__isnull=True).count() >= 20
