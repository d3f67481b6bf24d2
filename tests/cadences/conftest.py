"""Cadence fixtures: a borrower with consent in Tampa, and a fresh cache of published steps per test. The SMS
stand-in, Twilio settings and the local SMTP server come from tests/conftest.py."""

import pytest
from cadence_helpers import make_lead


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)


@pytest.fixture(autouse=True)
def _fresh_step_cache():
    """Test databases roll back and reuse ids; the per-process cache of published steps must not outlive a
    test."""
    from firstcall.cadences.services import forget_cached_steps

    forget_cached_steps()
    yield
    forget_cached_steps()
