"""POST /hooks/google-ads/<source-id>/: Google Ads lead form webhook.

Google retries deliveries that do not get a 2xx, so a lead that reached the intake record and was judged
(created, merged, or rejected for its fields, kept for replay) answers 200 with an empty JSON object; only
requests that a retry could fix (rate limit, unreadable body) or that must not be trusted (wrong google_key)
get an error.
"""

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.google_ads.adapter import map_lead, parse_body
from firstcall.intake.recording import record_request
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord, LeadSource


def _refuse(record: IntakeRecord, status: int, detail: str) -> JsonResponse:
    lead_services.reject_intake(record, reasons=[detail])
    return JsonResponse({"detail": detail, "intake_record_id": record.pk}, status=status)


def google_key_matches(provided, expected: str) -> bool:
    if not isinstance(provided, str) or not provided or not expected:
        return False
    return hmac.compare_digest(provided.encode(), expected.encode())


@csrf_exempt
def google_ads_hook(request: HttpRequest, source_id: int) -> JsonResponse:
    source = (
        LeadSource.objects.select_related("organisation")
        .filter(pk=source_id, channel=Channel.GOOGLE_ADS)
        .first()
    )
    record, body = record_request(request, channel=Channel.GOOGLE_ADS, source=source)
    if request.method != "POST":
        response = _refuse(record, 405, "Google Ads delivers leads with POST.")
        response["Allow"] = "POST"
        return response
    if source is None:
        return _refuse(record, 404, "No Google Ads source has this id.")
    if record.is_body_truncated:
        return _refuse(record, 413, f"Body is over the {settings.INTAKE_MAX_BODY_BYTES}-byte limit.")
    if "json" not in record.content_type.lower():
        return _refuse(record, 415, "Google Ads posts JSON (Content-Type: application/json).")
    try:
        data = parse_body(body)
    except IntakeParseError as error:
        return _refuse(record, 400, error.reason)
    # The key travels inside the body (WebhookLead.google_key); compare in constant time.
    if not google_key_matches(data.get("google_key"), source.secret):
        record.is_signature_valid = False
        record.save(update_fields=["is_signature_valid"])
        missing = not data.get("google_key")
        return _refuse(
            record, 401 if missing else 403, "Missing google_key." if missing else "Wrong google_key."
        )
    record.is_signature_valid = True
    record.is_test = data.get("is_test") is True
    record.save(update_fields=["is_signature_valid", "is_test"])
    if not source.is_active:
        return _refuse(record, 403, "This lead source is paused.")
    if is_rate_limited(f"google_ads:{source.pk}", settings.INTAKE_RATE_LIMIT_PER_MINUTE):
        return _refuse(record, 429, "Too many requests; retry after a minute.")
    try:
        submission = map_lead(data, source.field_mapping).submission
    except IntakeParseError as error:
        return _refuse(record, 503, error.reason)  # our mapping is broken: let Google retry after the fix
    lead_arrives(submission, organisation=source.organisation, intake_record=record, source=source)
    return JsonResponse({}, status=200)
