from django.contrib import admin
from django.urls import include, path

from firstcall.api import api
from firstcall.web.document_review_views import complete_document_review, request_documents_from_borrower

urlpatterns = [
    path("", include("firstcall.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("firstcall.intake.urls")),
    path("", include("firstcall.leads.urls")),
    path("", include("firstcall.routing.urls")),
    path("", include("firstcall.cadences.urls")),
    path("", include("firstcall.messaging.urls")),
    path("", include("firstcall.compliance.urls")),
    path("", include("firstcall.eligibility.urls")),
    path("", include("firstcall.intake.calculator.urls")),
    path("", include("firstcall.documents.urls")),
    path("documents/<int:document_id>/complete/", complete_document_review, name="document_complete"),
    path("leads/<int:lead_id>/documents/request/", request_documents_from_borrower, name="lead_documents_request"),
    path("", include("firstcall.reports.urls")),
    path("", include("firstcall.web.assistant_urls")),
    path("", include("firstcall.web.lead_urls")),
    path("", include("firstcall.integrations.urls")),
    path("", include("firstcall.web.settings_urls")),
    path("", include("firstcall.web.routing_rule_urls")),
    path("", include("firstcall.web.portal_urls")),
    path("", include("firstcall.web.urls")),
]
