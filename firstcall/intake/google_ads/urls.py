from django.urls import path

from firstcall.intake.google_ads import views

urlpatterns = [
    path("hooks/google-ads/<int:source_id>/", views.google_ads_hook, name="google_ads_hook"),
]
