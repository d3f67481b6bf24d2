from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "firstcall.messaging"
    label = "messaging"
