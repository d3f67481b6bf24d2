"""Eligibility pages: the lead page's assessment panel (the borrower's calculator is in intake/calculator).

Included from firstcall/urls.py with `path("", include("firstcall.eligibility.urls"))`.
"""

from django.urls import path

from firstcall.eligibility import views

urlpatterns = [
    path("leads/<int:lead_id>/assessment/", views.lead_assessment, name="lead_assessment"),
    path("leads/<int:lead_id>/assessment/save/", views.lead_assessment_save, name="lead_assessment_save"),
    path("rules/", views.rule_catalogue, name="rule_catalogue"),
]
