"""Messaging fixtures: the SMS stand-in on a random port, a real local SMTP server (aiosmtpd), Twilio settings
pointing at the stand-in, and a URL configuration with the messaging URLs. The in-process worker (run_worker)
and the fast password hasher come from tests/conftest.py."""

import pytest
from aiosmtpd.controller import Controller
from messaging_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, RecordingHandler, free_port, make_lead

from firstcall.messaging.standin.sms_server import StandinSmsServer


@pytest.fixture
def messaging_urls(settings):
    settings.ROOT_URLCONF = "urls_for_tests"


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)


@pytest.fixture
def standin():
    """The Twilio-shaped stand-in; status callbacks are held until the test flushes them (flush_callbacks)."""
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
    handler.port = controller.port
    yield handler
    controller.stop()
