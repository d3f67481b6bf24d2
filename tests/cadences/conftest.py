"""Cadence fixtures: the SMS stand-in on a random port (real HTTP), a real local SMTP server, the project URLs
plus the messaging webhooks, and a borrower with consent in Tampa."""

import pytest
from aiosmtpd.controller import Controller
from cadence_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, RecordingHandler, free_port, make_lead

from firstcall.messaging.standin.sms_server import StandinSmsServer


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)


@pytest.fixture
def site_urls(settings):
    settings.ROOT_URLCONF = "cadence_urls_for_tests"


@pytest.fixture
def standin():
    server = StandinSmsServer(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        callback_base="http://testserver",
        auto_callbacks=False,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def twilio_settings(settings, standin, organisation):
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_API_URL = standin.url
    settings.SMS_ACCOUNT_SID = ACCOUNT_SID
    settings.SMS_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM_NUMBER = OUR_NUMBER
    settings.SITE_URL = "http://testserver"
    settings.SMS_API_TIMEOUT_SECONDS = 2
    organisation.sms_from_number = OUR_NUMBER
    organisation.save(update_fields=["sms_from_number"])
    return settings


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_PROVIDER = "smtp"
    settings.DEFAULT_FROM_EMAIL = "Acme Home Loans <hello@acme.test>"
    settings.SITE_URL = "http://testserver"
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_step_cache():
    """Test databases roll back and reuse ids; the per-process cache of published steps must not outlive a
    test."""
    from firstcall.cadences.services import forget_cached_steps

    forget_cached_steps()
    yield
    forget_cached_steps()


@pytest.fixture(autouse=True)
def _cadence_hooks_wired(monkeypatch):
    """The messaging core calls the cadence hooks once the lead adds the two lines from the cadence report
    (on_inbound_reply -> on_borrower_reply; opt_out_address -> on_opt_out). Until then they are patched in
    exactly that way; once wired, this fixture does nothing."""
    import inspect

    from firstcall.cadences import services as cadences
    from firstcall.messaging import services as messaging

    if "on_borrower_reply" not in inspect.getsource(messaging.on_inbound_reply):
        original_reply = messaging.on_inbound_reply

        def on_inbound_reply(lead, message):
            original_reply(lead, message)
            cadences.on_borrower_reply(lead, message)

        monkeypatch.setattr(messaging, "on_inbound_reply", on_inbound_reply)
    if "on_opt_out" not in inspect.getsource(messaging.opt_out_address):
        original_opt_out = messaging.opt_out_address

        def opt_out_address(organisation, channel, address, *, reason, how, **options):
            result = original_opt_out(organisation, channel, address, reason=reason, how=how, **options)
            if reason != messaging.Suppression.Reason.PENDING_REVIEW:
                normalised = messaging.normalise_address(channel, address)
                for lead in messaging.leads_with_address(organisation, channel, normalised):
                    cadences.on_opt_out(lead, channel)
            return result

        monkeypatch.setattr(messaging, "opt_out_address", opt_out_address)
