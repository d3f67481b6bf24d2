"""A loan officer without an NMLS ID is told their marketing is off, adds the ID in their profile, and the notice
goes; on the lead page of a borrower Florida's cap holds, the number is shown with when the next call is allowed,
never as a link to dial."""

from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import screenshot
from django.test import Client

from firstcall.accounts.models import User
from firstcall.compliance.models import ContactAttempt
from firstcall.leads.models import Consent, Lead, Pipeline
from firstcall.leads.stages import first_stage

pytestmark = [pytest.mark.django_db(transaction=True)]


def signed_in_as(page, server_url, person):
    client = Client()
    client.force_login(person)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )


def test_loan_officer_adds_their_nmls_id_and_sees_a_held_call_without_a_dial_link(
    page, server_url, organisation
):
    nina = User.objects.create_user(
        username="nina", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Nina", time_zone="America/New_York",
    )  # fmt: skip
    signed_in_as(page, server_url, nina)

    page.goto("/")
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url(f"{server_url}/account/profile/")
    assert page.get_by_text("Marketing messages are off: add Nina's NMLS ID").is_visible()
    page.get_by_label("Your NMLS ID").fill("2468")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server_url}/account/profile/")
    assert page.get_by_text("Saved.").is_visible()
    assert page.get_by_text("Marketing messages are off").count() == 0
    assert page.get_by_label("Your NMLS ID").input_value() == "2468"
    nina.refresh_from_db()
    assert nina.nmls_id == "2468"
    screenshot(page, "profile-nmls-id")

    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=nina,
        first_name="Ana", last_name="Lopez", phone="+18135550191", zip_code="33602", state="FL",
        time_zone="America/New_York", purpose="purchase", consent_calls=True,
    )  # fmt: skip
    Consent.objects.create(lead=lead, channel="calls", is_granted=True, address=lead.phone, how="web form")
    now = datetime.now(UTC)
    for hours in (3, 2, 1):
        ContactAttempt.objects.create(
            organisation=organisation, lead=lead, channel="call", address=lead.phone, kind="manual",
            at=now - timedelta(hours=hours),
        )  # fmt: skip
    page.goto(f"/leads/{lead.pk}/")
    held = page.locator("[data-call='hold']")
    assert held.count() == 1 and "Not now:" in held.inner_text()
    assert page.locator("a[href^='tel:']").count() == 0
    assert page.get_by_text("(813) 555-0191 ·").is_visible()
