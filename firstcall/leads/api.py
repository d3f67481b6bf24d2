"""Reading leads over the API: only what the key's organisation owns, only with a read scope. The schemas and the
views are the leads app's; they are mounted on the /leads router with intake's create-lead by the delivery layer
(firstcall/web/leads_api.py)."""

from datetime import UTC, datetime

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import field_validator

from firstcall.accounts.models import ApiKey
from firstcall.leads.models import Lead


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    zip: str
    county: str
    state: str
    time_zone: str
    preferred_language: str
    purpose: str
    loan_type: str
    property_type: str
    property_use: str
    purchase_price: str | None
    property_value: str | None
    down_payment: str | None
    loan_balance: str | None
    credit_score_low: int | None
    credit_score_high: int | None
    credit_band: str
    timeframe: str
    first_time_buyer: bool | None
    veteran: bool | None
    source_id: int | None
    owner_id: int | None
    pipeline: str
    stage: str
    score: int | None
    score_tier: str
    is_test: bool
    consent: dict
    utm: dict
    vendor_lead_id: str
    inquiries: int
    created_at: datetime
    updated_at: datetime


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def lead_to_dict(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "zip": lead.zip_code,
        "county": lead.county,
        "state": lead.state,
        "time_zone": lead.time_zone,
        "preferred_language": lead.preferred_language,
        "purpose": lead.purpose,
        "loan_type": lead.loan_type,
        "property_type": lead.property_type,
        "property_use": lead.property_use,
        "purchase_price": _money(lead.purchase_price),
        "property_value": _money(lead.property_value),
        "down_payment": _money(lead.down_payment),
        "loan_balance": _money(lead.loan_balance),
        "credit_score_low": lead.credit_score_low,
        "credit_score_high": lead.credit_score_high,
        "credit_band": lead.credit_band,
        "timeframe": lead.timeframe,
        "first_time_buyer": lead.first_time_buyer,
        "veteran": lead.veteran,
        "source_id": lead.source_id,
        "owner_id": lead.owner_id,
        "pipeline": lead.pipeline.name,
        "stage": lead.stage.name,
        "score": lead.score,
        "score_tier": lead.score_tier,
        "is_test": lead.is_test,
        "consent": {"sms": lead.consent_sms, "email": lead.consent_email, "calls": lead.consent_calls},
        "utm": lead.utm,
        "vendor_lead_id": lead.vendor_lead_id,
        "inquiries": lead.inquiry_count,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


class LeadFilters(Schema):
    source: int | None = None
    stage: str | None = None
    owner: int | None = None
    loan_type: str | None = None
    purpose: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int = 50
    offset: int = 0

    @field_validator("created_after", "created_before")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        # Stored times are UTC; an offset the database cannot hold (ISO 8601 allows up to +/-23:59,
        # PostgreSQL only +/-15:59) is converted here, and a naive time is read as UTC.
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError as error:
            raise ValueError("date is out of range once converted to UTC") from error


class LeadPage(Schema):
    count: int
    results: list[LeadOut]


def list_leads(request: HttpRequest, filters: Query[LeadFilters]):
    api_key: ApiKey = request.auth
    leads = Lead.objects.filter(organisation=api_key.organisation).select_related("pipeline", "stage")
    if filters.source is not None:
        leads = leads.filter(source_id=filters.source)
    if filters.stage:
        leads = leads.filter(stage__name__iexact=filters.stage)
    if filters.owner is not None:
        leads = leads.filter(owner_id=filters.owner)
    if filters.loan_type:
        leads = leads.filter(loan_type=filters.loan_type)
    if filters.purpose:
        leads = leads.filter(purpose=filters.purpose)
    if filters.created_after:
        leads = leads.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        leads = leads.filter(created_at__lt=filters.created_before)
    if filters.q:
        term = filters.q.strip()
        leads = leads.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
            | Q(phone__contains=term)
        )  # fmt: skip
    limit = max(1, min(filters.limit, 500))
    offset = max(0, filters.offset)
    return {
        "count": leads.count(),
        "results": [lead_to_dict(lead) for lead in leads[offset : offset + limit]],
    }


def get_lead(request: HttpRequest, lead_id: int):
    api_key: ApiKey = request.auth
    lead = get_object_or_404(
        Lead.objects.select_related("pipeline", "stage"), pk=lead_id, organisation=api_key.organisation
    )
    return lead_to_dict(lead)
