from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "firstcall.pipeline"
    label = "pipeline"
