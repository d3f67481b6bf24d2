"""Write the raw request down first, before parsing, authentication or anything else that can fail."""

import json
import re

from django.conf import settings
from django.http import HttpRequest

from firstcall.accounts.client import client_ip
from firstcall.leads.models import IntakeRecord

SECRET_HEADERS = {"authorization", "x-api-key", "cookie", "x-twilio-signature", "proxy-authorization"}
KEPT_HEADERS = {
    "content-type", "content-length", "user-agent", "x-forwarded-for", "x-real-ip", "referer", "origin",
    "x-hub-signature-256", "x-request-id", "accept", "x-firstcall-signature",
}  # fmt: skip
SECRET_BODY_KEYS = ("google_key", "api_key", "apikey", "password", "secret", "token", "access_token", "key")
_JSON_SECRET = re.compile(
    r'("(?:{})"\s*:\s*)"(?:[^"\\]|\\.)*"'.format("|".join(SECRET_BODY_KEYS)), re.IGNORECASE
)
_FORM_SECRET = re.compile(r"(^|&)((?:{})=)[^&]*".format("|".join(SECRET_BODY_KEYS)), re.IGNORECASE)
REDACTED = "[redacted]"


def read_body_limited(request: HttpRequest, limit: int) -> tuple[bytes, int, bool]:
    """Read at most `limit` bytes of the body. Returns (body, declared or read size, truncated?).

    Reading the stream directly keeps an oversized body from ever being buffered whole."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if hasattr(request, "_body"):
        body = request._body
    else:
        body = request.read(limit + 1)
        if len(body) <= limit and declared <= limit:
            # Let later code (form parsing, request.POST) see the body we consumed.
            request._body = body
            request._stream = None
    truncated = len(body) > limit or declared > limit
    return body[:limit], max(declared, len(body)), truncated


def redact_body(text: str, content_type: str) -> str:
    if "json" in content_type or text.lstrip().startswith("{"):
        return _JSON_SECRET.sub(lambda m: m.group(1) + json.dumps(REDACTED), text)
    if "x-www-form-urlencoded" in content_type:
        return _FORM_SECRET.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return text


_QUERY_SECRET = re.compile(
    r"([?&](?:{})=)[^&]*".format("|".join([*SECRET_BODY_KEYS, r"hub\.verify_token"])), re.IGNORECASE
)


def redact_query(path: str) -> str:
    return _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, path)


def redact_headers(request: HttpRequest) -> dict:
    headers = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in SECRET_HEADERS:
            headers[lower] = REDACTED
        elif lower in KEPT_HEADERS or lower.startswith("x-"):
            headers[lower] = value[:500]
    return headers


def record_request(request: HttpRequest, *, channel: str, source=None, organisation=None,
                   limit: int | None = None, is_signature_valid: bool | None = None,
                   ) -> tuple[IntakeRecord, bytes]:  # fmt: skip
    """Store the request as an IntakeRecord (committed at once) and return it with the raw body."""
    limit = limit or settings.INTAKE_MAX_BODY_BYTES
    body, size, truncated = read_body_limited(request, limit)
    content_type = request.META.get("CONTENT_TYPE", "")[:200]
    # PostgreSQL text cannot hold NUL; the raw bytes still go to the parser untouched.
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    record = IntakeRecord.objects.create(
        organisation=organisation or (source.organisation if source else None),
        source=source,
        channel=channel,
        method=request.method,
        path=redact_query(request.get_full_path())[:500],
        content_type=content_type,
        headers=redact_headers(request),
        body=redact_body(text, content_type.lower()),
        body_size=size,
        is_body_truncated=truncated,
        remote_ip=client_ip(request),
        is_signature_valid=is_signature_valid,
        reasons=[f"Body of {size} bytes is over the {limit}-byte limit; kept truncated"] if truncated else [],
    )
    return record, body
