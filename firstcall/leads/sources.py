"""Creating lead sources and the secrets each channel needs."""

import secrets

from django.db import transaction
from django.urls import reverse

from firstcall.accounts.models import ApiKey, Organisation
from firstcall.accounts.services import create_api_key, record_audit
from firstcall.leads.models import Channel, LeadSource


def intake_url(source: LeadSource) -> str:
    if source.channel == Channel.WEB_FORM:
        return f"/f/{source.public_id}/"
    if source.channel == Channel.API:
        return "/api/v1/leads"
    if source.channel == Channel.GOOGLE_ADS:
        return f"/hooks/google-ads/{source.pk}/"
    if source.channel == Channel.META:
        return f"/hooks/meta/{source.pk}/"
    if source.channel == Channel.VENDOR_POST:
        return f"/hooks/post/{source.pk}/"
    if source.channel == Channel.CSV:
        return reverse("csv_upload", args=[source.pk])
    return ""


@transaction.atomic
def create_source(
    organisation: Organisation,
    *,
    channel: str,
    name: str,
    mapping: dict | None = None,
    vendor: str = "",
    cost_per_lead=0,
    actor=None,
) -> tuple[LeadSource, dict]:
    """Create a source and return it with its one-time secrets: {"api_key", "secret", "verify_token"}."""
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}; use one of {', '.join(Channel.values)}")
    source = LeadSource.objects.create(
        organisation=organisation,
        channel=channel,
        name=name,
        vendor=vendor,
        field_mapping=mapping or {},
        cost_per_lead=cost_per_lead,
    )
    issued = {"api_key": None, "secret": None, "verify_token": None}
    if channel == Channel.API:
        _, issued["api_key"] = create_api_key(
            organisation, name=f"Intake: {name}", scopes=[ApiKey.SCOPE_LEADS_CREATE], lead_source=source
        )
    elif channel in (Channel.GOOGLE_ADS, Channel.VENDOR_POST):
        issued["secret"] = source.secret = secrets.token_urlsafe(24)
    elif channel == Channel.META:
        issued["secret"] = source.secret = secrets.token_hex(16)
        issued["verify_token"] = source.verify_token = secrets.token_urlsafe(16)
    source.save()
    record_audit(
        organisation, "lead_source.created", actor=actor, detail={"source": source.pk, "channel": channel}
    )
    return source, issued
