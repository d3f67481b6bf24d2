"""A mention reaches any teammate: the page says, before the note is saved, that the lead will be shared with
them, or why a mention cannot reach someone. At 1366 px and 375 px."""

import pytest
from browser_helpers import screenshot
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.accounts.models import Notification, User
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage

pytestmark = pytest.mark.django_db(transaction=True)


def test_mentioning_a_teammate_shares_the_lead_and_a_partner_is_refused_visibly(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", licensed_states=["FL"])
    theo = person(organisation, "theo", first_name="Theo", licensed_states=["FL"])
    person(organisation, "rita", role=User.Role.PARTNER, first_name="Rita")
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    for page, label, width in both_sizes(browser, server_url):
        lead = Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
            first_name="Zoe", last_name=f"Campbell {label}", phone="+18135550190", state="FL",
            purpose="purchase", loan_type="fha",
        )  # fmt: skip
        sign_in(page, olivia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        box = page.get_by_label("Add a note")
        box.fill("@theo can you call her at 6? @rita FYI")
        plans = page.locator("#mention-plans")
        page.wait_for_function("document.querySelector('#mention-plans').innerText.includes('@rita')")
        assert "@theo will be alerted, and the lead will be shared with them" in plans.inner_text()
        assert "@rita will not be alerted: referral partners do not see notes" in plans.inner_text()
        box.scroll_into_view_if_needed()
        assert plans.is_visible()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"mentions-before-saving-{label}")
        box.fill("@theo can you call her at 6?")
        page.wait_for_function("!document.querySelector('#mention-plans').innerText.includes('@rita')")
        page.get_by_role("button", name="Save note").click()
        page.wait_for_load_state("networkidle")
        assert theo in lead.shared_with.all()
        assert Notification.objects.filter(user=theo, kind="mention", lead=lead).exists()
