"""The signed form token that stands in for Django's CSRF cookie.

The form is embedded cross-site in an iframe, where browsers no longer send our cookies (SameSite), so the
CSRF cookie check cannot work. Instead every rendered form carries a token signed with SECRET_KEY that
names the source, the time it was rendered, and a hash of the exact consent disclosure shown. A post without
a valid, fresh token is not turned into a lead; and a stored body can later prove which disclosure the
borrower saw.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "firstcall.intake.web_form"
DEFAULT_MAX_AGE_SECONDS = 2 * 3600


@dataclass(frozen=True)
class FormToken:
    source_id: int
    disclosure_hash: str


def disclosure_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_form_token(source_id: int, disclosure_text: str) -> str:
    return signing.dumps({"s": source_id, "d": disclosure_hash(disclosure_text)}, salt=SALT)


def max_age_seconds() -> int:
    return int(getattr(settings, "WEB_FORM_TOKEN_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


def read_form_token(token: str, *, source_id: int, max_age: int | None) -> FormToken | None:
    """The token's content when its signature is ours, it names this source, and (if max_age) it is fresh."""
    if not token or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or data.get("s") != source_id or not isinstance(data.get("d"), str):
        return None
    return FormToken(source_id=source_id, disclosure_hash=data["d"])
