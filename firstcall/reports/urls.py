from django.urls import path

from firstcall.reports import views

urlpatterns = [path("reports/speed-to-lead/", views.speed_to_lead, name="speed_to_lead")]
