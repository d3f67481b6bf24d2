"""The borrower's calculator pages. Included from firstcall/urls.py with
`path("", include("firstcall.intake.calculator.urls"))`; the names are not namespaced (templates reverse them)."""

from django.urls import path

from firstcall.intake.calculator import views

urlpatterns = [
    path("calculator/<slug:org_slug>/", views.calculator, name="calculator"),
    path("calculator/<slug:org_slug>/quote/", views.calculator_quote, name="calculator_quote"),
    path("calculator/<slug:org_slug>/thanks/", views.calculator_thanks, name="calculator_thanks"),
    path(
        "calculator/<slug:org_slug>/embed.js", views.calculator_embed_script, name="calculator_embed_script"
    ),
]
