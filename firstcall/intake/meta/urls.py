from django.urls import path

from firstcall.intake.meta import views

urlpatterns = [
    path("hooks/meta/<int:source_id>/", views.meta_hook, name="meta_hook"),
]
