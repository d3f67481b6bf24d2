"""Approving a drafted answer in a real browser on a phone: the loan officer reads the borrower's text and the
draft with its guardrails, edits it and sends it; the edited words go to the outbox. Screenshots are kept."""

from datetime import UTC, datetime

import pytest
from browser_helpers import screenshot
from django.test import Client

from firstcall.accounts.models import User
from firstcall.assistant import services as assistant
from firstcall.assistant.engine.drafting import DraftFacts
from firstcall.assistant.models import Draft
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, server_url, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )


def test_a_loan_officer_edits_and_sends_a_drafted_answer_from_a_phone(phone_page, server_url, organisation):
    olivia = User.objects.create_user(
        username="olivia.reyes", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Olivia", last_name="Reyes", email="olivia@acme.test",
        time_zone="America/New_York",
    )  # fmt: skip
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
        first_name="Ana", last_name="Lopez", phone="+18135550190", zip_code="33602", state="FL",
        time_zone="America/New_York", consent_sms=True, purpose="purchase",
    )  # fmt: skip
    inbound = Message.objects.create(
        organisation=organisation, lead=lead, channel="sms", direction="inbound", purpose="reply",
        body="can you call me tomorrow after 5?", from_address=lead.phone, idempotency_key="in-browser-1",
        status=Message.Status.RECEIVED,
    )  # fmt: skip
    reading, _, _ = assistant.read_inbound(
        organisation=organisation, lead=lead, message_id=inbound.pk, text=inbound.body, channel="sms",
        received_at=datetime(2026, 12, 7, 18, 0, tzinfo=UTC), time_zone="America/New_York",
    )  # fmt: skip
    facts = DraftFacts(first_name="Ana", officer_name="Olivia Reyes", language="en", purpose="purchase")
    draft = assistant.prepare_draft(
        reading, facts, borrower_text=inbound.body, channel="sms",
        gate={"decision": "allow", "until": None, "reasons": []}, office_hours_now=True,
    )  # fmt: skip
    assert draft.status == Draft.Status.WAITING

    _sign_in(phone_page, server_url, olivia)
    phone_page.goto("/replies/")
    card = phone_page.locator(f"#draft-{draft.pk}")
    assert "can you call me tomorrow after 5?" in card.inner_text()
    assert "Wants a call" in card.inner_text()
    screenshot(phone_page, "reply-approval-phone")
    box = card.locator("textarea")
    box.fill("Hi Ana, Olivia here. I'll call you tomorrow after 5.")
    card.get_by_role("button", name="Send").click()
    phone_page.wait_for_url("**/replies/")
    assert "No replies are waiting for you." in phone_page.locator("main").inner_text()

    draft.refresh_from_db()
    assert draft.status == Draft.Status.SENT
    sent = Message.objects.get(pk=draft.sent_message_id)
    assert sent.body == "Hi Ana, Olivia here. I'll call you tomorrow after 5."
    assert sent.direction == "outbound" and sent.to_address == lead.phone
