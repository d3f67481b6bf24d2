from django.urls import path

from firstcall.leads import views

urlpatterns = [
    path("leads/duplicates/", views.duplicate_queue, name="duplicate_queue"),
    path("leads/duplicates/<int:pair_id>/", views.duplicate_decide, name="duplicate_decide"),
    path("leads/<int:lead_id>/privacy/", views.lead_privacy, name="lead_privacy"),
    path("leads/<int:lead_id>/privacy/export/", views.lead_export, name="lead_export"),
    path("leads/<int:lead_id>/privacy/erase/", views.lead_erase, name="lead_erase"),
]
