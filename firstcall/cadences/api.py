"""Cadences over the API (django-ninja): build and edit cadences (create, change rules, write the draft's steps,
publish); see, enrol, pause, resume and remove a lead.

Authentication: an API key in X-Api-Key (the key acts for its organisation) or a signed-in session (CSRF
checked; the person's role and lead access apply, as in the UI). Enrolments need leads:read to read and
leads:write to change; building needs the cadences scope (or, signed in, an admin or manager), because a
cadence writes to borrowers. Mounted in firstcall/api.py.

Editing follows the same rule as the UI (editing.py): steps go to a draft, publishing makes it the version new
enrolments get, and leads already enrolled keep their plan unless ``apply_to_pending`` re-plans their next
unsent step; the publish answer and the cadence detail state that rule.
"""

from datetime import datetime, time
from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, django_auth
from pydantic import Field, field_validator

from firstcall.accounts.api_scopes import declares
from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key
from firstcall.cadences import editing, services
from firstcall.cadences.access import (
    can_build_cadences,
    can_manage_enrolment,
    can_see_cadences,
    enrollable_leads,
)
from firstcall.cadences.models import Cadence, CadenceStep, Enrolment, MessageTemplate
from firstcall.leads.models import Lead


class CadenceKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        api_key = find_api_key(key)
        if api_key is None:
            return None
        touch_api_key(api_key)
        return api_key  # the scope each endpoint needs is checked by _organisation_id


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


def _organisation_id(request, *, building: bool = False, reading_cadences: bool = False) -> int:
    """The caller's organisation, once it may do this: building (cadences scope, or an admin or manager) or
    reading and enrolling (leads:read for GET, leads:write otherwise, or a role that enrols). A builder's key
    may also read the cadences it builds."""
    principal = request.auth
    if isinstance(principal, ApiKey):
        if building:
            needed = ApiKey.SCOPE_CADENCES
        elif request.method == "GET":
            needed = ApiKey.SCOPE_LEADS_READ
        else:
            needed = ApiKey.SCOPE_LEADS_WRITE
        if reading_cadences and principal.has_scope(ApiKey.SCOPE_CADENCES):
            return principal.organisation_id
        if not principal.has_scope(needed):
            raise HttpError(403, f"This API key needs the {needed} scope.")
        return principal.organisation_id
    if building and not can_build_cadences(principal):
        raise HttpError(403, "Only admins and managers build cadences.")
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


def _cadence_out(cadence: Cadence) -> dict:
    return {
        "id": cadence.pk,
        "name": cadence.name,
        "description": cadence.description,
        "trigger": cadence.trigger,
        "pipeline_kind": cadence.pipeline_kind,
        "is_active": cadence.is_active,
        "is_builtin": cadence.is_builtin,
        "version": cadence.version,
    }


@router.get(
    "/cadences",
    **declares(ApiKey.SCOPE_LEADS_READ, ApiKey.SCOPE_CADENCES),
    response=list[CadenceOut],
    summary="Cadences of the organisation",
)
def list_cadences(request: HttpRequest):
    cadences = Cadence.objects.filter(
        organisation_id=_organisation_id(request, reading_cadences=True)
    ).select_related("current_version")
    return [_cadence_out(cadence) for cadence in cadences]


# ------------------------------------------------------------------------------------------------ building

StepKind = Literal[tuple(CadenceStep.Kind.values)]
WaitUnit = Literal[("", *CadenceStep.WaitUnit.values)]
ConditionField = Literal[("", *CadenceStep.ConditionField.values)]
Trigger = Literal[tuple(Cadence.Trigger.values)]
PipelineKind = Literal[tuple(Cadence.PipelineKind.values)]


def _refuse_nul(value) -> None:
    # Databases refuse NUL characters in text (PostgreSQL raises): say so as a 422 instead of failing later.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    if isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    elif isinstance(value, dict):
        for item in value.values():
            _refuse_nul(item)


class TextIn(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def no_nul_characters(cls, value):
        _refuse_nul(value)
        return value


class StepIn(TextIn):
    kind: StepKind
    key: str = Field("", max_length=20, description="Keep a step's key when editing; branches jump to keys")
    template_id: int | None = None
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=5000)
    wait_amount: int = Field(0, ge=0, le=10_000)
    wait_unit: WaitUnit = ""
    at_local_time: time | None = None
    condition_field: ConditionField = ""
    condition_values: list[str] = []
    condition_negate: bool = False
    jump_to_key: str = Field("", max_length=20)
    stage_name: str = Field("", max_length=80)
    notify_by_sms: bool = False


class StepOut(StepIn):
    position: int
    summary: str


