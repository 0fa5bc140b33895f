"""End to end: a reminder goes through a real Redis broker to a real Celery worker and leaves."""

import datetime

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

import learning.tasks  # noqa: F401  (registers the reminder tasks with every Celery app)
from config.celery import app as project_app
from learning.models import ReminderLog

from .factories import AgencyActionFactory, agency_lead
from .servers import redis_server

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def celery_on_redis():
    """A Celery app with the project's settings but a throwaway Redis as broker and result store,
    and a real worker consuming from it. The project's own (eager) app is left untouched."""
    with redis_server() as url:
        app = Celery("learning_hub", set_as_current=False)
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
        app.finalize()  # registers the project's shared tasks, learning.tasks among them
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                yield app
        finally:
            # The test worker makes its app the current and default one; the tasks of every later
            # test must go back to the project's app, not to this stopped Redis.
            project_app.set_default()
            project_app.set_current()


def test_overdue_reminder_travels_through_redis_to_a_worker_and_is_sent(
    celery_on_redis, police, mailoutbox
):
    lead = agency_lead(police, "police-lead")
    AgencyActionFactory(
        agency=police,
        description="Escalation training for custody sergeants",
        original_due_date=timezone.localdate() - datetime.timedelta(days=9),
        current_due_date=timezone.localdate() - datetime.timedelta(days=9),
    )

    remind_overdue = celery_on_redis.tasks["learning.tasks.remind_overdue"]
    result = remind_overdue.delay()
    assert result.get(timeout=60) == 1

    assert [email.to for email in mailoutbox] == [[lead.email]]
    assert "Escalation training for custody sergeants" in mailoutbox[0].body
    assert ReminderLog.objects.filter(kind="overdue", recipient=lead.email).count() == 1

    # Sent again through the broker: the log stops a second email.
    assert remind_overdue.delay().get(timeout=60) == 0
    assert len(mailoutbox) == 1
