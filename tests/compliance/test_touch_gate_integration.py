"""Every text, email and call through the gate: the first touch as marketing, consent per number, calls held in
the borrower's local time, calls and texts counted together, revocation across channels, CAN-SPAM email over a
real SMTP server, and every decision stored with its rules and versions."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from firstcall.cadences.models import CallTask
from firstcall.compliance import services as compliance
from firstcall.compliance.models import ContactAttempt, NationalDncNumber, TouchDecision
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent, TimelineEvent
from firstcall.messaging import services
from firstcall.messaging.first_touch import schedule_first_touch
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task
from tests.outside_services import BORROWER_PHONE, OUR_NUMBER, eastern
from tests.outside_services import tampa_borrower as make_lead

MORNING = eastern(2026, 3, 10, 10, 0)  # Tuesday 10:00 in Tampa
NIGHT = eastern(2026, 3, 10, 21, 30)  # after Florida's 8 p.m. end
NEXT_8AM = eastern(2026, 3, 11, 8, 0)
NEW_NUMBER = "+18135550177"


@pytest.fixture
def lead(organisation, owner):
    borrower = make_lead(organisation, owner=owner, consent_calls=True)
    for channel, address in (("sms", BORROWER_PHONE), ("calls", BORROWER_PHONE), ("email", borrower.email)):
        Consent.objects.create(
            lead=borrower,
            channel=channel,
            is_granted=True,
            address=address,
            disclosure_text="I agree to be contacted by Acme Home Loans by text, call and email.",
            recorded_at=eastern(2026, 3, 1, 9, 0),
            ip_address="203.0.113.7",
            page_url="https://acme.example/apply",
            trusted_form_url="https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
        )
    return borrower


def deliver_all(run_worker):
    run_worker()


# ------------------------------------------------------------------------------------------- first touch


@time_machine.travel(NIGHT, tick=False)
def test_first_touch_is_marketing_and_held_until_the_florida_window_opens(
    lead, twilio_settings, standin, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule_first_touch(lead)
    run_worker()
    message = Message.objects.get(purpose="first_touch")
    assert message.is_marketing is True
    assert message.status == Message.Status.HELD and message.held_until == NEXT_8AM
    assert standin.create_requests() == []
    decision = TouchDecision.objects.get(subject_type="message", subject_id=message.pk)
    assert (decision.channel, decision.kind, decision.outcome) == ("sms", "marketing", "hold")
    assert decision.until == NEXT_8AM
    assert decision.reasons[0]["rule"] == "window.federal"
    assert "FL 08:00-20:00" in decision.reasons[0]["detail"]
    assert decision.rule_versions["window.federal"] == "2026-12-07"
    assert TimelineEvent.objects.filter(lead=lead, summary__contains="held until").exists()

    with time_machine.travel(NEXT_8AM, tick=False):
        services.sweep_due_messages()
        run_worker()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert ContactAttempt.objects.filter(lead=lead, channel="sms", kind="marketing").count() == 1


@time_machine.travel(MORNING, tick=False)
def test_source_requiring_a_certificate_captures_but_does_not_auto_text(
    lead, django_capture_on_commit_callbacks
):
    from firstcall.compliance.models import SourceConsentRule
    from firstcall.leads.sources import create_source

    source, _ = create_source(lead.organisation, channel="api", name="Vendor")
    SourceConsentRule.objects.create(source_id=source.pk, requires_consent_token=True)
    lead.source_id = source.pk
    lead.save(update_fields=["source"])
    Consent.objects.filter(lead=lead).update(trusted_form_url="", leadid_token="")
    with django_capture_on_commit_callbacks(execute=True):
        schedule_first_touch(lead)
    assert not Message.objects.filter(channel="sms").exists()
    assert TimelineEvent.objects.filter(lead=lead, summary__contains="TrustedForm or Jornaya").exists()


# ------------------------------------------------------------------------------------------ consent per number


@time_machine.travel(MORNING, tick=False)
def test_a_new_phone_number_has_no_consent_until_given(lead, twilio_settings, standin, run_worker):
    lead.phone = NEW_NUMBER
    lead.save(update_fields=["phone"])
    message = services.queue_message(lead, "sms", "Hi Ana", purpose="cadence", is_marketing=True)
    services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == f"no text consent on file for {NEW_NUMBER}"
    assert standin.create_requests() == []


# ------------------------------------------------------------------------------------------------- calls


@time_machine.travel(NIGHT, tick=False)
def test_call_at_night_is_held_with_the_reason_on_the_timeline(lead, owner):
    decision = calls.check_call(lead, actor=owner)
    assert decision.outcome == "hold" and decision.until == NEXT_8AM
    stored = TouchDecision.objects.get(lead=lead, channel="call")
    assert stored.outcome == "hold" and stored.actor == owner and stored.kind == "manual"
    event = TimelineEvent.objects.filter(lead=lead, kind=TimelineEvent.Kind.CALL).latest("id")
    assert event.summary.startswith("Call held until 2026-03-11 12:00 UTC")


@time_machine.travel(MORNING, tick=False)
def test_call_needs_call_consent_for_the_number(organisation, owner):
    borrower = make_lead(organisation, owner=owner, consent_calls=False)
    decision = calls.check_call(borrower, actor=owner)
    assert decision.outcome == "refuse"
    assert decision.reasons[0].rule == "consent.call"


@time_machine.travel(MORNING, tick=False)
def test_calls_and_texts_count_together_under_the_florida_cap(
    lead, owner, twilio_settings, standin, run_worker
):
    calls.log_call(lead, actor=owner, outcome="no_answer", at=timezone.now() - timedelta(hours=3))
    calls.log_call(lead, actor=owner, outcome="voicemail", at=timezone.now() - timedelta(hours=2))
    first = services.queue_message(lead, "sms", "Hi Ana", purpose="cadence", is_marketing=True)
    services.deliver(first.pk)
    assert Message.objects.get(pk=first.pk).status == Message.Status.SENT  # third solicitation in 24 h
    second = services.queue_message(lead, "sms", "Still there?", purpose="cadence", is_marketing=True)
    services.deliver(second.pk)
    second.refresh_from_db()
    assert second.status == Message.Status.HELD
    assert "calls and texts together" in second.status_reason
    # And a fourth call is held too.
    assert calls.check_call(lead, actor=owner).outcome == "hold"


@time_machine.travel(MORNING, tick=False)
def test_national_dnc_refuses_a_call_after_the_inquiry_relationship_ends(lead, owner):
    NationalDncNumber.objects.create(organisation=lead.organisation, phone=BORROWER_PHONE, area_code="813")
    Consent.objects.filter(lead=lead).update(disclosure_text="")  # no signed written agreement on file
    lead.last_inquiry_at = timezone.now() - timedelta(days=120)
    lead.save(update_fields=["last_inquiry_at"])
    refused = calls.check_call(lead, actor=owner)
    assert refused.outcome == "refuse" and refused.reasons[0].rule == "dnc.national"
    lead.last_inquiry_at = timezone.now() - timedelta(days=20)
    lead.save(update_fields=["last_inquiry_at"])
    allowed = calls.check_call(lead, actor=owner)
    assert allowed.outcome == "allow"
    assert "inquiry or application 2026-02-18 + 3 months = 2026-05-18" in " ".join(
        r.detail for r in allowed.reasons
    )


@time_machine.travel(MORNING, tick=False)
def test_internal_do_not_call_for_a_lead_refuses_calls(lead, owner):
    compliance.add_to_internal_do_not_call(
        lead.organisation, lead=lead, reason="asked on the phone", actor=owner
    )
    decision = calls.check_call(lead, actor=owner)
    assert decision.outcome == "refuse" and decision.reasons[0].rule == "dnc.internal"


@time_machine.travel(NIGHT, tick=False)
def test_click_to_call_page_shows_why_the_call_is_held(lead, owner, client):
    client.force_login(owner)
    response = client.get(f"/leads/{lead.pk}/call-now/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not now: call after" in page and "FL 08:00-20:00" in page and "tel:" not in page
    with time_machine.travel(MORNING + timedelta(days=1), tick=False):
        client.force_login(owner)
        page = client.get(f"/leads/{lead.pk}/call-now/").content.decode()
    assert "You may call now" in page and f"tel:{BORROWER_PHONE}" in page


def test_click_to_call_of_someone_elses_lead_is_not_found(lead, outsider, client):
    client.force_login(outsider)
    assert client.get(f"/leads/{lead.pk}/call-now/").status_code == 404
    assert not TouchDecision.objects.exists()


# ------------------------------------------------------------------------------------------- revocation


@time_machine.travel(MORNING, tick=False)
def test_spanish_revocation_stops_texts_and_calls_and_closes_call_tasks(
    lead, owner, twilio_settings, standin, run_worker, django_capture_on_commit_callbacks
):
    task = Task.objects.create(
        organisation=lead.organisation, lead=lead, title="Call Ana", kind=Task.Kind.CALL
    )
    cadence_task = CallTask.objects.create(
        organisation=lead.organisation, lead=lead, owner=owner, due_at=timezone.now(), title="Call"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_inbound_sms(
            organisation=lead.organisation,
            from_number=BORROWER_PHONE,
            to_number=OUR_NUMBER,
            body="No me envíes más mensajes por favor 🙏",
            provider_message_id="SM" + "e" * 32,
        )
    lead.refresh_from_db()
    assert lead.consent_sms is False and lead.consent_calls is False and lead.consent_email is True
    assert Task.objects.get(pk=task.pk).completed_at == MORNING
    assert CallTask.objects.get(pk=cadence_task.pk).status == CallTask.Status.CANCELLED
    assert calls.check_call(lead, actor=owner).outcome == "refuse"
    run_worker()
    [confirmation] = Message.objects.filter(purpose="opt_out_confirmation")
    assert confirmation.status == Message.Status.SENT


@time_machine.travel(MORNING, tick=False)
def test_opt_out_confirmation_later_than_five_minutes_is_not_sent(lead, twilio_settings, standin, run_worker):
    services.receive_inbound_sms(
        organisation=lead.organisation,
        from_number=BORROWER_PHONE,
        to_number=OUR_NUMBER,
        body="STOP",
        provider_message_id="SM" + "f" * 32,
    )
    confirmation = Message.objects.get(purpose="opt_out_confirmation")
    with time_machine.travel(MORNING + timedelta(minutes=6), tick=False):
        services.deliver(confirmation.pk)
    confirmation.refresh_from_db()
    assert confirmation.status == Message.Status.SUPPRESSED
    assert "more than 5 minutes" in confirmation.status_reason
    assert standin.create_requests() == []


@time_machine.travel(MORNING, tick=False)
def test_help_reply_carries_every_required_part(lead, twilio_settings, standin, run_worker):
    services.receive_inbound_sms(
        organisation=lead.organisation,
        from_number=BORROWER_PHONE,
        to_number=OUR_NUMBER,
        body="HELP",
        provider_message_id="SM" + "9" * 32,
    )
    reply = Message.objects.get(purpose="help_reply")
    assert reply.body.startswith("Acme Home Loans")
    for part in ("Message frequency varies", "Msg & data rates may apply", "Reply STOP", "(813)"):
        assert part in reply.body


# ------------------------------------------------------------------------------------------------ CAN-SPAM


@time_machine.travel(MORNING, tick=False)
def test_first_touch_email_has_the_postal_address_and_a_working_one_click_unsubscribe(
    organisation, owner, smtp_server, run_worker, django_capture_on_commit_callbacks, client
):
    borrower = make_lead(organisation, owner=owner, consent_sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_first_touch(borrower)
    run_worker()
    [email] = smtp_server.messages()
    url = "".join(str(email["List-Unsubscribe"]).split()).strip("<>")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = next(part for part in email.walk() if part.get_content_type() == "text/plain").get_content()
    assert "1 Main St, Tampa, FL 33602" in text
    assert f"Unsubscribe: {url}" in text
    response = client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    borrower.refresh_from_db()
    assert borrower.consent_email is False


@time_machine.travel(MORNING, tick=False)
def test_marketing_email_from_an_org_without_a_postal_address_is_refused(
    organisation, owner, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    organisation.postal_address = ""
    organisation.save(update_fields=["postal_address"])
    borrower = make_lead(organisation, owner=owner, consent_sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_first_touch(borrower)
    run_worker()
    assert smtp_server.messages() == []
    message = Message.objects.get(channel="email")
    assert message.status == Message.Status.SUPPRESSED
    assert "no postal address" in message.status_reason
    assert compliance.marketing_email_blocker(organisation).startswith("Marketing email is off")


# ---------------------------------------------------------------------------------------- partner sharing


def test_partner_sees_credit_only_with_the_borrowers_authorisation(lead, owner):
    assert compliance.may_share_with_partner(lead, "credit") is False
    compliance.record_partner_sharing(lead, ["credit"], is_granted=True, how="checkbox on the application")
    assert compliance.may_share_with_partner(lead, "credit") is True
    assert compliance.may_share_with_partner(lead, "income") is False
    compliance.record_partner_sharing(lead, ["credit"], is_granted=False, how="borrower asked")
    assert compliance.may_share_with_partner(lead, "credit") is False


# ------------------------------------------------------------------------------------------- ad content


@time_machine.travel(MORNING, tick=False)
def test_marketing_text_with_trigger_terms_and_no_disclosures_is_refused(lead, twilio_settings, standin):
    message = services.queue_message(
        lead,
        "sms",
        "Buy with only 3.5% down! Payments as low as $1,250/mo.",
        purpose="cadence",
        is_marketing=True,
    )
    services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SUPPRESSED
    assert "annual percentage rate" in message.status_reason
    decision = TouchDecision.objects.get(subject_type="message", subject_id=message.pk)
    assert decision.outcome == "refuse" and decision.reasons[0]["rule"] == "reg_z.trigger_terms"
    assert "1026.24(d)" in decision.reasons[0]["citation"]
    assert standin.create_requests() == []
