from django.urls import path

from firstcall.reports import views

urlpatterns = [
    path("reports/", views.reports_home, name="reports_home"),
    path("reports/speed-to-lead/", views.speed_to_lead, name="speed_to_lead"),
    path("reports/sources/<int:source_id>/credits.csv", views.vendor_credits, name="report_vendor_credits"),
    path("reports/<slug:name>/", views.report_page, name="report_page"),
]
