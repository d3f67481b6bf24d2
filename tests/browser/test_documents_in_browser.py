"""A borrower's pay stub in a real browser against the real server and worker: upload on the lead page, the state
updates by itself, review on the page image (phone width too), finish, and the assessment changes."""

from decimal import Decimal

import pytest
from browser_helpers import screenshot
from django.test import Client

from firstcall.accounts.models import User
from firstcall.documents.corpus.generate import one
from firstcall.documents.models import Document
from firstcall.eligibility.models import Assessment
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage

pytestmark = [pytest.mark.django_db(transaction=True)]


def _sign_in(page, server_url, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )


def test_upload_review_and_see_the_assessment_change(page, phone_page, server_url, organisation, tmp_path):
    olivia = User.objects.create_user(
        username="olivia",
        password="correct horse battery staple",
        organisation=organisation,
        role=User.Role.LOAN_OFFICER,
        first_name="Olivia",
    )
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation,
        pipeline=pipeline,
        stage=first_stage(pipeline),
        owner=olivia,
        first_name="Dana",
        last_name="Whitfield",
        zip_code="33602",
        state="FL",
        county="Hillsborough",
        time_zone="America/New_York",
        purpose="purchase",
        loan_type="conventional",
        property_type="single_family",
        property_use="primary",
        purchase_price=Decimal("420000"),
        down_payment=Decimal("42000"),
        credit_score_low=740,
        credit_score_high=759,
        annual_income=Decimal("24000"),
        monthly_debts=Decimal("600"),
    )
    stub = tmp_path / "dana-paystub.pdf"
    sample = one("paystub", 0, seed=31, name="Dana Whitfield")
    stub.write_bytes(sample.pdf)
    _sign_in(page, server_url, olivia)

    page.goto(f"/leads/{lead.pk}/")
    page.locator("#lead-assessment").wait_for(timeout=60_000)
    before = page.locator("#lead-assessment").inner_text()
    page.locator("#documents input[type=file]").set_input_files(str(stub))
    page.locator("#documents").get_by_role("button", name="Upload").click()
    page.locator("#documents").get_by_role("link", name="Pay stub").wait_for(
        timeout=60_000
    )  # read by the worker
    assert page.locator("#documents .status-needs_review").is_visible()
    screenshot(page, "documents-panel-needs-review")

    page.locator("#documents").get_by_role("link", name="Pay stub").click()
    assert page.locator(".field-box").count() >= 5
    page.locator(".field-row").first.focus()
    page.keyboard.press("a")  # accept the first field by keyboard
    page.wait_for_function("document.querySelector('.field-row').classList.contains('status-accepted')")
    screenshot(page, "document-review-desktop")
    _sign_in(phone_page, server_url, olivia)
    phone_page.goto(page.url)
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone_page, "document-review-phone")

    page.get_by_role("button", name="Accept all remaining").click()
    page.get_by_role("button", name="Finish review and apply to the lead").click()
    page.wait_for_url(f"{server_url}/leads/{lead.pk}/#documents")
    page.locator("#lead-assessment").wait_for(timeout=60_000)
    after = page.locator("#lead-assessment").inner_text()
    lead.refresh_from_db()
    assert lead.annual_income != Decimal("24000")
    assert after != before
    assert Document.objects.get(lead=lead).status == Document.Status.REVIEWED
    assert Assessment.objects.filter(lead=lead).exists()
    assert page.get_by_text("document #").first.is_visible() or "document #" in page.content()
    screenshot(page, "lead-after-document-review")
