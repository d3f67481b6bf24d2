"""Helpers for the cadence tests: a borrower in Tampa, a cadence built step by step, time in Eastern."""

import socket
from datetime import datetime, time
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from firstcall.cadences import editing
from firstcall.cadences.models import Cadence, StepRun
from firstcall.leads.models import Lead
from firstcall.pipeline.models import Pipeline, Stage
from firstcall.pipeline.services import first_stage

ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "cadence-test-token"
OUR_NUMBER = "+18135550000"
BORROWER_PHONE = "+18135550199"  # Tampa area code 813: America/New_York, Florida
EASTERN = ZoneInfo("America/New_York")


def eastern(*args) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


def make_lead(organisation, **fields) -> Lead:
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
        "loan_type": "fha",
    }
    values.update(fields)
    return Lead.objects.create(organisation=organisation, pipeline=pipeline, stage=stage, **values)


def stage(lead, name) -> Stage:
    return lead.pipeline.stages.get(name=name)


def build_cadence(organisation, steps, *, actor=None, publish=True, active=True, **settings) -> Cadence:
    """A cadence whose draft gets ``steps`` (dicts of step fields), published and switched on."""
    settings.setdefault("name", "Test cadence")
    cadence = editing.create_cadence(organisation, actor=actor, **settings)
    draft = editing.draft_of(cadence)
    for step in steps:
        editing.add_step(draft, **step)
    if publish:
        editing.publish(cadence, actor=actor)
        if active:
            editing.set_active(cadence, True)
    cadence.refresh_from_db()
    return cadence


def sms(body, **extra):
    return {"kind": "send_sms", "body": body, **extra}


def email(subject, body, **extra):
    return {"kind": "send_email", "subject": subject, "body": body, **extra}


def wait(amount, unit="days", at=None):
    return {
        "kind": "wait",
        "wait_amount": amount,
        "wait_unit": unit,
        "at_local_time": time.fromisoformat(at) if at else None,
    }


def call(title):
    return {"kind": "call_task", "body": title}


def runs(enrolment):
    return list(StepRun.objects.filter(enrolment=enrolment).select_related("step").order_by("pk"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler that keeps every message."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]
