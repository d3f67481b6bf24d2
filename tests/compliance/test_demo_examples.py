"""The demo's held and refused touches, made by the real gate: seeded with the demo lender, each with its reasons
in the compliance log and on its lead's page for the loan officer who works the lead."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from firstcall.compliance.models import TouchDecision
from firstcall.flows.compliance_examples import EXAMPLES, seed_compliance_examples
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.messaging.models import Message
from tests.conftest import make_user
from tests.outside_services import eastern
from tests.outside_services import tampa_borrower as make_lead

# A weekday, 2 p.m. in Florida: the demo borrowers are inside their calling windows now.
WEEKDAY_MIDDAY = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)


def example_message(lead_id: int, example: str) -> Message:
    return Message.objects.get(
        lead_id=lead_id, idempotency_key=f"demo-compliance-example:{example}:{lead_id}"
    )


def decision_for(message: Message) -> TouchDecision:
    return TouchDecision.objects.get(subject_type="message", subject_id=message.pk)


def lead_page_text(lead_id: int) -> str:
    """The lead's page as the loan officer who works the lead sees it, as text."""
    lead = Lead.objects.select_related("owner").get(pk=lead_id)
    client = Client()
    client.force_login(lead.owner)
    response = client.get(f"/leads/{lead_id}/")
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def assert_examples(used: dict) -> None:
    assert set(used) == set(EXAMPLES)

    held_call = TouchDecision.objects.get(lead_id=used["held_call"], channel="call")
    assert held_call.outcome == "hold" and held_call.reasons[0]["rule"] == "window.federal"
    assert "outside" in held_call.reasons[0]["detail"] and held_call.until
    page = lead_page_text(used["held_call"])
    assert "Call held until" in page and "outside" in page

    refused_call = TouchDecision.objects.get(lead_id=used["national_dnc_call"], channel="call")
    assert refused_call.outcome == "refuse" and refused_call.reasons[0]["rule"] == "dnc.national"
    assert "Call refused: on the National DNC Registry" in lead_page_text(used["national_dnc_call"])

    held_text = example_message(used["held_text"], "held_text")
    assert held_text.status == Message.Status.HELD and held_text.held_until
    decision = decision_for(held_text)
    window = next(r for r in decision.reasons if r["outcome"] == "hold")
    assert decision.outcome == "hold" and window["rule"] == "window.federal" and "22:00" in window["detail"]
    page = lead_page_text(used["held_text"])
    assert "Waiting to send" in page and "held until" in page
    assert "Cadence step text message held until" in page and "22:00" in page

    opted_out = example_message(used["opted_out_text"], "opted_out_text")
    assert opted_out.status == Message.Status.SUPPRESSED and "do-not-contact" in opted_out.status_reason
    page = lead_page_text(used["opted_out_text"])
    assert "not sent: address is on the do-not-contact list" in page

    no_consent = example_message(used["no_consent_text"], "no_consent_text")
    assert no_consent.status == Message.Status.SUPPRESSED
    assert decision_for(no_consent).reasons[0]["rule"] == "consent.sms"
    assert "not sent:" in lead_page_text(used["no_consent_text"])

    no_nmls = example_message(used["no_nmls_text"], "no_nmls_text")
    assert no_nmls.status == Message.Status.SUPPRESSED
    refused = decision_for(no_nmls)
    assert refused.outcome == "refuse" and refused.reasons[0]["rule"] == "safe_act.nmls_lo"
    assert "not sent: the loan officer has no NMLS ID in settings" in lead_page_text(used["no_nmls_text"])


@time_machine.travel(eastern(2026, 3, 10, 10, 0), tick=False)
def test_examples_are_made_by_the_real_gate(organisation, owner):
    make_user(organisation, "processor", role="processor")
    for number in ("+18135550111", "+18135550112", "+18135550113", "+18135550114", "+18135550115"):
        make_lead(organisation, owner=owner, phone=number, consent_calls=True)
    make_lead(organisation, owner=owner, phone="+18135550116", consent_sms=False, consent_calls=False)
    used = seed_compliance_examples(organisation)
    assert_examples(used)
    summaries = list(TimelineEvent.objects.filter(kind="call").values_list("summary", flat=True))
    assert any(s.startswith("Call held until") for s in summaries)


@pytest.mark.django_db
def test_the_seeded_demo_shows_held_and_refused_touches_with_reasons_to_the_loan_officer():
    from firstcall.web.demo import seed_demo

    with time_machine.travel(WEEKDAY_MIDDAY, tick=True):
        organisation = seed_demo(lead_count=80).organisation
        keys = Message.objects.filter(
            organisation=organisation, idempotency_key__startswith="demo-compliance-example:"
        ).values_list("idempotency_key", flat=True)
        used = {key.split(":")[1]: int(key.split(":")[2]) for key in keys}
        used["held_call"] = TouchDecision.objects.get(
            organisation=organisation, channel="call", outcome="hold"
        ).lead_id
        used["national_dnc_call"] = TouchDecision.objects.get(
            organisation=organisation, channel="call", outcome="refuse"
        ).lead_id
        assert_examples(used)
        # Ordinary demo marketing is not refused for want of NMLS IDs: the company and the loan officers have them.
        refused_for_nmls = TouchDecision.objects.filter(
            organisation=organisation, outcome="refuse", reasons__0__rule__startswith="safe_act."
        )
        assert refused_for_nmls.count() == 1
