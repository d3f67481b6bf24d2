"""The outside services the messaging and cadence tests talk to over real connections, and the borrower they
talk about: the Twilio-shaped SMS stand-in's credentials, a recording SMTP handler for aiosmtpd, a free port,
and a borrower in Tampa with consent. The fixtures that start the servers are in tests/conftest.py."""

import socket
from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
OUR_NUMBER = "+18135550000"
BORROWER_PHONE = "+18135550199"  # Tampa area code 813: America/New_York, Florida
EASTERN = ZoneInfo("America/New_York")


def eastern(*args) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


def tampa_borrower(organisation, **fields) -> Lead:
    """Ana Lopez in Tampa with text and email consent; `pipeline_kind` and `stage_name` place the lead, any other
    keyword overrides a field."""
    kind = fields.pop("pipeline_kind", Pipeline.Kind.PURCHASE)
    pipeline = Pipeline.objects.get(organisation=organisation, kind=kind)
    stage_name = fields.pop("stage_name", None)
    stage = pipeline.stages.get(name=stage_name) if stage_name else first_stage(pipeline)
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
    return Lead.objects.create(organisation=organisation, pipeline=pipeline, stage=stage, **values)


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
