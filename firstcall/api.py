"""The REST API (django-ninja): OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI

from firstcall.cadences.api import router as cadences_router
from firstcall.documents.api import router as documents_router
from firstcall.eligibility.api import router as assessments_router
from firstcall.leads.api import router as leads_router
from firstcall.reports.api import router as reports_router

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
