"""Editing a lead by hand: every changed field goes on the timeline (who, when, old -> new, why) through
accounts.changelog, and the lead is scored again.

Consent follows the address it was given for: the TCPA's prior express written consent covers the number the
borrower provided (47 CFR 64.1200(f)(9); REFERENCE.md §4), so when a person replaces the mobile number the
text and call consent recorded for the old number ends, and likewise email consent when the email changes.
The old number is kept in other_phones. The borrower can give consent for the new address again (a form,
a START reply).
"""

from django.db import transaction
from django.utils import timezone

from firstcall.leads.models import Lead
from firstcall.lib.credit import band_for_score
from firstcall.lib.geography import InvalidZip, lookup_zip
from firstcall.pipeline.changelog import record_field_changes, snapshot

# What the edit form may change. Owner, stage and pipeline have their own actions (reassign, the board).
EDITABLE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "preferred_language",
    "contact_preference",
    "zip_code",
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
    "timeframe",
    "first_time_buyer",
    "veteran",
    "annual_income",
    "monthly_debts",
    "employment_type",
    "has_real_estate_agent",
]


class EditRefused(ValueError):
    pass


@transaction.atomic
def update_lead_fields(lead: Lead, values: dict, *, actor, reason: str = ""):
    """Apply `values` (already validated and normalised by the form) to the lead. Returns the FIELD_CHANGED
    timeline event, or None when nothing changed."""
    from firstcall.leads.scoring_service import rescore_lead
    from firstcall.leads.services import revoke_consent

    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise EditRefused(f"These fields cannot be edited here: {', '.join(sorted(unknown))}")
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("organisation", "source", "stage")
        .get(pk=lead.pk)
    )
    before = snapshot(lead)
    old_phone, old_email = lead.phone, lead.email
    for name, value in values.items():
        setattr(lead, name, value)
    if "zip_code" in values and lead.zip_code != before["zip_code"]:
        try:
            facts = lookup_zip(lead.zip_code)
        except InvalidZip:
            facts = None
        if facts is not None:
            lead.county, lead.state, lead.time_zone = (
                facts.county,
                facts.state,
                facts.time_zone or lead.time_zone,
            )
    if lead.credit_score_low and lead.credit_score_low != before["credit_score_low"]:
        lead.credit_band = band_for_score(lead.credit_score_low)
    if old_phone and lead.phone != old_phone and old_phone not in lead.other_phones:
        lead.other_phones = [*lead.other_phones, old_phone]
    # The dedupe key, as capture builds it (leads.submission.NormalisedLead.name_key).
    lead.name_key = (
        f"{lead.first_name.lower()}|{lead.last_name.lower()}"[:170]
        if lead.first_name and lead.last_name
        else ""
    )
    after = snapshot(lead)
    if after == before:
        return None
    lead.updated_at = timezone.now()
    lead.save()
    event = record_field_changes(lead, before, after, actor=actor, reason=reason)
    who = actor.get_full_name() or actor.username if actor else "a person"
    if lead.phone != old_phone and old_phone:
        for channel in ("sms", "calls"):
            if getattr(lead, f"consent_{channel}"):
                revoke_consent(
                    lead,
                    channel,
                    how=f"mobile number changed by {who}; consent was for the old number",
                    actor=actor,
                    kind="contact_changed",
                    address=old_phone,
                )
    if lead.email.lower() != (old_email or "").lower() and old_email and lead.consent_email:
        revoke_consent(
            lead,
            "email",
            how=f"email changed by {who}; consent was for the old address",
            actor=actor,
            kind="contact_changed",
            address=old_email.lower(),
        )
    rescore_lead(lead, trigger="edited")
    return event
