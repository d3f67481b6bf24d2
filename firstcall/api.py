"""The REST API (django-ninja): OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.db import DataError
from django.http import HttpRequest
from ninja import NinjaAPI

from firstcall.cadences.api import router as cadences_router
from firstcall.documents.api import router as documents_router
from firstcall.eligibility.api import router as assessments_router
from firstcall.reports.api import router as reports_router
from firstcall.web.leads_api import router as leads_router

api = NinjaAPI(
    title="FirstCall API",
    version="1",
    description="Lead intake and lead data. Authenticate with an API key in the X-Api-Key header.",
    urls_namespace="api",
)
api.add_router("/", leads_router)
api.add_router("/", assessments_router)
api.add_router("/", cadences_router)
api.add_router("/", reports_router)
api.add_router("/", documents_router)


@api.exception_handler(DataError)
def value_the_database_cannot_hold(request: HttpRequest, error: DataError):
    # The last line of defence behind each schema's own bounds: a value out of the database's range is the
    # caller's error (400), never a server error. The database's message names the value, not the data.
    return api.create_response(
        request, {"detail": "a value is out of the range the database can store"}, status=400
    )
