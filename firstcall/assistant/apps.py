from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "firstcall.assistant"
    label = "assistant"
    verbose_name = "Assistant"