class CadenceRulesIn(TextIn):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    trigger: Trigger | None = None
    pipeline_kind: PipelineKind | None = None
    purposes: list[str] | None = None
    loan_types: list[str] | None = None
    source_ids: list[int] | None = None
    stages: list[str] | None = None
    score_tiers: list[str] | None = None
    languages: list[str] | None = None
    priority: int | None = Field(None, ge=0, le=1000)
    allows_parallel: bool | None = None
    stop_on_reply: bool | None = None
    stop_on_stages: list[str] | None = None
    stop_when_closed: bool | None = None
    stop_when_leaving_stages: bool | None = None
    is_active: bool | None = None


class CadenceIn(CadenceRulesIn):
    name: str = Field(..., min_length=1, max_length=120)
    steps: list[StepIn] = []
    publish: bool = False


class DraftIn(Schema):
    steps: list[StepIn]


class PublishIn(Schema):
    apply_to_pending: bool = False
    note: str = Field("", max_length=300)


class CadenceDetailOut(CadenceOut):
    rules: dict
    stops: dict
    steps: list[StepOut]
    draft_version: int | None
    draft_steps: list[StepOut] | None
    enrolled: int
    edit_rule: str


class PublishOut(Schema):
    version: int
    replanned: int
    kept: int
    edit_rule: str


def _steps_out(version) -> list[dict]:
    return [
        {
            **{name: getattr(step, name) for name in editing.STEP_FIELDS},
            "key": step.key,
            "position": step.position,
            "summary": services.describe_step(step),
        }
        for step in version.steps.select_related("template").order_by("position")
    ]


def _detail(cadence: Cadence) -> dict:
    cadence.refresh_from_db()
    draft = cadence.versions.filter(published_at__isnull=True).first()
    enrolled = editing.enrolled_on_versions(cadence)
    next_number = draft.number if draft else cadence.version + 1
    return {
        **_cadence_out(cadence),
        "rules": {
            name: getattr(cadence, name)
            for name in ("purposes", "loan_types", "source_ids", "stages", "score_tiers", "languages")
        }
        | {"priority": cadence.priority, "allows_parallel": cadence.allows_parallel},
        "stops": {
            name: getattr(cadence, name)
            for name in ("stop_on_reply", "stop_on_stages", "stop_when_closed", "stop_when_leaving_stages")
        },
        "steps": _steps_out(cadence.current_version) if cadence.current_version_id else [],
        "draft_version": draft.number if draft else None,
        "draft_steps": _steps_out(draft) if draft else None,
        "enrolled": enrolled.total,
        "edit_rule": enrolled.explanation(next_number),
    }


def _own_cadence(request, cadence_id: int, *, building: bool = False) -> Cadence:
    organisation_id = _organisation_id(request, building=building, reading_cadences=not building)
    return get_object_or_404(
        Cadence.objects.select_related("current_version"), pk=cadence_id, organisation_id=organisation_id
    )


def _step_fields(steps: list[StepIn]) -> list[dict]:
    return [step.dict() for step in steps]


@router.get(
    "/cadences/{cadence_id}",
    **declares(ApiKey.SCOPE_LEADS_READ, ApiKey.SCOPE_CADENCES),
    response=CadenceDetailOut,
    summary="A cadence with its steps",
)
def cadence_detail(request: HttpRequest, cadence_id: int):
    return _detail(_own_cadence(request, cadence_id))


@router.post(
    "/cadences",
    **declares(ApiKey.SCOPE_CADENCES),
    response={201: CadenceDetailOut, 422: ErrorOut},
    summary="Create a cadence (its steps go to the draft; publish and switch on in the same call if asked)",
)
def add_cadence(request: HttpRequest, payload: CadenceIn):
    from firstcall.accounts.models import Organisation

    organisation = Organisation.objects.get(pk=_organisation_id(request, building=True))
    fields = payload.dict(exclude_none=True, exclude={"steps", "publish", "is_active"})
    try:
        with transaction.atomic():
            cadence = editing.create_cadence(organisation, actor=_actor(request), **fields)
            editing.replace_draft_steps(cadence, _step_fields(payload.steps), actor=_actor(request))
            if payload.publish:
                editing.publish(cadence, actor=_actor(request), note="created through the API")
            if payload.is_active:
                editing.set_active(cadence, True, actor=_actor(request))
    except editing.EditRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return Status(201, _detail(cadence))


@router.patch(
    "/cadences/{cadence_id}",
    **declares(ApiKey.SCOPE_CADENCES),
    response={200: CadenceDetailOut, 422: ErrorOut},
    summary="Change a cadence's name, enrolment rules, stop rules or switch it on or off (not versioned)",
)
def update_cadence(request: HttpRequest, cadence_id: int, payload: CadenceRulesIn):
    cadence = _own_cadence(request, cadence_id, building=True)
    fields = payload.dict(exclude_unset=True, exclude={"is_active"})
    try:
        with transaction.atomic():
            if fields:
                editing.update_cadence_settings(cadence, actor=_actor(request), **fields)
            if payload.is_active is not None:
                editing.set_active(cadence, payload.is_active, actor=_actor(request))
    except editing.EditRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return _detail(cadence)


