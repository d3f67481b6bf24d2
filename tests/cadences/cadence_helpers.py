"""Helpers for the cadence tests: a borrower in Tampa, a cadence built step by step, time in Eastern."""

from datetime import time

from firstcall.cadences import editing
from firstcall.cadences.models import Cadence, StepRun
from firstcall.leads.models import Lead, Stage
from tests.outside_services import (  # noqa: F401 - re-exported for the cadence tests
    ACCOUNT_SID,
    AUTH_TOKEN,
    BORROWER_PHONE,
    EASTERN,
    OUR_NUMBER,
    RecordingHandler,
    eastern,
    free_port,
    tampa_borrower,
)

# The SAFE Act identification the outbox adds to every marketing message of the owner's leads.
IDS_LINE = "\nOlivia NMLS #100001, Acme Home Loans NMLS #1234567"


def make_lead(organisation, **fields) -> Lead:
    """The Tampa borrower, interested in an FHA loan unless told otherwise."""
    fields.setdefault("loan_type", "fha")
    return tampa_borrower(organisation, **fields)


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
