"""The periodic catch-up, run inside the web process when no worker will run it.

Celery beat normally reconciles the search index and sends owed notifications. With no broker
(the embedded default), or while the broker cannot be reached, nothing would: so after a
response, at most every CATCH_UP_IN_PROCESS_SECONDS, the web process runs them itself in a
background thread, never making a visitor wait. An uploaded review document waiting to be read
starts it at once (`start_now`), whatever the interval.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)
_running = threading.Lock()
_again = threading.Event()
_last_started = None
# Set when work is owed that should not wait for the next interval (a published review's similar
# recommendations): the catch-up then starts after the current response.
owed = threading.Event()


def catch_up():
    """Run each periodic catch-up task here and now; one failing does not stop the others."""
    from learning.tasks import send_owed_notifications
    from reviews.importer.tasks import read_waiting_imports
    from search.tasks import reconcile_index, update_recurrence

    owed.clear()
    for task in (read_waiting_imports, update_recurrence, reconcile_index, send_owed_notifications):
        try:
            task()
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            logger.exception("In-process catch-up %s failed; it will run again", task.name)


def runs_in_process():
    from .celery import app, broker_trouble

    if not settings.CATCH_UP_IN_PROCESS_SECONDS:
        return False
    return app.conf.task_always_eager or broker_trouble.since is not None


def is_due(now):
    if not runs_in_process():
        return False  # beat and a worker are doing it
    interval = settings.CATCH_UP_IN_PROCESS_SECONDS
    return owed.is_set() or _last_started is None or now - _last_started >= interval


def _run_in_background():
    try:
        while True:
            _again.clear()
            catch_up()
            # Asked for again while running (another upload): run once more rather than leave
            # that upload waiting for the next interval.
            if not _again.is_set():
                break
    finally:
        connections.close_all()
        _running.release()


def _start(now):
    global _last_started
    if not _running.acquire(blocking=False):
        return None
    _last_started = now
    thread = threading.Thread(target=_run_in_background, name="catch-up", daemon=True)
    thread.start()
    return thread


def start_if_due():
    """Start the catch-up in a background thread if it is due; the thread, or None."""
    now = time.monotonic()
    return _start(now) if is_due(now) else None


def start_now():
    """Start the catch-up now (or once more after the run under way), whatever the interval:
    something is waiting that a person is watching. The thread, or None."""
    if not runs_in_process():
        return None
    _again.set()
    return _start(time.monotonic())


class CatchUpMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        start_if_due()
        return response
