"""POST /hooks/post/<source-id>/: vendors post form, JSON or XML; the source's field mapping reads it.

Like every intake endpoint, the request is stored first; authentication, limits and parsing come after, and
each refusal is kept on the intake record with its reason.
"""

import hmac
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.recording import record_request
from firstcall.intake.vendor_post.adapter import map_body
from firstcall.intake.vendor_post.parsing import XML, detect_format
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord, LeadSource


def key_matches(provided: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty configured secret never matches."""
    if not provided or not expected:
        return False
    return hmac.compare_digest(provided.encode(), expected.encode())


def _respond(as_xml: bool, status: int, payload: dict) -> HttpResponse:
    if not as_xml:
        return JsonResponse(payload, status=status)
    root = Element("response")
    for key, value in payload.items():
        if key == "errors" and isinstance(value, dict):
            errors = SubElement(root, "errors")
            for field_name, messages in value.items():
                for message in messages:
                    SubElement(errors, "error", {"field": str(field_name)}).text = str(message)
        elif value is not None:
            SubElement(root, key).text = str(value).lower() if isinstance(value, bool) else str(value)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")


def _refuse(record: IntakeRecord, as_xml: bool, status: int, detail: str) -> HttpResponse:
    lead_services.reject_intake(record, reasons=[detail])
    return _respond(as_xml, status, {"status": "rejected", "detail": detail, "intake_record_id": record.pk})


@csrf_exempt
def vendor_post_hook(request: HttpRequest, source_id: int) -> HttpResponse:
    source = (
        LeadSource.objects.select_related("organisation")
        .filter(pk=source_id, channel=Channel.VENDOR_POST)
        .first()
    )
    record, body = record_request(request, channel=Channel.VENDOR_POST, source=source)
    as_xml = detect_format(record.content_type) == XML
    if request.method != "POST":
        response = _refuse(record, as_xml, 405, "Post leads with POST.")
        response["Allow"] = "POST"
        return response
    if source is None:
        return _refuse(record, as_xml, 404, "No vendor post source has this id.")
    provided_key = request.headers.get("X-Api-Key") or request.GET.get("key")
    if not key_matches(provided_key, source.secret):
        record.is_signature_valid = False
        record.save(update_fields=["is_signature_valid"])
        return _refuse(
            record, as_xml, 401, "Missing or wrong key (send it in the X-Api-Key header or ?key=)."
        )
    record.is_signature_valid = True
    record.save(update_fields=["is_signature_valid"])
    if not source.is_active:
        return _refuse(record, as_xml, 403, "This lead source is paused.")
    if is_rate_limited(f"vendor_post:{source.pk}", settings.INTAKE_RATE_LIMIT_PER_MINUTE):
        return _refuse(record, as_xml, 429, "Too many requests; retry after a minute.")
    if record.is_body_truncated:
        return _refuse(record, as_xml, 413, f"Body is over the {settings.INTAKE_MAX_BODY_BYTES}-byte limit.")
    if detect_format(record.content_type) is None:
        return _refuse(
            record, as_xml, 415,
            "Unsupported content type: send application/x-www-form-urlencoded, application/json or "
            "application/xml.",
        )  # fmt: skip
    try:
        mapped = map_body(body, record.content_type, source.field_mapping)
    except IntakeParseError as error:
        # A broken mapping is ours to fix (503: the vendor may retry); a broken body is the vendor's (400).
        status = 503 if error.reason.startswith("The source's field mapping") else 400
        return _refuse(record, as_xml, status, error.reason)
    submission = mapped.submission
    if submission.is_test:
        record.is_test = True
        record.save(update_fields=["is_test"])
    result = lead_arrives(submission, organisation=source.organisation, intake_record=record, source=source)
    if not result.is_accepted:
        return _respond(as_xml, 422, {
            "status": "rejected", "detail": "Some fields need fixing.", "errors": result.errors,
            "intake_record_id": record.pk,
        })  # fmt: skip
    status = 201 if result.outcome == lead_services.CREATED and not result.is_replay else 200
    return _respond(as_xml, status, {
        "status": "accepted",
        "result": result.outcome,
        "duplicate": result.is_replay,
        "lead_id": result.lead.pk,
        "intake_record_id": record.pk,
        "is_test": submission.is_test,
    })  # fmt: skip
