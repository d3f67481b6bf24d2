"""POST /api/v1/leads: the JSON intake endpoint. Every request is recorded before it is judged."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key
from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake import deferred
from firstcall.intake.json_api import submission_from_json
from firstcall.intake.recording import record_request
from firstcall.intake.schemas import LeadIn
from firstcall.intake.tasks import enqueue_capture
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IdempotencyKey, IntakeRecord
from firstcall.lib.jsonsafe import UnsafeJson, loads_object


def _refuse(record: IntakeRecord, status: int, detail: str, **extra) -> JsonResponse:
    lead_services.reject_intake(record, reasons=[detail], field_errors=extra.get("errors"))
    return JsonResponse({"detail": detail, "intake_record_id": record.pk, **extra}, status=status)


CREATE_LEAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": LeadIn.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    },
    "parameters": [
        {"in": "header", "name": "X-Api-Key", "required": True, "schema": {"type": "string"}},
        {
            "in": "header",
            "name": "Prefer",
            "required": False,
            "schema": {"type": "string"},
            "description": "respond-async: answer 202 at once and capture in the background; add wait=N "
            "(seconds, at most 10) to wait that long for the result (RFC 7240)",
        },
    ],
    "responses": {
        "201": {"description": "Lead created or merged: {id, result: created|merged}"},
        "202": {
            "description": "Accepted for capture in the background: {status: received, intake_record_id}"
        },
        "401": {"description": "Missing or unknown API key"},
        "403": {"description": "Key may not create leads, or its source is inactive"},
        "413": {"description": "Body over the size limit"},
        "422": {"description": "Field errors: {detail, errors: {field: [messages]}}"},
        "429": {"description": "Rate limited"},
    },
}


def create_lead(request: HttpRequest):
    # The key is looked up (a read) before the request is recorded, so the record is written once, already
    # filed under its organisation and source; a failed lookup is recorded just the same.
    api_key = find_api_key(request.headers.get("X-Api-Key"))
    record, body = record_request(
        request,
        channel=Channel.API,
        organisation=api_key.organisation if api_key else None,
        source=api_key.lead_source if api_key else None,
        is_signature_valid=api_key is not None,
    )
    if api_key is None:
        return _refuse(record, 401, "Missing or unknown API key (send it in the X-Api-Key header).")
    touch_api_key(api_key)
    if not (api_key.has_scope(ApiKey.SCOPE_LEADS_CREATE) or api_key.has_scope(ApiKey.SCOPE_LEADS_WRITE)):
        return _refuse(record, 403, "This API key may not create leads.")
    if api_key.lead_source is not None and not api_key.lead_source.is_active:
        return _refuse(record, 403, "This lead source is paused.")
    if is_rate_limited(f"api:{api_key.pk}", settings.INTAKE_RATE_LIMIT_PER_MINUTE):
        return _refuse(record, 429, "Too many requests; retry after a minute.")
    if record.is_body_truncated:
        return _refuse(record, 413, f"Body is over the {settings.INTAKE_MAX_BODY_BYTES}-byte limit.")
    if "json" not in record.content_type.lower():
        return _refuse(record, 415, "Send the lead as JSON (Content-Type: application/json).")
    try:
        # The API's caller can fix and resend, so text that is not text is refused rather than cleaned.
        data = loads_object(body, refuse_unpaired_surrogates=True)
    except (UnsafeJson, UnicodeDecodeError) as error:
        return _refuse(record, 400, str(error))
    prefer = parse_prefer(request.headers.get("Prefer", ""))
    if "respond-async" in prefer:
        deferred.defer_capture(record, enqueue_capture)
        wait = _wait_seconds(prefer.get("wait"))
        if wait:
            record = deferred.wait_for(record, wait)
            if record.status in deferred.SETTLED_OUTCOME or record.status == IntakeRecord.Status.DUPLICATE:
                return _captured(record)
            if record.status == IntakeRecord.Status.REJECTED:
                return JsonResponse(
                    {
                        "detail": "Some fields need fixing.",
                        "errors": record.field_errors,
                        "intake_record_id": record.pk,
                    },
                    status=422,
                )
        return JsonResponse({"status": "received", "intake_record_id": record.pk}, status=202)
    submission = submission_from_json(
        data, client_ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
    )
    result = lead_arrives(
        submission, organisation=api_key.organisation, intake_record=record, source=api_key.lead_source
    )
    if not result.is_accepted:
        return JsonResponse(
            {"detail": "Some fields need fixing.", "errors": result.errors, "intake_record_id": record.pk},
            status=422,
        )
    return JsonResponse(
        {
            "id": result.lead.pk,
            "lead_id": result.lead.pk,
            "result": result.outcome,
            "created": result.outcome == lead_services.CREATED,
            "merged": result.outcome == lead_services.MERGED,
            "idempotent_replay": result.is_replay,
            "intake_record_id": record.pk,
        },
        status=201,
    )


def parse_prefer(header: str) -> dict:
    """RFC 7240 preferences: "respond-async, wait=5" -> {"respond-async": "", "wait": "5"}."""
    preferences = {}
    for part in header.replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            preferences[name.strip().lower()] = value.strip().strip('"')
    return preferences


def _wait_seconds(value) -> float:
    try:
        return max(0.0, min(float(value), 10.0)) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


def _captured(record: IntakeRecord) -> JsonResponse:
    if record.status == IntakeRecord.Status.DUPLICATE:
        first = IdempotencyKey.objects.filter(key=record.idempotency_key).values_list(
            "first_outcome", flat=True
        )
        outcome = first.first() or lead_services.CREATED
    else:
        outcome = deferred.SETTLED_OUTCOME[record.status]
    return JsonResponse(
        {
            "id": record.lead_id,
            "lead_id": record.lead_id,
            "result": outcome,
            "created": outcome == lead_services.CREATED,
            "merged": outcome == lead_services.MERGED,
            "idempotent_replay": record.status == IntakeRecord.Status.DUPLICATE,
            "intake_record_id": record.pk,
        },
        status=201,
    )
