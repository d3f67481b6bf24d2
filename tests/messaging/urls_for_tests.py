"""The project's URLs plus the messaging URLs, until firstcall/urls.py includes firstcall.messaging.urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("firstcall.messaging.urls")),
    path("", include("firstcall.urls")),
]
