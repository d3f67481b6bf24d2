from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "firstcall.leads"
    label = "leads"
