from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "firstcall.integrations"
    label = "integrations"
    verbose_name = "Integrations"
