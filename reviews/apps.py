from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews and briefings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import queues, reach, signals  # noqa: F401
        from .setup import ensure_case_log_permissions

        post_migrate.connect(ensure_case_log_permissions, sender=self)
