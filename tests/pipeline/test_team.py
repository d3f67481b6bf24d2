"""The team view (/team/): managers and admins see pipeline by loan officer, SLA breaches and unworked leads,
and reassign in bulk."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from workspace_helpers import make_lead, make_new_lead, snapshot

from firstcall.accounts.models import Team, User
from tests.conftest import make_user


def team_page(client, user):
    client.force_login(user)
    return client.get(reverse("team"))


def row_of(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{name}</a></th>(.*?)</tr>", html, flags=re.DOTALL)
    assert row, name
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))


@pytest.mark.parametrize(
    "role", [User.Role.LOAN_OFFICER, User.Role.PROCESSOR]
)  # partners: tests/web/test_partner_has_no_workspace.py
def test_only_managers_and_admins_see_the_team_view(role, client, organisation):
    assert team_page(client, make_user(organisation, "someone", role=role)).status_code == 403


def test_pipeline_by_loan_officer_counts_open_leads_per_stage(client, organisation, owner, teammate, manager):
    make_lead(organisation, owner=owner, stage="New")
    make_lead(organisation, owner=owner, stage="New")
    make_lead(organisation, owner=owner, stage="Qualified")
    make_lead(organisation, owner=owner, stage="Lost", lost_reason="Duplicate")
    make_lead(organisation, owner=owner, stage="New", kind="refinance")  # same stage name in another pipeline
    make_lead(organisation, owner=teammate, stage="Contacted")
    make_lead(organisation, owner=None, stage="New")

    html = team_page(client, manager).content.decode()

    olivia = row_of(html, "Olivia")
    # New, Contacted, Qualified, Pre-approved, Application, Processing, Underwriting, Clear to close,
    # then open, volume, not contacted, overdue, breaches, won.
    assert olivia[:8] == ["3", "0", "1", "0", "0", "0", "0", "0"]
    assert olivia[8] == "4"
    assert olivia[9] == "$1.2M"  # 3 × 337,750 + 210,000
    assert row_of(html, "Theo")[1] == "1"
    assert row_of(html, "Unassigned")[0] == "1"


def test_a_manager_sees_only_their_teams(client, organisation, owner, manager):
    elsewhere = Team.objects.create(organisation=organisation, name="Orlando")
    oliver = make_user(organisation, "oliver")
    oliver.teams.add(elsewhere)
    make_lead(organisation, owner=oliver, first_name="Orlandolead")

    html = team_page(client, manager).content.decode()

    assert "Oliver" not in html and "Orlandolead" not in html
    assert "Olivia" in html


def test_breaches_and_unworked_leads_oldest_first(client, organisation, owner, manager):
    now = timezone.now()
    breached = make_new_lead(organisation, owner=owner, first_name="Brenda", minutes_left=-30, sla_status="breached",
                             sla_breached_at=now - timedelta(minutes=30))  # fmt: skip
    older = make_new_lead(organisation, owner=owner, first_name="Olga")
    older.created_at = now - timedelta(days=3)
    older.save()
    make_lead(organisation, owner=owner, first_name="Wendy", first_human_contact_at=now)

    html = team_page(client, manager).content.decode()

    breaches = re.search(r'aria-labelledby="breaches-h".*?</section>', html, flags=re.DOTALL).group(0)
    unworked = re.search(r'aria-labelledby="unworked-h".*?</section>', html, flags=re.DOTALL).group(0)
    assert "Brenda" in breaches and "Olga" not in breaches
    assert unworked.index("Olga") < unworked.index("Brenda")
    assert "Wendy" not in unworked
    assert row_of(html, "Olivia")[10:13] == ["2", "1", "1"]  # not contacted, overdue now, breaches (30 d)
    assert breached.pk


def test_bulk_reassign_from_the_team_view(client, organisation, owner, teammate, manager):
    leads = [make_new_lead(organisation, owner=owner) for _ in range(2)]
    client.force_login(manager)

    response = client.post(
        reverse("lead_bulk_action"),
        {"action": "assign", "owner": teammate.pk, "lead": [lead.pk for lead in leads], "next": "/team/",
         "reason": "Olivia is out today"},
    )  # fmt: skip

    assert response.url == "/team/"
    for lead in leads:
        lead.refresh_from_db()
        assert lead.owner == teammate
        assert lead.timeline.filter(kind="assigned").last().data["reason"] == "Olivia is out today"


def test_reassigning_to_someone_who_is_not_a_loan_officer_changes_nothing(
    client, organisation, owner, manager
):
    lead = make_new_lead(organisation, owner=owner)
    processor = make_user(organisation, "pat", role=User.Role.PROCESSOR)
    before = snapshot(lead)
    client.force_login(manager)

    client.post(reverse("lead_bulk_action"), {"action": "assign", "owner": processor.pk, "lead": [lead.pk]})

    assert snapshot(lead) == before


def test_the_team_view_runs_the_same_number_of_queries_for_5_or_50_leads(client, organisation, owner, teammate,
                                                                        manager, admin_user):  # fmt: skip
    def count_queries() -> tuple[int, int]:
        counts = []
        for user in (manager, admin_user):
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("team")).status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    def add(number):
        for index in range(number):
            make_new_lead(organisation, owner=[owner, teammate, None][index % 3], minutes_left=-5 if index % 2 else 5,
                          stage=["New", "Contacted", "Lost"][index % 3], sla_breached_at=timezone.now())  # fmt: skip

    add(5)
    few = count_queries()
    add(45)
    assert count_queries() == few
