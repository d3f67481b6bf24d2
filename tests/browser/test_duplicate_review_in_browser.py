"""The possible-duplicate queue in a real browser: both leads side by side at desktop (1366 px) and phone
(375 px) widths without sideways scrolling, and a manager merging a pair. Screenshots in
test-output/screenshots/."""

import pytest
from browser_helpers import screenshot
from django.test import Client

from firstcall.accounts.models import User
from firstcall.leads.models import IntakeRecord, Lead, PossibleDuplicate
from firstcall.leads.services import capture
from firstcall.leads.sources import create_source
from firstcall.leads.submission import ConsentInput, LeadSubmission

pytestmark = [pytest.mark.django_db(transaction=True)]


def _two_anas(organisation):
    source, _ = create_source(organisation, channel="api", name="Rate table")
    for index in (1, 2):
        record = IntakeRecord.objects.create(organisation=organisation, source=source, channel="api")
        submission = LeadSubmission(
            first_name="Ana", last_name="Lopez", zip="33602", purpose="purchase",
            email=f"ana.lopez{index}@example.com", phone=f"81355501{index}0",
            consent=ConsentInput(sms=index == 1, calls=index == 1, text="I agree to be contacted"),
        )  # fmt: skip
        capture(submission, organisation=organisation, intake_record=record, source=source)
    return PossibleDuplicate.objects.get()


def _sign_in(page, server_url, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_manager_compares_two_possible_duplicates_and_merges_them(
    browser, viewport, server_url, organisation, team
):
    context = browser.new_context(base_url=server_url, bypass_csp=True, **VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    width = VIEWPORTS[viewport]["viewport"]["width"]
    manager = User.objects.create_user(
        username="mae", password="correct horse battery staple", organisation=organisation,
        role=User.Role.MANAGER, first_name="Mae", email="mae@acme.test",
    )  # fmt: skip
    manager.managed_teams.add(team)
    pair = _two_anas(organisation)
    _sign_in(browser_page, server_url, manager)

    browser_page.goto("/leads/duplicates/")
    section = browser_page.locator(f"section[aria-labelledby=pair-{pair.pk}]")
    assert section.get_by_role("cell", name="ana.lopez1@example.com").is_visible()
    assert section.get_by_role("cell", name="ana.lopez2@example.com").is_visible()
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(browser_page, f"possible-duplicates-{viewport}")

    section.get_by_role("button", name="Same person: merge").click()
    browser_page.wait_for_url(f"{server_url}/leads/duplicates/")
    assert browser_page.get_by_text("No possible duplicates are waiting.").is_visible()
    kept = Lead.objects.get()
    assert kept.phone == "+18135550110" and kept.other_phones == ["+18135550120"]
    assert kept.consent_sms is True
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by_id) == ("merged", manager.pk)
    context.close()
