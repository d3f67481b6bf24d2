"""The URLs as the project is to wire them: the lead page and settings before firstcall.web.urls (used by
tests/web/conftest.py and the browser tests until firstcall/urls.py includes them)."""

from django.urls import include, path

urlpatterns = [
    path("", include("firstcall.web.lead_urls")),
    path("", include("firstcall.web.settings_urls")),
    path("", include("firstcall.urls")),
]
