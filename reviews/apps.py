from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews and briefings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import queues, reach, signals  # noqa: F401
