"""The project's URLs plus the messaging webhooks (inbound SMS, unsubscribe) and the cadence API router, until
firstcall/urls.py and firstcall/api.py include them (see the cadence report). Routers can be mounted on more
than one API, so this keeps working after the lead adds the router to firstcall/api.py."""

from django.urls import include, path
from ninja import NinjaAPI

from firstcall.cadences.api import router as cadences_router

test_api = NinjaAPI(title="Cadences (tests)", version="test", urls_namespace="cadences_test_api")
test_api.add_router("/", cadences_router)

urlpatterns = [
    path("", include("firstcall.messaging.urls")),
    path("api/v1/", test_api.urls),
    path("", include("firstcall.urls")),
]
