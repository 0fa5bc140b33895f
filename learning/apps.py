from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_shared_cache_table(using="default", **kwargs):
    """Every `migrate` (make run, the README's set-up, a throwaway benchmark database) makes the
    shared cache's table if it is missing; there is no separate step to forget."""
    call_command("createcachetable", database=using, verbosity=0)


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from . import signals  # noqa: F401
        from .filters import RecordIdConverter

        register_converter(RecordIdConverter, "id")

        post_migrate.connect(create_shared_cache_table, sender=self)
