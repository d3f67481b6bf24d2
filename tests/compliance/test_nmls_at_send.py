"""Every marketing message carries the loan officer's and the company's NMLS IDs (SAFE Act): the outbox adds the
IDs on file that the text does not state yet, right before the send, and refuses a marketing message when an ID
is not on file, with the reason. A message to a lead nobody holds yet speaks for the company and carries its ID."""

import time_machine

from firstcall.accounts.models import Organisation
from firstcall.compliance import services as compliance
from firstcall.compliance.models import TouchDecision
from firstcall.messaging import services
from firstcall.messaging.models import Message
from tests.conftest import make_user
from tests.outside_services import eastern
from tests.outside_services import tampa_borrower as make_lead

MORNING = eastern(2026, 3, 10, 10, 0)
IDS = "Olivia NMLS #100001, Acme Home Loans NMLS #1234567"


def send(lead, body, channel="sms", **fields):
    fields.setdefault("is_marketing", True)
    message = services.queue_message(lead, channel, body, purpose="cadence", **fields)
    services.deliver(message.pk)
    message.refresh_from_db()
    return message


@time_machine.travel(MORNING, tick=False)
def test_a_marketing_text_goes_out_with_both_ids(organisation, owner, twilio_settings, standin):
    lead = make_lead(organisation, owner=owner)
    message = send(lead, "Hi Ana, still looking? Reply STOP to opt out.")
    assert message.status == Message.Status.SENT
    assert message.body == f"Hi Ana, still looking? Reply STOP to opt out.\n{IDS}"
    [request] = standin.create_requests()
    assert request.form["Body"] == message.body


@time_machine.travel(MORNING, tick=False)
def test_an_id_already_in_the_text_is_not_repeated(organisation, owner, twilio_settings, standin):
    lead = make_lead(organisation, owner=owner)
    message = send(lead, "Hi Ana, it's Olivia (NMLS #100001). Reply STOP to opt out.")
    assert message.status == Message.Status.SENT
    assert message.body.endswith("Reply STOP to opt out.\nAcme Home Loans NMLS #1234567")
    assert message.body.count("100001") == 1


@time_machine.travel(MORNING, tick=False)
def test_marketing_for_a_loan_officer_without_an_nmls_id_is_refused(organisation, twilio_settings, standin):
    newcomer = make_user(organisation, "nina")
    lead = make_lead(organisation, owner=newcomer)
    message = send(lead, "Hi Ana, still looking? Reply STOP to opt out.")
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == "the loan officer has no NMLS ID in settings"
    decision = TouchDecision.objects.get(subject_type="message", subject_id=message.pk)
    assert decision.outcome == "refuse" and decision.reasons[0]["rule"] == "safe_act.nmls_lo"
    assert "SAFE Act" in decision.reasons[0]["citation"]
    assert standin.create_requests() == []


@time_machine.travel(MORNING, tick=False)
def test_marketing_from_a_company_without_an_nmls_id_is_refused(
    organisation, owner, twilio_settings, standin
):
    Organisation.objects.filter(pk=organisation.pk).update(nmls_id="")
    lead = make_lead(Organisation.objects.get(pk=organisation.pk), owner=owner)
    message = send(lead, "Hi Ana, still looking? Reply STOP to opt out.")
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == "the company has no NMLS ID in settings"
    assert standin.create_requests() == []


@time_machine.travel(MORNING, tick=False)
def test_an_id_set_after_the_message_was_queued_is_used(organisation, twilio_settings, standin):
    newcomer = make_user(organisation, "nina", last_name="Park")
    lead = make_lead(organisation, owner=newcomer)
    message = services.queue_message(
        lead, "sms", "Hi Ana! Reply STOP to opt out.", purpose="cadence", is_marketing=True
    )
    newcomer.nmls_id = "424242"
    newcomer.save(update_fields=["nmls_id"])
    services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.body.endswith("\nNina Park NMLS #424242, Acme Home Loans NMLS #1234567")


@time_machine.travel(MORNING, tick=False)
def test_a_message_to_a_lead_nobody_holds_yet_carries_the_company_id(organisation, twilio_settings, standin):
    lead = make_lead(organisation)
    message = send(lead, "Hi Ana, thanks for your request. Reply STOP to opt out.")
    assert message.status == Message.Status.SENT
    assert message.body.endswith("\nAcme Home Loans NMLS #1234567")


@time_machine.travel(MORNING, tick=False)
def test_a_marketing_email_carries_the_ids_above_the_can_spam_footer(organisation, owner, smtp_server):
    lead = make_lead(organisation, owner=owner)
    message = send(lead, "Hi Ana,\n\nHere are your options.", channel="email", subject="Your options")
    assert message.status == Message.Status.SENT
    head, _, footer = message.body.partition("\n\n--\n")
    assert head == f"Hi Ana,\n\nHere are your options.\n\n{IDS}"
    assert "1 Main St, Tampa, FL 33602" in footer and "Unsubscribe:" in footer


@time_machine.travel(MORNING, tick=False)
def test_a_loan_officers_own_text_is_not_marketing_and_gets_no_footer(
    organisation, owner, twilio_settings, standin
):
    lead = make_lead(organisation, owner=owner, consent_calls=True)
    message = send(lead, "Got it, talk at 3.", is_marketing=False, sent_by=owner)
    assert message.status == Message.Status.SENT and message.body == "Got it, talk at 3."


def test_setting_the_company_id_through_the_service_is_the_one_settings_show(organisation):
    compliance.set_company_nmls_id(organisation, " 7777 ")
    assert Organisation.objects.get(pk=organisation.pk).nmls_id == "7777"
    assert compliance.company_nmls_id(organisation) == "7777"
