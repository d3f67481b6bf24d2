"""Providers behind one interface (Twilio-shaped SMS, SMTP email, demo), their error classes, the Twilio
signature, and the email unsubscribe link. Real HTTP to the stand-in, a real SMTP server."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from messaging_helpers import BORROWER_PHONE, eastern

from firstcall.leads.models import Consent
from firstcall.messaging import services
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.providers import PermanentProviderError, TransientProviderError, get_provider
from firstcall.messaging.providers.demo import DemoProvider
from firstcall.messaging.providers.smtp import SmtpEmailProvider
from firstcall.messaging.providers.twilio import TwilioSmsProvider
from firstcall.messaging.twilio_signature import compute_signature, is_valid_signature
from firstcall.messaging.unsubscribe import make_token

MORNING = eastern(2026, 3, 10, 10, 0)


def text(lead, key="k1", body="Hello Ana"):
    return services.queue_message(
        lead, "sms", body, purpose="first_touch", is_marketing=False, idempotency_key=key
    )


def email(lead, *, is_marketing=False, key="e1", html=""):
    return services.queue_message(
        lead,
        "email",
        "Rates moved this week.",
        subject="Rates update",
        html_body=html,
        purpose="cadence",
        is_marketing=is_marketing,
        idempotency_key=key,
    )


# -------------------------------------------------------------------------------------------- choice


def test_settings_choose_the_provider_per_channel(settings):
    settings.SMS_PROVIDER, settings.EMAIL_PROVIDER = "twilio", "smtp"
    assert isinstance(get_provider("sms"), TwilioSmsProvider)
    assert isinstance(get_provider("email"), SmtpEmailProvider)
    settings.SMS_PROVIDER, settings.EMAIL_PROVIDER = "demo", "demo"
    assert isinstance(get_provider("sms"), DemoProvider) and isinstance(get_provider("email"), DemoProvider)
    settings.SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        get_provider("sms")


def test_demo_provider_ids_are_stable_per_idempotency_key(lead):
    message = text(lead)
    assert (
        DemoProvider().send(message).provider_message_id == DemoProvider().send(message).provider_message_id
    )


# ------------------------------------------------------------------------------------------------ Twilio


def test_twilio_provider_returns_the_message_sid(twilio_settings, standin, lead):
    result = TwilioSmsProvider().send(text(lead))
    [created] = standin.created_messages()
    assert (
        result.provider_message_id == created.sid and created.sid.startswith("SM") and len(created.sid) == 34
    )
    assert created.to == BORROWER_PHONE and created.body == "Hello Ana"


@pytest.mark.parametrize(
    ("mode", "error_class", "reason_start"),
    [
        ("500", TransientProviderError, "HTTP 500, Twilio error 20500"),
        ("429", TransientProviderError, "HTTP 429, Twilio error 20429"),
        ("400", PermanentProviderError, "HTTP 400, Twilio error 21211"),
        ("400:21614", PermanentProviderError, "HTTP 400, Twilio error 21614"),
    ],
)
def test_twilio_errors_are_classified(twilio_settings, standin, lead, mode, error_class, reason_start):
    standin.fail_next(mode)
    with pytest.raises(error_class) as raised:
        TwilioSmsProvider().send(text(lead))
    assert raised.value.reason.startswith(reason_start)
    assert standin.created_messages() == []


def test_unsubscribed_recipient_21610_asks_for_suppression(twilio_settings, standin, lead):
    standin.opted_out_numbers.add(BORROWER_PHONE)
    with pytest.raises(PermanentProviderError) as raised:
        TwilioSmsProvider().send(text(lead))
    assert raised.value.code == 21610 and raised.value.suppress_address is True


def test_a_slow_provider_times_out_as_a_transient_error(twilio_settings, standin, lead, settings):
    settings.SMS_API_TIMEOUT_SECONDS = 0.3
    standin.fail_next("slow:1.0")
    with pytest.raises(TransientProviderError, match="timed out"):
        TwilioSmsProvider().send(text(lead))


def test_an_unreachable_provider_is_a_transient_error(twilio_settings, standin, lead):
    standin.stop()
    with pytest.raises(TransientProviderError, match="unreachable"):
        TwilioSmsProvider().send(text(lead))


def test_wrong_credentials_are_kept_for_retry_not_dropped(twilio_settings, standin, lead, settings):
    settings.SMS_AUTH_TOKEN = "not-the-token"
    with pytest.raises(TransientProviderError, match="HTTP 401, Twilio error 20003"):
        TwilioSmsProvider().send(text(lead))
    settings.SMS_ACCOUNT_SID = ""
    with pytest.raises(TransientProviderError, match="not configured"):
        TwilioSmsProvider().send(text(lead))


def test_twilio_signature_matches_twilios_published_example():
    # https://www.twilio.com/docs/usage/security#validating-requests (auth token 12345).
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert compute_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert is_valid_signature(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "12345")
    assert not is_valid_signature(url, {**params, "Digits": "1235"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "12345")
    assert not is_valid_signature(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "")  # no token: never valid


# -------------------------------------------------------------------------------------------------- SMTP


def test_smtp_marketing_email_has_one_click_unsubscribe_headers_and_footer(smtp_server, lead):
    message = email(lead, is_marketing=True, html="<html><body><p>Rates moved.</p></body></html>")
    assert (
        "Unsubscribe: http://testserver/u/" in message.body and "1 Main St, Tampa, FL 33602" in message.body
    )
    assert 'href="http://testserver/u/' in message.html_body and message.html_body.endswith("</body></html>")

    result = SmtpEmailProvider().send(message)

    [sent] = smtp_server.messages()
    # Long headers are folded onto a continuation line; receivers unfold them (RFC 5322 §2.2.3).
    assert sent["List-Unsubscribe"].strip() == f"<{services_unsubscribe_url(message)}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Message-ID"] == f"<{result.provider_message_id}>"
    assert sent["From"] == "Acme Home Loans <hello@acme.test>" and sent["To"] == "ana.lopez@example.com"


def services_unsubscribe_url(message):
    from firstcall.messaging.unsubscribe import unsubscribe_url_for

    return unsubscribe_url_for(message)


def test_smtp_message_id_is_the_same_for_a_retry_of_the_same_message(smtp_server, lead):
    message = email(lead)
    SmtpEmailProvider().send(message)
    SmtpEmailProvider().send(message)
    first, second = smtp_server.messages()
    assert first["Message-ID"] == second["Message-ID"]


def test_smtp_hard_bounce_is_permanent_and_suppresses_the_address(smtp_server, lead):
    smtp_server.refuse["ana.lopez@example.com"] = "550 5.1.1 No such user"
    with pytest.raises(PermanentProviderError) as raised:
        SmtpEmailProvider().send(email(lead))
    assert raised.value.code == 550 and raised.value.suppress_address is True


def test_smtp_temporary_refusal_is_transient(smtp_server, lead):
    smtp_server.refuse["ana.lopez@example.com"] = "451 4.3.0 Try again later"
    with pytest.raises(TransientProviderError, match="SMTP 451"):
        SmtpEmailProvider().send(email(lead))


def test_smtp_server_down_is_transient(smtp_server, lead, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    with pytest.raises(TransientProviderError, match="SMTP connection problem"):
        SmtpEmailProvider().send(email(lead))


@time_machine.travel(MORNING, tick=False)
def test_bounced_email_goes_on_the_suppression_list_through_the_worker(
    smtp_server, lead, run_worker, django_capture_on_commit_callbacks
):
    smtp_server.refuse["ana.lopez@example.com"] = "550 5.1.1 No such user"
    with django_capture_on_commit_callbacks(execute=True):
        message = email(lead)
    run_worker()
    message.refresh_from_db()
    assert message.status == "failed" and message.status_reason.startswith("SMTP 550")
    assert Suppression.objects.get(channel="email", address="ana.lopez@example.com").reason == "bounce"


# ------------------------------------------------------------------------------------------- unsubscribe


@time_machine.travel(MORNING, tick=False)
def test_one_click_unsubscribe_from_the_list_unsubscribe_header(
    smtp_server, lead, client, messaging_urls, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = email(lead, is_marketing=True, key="e-sent")
    run_worker()
    pending = email(lead, is_marketing=True, key="e-pending")  # queued, not yet sent
    url = smtp_server.messages()[0]["List-Unsubscribe"].strip().strip("<>")

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookies and no CSRF token.
    response = client.post(url.removeprefix("http://testserver"), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200 and b"You're unsubscribed" in response.content
    suppression = Suppression.objects.get(organisation=lead.organisation, channel="email")
    assert suppression.address == "ana.lopez@example.com" and suppression.reason == "unsubscribe"
    lead.refresh_from_db()
    assert lead.consent_email is False and lead.consent_sms is True  # texts are a separate consent
    assert Consent.objects.get(lead=lead, channel="email", is_granted=False).how == "email unsubscribe link"
    pending.refresh_from_db()
    assert pending.status == Message.Status.SUPPRESSED
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT  # history is not rewritten

    # A second click changes nothing more.
    assert client.post(url.removeprefix("http://testserver")).status_code == 200
    assert Suppression.objects.count() == 1 and Consent.objects.filter(is_granted=False).count() == 1


def test_unsubscribe_link_opened_in_a_browser_asks_before_acting(client, messaging_urls, lead):
    token = make_token(organisation_id=lead.organisation_id, address=lead.email, lead_id=lead.pk)
    response = client.get(f"/u/{token}/")
    assert (
        response.status_code == 200
        and b"Stop all emails to <strong>ana.lopez@example.com" in response.content
    )
    assert not Suppression.objects.exists()  # link scanners that GET the page unsubscribe no one
    lead.refresh_from_db()
    assert lead.consent_email is True


def test_tampered_unsubscribe_link_is_refused_and_changes_nothing(client, messaging_urls, lead):
    token = make_token(organisation_id=lead.organisation_id, address=lead.email, lead_id=lead.pk)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(f"/u/{forged}/")
    assert response.status_code == 404 and b"not valid" in response.content
    assert not Suppression.objects.exists()


@time_machine.travel(MORNING, tick=False)
def test_email_to_an_unsubscribed_address_is_suppressed_before_sending(
    smtp_server, lead, run_worker, django_capture_on_commit_callbacks
):
    services.add_suppression(lead.organisation, "email", "Ana.Lopez@Example.com", reason="unsubscribe")
    with django_capture_on_commit_callbacks(execute=True):
        message = email(lead)
    run_worker()
    message.refresh_from_db()
    assert message.status == "suppressed" and smtp_server.envelopes == []


def test_retry_delays_back_off_and_cap():
    assert [services.retry_delay(n).total_seconds() for n in range(1, 9)] == [
        10,
        30,
        120,
        600,
        1800,
        3600,
        3600,
        3600,
    ]
    assert services.retry_delay(0) == timedelta(seconds=10)
