"""Eligibility pages: the lead page's assessment panel and the borrower's pre-qualification calculator.

Included from firstcall/urls.py with `path("", include("firstcall.eligibility.urls"))`.
"""

from django.urls import path

from firstcall.eligibility import views

urlpatterns = [
    path("leads/<int:lead_id>/assessment/", views.lead_assessment, name="lead_assessment"),
    path("leads/<int:lead_id>/assessment/save/", views.lead_assessment_save, name="lead_assessment_save"),
    path("rules/", views.rule_catalogue, name="rule_catalogue"),
    path("calculator/<slug:org_slug>/", views.calculator, name="calculator"),
    path("calculator/<slug:org_slug>/quote/", views.calculator_quote, name="calculator_quote"),
    path("calculator/<slug:org_slug>/thanks/", views.calculator_thanks, name="calculator_thanks"),
    path(
        "calculator/<slug:org_slug>/embed.js", views.calculator_embed_script, name="calculator_embed_script"
    ),
]
