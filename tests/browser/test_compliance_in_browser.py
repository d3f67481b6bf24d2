"""A loan officer sees why a call is held: the lead page's Call button goes through the compliance gate, and the
page names the rule (Florida's 3 calls and texts per 24 hours) and when the call may be made."""

from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import screenshot
from django.test import Client

from firstcall.accounts.models import User
from firstcall.compliance.models import ContactAttempt
from firstcall.leads.models import Consent, Lead, Pipeline
from firstcall.leads.stages import first_stage

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_loan_officer_sees_why_a_call_is_held(page, server_url, organisation):
    olivia = User.objects.create_user(
        username="olivia", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Olivia", time_zone="America/New_York",
    )  # fmt: skip
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
        first_name="Ana", last_name="Lopez", phone="+18135550190", zip_code="33602", state="FL",
        time_zone="America/New_York", purpose="purchase", consent_calls=True,
    )  # fmt: skip
    Consent.objects.create(lead=lead, channel="calls", is_granted=True, address=lead.phone, how="web form")
    now = datetime.now(UTC)
    for hours in (3, 2, 1):
        ContactAttempt.objects.create(
            organisation=organisation, lead=lead, channel="call", address=lead.phone, kind="manual",
            at=now - timedelta(hours=hours),
        )  # fmt: skip
    client = Client()
    client.force_login(olivia)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )

    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Call (813) 555-0190").click()

    page.wait_for_url(f"{server_url}/leads/{lead.pk}/call-now/")
    assert page.get_by_role("heading", name="Not now: call after").is_visible()
    assert page.get_by_text("calls and texts together").first.is_visible()
    assert page.get_by_text("501.616").first.is_visible()
    assert page.locator("a[href^='tel:']").count() == 0
    screenshot(page, "call-held-by-the-florida-cap")
