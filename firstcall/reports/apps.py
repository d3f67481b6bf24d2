from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "firstcall.reports"
    label = "reports"
