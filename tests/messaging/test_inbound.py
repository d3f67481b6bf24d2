"""Provider webhooks: signed delivery reports and inbound texts (STOP, HELP, START, free-text revocations).
Requests are signed by the stand-in exactly as Twilio signs them and posted through Django's test client."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from messaging_helpers import BORROWER_PHONE, OUR_NUMBER, client_poster, eastern, make_lead

from firstcall.accounts.models import Organisation
from firstcall.leads.models import Consent, TimelineEvent
from firstcall.leads.stages import ensure_default_pipelines
from firstcall.messaging import services
from firstcall.messaging.models import Message, SendDecision, Suppression
from firstcall.messaging.twilio_signature import compute_signature

MORNING = eastern(2026, 3, 10, 10, 0)
LATE_NIGHT = eastern(2026, 3, 10, 23, 15)


@pytest.fixture
def texting(twilio_settings, standin, messaging_urls):
    return standin


def reply(client, standin, body, *, from_=BORROWER_PHONE, to=OUR_NUMBER, sid=None):
    url, params, signature = standin.inbound_request(from_, to, body, sid=sid)
    return client.post(urlsplit(url).path, params, headers={"X-Twilio-Signature": signature})


def marketing_text(lead, key, **options):
    return services.queue_message(
        lead, "sms", "Rates dropped!", purpose="cadence", is_marketing=True, idempotency_key=key, **options
    )


def outbound_to(number, purpose):
    return Message.objects.filter(direction="outbound", to_address=number, purpose=purpose)


# --------------------------------------------------------------------------------------- delivery reports


def sent_message(lead, sid="SM" + "a" * 32):
    message = services.queue_message(lead, "sms", "Hi", purpose="first_touch", is_marketing=False)
    Message.objects.filter(pk=message.pk).update(status="sent", provider="twilio", provider_message_id=sid)
    message.refresh_from_db()
    return message


def status_report(client, message, status, *, token="test-auth-token", signature=None, **extra):
    url = f"http://testserver/hooks/sms/status/?m={message.pk}"
    params = {
        "MessageSid": message.provider_message_id,
        "MessageStatus": status,
        "AccountSid": "AC1",
        **extra,
    }
    signature = signature or compute_signature(url, params, token)
    return client.post(
        f"/hooks/sms/status/?m={message.pk}", params, headers={"X-Twilio-Signature": signature}
    )


def test_signed_delivery_report_marks_the_message_delivered(texting, client, lead):
    message = sent_message(lead)
    with time_machine.travel(MORNING, tick=False):
        assert status_report(client, message, "delivered").status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at == MORNING


@pytest.mark.parametrize(
    "how",
    ["wrong token", "no signature", "tampered status"],
)
def test_delivery_report_with_a_bad_signature_is_rejected_and_changes_nothing(texting, client, lead, how):
    message = sent_message(lead)
    if how == "wrong token":
        response = status_report(client, message, "delivered", token="guessed")
    elif how == "no signature":
        response = client.post(
            f"/hooks/sms/status/?m={message.pk}",
            {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"},
        )
    else:
        url = f"http://testserver/hooks/sms/status/?m={message.pk}"
        signed_for = {"MessageSid": message.provider_message_id, "MessageStatus": "undelivered"}
        signature = compute_signature(url, signed_for, "test-auth-token")
        response = status_report(client, message, "delivered", signature=signature)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent" and message.delivered_at is None


def test_undelivered_report_fails_the_message_with_the_carrier_code(texting, client, lead):
    message = sent_message(lead)
    assert status_report(client, message, "undelivered", ErrorCode="30003").status_code == 204
    message.refresh_from_db()
    assert message.status == "failed" and message.status_reason == "carrier reports undelivered (error 30003)"


def test_a_late_sent_report_never_undoes_delivered(texting, client, lead):
    message = sent_message(lead)
    status_report(client, message, "delivered")
    status_report(client, message, "sent")
    status_report(client, message, "failed")
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_report_that_beats_our_own_sent_update_still_lands(texting, standin, client, lead):
    """The provider may call back before the worker has recorded the sid: the URL names our message."""
    with time_machine.travel(MORNING, tick=False):
        message = services.queue_message(lead, "sms", "Hi", purpose="first_touch", is_marketing=False)
        assert services.claim_message(message.pk)
        from firstcall.messaging.providers import get_provider

        message.refresh_from_db()
        result = get_provider("sms").send(message)
        standin.flush_callbacks(client_poster(client))  # "sent", "delivered" arrive while still "sending"
        message.refresh_from_db()
        assert message.status == "delivered" and message.provider_message_id == result.provider_message_id
        services._mark_sent(message, "twilio", result)  # the worker catches up
    message.refresh_from_db()
    assert message.status == "delivered" and message.sent_at == MORNING
    lead.refresh_from_db()
    assert lead.first_touch_at == MORNING


# ----------------------------------------------------------------------------------------------- STOP


def test_stop_suppresses_the_number_revokes_consent_and_stops_every_pending_text(
    texting, client, lead, run_worker, django_capture_on_commit_callbacks
):
    with time_machine.travel(MORNING, tick=False):
        queued = marketing_text(lead, "queued")
        held = marketing_text(lead, "held")
        Message.objects.filter(pk=held.pk).update(status="held", held_until=MORNING + timedelta(hours=10))
        first_touch = services.queue_message(lead, "sms", "Hi", purpose="first_touch", is_marketing=False)
        email = services.queue_message(
            lead, "email", "Hi", subject="Hi", purpose="cadence", is_marketing=True
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = reply(client, texting, "Stop.")

        assert response.status_code == 200 and response["Content-Type"] == "text/xml"
        assert response.content == b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
        inbound = Message.objects.get(direction="inbound")
        assert inbound.lead == lead and inbound.body == "Stop." and inbound.keyword == "opt_out"
        assert inbound.status == "received" and inbound.from_address == BORROWER_PHONE
        suppression = Suppression.objects.get(
            organisation=lead.organisation, channel="sms", address=BORROWER_PHONE
        )
        assert suppression.reason == "stop_keyword" and suppression.source_message == inbound
        lead.refresh_from_db()
        assert lead.consent_sms is False and lead.consent_email is True
        assert Consent.objects.get(lead=lead, channel="sms", is_granted=False).how == "STOP reply"
        for message in (queued, held, first_touch):
            message.refresh_from_db()
            assert (
                message.status == "suppressed" and message.status_reason == "recipient opted out (STOP reply)"
            )
            assert SendDecision.objects.get(message=message).outcome == "suppressed"
        email.refresh_from_db()
        assert email.status == "queued"  # a text opt-out is not an email opt-out
        assert TimelineEvent.objects.filter(lead=lead, kind="message", summary__contains="(opt-out)").exists()

        run_worker()

    [confirmation] = outbound_to(BORROWER_PHONE, "opt_out_confirmation")
    assert confirmation.status == "sent"
    assert (
        confirmation.body == "Acme Home Loans: you're unsubscribed and will get no more texts from us. "
        "Reply START to resubscribe."
    )
    [request] = texting.create_requests()  # only the confirmation went out
    assert request.form["Body"] == confirmation.body and request.form["From"] == OUR_NUMBER


def test_a_second_stop_sends_no_second_confirmation(texting, client, lead):
    reply(client, texting, "STOP")
    reply(client, texting, "stop please")
    assert outbound_to(BORROWER_PHONE, "opt_out_confirmation").count() == 1
    assert Message.objects.filter(direction="inbound").count() == 2
    assert Suppression.objects.count() == 1


def test_a_retried_webhook_for_the_same_text_is_processed_once(texting, client, lead):
    reply(client, texting, "STOP", sid="SM" + "b" * 32)
    assert reply(client, texting, "STOP", sid="SM" + "b" * 32).status_code == 200
    assert Message.objects.filter(direction="inbound").count() == 1
    assert Consent.objects.filter(is_granted=False).count() == 1


@pytest.mark.parametrize(
    "word", ["STOP", "stopall", "End", "CANCEL!", "Unsubscribe", "quit", "REVOKE", "opt out"]
)
def test_every_stop_word_opts_out(texting, client, lead, word):
    reply(client, texting, word)
    assert Suppression.objects.get().reason == "stop_keyword"


def test_opt_out_is_organisation_wide_and_stays_inside_the_organisation(
    texting, client, organisation, owner, teammate
):
    mine = make_lead(organisation, owner=owner)
    also_this_borrower = make_lead(organisation, owner=teammate, email="ana2@example.com")
    other_org = Organisation.objects.create(name="Other Lender")
    ensure_default_pipelines(other_org)
    elsewhere = make_lead(other_org)
    pending_for_teammate = marketing_text(also_this_borrower, "teammate-cadence")

    reply(client, texting, "STOP")

    for borrower in (mine, also_this_borrower):
        borrower.refresh_from_db()
        assert borrower.consent_sms is False
    pending_for_teammate.refresh_from_db()
    assert pending_for_teammate.status == "suppressed"
    elsewhere.refresh_from_db()
    assert elsewhere.consent_sms is True
    assert not Suppression.objects.filter(organisation=other_org).exists()


def test_stop_from_a_number_with_no_lead_still_suppresses_it(texting, client, organisation):
    reply(client, texting, "STOP", from_="+13055550177")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.lead is None and inbound.organisation == organisation
    assert Suppression.objects.get().address == "+13055550177"


# ------------------------------------------------------------------------------------------- HELP, START


def test_help_is_answered_with_every_part_ctia_requires_even_late_at_night(
    texting, client, lead, run_worker, django_capture_on_commit_callbacks
):
    with time_machine.travel(LATE_NIGHT, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reply(client, texting, "HELP")
        run_worker()
    [answer] = outbound_to(BORROWER_PHONE, "help_reply")
    # The default help text lacks the brand and the frequency, so the full CTIA answer is sent instead.
    expected = services.help_reply_text(lead.organisation)
    assert expected.startswith("Acme Home Loans: help at") and "Msg & data rates may apply" in expected
    assert answer.status == "sent" and answer.body == expected
    assert texting.create_requests()[0].form["Body"] == expected
    lead.refresh_from_db()
    assert lead.consent_sms is True and not Suppression.objects.exists()


def test_start_lifts_the_opt_out_and_records_consent_again(
    texting, client, lead, run_worker, django_capture_on_commit_callbacks
):
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        reply(client, texting, "STOP")
    with time_machine.travel(MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reply(client, texting, "START")
        suppression = Suppression.objects.get()
        assert suppression.lifted_at == MORNING and suppression.lifted_reason == "START reply"
        lead.refresh_from_db()
        assert lead.consent_sms is True
        assert Consent.objects.filter(lead=lead, channel="sms").first().how == "START reply"
        assert outbound_to(BORROWER_PHONE, "opt_in_confirmation").count() == 1

        # Texts flow again.
        with django_capture_on_commit_callbacks(execute=True):
            message = marketing_text(lead, "after-start")
        run_worker()
    message.refresh_from_db()
    assert message.status == "sent"


def test_start_does_not_lift_the_organisations_own_do_not_contact_entry(texting, client, lead):
    services.add_suppression(lead.organisation, "sms", BORROWER_PHONE, reason="dnc_import")
    reply(client, texting, "START")
    assert Suppression.objects.get().lifted_at is None
    inbound = Message.objects.get(direction="inbound")
    assert inbound.needs_review is True
    assert not outbound_to(BORROWER_PHONE, "opt_in_confirmation").exists()


def test_yes_from_a_number_that_never_opted_out_is_an_ordinary_reply(texting, client, organisation):
    borrower = make_lead(organisation, consent_sms=False)
    reply(client, texting, "Yes")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.keyword == ""
    borrower.refresh_from_db()
    assert borrower.consent_sms is False and not Consent.objects.exists()


# ----------------------------------------------------------------------------------- free-text revocation


def test_free_text_revocation_stops_sends_at_once(texting, client, lead):
    # FCC 24-24: revocation by any reasonable means is honoured at once, with one confirmation.
    pending = marketing_text(lead, "pending")
    reply(client, texting, "please stop texting me, I already got a loan")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.keyword == "opt_out" and inbound.needs_review is False
    assert Suppression.objects.get().reason == "stop_keyword"
    pending.refresh_from_db()
    assert pending.status == "suppressed"
    lead.refresh_from_db()
    assert lead.consent_sms is False
    assert outbound_to(BORROWER_PHONE, "opt_out_confirmation").count() == 1


def test_an_unclear_reply_stops_sends_and_is_flagged_for_a_person(texting, client, lead):
    pending = marketing_text(lead, "pending")
    reply(client, texting, "not interested")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.keyword == "possible_opt_out" and inbound.needs_review is True
    assert Suppression.objects.get().reason == "pending_review"
    pending.refresh_from_db()
    assert pending.status == "suppressed"
    lead.refresh_from_db()
    assert lead.consent_sms is True  # not revoked until a person confirms
    assert not outbound_to(BORROWER_PHONE, "opt_out_confirmation").exists()


def test_a_person_confirms_a_flagged_revocation(texting, client, lead, admin_user):
    reply(client, texting, "no thanks")
    inbound = Message.objects.get(direction="inbound")
    services.resolve_possible_opt_out(inbound, is_opt_out=True, actor=admin_user)
    inbound.refresh_from_db()
    assert inbound.needs_review is False
    assert Suppression.objects.get().reason == "stop_keyword"
    lead.refresh_from_db()
    assert lead.consent_sms is False
    # No confirmation after a review: it may only go within 5 minutes of the reply (47 CFR 64.1200(a)(12)).
    assert not outbound_to(BORROWER_PHONE, "opt_out_confirmation").exists()


def test_a_person_clears_a_flag_that_was_not_a_revocation(texting, client, lead, admin_user):
    reply(client, texting, "wrong number? no wait, it's me. remove me from the old list, keep this one")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.needs_review is True
    lead.refresh_from_db()
    assert lead.consent_sms is False  # honoured at once
    services.resolve_possible_opt_out(inbound, is_opt_out=False, actor=admin_user)
    assert Suppression.objects.get().lifted_at is not None
    lead.refresh_from_db()
    assert lead.consent_sms is True


def test_an_ordinary_reply_lands_on_the_timeline(texting, client, lead):
    reply(client, texting, "Tomorrow at 10 works")
    inbound = Message.objects.get(direction="inbound")
    assert inbound.keyword == "" and inbound.needs_review is False
    event = TimelineEvent.objects.get(lead=lead, kind="message")
    assert event.summary == "Text message received from the borrower"
    assert event.data == {"message_id": inbound.pk, "direction": "inbound", "channel": "sms", "keyword": ""}


# --------------------------------------------------------------------------------------- routing & auth


def test_inbound_with_a_bad_signature_is_rejected_and_recorded_nowhere(texting, client, lead):
    url, params, _ = texting.inbound_request(BORROWER_PHONE, OUR_NUMBER, "STOP")
    response = client.post(urlsplit(url).path, params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403
    assert not Message.objects.exists() and not Suppression.objects.exists()
    lead.refresh_from_db()
    assert lead.consent_sms is True


def test_the_organisation_that_owns_the_number_gets_the_reply(texting, client, organisation):
    other = Organisation.objects.create(name="Other Lender", sms_from_number="+13055550000")
    ensure_default_pipelines(other)
    theirs = make_lead(other)
    reply(client, texting, "STOP", to="+13055550000")
    assert Message.objects.get(direction="inbound").organisation == other
    assert Suppression.objects.get().organisation == other
    theirs.refresh_from_db()
    assert theirs.consent_sms is False


def test_a_reply_to_a_number_nobody_owns_in_a_multi_organisation_install_is_ignored(
    texting, client, organisation
):
    Organisation.objects.create(name="Other Lender", sms_from_number="+13055550000")
    response = reply(client, texting, "STOP", to="+16465550000")
    assert response.status_code == 200 and not Message.objects.exists()


def test_webhooks_accept_only_post(texting, client):
    assert client.get("/hooks/sms/inbound/").status_code == 405
    assert client.get("/hooks/sms/status/").status_code == 405
