"""Reports over the API: GET /api/v1/reports/{funnel|speed|roi|cadences|activity}?from=&to=&by=&source=&lo=&team=&loan_type=
The answer carries the counts and sums behind every ratio. An API key needs leads:read and sees its whole
organisation; a signed-in person sees what their role sees (their own, their teams', or everything)."""

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, django_auth

from firstcall.accounts.api_scopes import declares
from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key
from firstcall.reports import queries
from firstcall.reports.filters import BadFilter, filters_from


class ReportKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        api_key = find_api_key(key)
        if api_key is None:
            return None
        touch_api_key(api_key)
        return api_key


router = Router(tags=["reports"], auth=[ReportKey(), django_auth])


@router.get(
    "/reports/{name}",
    **declares(ApiKey.SCOPE_LEADS_READ),
    summary="A report as JSON, with the inputs behind each ratio",
)
def report(request, name: str):
    if name not in queries.REPORTS:
        raise HttpError(404, f"Unknown report; one of {', '.join(queries.REPORTS)}.")
    principal = request.auth
    if isinstance(principal, ApiKey):
        if not principal.has_scope(ApiKey.SCOPE_LEADS_READ):
            raise HttpError(403, f"This API key needs the {ApiKey.SCOPE_LEADS_READ} scope.")
        organisation_id, user = principal.organisation_id, None
    else:
        organisation_id, user = principal.organisation_id, principal
        if organisation_id is None:
            raise HttpError(403, "You belong to no organisation.")
    try:
        filters = filters_from(request.GET, organisation_id)
        return _plain(queries.REPORTS[name](user, filters))
    except BadFilter as error:
        raise HttpError(422, f"Invalid filter: {error}") from error
    except queries.ReportRefused as error:
        raise HttpError(403, str(error)) from error


def _plain(value):
    from datetime import date
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
