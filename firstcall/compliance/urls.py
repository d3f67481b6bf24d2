from django.urls import path

from firstcall.compliance import views

urlpatterns = [
    path("compliance/leads/<int:lead_id>/history.csv", views.history_csv, name="compliance_history_csv"),
    path("compliance/leads/<int:lead_id>/history.pdf", views.history_pdf, name="compliance_history_pdf"),
]
