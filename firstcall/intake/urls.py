from django.urls import include, path

from firstcall.intake import views

urlpatterns = [
    path("intake/", views.intake_list, name="intake_list"),
    path("intake/<int:record_id>/", views.intake_detail, name="intake_detail"),
    path("intake/<int:record_id>/replay/", views.intake_replay, name="intake_replay"),
    path("intake/<int:record_id>/purge/", views.intake_purge, name="intake_purge"),
    path("", include("firstcall.intake.web_form.urls")),
    path("", include("firstcall.intake.google_ads.urls")),
    path("", include("firstcall.intake.meta.urls")),
    path("", include("firstcall.intake.vendor_post.urls")),
    path("", include("firstcall.intake.csv_import.urls")),
]
