"""Helpers shared by the account tests (imported as `account_helpers`)."""

import time

import pyotp

from firstcall.accounts import two_factor

PASSWORD = "correct horse battery staple"


def enrol(user) -> pyotp.TOTP:
    """Give `user` a confirmed authenticator and return a TOTP that makes its codes.

    Enrolment uses the previous 30-second step's code (accepted as clock drift), so the test's next
    `totp.now()` is a fresh code and not refused as a replay.
    """
    _device, secret = two_factor.pending_enrolment(user)
    totp = pyotp.TOTP(secret)
    codes = two_factor.confirm_enrolment(user, totp.at(time.time() - 30))
    assert codes is not None
    user.recovery_codes_plain = codes
    return totp


def sign_in_with_password(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def make_lead(organisation, **fields):
    """A lead created directly, without capture side effects: these tests need only the row."""
    from firstcall.leads.models import Lead, Pipeline
    from firstcall.leads.stages import first_stage

    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    values = {
        "first_name": "Zelda",
        "last_name": "Quartermaine",
        "email": "zelda.q@example.com",
        "phone": "+18135550177",
        "zip_code": "33602",
        "state": "FL",
        "purpose": "purchase",
    }
    values.update(fields)
    return Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), **values
    )
