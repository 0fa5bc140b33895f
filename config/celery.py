"""The Celery app; with no CELERY_BROKER_URL tasks run eagerly in the web process."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("learning_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args):
    """Queue `task` once the current transaction commits.

    The change itself is already stored when this runs, so a broker outage must not turn it into
    an error page: the failure is logged and the periodic tasks (index reconciliation, reminders)
    catch up when the broker is back.
    """
    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send():
        if app.conf.task_always_eager:
            task.delay(*args)
            return
        try:
            task.delay(*args)
        except (OperationalError, OSError):
            logger.warning("Could not queue %s%r: the broker is unreachable", task.name, args)

    transaction.on_commit(send)
