"""A borrower's rights over their data: everything FirstCall holds about a lead, exported as JSON, and erased on
request, with the erasure written to the audit log (GLBA Safeguards Rule 16 CFR 314.4(c)(6): secure disposal;
state privacy laws such as CCPA give borrowers these requests).

The export and the erasure follow every table that points at the lead (its inquiries, consents, timeline,
messages, tasks, enrolments...), found through the lead's relations, so an app added later is included
without being named here."""

import json
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.events.outbox import emit
from firstcall.leads.models import IntakeRecord, Lead

SKIPPED_FIELDS = {"password", "secret", "secret_encrypted", "token", "key_hash"}


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return value


def _row(instance: Model) -> dict:
    data = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.name in SKIPPED_FIELDS:
            continue
        value = getattr(instance, model_field.attname)
        data[model_field.name if not model_field.is_relation else model_field.attname] = _plain(value)
    return data


def export_lead(lead: Lead, *, actor=None) -> dict:
    """Every row about the lead, by table: the lead itself, then each related table."""
    export: dict = {
        "exported_at": timezone.now().isoformat(),
        "lead": _row(lead),
        "related": {},
    }
    for relation in lead._meta.related_objects:
        if relation.many_to_many or not relation.related_model._meta.managed:
            continue
        if relation.one_to_one:
            continue
        accessor = relation.get_accessor_name()
        rows = [_row(item) for item in getattr(lead, accessor).all()[:10_000]]
        if rows:
            export["related"][relation.related_model._meta.label_lower + ":" + relation.field.name] = rows
    record_audit(
        lead.organisation,
        "lead.exported",
        actor=actor,
        detail={"lead": lead.pk, "tables": sorted(export["related"])},
    )
    return json.loads(json.dumps(export, default=str))


@transaction.atomic
def erase_lead(lead: Lead, *, actor=None, reason: str = "") -> dict:
    """Delete the lead and everything that hangs from it; empty the raw requests that carried it. The audit
    log keeps that an erasure happened, by whom and why, and the counts: never the borrower's data."""
    records = IntakeRecord.objects.filter(lead=lead)
    record_ids = list(records.values_list("pk", flat=True))
    # Other apps forget what they keep of the lead in this same transaction (a kept spreadsheet's row).
    emit("lead.erased", organisation_id=lead.organisation_id, lead_id=lead.pk, intake_record_ids=record_ids)
    IntakeRecord.objects.filter(pk__in=record_ids).update(
        body="", headers={}, unknown_fields={}, field_errors={}, sensitive_values=None,
        remote_ip=None, body_purged_at=timezone.now(), lead=None,
    )  # fmt: skip
    lead_id, organisation = lead.pk, lead.organisation
    _, deleted = lead.delete()
    record_audit(
        organisation,
        "lead.erased",
        actor=actor,
        detail={
            "lead": lead_id,
            "reason": reason[:200],
            "intake_records_emptied": len(record_ids),
            "rows_deleted": {label: count for label, count in deleted.items() if count},
        },
    )
    return deleted
