"""The Celery app; with no CELERY_BROKER_URL tasks run eagerly in the web process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("learning_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {}


def schedule(name, task, when):
    """Register a periodic task; apps call this from their tasks modules."""
    app.conf.beat_schedule[name] = {"task": task, "schedule": when}


__all__ = ["app", "crontab", "schedule"]
