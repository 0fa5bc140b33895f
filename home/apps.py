from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Home"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .setup import ensure_partnership_setup

        post_migrate.connect(ensure_partnership_setup, sender=self)
