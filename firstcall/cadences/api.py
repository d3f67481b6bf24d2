"""Cadences over the API (django-ninja): list cadences; see, enrol, pause, resume and remove a lead.

Authentication: an API key in X-Api-Key (scope leads:read to read, leads:write to change; the key acts for its
organisation) or a signed-in session (CSRF checked; the person's role and lead access apply, as in the UI).
Add to firstcall/api.py: ``api.add_router("/", cadences_router)``.
"""

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, django_auth

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key
from firstcall.cadences import services
from firstcall.cadences.access import can_manage_enrolment, can_see_cadences, enrollable_leads
from firstcall.cadences.models import Cadence, Enrolment
from firstcall.leads.models import Lead


class CadenceKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        api_key = find_api_key(key)
        if api_key is None:
            return None
        needed = ApiKey.SCOPE_LEADS_READ if request.method == "GET" else ApiKey.SCOPE_LEADS_WRITE
        if not api_key.has_scope(needed):
            raise HttpError(403, f"This API key needs the {needed} scope.")
        touch_api_key(api_key)
        return api_key


router = Router(tags=["cadences"], auth=[CadenceKey(), django_auth])


class CadenceOut(Schema):
    id: int
    name: str
    description: str
    trigger: str
    pipeline_kind: str
    is_active: bool
    is_builtin: bool
    version: int


class EnrolmentOut(Schema):
    id: int
    cadence_id: int
    cadence: str
    version: int
    status: str
    stop_reason: str
    stop_detail: str
    enrolled_at: datetime
    next_step_at: datetime | None


class LeadCadenceOut(Schema):
    lead_id: int
    enrolments: list[EnrolmentOut]
    next_step: str | None
    next_step_at: datetime | None


class EnrolIn(Schema):
    cadence_id: int
    replace: bool = False


class ErrorOut(Schema):
    detail: str


def _organisation_id(request) -> int:
    principal = request.auth
    if isinstance(principal, ApiKey):
        return principal.organisation_id
    if not can_see_cadences(principal):
        raise HttpError(403, "Your role may not use cadences.")
    return principal.organisation_id


def _lead(request, lead_id: int) -> Lead:
    principal = request.auth
    leads = Lead.objects.select_related("organisation", "owner", "stage", "pipeline")
    if isinstance(principal, ApiKey):
        return get_object_or_404(leads, pk=lead_id, organisation_id=principal.organisation_id)
    lead = get_object_or_404(
        enrollable_leads(principal).select_related("organisation", "owner", "stage", "pipeline"), pk=lead_id
    )
    if request.method != "GET" and not can_manage_enrolment(principal, lead):
        raise HttpError(403, "You may not change this lead's cadence.")
    return lead


def _actor(request):
    return None if isinstance(request.auth, ApiKey) else request.auth


def _enrolment_out(enrolment: Enrolment) -> dict:
    return {
        "id": enrolment.pk,
        "cadence_id": enrolment.cadence_id,
        "cadence": enrolment.cadence.name,
        "version": enrolment.cadence_version.number,
        "status": enrolment.status,
        "stop_reason": enrolment.stop_reason,
        "stop_detail": enrolment.stop_detail,
        "enrolled_at": enrolment.enrolled_at,
        "next_step_at": enrolment.next_step_at,
    }


def _lead_state(lead: Lead) -> dict:
    next_step = services.next_step_for(lead)
    enrolments = lead.enrolments.select_related("cadence", "cadence_version").order_by("-enrolled_at")[:20]
    return {
        "lead_id": lead.pk,
        "enrolments": [_enrolment_out(enrolment) for enrolment in enrolments],
        "next_step": next_step[0] if next_step else None,
        "next_step_at": next_step[1] if next_step else None,
    }


@router.get("/cadences", response=list[CadenceOut], summary="Cadences of the organisation")
def list_cadences(request: HttpRequest):
    cadences = Cadence.objects.filter(organisation_id=_organisation_id(request)).select_related(
        "current_version"
    )
    return [
        {
            "id": c.pk,
            "name": c.name,
            "description": c.description,
            "trigger": c.trigger,
            "pipeline_kind": c.pipeline_kind,
            "is_active": c.is_active,
            "is_builtin": c.is_builtin,
            "version": c.version,
        }
        for c in cadences
    ]


@router.get("/leads/{lead_id}/cadence", response=LeadCadenceOut, summary="A lead's cadences and next step")
def lead_cadence(request: HttpRequest, lead_id: int):
    _organisation_id(request)
    return _lead_state(_lead(request, lead_id))


@router.post(
    "/leads/{lead_id}/cadence/enrol",
    response={201: LeadCadenceOut, 409: ErrorOut, 404: ErrorOut},
    summary="Enrol a lead in a cadence",
)
def enrol_lead(request: HttpRequest, lead_id: int, payload: EnrolIn):
    organisation_id = _organisation_id(request)
    lead = _lead(request, lead_id)
    cadence = (
        Cadence.objects.filter(pk=payload.cadence_id, organisation_id=organisation_id)
        .select_related("current_version")
        .first()
    )
    if cadence is None:
        return Status(404, {"detail": "No such cadence."})
    try:
        services.enrol(lead, cadence, actor=_actor(request), how="API", replace=payload.replace)
    except services.EnrolmentRefused as refusal:
        return Status(409, {"detail": str(refusal)})
    return Status(201, _lead_state(lead))


def _open_enrolment(lead: Lead, cadence_id: int | None) -> Enrolment:
    enrolments = lead.enrolments.filter(status__in=Enrolment.OPEN_STATUSES).select_related("cadence")
    if cadence_id is not None:
        enrolments = enrolments.filter(cadence_id=cadence_id)
    enrolment = enrolments.order_by("-enrolled_at").first()
    if enrolment is None:
        raise HttpError(
            404, "The lead is not in that cadence." if cadence_id else "The lead is not in a cadence."
        )
    return enrolment


def _change(request, lead_id: int, cadence_id: int | None, action) -> dict:
    _organisation_id(request)
    lead = _lead(request, lead_id)
    enrolment = _open_enrolment(lead, cadence_id)
    try:
        changed = action(enrolment, actor=_actor(request))
    except services.EnrolmentRefused as refusal:
        raise HttpError(409, str(refusal)) from refusal
    if not changed:
        raise HttpError(409, f"The enrolment is {enrolment.status}; nothing to do.")
    return _lead_state(lead)


@router.post("/leads/{lead_id}/cadence/pause", response=LeadCadenceOut, summary="Pause the lead's cadence")
def pause_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.pause_enrolment)


@router.post("/leads/{lead_id}/cadence/resume", response=LeadCadenceOut, summary="Resume the lead's cadence")
def resume_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.resume_enrolment)


@router.post(
    "/leads/{lead_id}/cadence/remove", response=LeadCadenceOut, summary="Remove the lead from its cadence"
)
def remove_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.remove_enrolment)
