"""Cadence fixtures: the SMS stand-in on a random port (real HTTP), a real local SMTP server and a borrower
with consent in Tampa."""

import pytest
from aiosmtpd.controller import Controller
from cadence_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, RecordingHandler, free_port, make_lead

from firstcall.messaging.standin.sms_server import StandinSmsServer


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)


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
