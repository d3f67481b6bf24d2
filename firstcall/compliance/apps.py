from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "firstcall.compliance"
    label = "compliance"
    verbose_name = "Compliance"
