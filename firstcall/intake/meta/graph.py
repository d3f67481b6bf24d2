"""The one Graph API call FirstCall makes: read a lead by its leadgen id.

GET {META_GRAPH_URL}/{leadgen_id}?access_token=...&fields=... (https://developers.facebook.com/docs/marketing-api/
guides/lead-ads/retrieving). Errors come back as {"error": {"message", "type", "code", "is_transient", ...}}.
The access token is a secret: it is never put in an error message or a log line.
"""

import re

import httpx
from django.conf import settings

LEAD_FIELDS = "created_time,field_data,ad_id,form_id,campaign_id,is_organic,platform"
# Graph error codes that mean "try again later": unknown error, service unavailable, and the rate limits
# (application, user, page, and per-hour call limits).
TRANSIENT_ERROR_CODES = {1, 2, 4, 17, 32, 341, 613}
_LEADGEN_ID = re.compile(r"^\d{1,40}$")


class GraphError(Exception):
    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status


def fetch_lead(leadgen_id: str, access_token: str) -> dict:
    """The lead's fields, or GraphError (retryable for outages, timeouts, 5xx, 429 and rate-limit codes)."""
    if not _LEADGEN_ID.match(leadgen_id or ""):
        raise GraphError(f"'{str(leadgen_id)[:40]}' is not a leadgen id.", retryable=False)
    if not access_token:
        raise GraphError(
            'No page access token is configured for this source (set "page_access_token" in its mapping).',
            retryable=False,
        )
    timeout = settings.META_GRAPH_TIMEOUT_SECONDS
    try:
        response = httpx.get(
            f"{settings.META_GRAPH_URL}/{leadgen_id}",
            params={"access_token": access_token, "fields": LEAD_FIELDS},
            timeout=timeout,
        )
    except httpx.TimeoutException as error:
        raise GraphError(f"Graph API did not answer within {timeout:g} s.", retryable=True) from error
    except httpx.HTTPError as error:
        raise GraphError(f"Graph API unreachable ({type(error).__name__}).", retryable=True) from error
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400 or (isinstance(data, dict) and "error" in data):
        raise _error_from(response.status_code, data)
    if not isinstance(data, dict):
        raise GraphError(
            f"Graph API answered HTTP {response.status_code} without a JSON object.", retryable=True
        )
    return data


def _error_from(status: int, data) -> GraphError:
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or "no message")[:300]
    code = error.get("code")
    kind = str(error.get("type") or "error")[:60]
    detail = f"Graph API error HTTP {status}: {message} ({kind}, code {code})"
    retryable = (
        status >= 500 or status == 429 or error.get("is_transient") is True or code in TRANSIENT_ERROR_CODES
    )
    return GraphError(detail, retryable=retryable, status=status)