@router.put(
    "/cadences/{cadence_id}/draft",
    **declares(ApiKey.SCOPE_CADENCES),
    response={200: CadenceDetailOut, 422: ErrorOut},
    summary="Write the steps of the cadence's draft (enrolled leads are untouched until you publish)",
)
def write_draft(request: HttpRequest, cadence_id: int, payload: DraftIn):
    cadence = _own_cadence(request, cadence_id, building=True)
    try:
        editing.replace_draft_steps(cadence, _step_fields(payload.steps), actor=_actor(request))
    except editing.EditRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return _detail(cadence)


@router.post(
    "/cadences/{cadence_id}/publish",
    **declares(ApiKey.SCOPE_CADENCES),
    response={200: PublishOut, 422: ErrorOut},
    summary="Publish the draft: new enrolments get it; enrolled leads move only with apply_to_pending",
)
def publish_draft(request: HttpRequest, cadence_id: int, payload: PublishIn):
    cadence = _own_cadence(request, cadence_id, building=True)
    rule = editing.enrolled_on_versions(cadence)
    try:
        result = editing.publish(
            cadence, actor=_actor(request), apply_to_pending=payload.apply_to_pending, note=payload.note
        )
    except editing.EditRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return {
        "version": result.version.number,
        "replanned": result.replanned,
        "kept": result.kept,
        "edit_rule": rule.explanation(result.version.number),
    }


# ------------------------------------------------------------------------------------------------ templates

TemplateChannel = Literal[tuple(MessageTemplate.ChannelKind.values)]


class TemplateIn(TextIn):
    name: str = Field(..., min_length=1, max_length=120)
    channel: TemplateChannel
    language: str = Field("en", min_length=2, max_length=10)
    subject: str = Field("", max_length=300)
    body: str = Field(..., max_length=20000)


class TemplateOut(TemplateIn):
    id: int


def _template_out(template: MessageTemplate) -> dict:
    return {
        "id": template.pk,
        "name": template.name,
        "channel": template.channel,
        "language": template.language,
        "subject": template.subject,
        "body": template.body,
    }


def _save_template(request, payload: TemplateIn, template: MessageTemplate | None):
    from firstcall.accounts.models import Organisation

    organisation = Organisation.objects.get(pk=_organisation_id(request, building=True))
    try:
        saved = editing.save_template(
            organisation, actor=_actor(request), template=template, **payload.dict()
        )
    except editing.EditRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return Status(201 if template is None else 200, _template_out(saved))


@router.post(
    "/message-templates",
    **declares(ApiKey.SCOPE_CADENCES),
    response={201: TemplateOut, 422: ErrorOut},
    summary="Create a message template (refused with the reason when it breaks an advertising rule)",
)
def add_template(request: HttpRequest, payload: TemplateIn):
    return _save_template(request, payload, None)


@router.put(
    "/message-templates/{template_id}",
    **declares(ApiKey.SCOPE_CADENCES),
    response={200: TemplateOut, 422: ErrorOut},
    summary="Change a message template (refused with the reason when it breaks an advertising rule)",
)
def change_template(request: HttpRequest, template_id: int, payload: TemplateIn):
    organisation_id = _organisation_id(request, building=True)
    template = get_object_or_404(MessageTemplate, pk=template_id, organisation_id=organisation_id)
    return _save_template(request, payload, template)


@router.get(
    "/leads/{lead_id}/cadence",
    **declares(ApiKey.SCOPE_LEADS_READ),
    response=LeadCadenceOut,
    summary="A lead's cadences and next step",
)
def lead_cadence(request: HttpRequest, lead_id: int):
    _organisation_id(request)
    return _lead_state(_lead(request, lead_id))


@router.post(
    "/leads/{lead_id}/cadence/enrol",
    **declares(ApiKey.SCOPE_LEADS_WRITE),
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


@router.post(
    "/leads/{lead_id}/cadence/pause",
    **declares(ApiKey.SCOPE_LEADS_WRITE),
    response=LeadCadenceOut,
    summary="Pause the lead's cadence",
)
def pause_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.pause_enrolment)


@router.post(
    "/leads/{lead_id}/cadence/resume",
    **declares(ApiKey.SCOPE_LEADS_WRITE),
    response=LeadCadenceOut,
    summary="Resume the lead's cadence",
)
def resume_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.resume_enrolment)


@router.post(
    "/leads/{lead_id}/cadence/remove",
    **declares(ApiKey.SCOPE_LEADS_WRITE),
    response=LeadCadenceOut,
    summary="Remove the lead from its cadence",
)
def remove_lead(request: HttpRequest, lead_id: int, cadence_id: int | None = None):
    return _change(request, lead_id, cadence_id, services.remove_enrolment)
