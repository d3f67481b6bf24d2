from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "firstcall.routing"
    label = "routing"
