"""Alerts clear themselves when what they asked for has happened, can be dismissed one at a time, collapse into
a count after three, and are all on the alerts page. At 1366 px and 375 px."""

from datetime import timedelta

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import both_sizes, person, sign_in

from firstcall.accounts.notifications import notify
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.routing.services import record_human_contact

pytestmark = pytest.mark.django_db(transaction=True)


def _lead(organisation, owner, first_name):
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    return Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner,
        first_name=first_name, last_name="Borrower", phone="+18135550190", state="FL", purpose="purchase",
        loan_type="fha", respond_by=timezone.now() + timedelta(hours=2), sla_status="pending",
    )  # fmt: skip


def test_alerts_clear_dismiss_collapse_and_are_listed(browser, server_url, organisation):
    for page, label, width in both_sizes(browser, server_url):
        officer = person(organisation, f"olivia{label}", first_name="Olivia")
        leads = [_lead(organisation, officer, name) for name in ("Ana", "Ben", "Cal", "Dee", "Eve")]
        for lead in leads:
            notify(officer, kind="new_lead", title=f"New lead: {lead.full_name}", lead=lead)
        sign_in(page, officer, server_url)
        page.goto("/")
        strip = page.locator("#alerts")
        strip.locator(".alert").first.wait_for()
        assert strip.locator(".alert").count() == 3
        assert strip.get_by_role("link", name="2 more alerts").is_visible()
        # The strip never takes the phone's whole first screen.
        assert strip.bounding_box()["height"] < 400
        screenshot(page, f"alerts-collapsed-{label}")

        strip.get_by_role("button", name="Dismiss: New lead: Eve Borrower").click()
        page.wait_for_function("!document.querySelector('#alerts').innerText.includes('Eve Borrower')")
        assert strip.get_by_role("link", name="1 more alert").is_visible()

        # Dee is answered by a call: her alert clears itself at the next refresh.
        record_human_contact(leads[3], actor=officer, how="connected call")
        page.wait_for_function(
            "!document.querySelector('#alerts').innerText.includes('Dee Borrower')", timeout=15_000
        )
        assert strip.locator(".alert").count() == 3
        assert strip.get_by_role("link", name="All alerts").is_visible()

        page.goto("/notifications/all/")
        assert page.get_by_role("heading", name="Alerts").is_visible()
        assert page.locator(".alert-list li").count() == 5
        assert page.locator(".alert-list li.is-read").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"alerts-list-{label}")
