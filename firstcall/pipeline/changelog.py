"""Field-level change log for leads: who changed which field, when, from what to what, and why.

Usage from any service that edits a lead:

    before = snapshot(lead)
    lead.phone = "+18135550123"; lead.save()
    record_field_changes(lead, before, snapshot(lead), actor=request.user, reason="New number")

The change lands on the lead's timeline as a FIELD_CHANGED event with data {"changes": {field: [old, new]}}.
Encrypted fields (income, debts) are logged as changed without their values, so the timeline never holds what
the database encrypts.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from firstcall.leads.models import Lead, TimelineEvent
from firstcall.leads.timeline import record_event

# What a person edits on a lead. Owner, stage and pipeline have their own timeline events (assigned, stage
# changed); bookkeeping (score, SLA clock, counters) is derived, not edited.
TRACKED_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_phones",
    "preferred_language",
    "contact_preference",
    "zip_code",
    "county",
    "state",
    "time_zone",
    "purpose",
    "loan_type",
    "property_type",
    "property_use",
    "purchase_price",
    "property_value",
    "down_payment",
    "loan_balance",
    "credit_score_low",
    "credit_score_high",
    "credit_band",
    "timeframe",
    "first_time_buyer",
    "veteran",
    "annual_income",
    "monthly_debts",
    "employment_type",
    "has_real_estate_agent",
    "notes",
    "utm_source",
    "utm_campaign",
    "referral_partner",
    "processor",
    "source",
    "lost_reason",
    "is_test",
]
ENCRYPTED_FIELDS = {"annual_income", "monthly_debts", "verified_assets"}
HIDDEN_OLD = "(hidden)"
HIDDEN_NEW = "(changed)"


def _plain(value):
    """A JSON-safe copy of a field value: Decimal and dates as strings, lists and dicts as they are."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def snapshot(lead: Lead, fields: list[str] | None = None) -> dict:
    """The lead's editable fields as plain data. Related people and sources are taken as ids (no queries)."""
    values = {}
    for name in fields or TRACKED_FIELDS:
        field = Lead._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            values[name] = getattr(lead, field.attname)
        else:
            values[name] = _plain(getattr(lead, name))
    return values


def _related_labels(name: str, ids: set) -> dict:
    field = Lead._meta.get_field(name)
    return {obj.pk: str(obj) for obj in field.related_model._default_manager.filter(pk__in=ids)}


def _label(name: str) -> str:
    try:
        return str(Lead._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a caller-defined key that is not a model field
        return name.replace("_", " ")


def field_changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every key whose value differs; encrypted values masked, ids turned to names."""
    changes = {}
    for name in after:
        if name not in before or before[name] == after[name]:
            continue
        old, new = before[name], after[name]
        if name in ENCRYPTED_FIELDS:
            old = None if old is None else HIDDEN_OLD
            new = None if new is None else HIDDEN_NEW
        changes[name] = [_plain(old), _plain(new)]
    for name in list(changes):
        try:
            field = Lead._meta.get_field(name)
        except FieldDoesNotExist:  # keys that are not model fields are kept as given
            continue
        if isinstance(field, models.ForeignKey):
            labels = _related_labels(name, {pk for pk in changes[name] if pk is not None})
            changes[name] = [labels.get(pk, pk) if pk is not None else None for pk in changes[name]]
    return changes


def record_field_changes(
    lead: Lead, before: dict, after: dict, actor=None, reason: str = ""
) -> TimelineEvent | None:
    """Write one FIELD_CHANGED timeline event for everything that differs; None when nothing did."""
    changes = field_changes(before, after)
    if not changes:
        return None
    names = ", ".join(_label(name) for name in changes)
    summary = f"Changed {names}" + (f": {reason}" if reason else "")
    data = {"changes": changes}
    if reason:
        data["reason"] = reason[:500]
    return record_event(lead, TimelineEvent.Kind.FIELD_CHANGED, summary, actor=actor, data=data)
