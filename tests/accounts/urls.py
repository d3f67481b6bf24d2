"""The URLs as the project wires them, accounts.urls first (used by tests/accounts/conftest.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("firstcall.accounts.urls")),
    path("", include("firstcall.urls")),
]
