"""/hooks/meta/<source-id>/: Meta Lead Ads webhook.

GET is the subscription handshake (echo hub.challenge when hub.verify_token matches). POST is a signed leadgen
notification: verify X-Hub-Signature-256 over the raw body, store, answer 200 at once, and fetch each lead
from the Graph API in a background task (see services.py), so a slow Graph API never times out Meta's
delivery.
"""

import hashlib
import hmac
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from firstcall.accounts.throttle import is_rate_limited
from firstcall.intake.meta import tasks
from firstcall.intake.meta.services import accept_notification
from firstcall.intake.recording import record_request
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord, LeadSource
from firstcall.lib.jsonsafe import UnsafeJson, loads_object

_VERIFY_TOKEN_IN_QUERY = re.compile(r"(hub\.verify_token=)[^&]*", re.IGNORECASE)
_CHALLENGE = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


def _refuse(record: IntakeRecord, status: int, detail: str) -> JsonResponse:
    lead_services.reject_intake(record, reasons=[detail])
    return JsonResponse({"detail": detail, "intake_record_id": record.pk}, status=status)


def _flag(record: IntakeRecord, valid: bool) -> None:
    record.is_signature_valid = valid
    record.save(update_fields=["is_signature_valid"])


def signature_matches(header: str | None, app_secret: str, raw_body: bytes) -> bool:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed by the app secret>, constant
    time."""
    if not header or not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())


def _token_matches(provided: str | None, expected: str) -> bool:
    if not provided or not expected:
        return False
    return hmac.compare_digest(provided.encode(), expected.encode())


@csrf_exempt
def meta_hook(request: HttpRequest, source_id: int) -> HttpResponse:
    source = (
        LeadSource.objects.select_related("organisation").filter(pk=source_id, channel=Channel.META).first()
    )
    record, body = record_request(request, channel=Channel.META, source=source)
    if "verify_token" in record.path:
        record.path = _VERIFY_TOKEN_IN_QUERY.sub(r"\1[redacted]", record.path)
        record.save(update_fields=["path"])
    if request.method == "GET":
        return _handshake(request, record, source)
    if request.method != "POST":
        response = _refuse(record, 405, "Use GET for the handshake and POST for notifications.")
        response["Allow"] = "GET, POST"
        return response
    if source is None:
        return _refuse(record, 404, "No Meta source has this id.")
    if record.is_body_truncated:
        return _refuse(record, 413, f"Body is over the {settings.INTAKE_MAX_BODY_BYTES}-byte limit.")
    if not signature_matches(request.headers.get("X-Hub-Signature-256"), source.secret, body):
        _flag(record, False)
        return _refuse(record, 403, "Missing or wrong X-Hub-Signature-256.")
    _flag(record, True)
    if not source.is_active:
        return _refuse(record, 403, "This lead source is paused.")
    if is_rate_limited(f"meta:{source.pk}", settings.INTAKE_RATE_LIMIT_PER_MINUTE):
        return _refuse(record, 429, "Too many requests; retry after a minute.")
    if "json" not in record.content_type.lower():
        return _refuse(record, 415, "Meta posts JSON (Content-Type: application/json).")
    try:
        notification = loads_object(body)
    except (UnsafeJson, UnicodeDecodeError) as error:
        return _refuse(
            record, 400, str(error) if isinstance(error, UnsafeJson) else "Body is not UTF-8 JSON."
        )
    waiting = accept_notification(record, notification, enqueue_fetch=tasks.enqueue_fetch)
    # 200 even without a leadgen change: Meta would only repeat a notification we have already kept.
    return JsonResponse({"received": len(waiting), "intake_record_id": record.pk}, status=200)


def _handshake(request: HttpRequest, record: IntakeRecord, source: LeadSource | None) -> HttpResponse:
    if source is None:
        return _refuse(record, 404, "No Meta source has this id.")
    challenge = request.GET.get("hub.challenge", "")
    if request.GET.get("hub.mode") != "subscribe" or not _token_matches(
        request.GET.get("hub.verify_token"), source.verify_token
    ):
        _flag(record, False)
        return _refuse(record, 403, "Handshake refused: wrong hub.mode or hub.verify_token.")
    _flag(record, True)
    if not _CHALLENGE.match(challenge):
        return _refuse(record, 400, "hub.challenge is missing or not a plain token.")
    lead_services.reject_intake(
        record, reasons=["Subscription handshake verified (no lead)."], status=IntakeRecord.Status.PROCESSED
    )
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
