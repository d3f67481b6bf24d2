from django.urls import path

from firstcall.intake.csv_import import views

urlpatterns = [
    path("sources/<int:source_id>/import/", views.csv_upload, name="csv_upload"),
    path(
        "sources/<int:source_id>/import/<int:import_id>/", views.csv_import_detail, name="csv_import_detail"
    ),
    path("sources/<int:source_id>/import/<int:import_id>/mapping/", views.csv_mapping, name="csv_mapping"),
    path(
        "sources/<int:source_id>/import/<int:import_id>/status/",
        views.csv_import_status,
        name="csv_import_status",
    ),
    path(
        "sources/<int:source_id>/import/<int:import_id>/errors.csv",
        views.csv_error_report,
        name="csv_error_report",
    ),
]
