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

    The change itself is already stored when this runs, so neither a broker outage nor a failing
    task run in process (a mail server that is down) may turn it into an error page: the failure
    is logged and the periodic catch-up (index reconciliation, owed notifications) makes it good.
    """
    from django.db import transaction

    def send():
        if app.conf.task_always_eager:
            try:
                task.delay(*args)
            except Exception:  # noqa: BLE001 - whatever failed, the person's change is stored
                logger.exception("%s%r failed in process; it will be caught up", task.name, args)
            return
        try:
            task.delay(*args)
        except Exception as error:  # noqa: BLE001 - refused, reset or silent: all the same here
            logger.warning(
                "Could not queue %s%r: the broker is unreachable (%s); it will be caught up",
                task.name,
                args,
                error,
            )
            broker_trouble.note()
        else:
            broker_trouble.clear()

    transaction.on_commit(send)


def registered_task(name):
    """The task registered as `name` ("search.tasks.sync_documents").

    Tasks are the outer shell: they call down into indexing and sync. Where that lower code must
    queue follow-up work it names the task as Celery beat does, so it never imports the module
    that imports it."""
    if name not in app.tasks:
        app.loader.import_default_modules()  # each app's tasks module, as a worker loads them
    return app.tasks[name]


class BrokerTrouble:
    """When queueing last failed in this process, so the catch-up can run here meanwhile."""

    since = None

    def note(self):
        import time

        self.since = self.since or time.monotonic()

    def clear(self):
        self.since = None


broker_trouble = BrokerTrouble()
