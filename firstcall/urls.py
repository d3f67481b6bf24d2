from django.contrib import admin
from django.urls import include, path

from firstcall.api import api

urlpatterns = [
    path("", include("firstcall.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("firstcall.intake.urls")),
    path("", include("firstcall.routing.urls")),
    path("", include("firstcall.cadences.urls")),
    path("", include("firstcall.messaging.urls")),
    path("", include("firstcall.compliance.urls")),
    path("", include("firstcall.eligibility.urls")),
    path("", include("firstcall.intake.calculator.urls")),
    path("", include("firstcall.reports.urls")),
    path("", include("firstcall.web.assistant_urls")),
    path("", include("firstcall.web.lead_urls")),
    path("", include("firstcall.web.settings_urls")),
    path("", include("firstcall.web.portal_urls")),
    path("", include("firstcall.web.urls")),
]
