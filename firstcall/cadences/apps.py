from django.apps import AppConfig


class CadencesConfig(AppConfig):
    name = "firstcall.cadences"
    label = "cadences"
