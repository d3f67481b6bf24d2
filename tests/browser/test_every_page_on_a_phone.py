"""Every page of the workspace at 375 px: it loads, shows its heading, and the page itself never scrolls
sideways (wide tables scroll inside their own box). The pages with journeys of their own (My day, board,
list, team, lead page, sign-in) are in test_phone_layout.py, test_lead_page_in_browser.py and
test_sign_in.py. Screenshots in test-output/screenshots/phone-<page>.png."""

import pytest
from browser_helpers import screenshot
from playwright.sync_api import expect
from workspace_browser import assert_no_sideways_scroll, person, seed_pipeline, sign_in

from firstcall.accounts.models import User
from firstcall.leads.sources import create_source
from firstcall.pipeline.models import Task

pytestmark = pytest.mark.django_db(transaction=True)

# (name for the screenshot, who opens it, how to build the path from what was seeded)
PAGES = [
    ("tasks", "officer", lambda seeded: "/tasks/"),
    ("lead-edit", "officer", lambda seeded: f"/leads/{seeded['lead'].pk}/edit/"),
    ("tasks-team", "admin", lambda seeded: "/tasks/?view=team"),
    ("settings", "admin", lambda seeded: "/settings/"),
    ("settings-people", "admin", lambda seeded: "/settings/people/"),
    ("settings-person", "admin", lambda seeded: f"/settings/people/{seeded['officer'].pk}/"),
    ("settings-new-person", "admin", lambda seeded: "/settings/people/new/"),
    ("settings-sources", "admin", lambda seeded: "/settings/sources/"),
    ("settings-source", "admin", lambda seeded: f"/settings/sources/{seeded['source'].pk}/"),
    ("settings-response-time", "admin", lambda seeded: "/settings/response-time/"),
    ("settings-consent", "admin", lambda seeded: "/settings/compliance/"),
    ("settings-organisation", "admin", lambda seeded: "/settings/organisation/"),
    ("routing-rules", "admin", lambda seeded: "/routing/"),
    ("templates", "admin", lambda seeded: "/cadences/templates/"),
    ("cadences", "admin", lambda seeded: "/cadences/"),
    ("audit-log", "admin", lambda seeded: "/audit/"),
    ("two-factor", "officer", lambda seeded: "/account/two-factor/"),
    ("speed-to-lead-report", "admin", lambda seeded: "/reports/speed-to-lead/"),
    ("intake-log", "admin", lambda seeded: "/intake/"),
    ("password-reset", None, lambda seeded: "/password-reset/"),
]


@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[page[0] for page in PAGES])
def test_page_fits_a_phone(phone_page, server_url, organisation, team, name, who, path):
    officer = person(organisation, "olivia", first_name="Olivia", licensed_states=["FL"], nmls_id="100001")
    officer.teams.add(team)
    admin = person(organisation, "adele", User.Role.ADMIN, first_name="Adele")
    leads = seed_pipeline(organisation, officer)
    Task.objects.create(
        organisation=organisation, lead=leads["Ana"], title="Send the fee sheet", assignee=officer
    )
    source, _issued = create_source(organisation, channel="api", name="Website API")
    seeded = {"lead": leads["Ana"], "officer": officer, "source": source}
    if who is not None:
        sign_in(phone_page, {"officer": officer, "admin": admin}[who], server_url)

    response = phone_page.goto(path(seeded))

    assert response.status == 200
    expect(phone_page.locator("h1").first).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    screenshot(phone_page, f"phone-{name}")
