"""The search app: one search-document shape, two engines, and the receivers that keep it current."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "learning_search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals

        signals.connect()
