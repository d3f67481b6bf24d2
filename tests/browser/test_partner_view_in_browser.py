"""A referral partner never sees what the borrower texted their loan officer: not on My day, not in the Outbox,
not on the lead page; and is offered no Reply or Text button. At 1366 px and 375 px."""

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Pipeline, TimelineEvent
from firstcall.leads.stages import first_stage
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
PRIVATE_TEXT = "Can we talk after 6? My hours got cut"


def test_a_partner_sees_progress_but_never_the_borrowers_texts(browser, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia", last_name="Park", licensed_states=["FL"])
    rita = person(organisation, "rita", role=User.Role.PARTNER, first_name="Rita", last_name="Realtor")
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
        referral_partner=rita, first_name="Zoe", last_name="Campbell", phone="+18135550190", state="FL",
        purpose="purchase", loan_type="fha", purchase_price="385000", consent_sms=True,
    )  # fmt: skip
    record_event(lead, TimelineEvent.Kind.CREATED, "Lead created from Rita's referral")
    message = Message.objects.create(
        organisation=organisation, lead=lead, channel="sms", direction="inbound", purpose="reply",
        status="received", body=PRIVATE_TEXT, from_address=lead.phone, to_address="+18135550100",
        created_at=timezone.now(),
    )  # fmt: skip
    record_event(lead, TimelineEvent.Kind.MESSAGE, "Text from the borrower",
                 data={"direction": "inbound", "message_id": message.pk})  # fmt: skip

    for page, label, width in both_sizes(browser, server_url):
        sign_in(page, rita, server_url)
        for path, name in (("/", "my-day"), ("/outbox/", "outbox"), (f"/leads/{lead.pk}/", "lead")):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            text = page.locator("main").inner_text()
            assert PRIVATE_TEXT not in text, f"{name} shows the borrower's text to a partner"
            assert page.get_by_role("link", name="Reply").count() == 0
            assert page.get_by_role("link", name="Text").count() == 0
            assert "385,000" not in text
            assert_no_sideways_scroll(page, width)
            screenshot(page, f"partner-{name}-{label}")
        assert page.get_by_role("heading", name="Zoe Campbell").is_visible()
        assert page.get_by_text("Referral received").is_visible()
