"""Services that fail or go silent: a mail server, a broker or a search cluster that accepts a
connection and never answers. Each request gives up within a second or two, the failure is
logged, the person's change is stored, and no notification is lost: what could not be sent is
sent by the catch-up."""

import datetime
import time

import pytest
from django.core import mail

from config import catch_up
from config.celery import app, broker_trouble
from learning.models import AgencyAction, ReminderLog
from learning.tasks import send_owed_notifications

from ..conftest import client_for
from ..factories import AgencyActionFactory, ReviewPageFactory
from .silent import closed_port, silent_server

pytestmark = pytest.mark.django_db

PROMPT = 3.0  # seconds: "a second or two", with room for a busy machine


def challenge(scrutineer, action):
    started = time.perf_counter()
    response = client_for(scrutineer).post(
        f"/tracker/actions/{action.pk}/assurance/",
        {"decision": "challenge", "note": "No evidence of impact yet.", "version": action.version},
    )
    return response, time.perf_counter() - started


def challenge_emails():
    return [email for email in mail.outbox if "challenged by the scrutineer" in email.subject]


@pytest.fixture
def complete_action(police, police_lead):
    police_lead.email = "lead@police.example"
    police_lead.save()
    return AgencyActionFactory(agency=police, status=AgencyAction.Status.COMPLETE)


@pytest.mark.parametrize("mail_server", ["down", "silent"])
def test_a_challenge_is_stored_and_answered_promptly_when_the_mail_server_fails_and_sent_later(
    mail_server,
    settings,
    scrutineer,
    complete_action,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    with silent_server() as silent_port:
        settings.EMAIL_PORT = silent_port if mail_server == "silent" else closed_port()
        with django_capture_on_commit_callbacks(execute=True):
            response, seconds = challenge(scrutineer, complete_action)

    assert response.status_code == 302
    assert seconds < PROMPT, f"{seconds:.1f} s"
    complete_action.refresh_from_db()
    assert complete_action.status == AgencyAction.Status.IN_PROGRESS
    assert "failed in process; it will be caught up" in caplog.text
    assert not ReminderLog.objects.filter(kind="challenge").exists()  # not recorded as sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    send_owed_notifications()
    (sent,) = challenge_emails()
    assert sent.to == ["lead@police.example"]
    assert ReminderLog.objects.filter(kind="challenge").count() == 1
    assert send_owed_notifications() == 0  # never twice
    assert len(challenge_emails()) == 1


@pytest.fixture
def silent_broker():
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    with silent_server() as port:
        app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{port}/0")
        app._pool = None
        app.amqp._producer_pool = None
        yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    broker_trouble.clear()


def test_a_broker_that_never_answers_costs_a_challenge_a_second_or_two_and_loses_nothing(
    silent_broker, scrutineer, complete_action, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = challenge(scrutineer, complete_action)
    assert response.status_code == 302
    assert seconds < PROMPT, f"{seconds:.1f} s"
    complete_action.refresh_from_db()
    assert complete_action.status == AgencyAction.Status.IN_PROGRESS
    assert "the broker is unreachable" in caplog.text
    # While the broker is silent the web process runs the catch-up itself.
    assert broker_trouble.since is not None
    send_owed_notifications()
    assert len(challenge_emails()) == 1


def test_with_no_broker_the_catch_up_runs_in_the_web_process_in_the_background(
    settings, monkeypatch, client
):
    settings.CATCH_UP_IN_PROCESS_SECONDS = 600
    ran = []
    monkeypatch.setattr(catch_up, "catch_up", lambda: ran.append("caught up"))
    monkeypatch.setattr(catch_up, "_last_started", None)
    started = time.perf_counter()
    assert client.get("/").status_code == 200
    assert time.perf_counter() - started < PROMPT
    # The thread the request started; a second request within the interval starts none.
    assert catch_up._last_started is not None
    assert catch_up.start_if_due() is None
    for _ in range(50):
        if ran:
            break
        time.sleep(0.05)
    assert ran == ["caught up"]


def test_a_search_cluster_that_never_answers_costs_one_search_two_seconds_then_none(
    settings, client, caplog, committed
):
    with committed():
        ReviewPageFactory(title="Serious case review: Family S", summary="Neglect of the children.")
    with silent_server() as port:
        settings.SEARCH_ENGINE = "elasticsearch"
        settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            response = client.get("/api/learning/search/", {"q": "neglect"})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
            assert response.json()["count"] == 1  # answered from the database
    assert timings[0] < PROMPT, timings
    assert timings[1] < 0.5, timings  # the outage is remembered: no second wait
    assert "answering from the database engine" in caplog.text


def test_an_update_is_stored_promptly_while_the_search_cluster_never_answers(
    settings, police, police_lead, django_capture_on_commit_callbacks, caplog
):
    action = AgencyActionFactory(agency=police)
    with silent_server() as port:
        settings.SEARCH_ENGINE = "elasticsearch"
        settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(police_lead).post(
                action.get_absolute_url(),
                {"note": "Audit done.", "status": "in_progress", "rag": "green", "version": 1},
            )
        seconds = time.perf_counter() - started
    assert response.status_code == 302
    assert seconds < PROMPT, f"{seconds:.1f} s"
    assert action.updates.filter(note="Audit done.").exists()
    assert "left for reconciliation" in caplog.text


def test_an_extension_request_whose_email_failed_reaches_the_business_unit_later(
    settings, police, police_lead, business_unit, django_capture_on_commit_callbacks
):
    from learning import services

    action = AgencyActionFactory(agency=police)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extension(
            action,
            police_lead,
            new_due_date=action.current_due_date + datetime.timedelta(days=30),
            reason="The trainer left.",
        )
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    send_owed_notifications()
    (sent,) = [m for m in mail.outbox if m.subject.startswith("Extension requested")]
    assert sent.to == [business_unit.email]
    assert send_owed_notifications() == 0  # never twice
