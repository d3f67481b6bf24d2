"""With the demo text provider, an evaluator replies as the borrower and sees the reply arrive. 1366 and 375 px."""

import pytest
from browser_helpers import screenshot
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage

pytestmark = pytest.mark.django_db(transaction=True)


def test_replying_as_the_borrower_puts_the_reply_on_the_timeline(browser, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia", licensed_states=["FL"])
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    for page, label, width in both_sizes(browser, server_url):
        lead = Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
            first_name="Zoe", last_name=f"Campbell {label}", phone=f"+1813555019{len(label)}", state="FL",
            purpose="purchase", loan_type="fha", consent_sms=True,
        )  # fmt: skip
        sign_in(page, olivia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        page.get_by_text("Demo: reply as the borrower").click()
        page.get_by_label("Zoe texts back").fill(f"Yes, call me after 5 ({label})")
        page.get_by_role("button", name="Send as the borrower").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#timeline").get_by_text(f"Yes, call me after 5 ({label})").first.is_visible()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"demo-reply-{label}")
