"""Fixtures of the lead page, tasks and settings tests: leads with consent proof, and signed-in clients."""

import pytest

# pytest imports each folder's conftest.py under the one module name "conftest", so the last one imported also
# answers `from conftest import ...` in test modules elsewhere. Re-export the shared helpers they import.
from tests.conftest import drain_task_queue, make_user, only_postgres  # noqa: E402, F401


@pytest.fixture
def make_lead(organisation):
    """Build a lead row directly (no capture side effects), with consent proof for the channels granted."""
    from firstcall.leads.models import Consent, Lead, Pipeline
    from firstcall.leads.stages import first_stage

    def build(owner=None, *, consents=("sms", "email", "calls"), **fields) -> Lead:
        pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
        values = {
            "first_name": "Ana",
            "last_name": "Lopez",
            "email": "ana.lopez@example.com",
            "phone": "+18135550199",
            "zip_code": "33602",
            "county": "Hillsborough",
            "state": "FL",
            "time_zone": "America/New_York",
            "purpose": "purchase",
            "loan_type": "fha",
            "purchase_price": "350000",
            "down_payment": "12250",
            "credit_score_low": 721,
            "credit_score_high": 740,
            "credit_band": "good",
            **{f"consent_{channel}": True for channel in consents},
        }
        values.update(fields)
        lead = Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner, **values
        )
        for channel in consents:
            Consent.objects.create(
                lead=lead,
                channel=channel,
                is_granted=True,
                disclosure_text="I agree that Acme Home Loans may text and call me. Reply STOP to opt out.",
                ip_address="203.0.113.7",
                trusted_form_url="https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
                leadid_token="12345678-1234-1234-1234-123456789012",
                how="web form",
            )
        return lead

    return build


@pytest.fixture
def signed_in():
    """signed_in(user) -> a test Client with that person signed in."""
    from django.test import Client

    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in
