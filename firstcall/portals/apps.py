from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "firstcall.portals"
    label = "portals"
    verbose_name = "Borrower and partner portals"
