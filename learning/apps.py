from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from . import signals  # noqa: F401
        from .filters import RecordIdConverter

        register_converter(RecordIdConverter, "id")
