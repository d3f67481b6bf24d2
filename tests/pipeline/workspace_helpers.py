"""Helpers for the workspace tests (My day, board, list, team): leads in a given stage, quickly."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from firstcall.leads.models import Lead, Pipeline, Stage

_numbers = count(100)


def stage_named(organisation, name: str, kind: str = Pipeline.Kind.PURCHASE) -> Stage:
    return Stage.objects.get(pipeline__organisation=organisation, pipeline__kind=kind, name=name)


def make_lead(organisation, *, owner=None, stage="New", kind=Pipeline.Kind.PURCHASE, **fields) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=kind)
    number = next(_numbers)
    values = {
        "first_name": "Ana",
        "last_name": f"Lopez{number}",
        "email": f"borrower{number}@example.com",
        "phone": f"+1813555{number:04d}",
        "state": "FL",
        "zip_code": "33602",
        "purpose": "purchase" if kind == Pipeline.Kind.PURCHASE else "rate_term_refinance",
        "loan_type": "fha",
        "purchase_price": Decimal("350000.00") if kind == Pipeline.Kind.PURCHASE else None,
        "down_payment": Decimal("12250.00") if kind == Pipeline.Kind.PURCHASE else None,
        "loan_balance": None if kind == Pipeline.Kind.PURCHASE else Decimal("210000.00"),
    }
    values.update(fields)
    return Lead.objects.create(
        organisation=organisation,
        pipeline=pipeline,
        stage=pipeline.stages.get(name=stage),
        owner=owner,
        **values,
    )


def make_new_lead(organisation, *, owner=None, minutes_left=4, **fields) -> Lead:
    """A lead waiting for its first human contact, with its speed-to-lead clock running."""
    now = timezone.now()
    fields.setdefault("respond_by", now + timedelta(minutes=minutes_left))
    fields.setdefault("sla_status", "pending")
    return make_lead(organisation, owner=owner, **fields)


def snapshot(lead: Lead) -> dict:
    """What a denied action must leave exactly as it was."""
    lead.refresh_from_db()
    return {
        "stage_id": lead.stage_id,
        "owner_id": lead.owner_id,
        "closed_at": lead.closed_at,
        "lost_reason": lead.lost_reason,
        "updated_at": lead.updated_at,
        "timeline": list(lead.timeline.values_list("pk", flat=True)),
    }
