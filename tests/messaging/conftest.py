"""Messaging fixtures: a borrower with consent in Tampa and a URL configuration with the messaging URLs. The SMS
stand-in, Twilio settings, the local SMTP server, the in-process worker (run_worker) and the fast password hasher
come from tests/conftest.py."""

import pytest
from messaging_helpers import make_lead


@pytest.fixture
def messaging_urls(settings):
    settings.ROOT_URLCONF = "urls_for_tests"


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)
