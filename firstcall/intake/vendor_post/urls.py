from django.urls import path

from firstcall.intake.vendor_post import mapping_views, views

urlpatterns = [
    path("hooks/post/<int:source_id>/", views.vendor_post_hook, name="vendor_post_hook"),
    path("sources/<int:source_id>/mapping/", mapping_views.source_mapping, name="source_mapping"),
]
