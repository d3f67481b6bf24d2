"""What each API operation needs, declared once, enforced and published together.

`@router.get("/leads", **requires(ApiKey.SCOPE_LEADS_READ))` puts the API-key authentication that refuses a key
without one of the scopes (403, naming the scope) on the operation, and lists the scopes in the operation's
OpenAPI entry as `x-scopes`, so integrators read what a key needs and a test can check every operation against
every scope (tests/accounts/test_api_scopes.py). A read scope (leads:read) is only ever declared on operations
that change nothing.
"""

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, django_auth

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key

SCOPES_EXTENSION = "x-scopes"


class KeyWithScope(APIKeyHeader):
    """An API key in X-Api-Key holding at least one of the scopes."""

    param_name = "X-Api-Key"

    def __init__(self, *scopes: str):
        super().__init__()
        unknown = set(scopes) - ApiKey.KNOWN_SCOPES
        if unknown or not scopes:
            raise ValueError(f"Unknown or missing API scopes: {sorted(unknown)}")
        self.scopes = scopes

    def authenticate(self, request: HttpRequest, key: str | None):
        api_key = find_api_key(key)
        if api_key is None:
            return None
        if not any(api_key.has_scope(scope) for scope in self.scopes):
            raise HttpError(403, f"This API key needs the {' or '.join(self.scopes)} scope.")
        touch_api_key(api_key)
        return api_key


def requires(*scopes: str, signed_in: bool = False, openapi_extra: dict | None = None) -> dict:
    """Keyword arguments for a router decorator: the key check, and the scopes in the schema. `signed_in` also
    lets a signed-in person (session) call it; their role is then checked by the operation."""
    auth = [KeyWithScope(*scopes), django_auth] if signed_in else [KeyWithScope(*scopes)]
    return {"auth": auth, "openapi_extra": {**(openapi_extra or {}), SCOPES_EXTENSION: list(scopes)}}


def declares(*scopes: str, openapi_extra: dict | None = None) -> dict:
    """For an operation that checks its key itself (the intake endpoint records the request first): the scopes
    in the schema only."""
    return {"openapi_extra": {**(openapi_extra or {}), SCOPES_EXTENSION: list(scopes)}}
