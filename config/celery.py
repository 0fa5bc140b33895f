"""The Celery app; with no CELERY_BROKER_URL tasks run eagerly in the web process."""

import importlib
import logging
import os
import time

from celery import Celery

from . import deadline

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
        queue(task, args)

    transaction.on_commit(send)


def queue(task, args):
    """Send `task` to the broker now; say whether it was queued. A refused, reset or silent broker
    is logged and noted (so the next requests leave it alone a while), never raised: what was not
    queued is caught up."""
    try:
        publish(task, args)
    except Exception as error:  # noqa: BLE001 - refused, reset or silent: all the same here
        logger.warning(
            "Could not queue %s%r: the broker is unreachable (%s); it will be caught up",
            task.name,
            args,
            error,
        )
        if not isinstance(error, (BrokerResting, deadline.NoTimeLeft)):
            broker_trouble.note()
        return False
    broker_trouble.clear()
    return True


def registered_task(name):
    """The task registered as `name` ("search.tasks.sync_documents").

    Tasks are the outer shell: they call down into indexing and sync. Where that lower code must
    queue follow-up work it names the task as Celery beat does, so it never imports the module
    that imports it."""
    if name not in app.tasks:
        # Import the task's own module: Python's import lock makes a second thread wait until it
        # has run (and registered the task). Importing all the apps' modules instead left a
        # thread that came second, while the first was still importing, with no such task.
        importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]


class BrokerResting(Exception):
    """Queueing failed a moment ago: the broker is left alone for a while."""


def publish(task, args):
    """Send one task to the broker, once, waiting at most what the request has left.

    A connection of its own carries the wait: the pooled one's socket timeout is fixed when it
    opens, and a broker that accepts and never answers would hold the request that long for each
    task it queues. Publishing never retries; what was not queued is caught up."""
    if broker_trouble.resting:
        raise BrokerResting("it did not answer a moment ago")
    options = app.conf.broker_transport_options or {}
    wait = deadline.remaining(options.get("socket_timeout", 2))
    transport_options = {
        **options,
        "socket_timeout": wait,
        "socket_connect_timeout": min(wait, options.get("socket_connect_timeout", wait)),
        "max_retries": 0,
    }
    with app.connection_for_write(
        connect_timeout=wait, transport_options=transport_options
    ) as connection:
        task.apply_async(args, connection=connection, retry=False)


class BrokerTrouble:
    """When queueing last failed in this process, so the catch-up can run here meanwhile, and
    whether requests should leave the broker alone for now (BROKER_RETRY_SECONDS after a
    failure) rather than each wait for it again."""

    since = None
    last_failed = None

    def note(self):
        now = time.monotonic()
        self.since = self.since or now
        self.last_failed = now

    def clear(self):
        self.since = None
        self.last_failed = None

    @property
    def resting(self):
        from django.conf import settings

        return (
            self.last_failed is not None
            and time.monotonic() - self.last_failed < settings.BROKER_RETRY_SECONDS
        )


broker_trouble = BrokerTrouble()
