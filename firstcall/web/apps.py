from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "firstcall.web"
    label = "web"
