"""No page speaks like its developers: no snake_case values, dotted identifiers, template braces or words such as
"issue" or "contract" in the text a person reads."""

import pytest
import time_machine

from firstcall.accounts.models import User
from tests.conftest import make_user
from tests.web.wording import code_like_words

BUSINESS_HOURS = "2026-12-02 15:00:00+00:00"


@pytest.fixture
def captured(organisation, team, api_source):
    from firstcall.flows.lead_arrives import lead_arrives
    from firstcall.leads.models import IntakeRecord
    from firstcall.leads.submission import LeadSubmission

    officer = make_user(
        organisation, "olivia", nmls_id="100001", licensed_states=["FL"], phone="+18135550101"
    )
    officer.teams.add(team)
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        record = IntakeRecord.objects.create(organisation=organisation, source=api_source, channel="api")
        lead = lead_arrives(
            LeadSubmission(first_name="Ana", last_name="Lopez", phone="8135550190", zip="33602",
                           purpose="purchase", loan_type="fha", timeframe="90_days", credit_band="good",
                           email="ana@example.com"),
            organisation=organisation, intake_record=record, source=api_source,
        ).lead  # fmt: skip
    lead.refresh_from_db()
    assert lead.owner == officer
    return officer, lead


PAGES = ["/", "/leads/", "/board/purchase/", "/outbox/", "/tasks/", "/notifications/all/", "LEAD"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_pages_use_words_for_people(captured, organisation, team, signed_in, path, role):
    officer, lead = captured
    viewer = {
        "owner": officer,
        "admin": make_user(organisation, "adele", role=User.Role.ADMIN),
        "manager": make_user(organisation, "maria", role=User.Role.MANAGER),
    }[role]
    if role == "manager":
        viewer.managed_teams.add(team)
    url = f"/leads/{lead.pk}/" if path == "LEAD" else path
    response = signed_in(viewer).get(url)
    assert response.status_code == 200
    words = code_like_words(response.content.decode())
    assert not words, " | ".join(sorted(set(words)))
