"""A broker outage never loses a write nor shows an error page: the change is stored, the queueing
failure is logged, and the periodic tasks catch up when the broker is back."""

import pytest

from config.celery import app
from learning.models import AgencyAction, ProgressUpdate
from tests.servers import free_port

from .conftest import client_for
from .factories import AgencyActionFactory


def _reset_connection_pool():
    # The pools keep the broker URL they were made with: drop them so the next publish uses the
    # URL now configured.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def unreachable_broker():
    saved = {
        key: app.conf[key]
        for key in (
            "task_always_eager",
            "broker_url",
            "broker_connection_retry_on_startup",
            "task_publish_retry",
            "broker_connection_timeout",
            "broker_connection_max_retries",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=f"redis://127.0.0.1:{free_port()}/0",
        task_publish_retry=False,
        broker_connection_timeout=1,
        broker_connection_max_retries=0,
    )
    _reset_connection_pool()
    yield
    app.conf.update(saved)
    _reset_connection_pool()


@pytest.mark.django_db
def test_challenge_is_stored_and_the_page_answers_when_the_broker_is_down(
    unreachable_broker, scrutineer, police, police_lead, caplog, django_capture_on_commit_callbacks
):
    action = AgencyActionFactory(agency=police, status=AgencyAction.Status.COMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(scrutineer).post(
            f"/tracker/actions/{action.pk}/assurance/",
            {
                "decision": "challenge",
                "note": "No evidence of impact yet.",
                "version": action.version,
            },
        )

    assert response.status_code in (200, 302)
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.IN_PROGRESS
    assert ProgressUpdate.objects.filter(action=action, kind=ProgressUpdate.Kind.CHALLENGE).exists()
    assert "the broker is unreachable" in caplog.text
