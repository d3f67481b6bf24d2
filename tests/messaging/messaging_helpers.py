"""Helpers shared by the messaging tests (the fixtures are in conftest.py): a borrower in Tampa, signed posts
through the test client, a recording SMTP handler."""

import socket
from datetime import datetime
from email import message_from_bytes, policy
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from firstcall.leads.models import Lead
from firstcall.pipeline.models import Pipeline
from firstcall.pipeline.services import first_stage

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
OUR_NUMBER = "+18135550000"
BORROWER_PHONE = "+18135550199"  # Tampa area code 813: America/New_York, Florida
EASTERN = ZoneInfo("America/New_York")
PACIFIC = ZoneInfo("America/Los_Angeles")


def eastern(*args) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


def make_lead(organisation, **fields) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    values = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana.lopez@example.com",
        "phone": BORROWER_PHONE,
        "zip_code": "33602",
        "state": "FL",
        "time_zone": "America/New_York",
        "consent_sms": True,
        "consent_email": True,
        "purpose": "purchase",
    }
    values.update(fields)
    return Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), **values
    )


def client_poster(client):
    """Deliver the stand-in's signed POSTs through Django's test client, in this thread and transaction."""

    def post(url, params, headers):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(path, params, headers=headers).status_code

    return post


class RecordingHandler:
    """aiosmtpd handler that keeps every message; recipients in ``refuse`` get the given SMTP answer."""

    def __init__(self):
        self.envelopes = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [
            message_from_bytes(envelope.original_content, policy=policy.default)
            for envelope in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
