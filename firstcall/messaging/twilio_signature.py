"""Twilio's request signature (X-Twilio-Signature), shared by our webhooks and the local stand-in server.

Algorithm (https://www.twilio.com/docs/usage/security#validating-requests): take the full URL Twilio requested
(scheme, host, path and query string), append each POST parameter name followed by its value, sorted by name,
HMAC-SHA1 the result with the account's auth token, base64-encode. Pure Python, no Django: the stand-in
imports it.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping


def _pairs(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(key), str(value)) for key, value in items]


def compute_signature(
    url: str, params: Mapping[str, str] | Iterable[tuple[str, str]], auth_token: str
) -> str:
    # Repeated keys are sorted by name, then value, as Twilio's own validators do.
    payload = url + "".join(key + value for key, value in sorted(_pairs(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_valid_signature(url: str, params, signature: str, auth_token: str) -> bool:
    if not auth_token or not signature:
        return False
    expected = compute_signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode(), signature.encode())
