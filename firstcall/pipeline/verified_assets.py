"""The one writer of a lead's verified assets: the liquid assets a reviewed bank statement shows, with the
statement's date, recorded on the timeline with where they came from (the amount itself is masked there, as
income is)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from firstcall.leads.models import Lead, TimelineEvent
from firstcall.pipeline.changelog import record_field_changes, snapshot

FIELDS = ["verified_assets", "verified_assets_as_of"]


@transaction.atomic
def record_verified_assets(
    lead: Lead, amount: Decimal | None, *, as_of: date | None, actor, reason: str
) -> TimelineEvent | None:
    """Set (or, with None, clear) the lead's verified assets. Returns the timeline event, or None when nothing
    changed."""
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
    before = snapshot(lead, FIELDS)
    lead.verified_assets = None if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    lead.verified_assets_as_of = as_of if amount is not None else None
    after = snapshot(lead, FIELDS)
    if after == before:
        return None
    lead.updated_at = timezone.now()
    lead.save(update_fields=[*FIELDS, "updated_at"])
    return record_field_changes(lead, before, after, actor=actor, reason=reason)
