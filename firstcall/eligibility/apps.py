from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "firstcall.eligibility"
    label = "eligibility"
