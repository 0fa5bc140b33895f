"""Learning alerts: a signed-in user saves a search or follows a theme and gets one email listing
new learning that matches and that they may open; running the task again sends nothing twice; the
email's link unsubscribes without signing in."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from learning.models import AgencyAction
from learning.permissions import Visibility
from search.alerts import send_learning_alerts
from search.models import AlertItemSent, LearningAlert
from tests.conftest import client_for
from tests.factories import LearningAlertFactory, ThemeFactory

from .conftest import make_briefing, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def neglect():
    return ThemeFactory(name="Neglect", slug="neglect")


def publish_new_learning(neglect):
    """A public review about neglect with one recommendation, a partnership-only rapid review
    about neglect, and a briefing about something else."""
    public = make_review(
        "Child V: neglect in a large family",
        year=2026,
        visibility=Visibility.PUBLIC,
        summary="Chronic neglect of six children.",
        themes=[neglect],
        recommendations=[
            ("1", "Health visitors should use the neglect toolkit.", [neglect], [], [])
        ],
    )
    make_review(
        "Rapid review: Baby N",
        year=2026,
        kind="rapid_review",
        visibility=Visibility.PARTNERSHIP,
        summary="Neglect of an infant near the canal.",
        themes=[neglect],
    )
    make_briefing("7-minute briefing: online safety", background="Apps and games.")
    return public


def test_following_a_theme_sends_one_email_of_new_learning_the_user_may_open(
    engine, neglect, practitioner
):
    alert = LearningAlertFactory(user=practitioner, query="", theme=neglect)
    publish_new_learning(neglect)
    engine.catch_up()
    assert send_learning_alerts() == 1
    (email,) = mail.outbox
    assert email.to == ["practitioner@example.org"]
    assert "Child V: neglect in a large family" in email.body
    assert "Recommendation 1: Child V: neglect in a large family" in email.body
    assert "Baby N" not in email.body and "canal" not in email.body
    assert "online safety" not in email.body
    assert f"/alerts/unsubscribe/{alert.token}/" in email.body
    assert email.extra_headers["List-Unsubscribe"].endswith(f"/alerts/unsubscribe/{alert.token}/>")


def test_running_the_task_twice_sends_nothing_twice_and_only_new_items_later(neglect, practitioner):
    LearningAlertFactory(
        user=practitioner, query="neglect", frequency=LearningAlert.Frequency.IMMEDIATE
    )
    publish_new_learning(neglect)
    call_command("send_learning_alerts")
    call_command("send_learning_alerts")
    assert len(mail.outbox) == 1
    make_review("Child U: neglect and school", year=2026, summary="Neglect seen at school.")
    assert send_learning_alerts() == 1
    assert "Child U" in mail.outbox[1].body and "Child V" not in mail.outbox[1].body


def test_learning_published_before_the_alert_was_made_is_not_new(neglect, practitioner):
    publish_new_learning(neglect)
    LearningAlertFactory(user=practitioner, query="neglect")
    assert send_learning_alerts() == 0 and mail.outbox == []


def test_a_weekly_alert_waits_a_week_after_its_last_email(neglect, practitioner):
    alert = LearningAlertFactory(user=practitioner, query="neglect")
    publish_new_learning(neglect)
    assert send_learning_alerts() == 1
    make_review("Child U: neglect and school", year=2026, summary="Neglect seen at school.")
    assert send_learning_alerts() == 0
    alert.refresh_from_db()
    next_week = alert.last_sent_at + datetime.timedelta(days=7)
    assert send_learning_alerts(now=next_week) == 1


def test_a_user_saves_a_search_on_the_alerts_page_and_stops_it(practitioner, neglect):
    client = client_for(practitioner)
    assert client.get("/alerts/?q=was+not+brought").status_code == 200
    response = client.post("/alerts/", {"query": "was not brought", "frequency": "weekly"})
    assert response.status_code == 302
    page = client.get("/alerts/").content.decode()
    assert "New learning for “was not brought” · once a week" in page
    refused = client.post("/alerts/", {"query": "", "frequency": "weekly"})
    assert refused.status_code == 400
    assert "Give some words to search for, or choose a theme." in refused.content.decode()
    assert LearningAlert.objects.count() == 1
    alert = LearningAlert.objects.get()
    client.post(f"/alerts/{alert.pk}/delete/")
    assert not LearningAlert.objects.exists()


def test_an_empty_alert_is_refused_in_a_persons_words_never_the_databases(practitioner):
    refused = client_for(practitioner).post("/alerts/", {"query": "  ", "frequency": "weekly"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert page.count("Give some words to search for, or choose a theme.") == 2  # summary, field
    assert "Constraint" not in page and "alert_has_words_or_theme" not in page
    assert not LearningAlert.objects.exists()


def test_one_user_cannot_stop_anothers_alert(practitioner, business_unit):
    alert = LearningAlertFactory(user=business_unit)
    response = client_for(practitioner).post(f"/alerts/{alert.pk}/delete/")
    assert response.status_code == 404 and LearningAlert.objects.filter(pk=alert.pk).exists()


def test_the_alerts_page_asks_visitors_to_sign_in(anonymous_client):
    response = anonymous_client.get("/alerts/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_emails_link_unsubscribes_without_signing_in(neglect, practitioner, anonymous_client):
    LearningAlertFactory(user=practitioner, query="neglect")
    publish_new_learning(neglect)
    send_learning_alerts()
    link = re.search(r"http://testserver(/alerts/unsubscribe/\S+/)", mail.outbox[0].body)[1]
    confirm = anonymous_client.get(link)
    assert confirm.status_code == 200 and "Stop the emails" in confirm.content.decode()
    assert LearningAlert.objects.exists()
    done = anonymous_client.post(link)
    assert "You will get no more emails" in done.content.decode()
    assert not LearningAlert.objects.exists()
    assert anonymous_client.get("/alerts/unsubscribe/not-a-token/").status_code == 404


def test_an_alert_never_lists_an_action_status_or_restricted_learning_to_a_practitioner(
    neglect, practitioner, police
):
    LearningAlertFactory(user=practitioner, query="neglect")
    make_review(
        "Child V: neglect in a large family",
        year=2026,
        visibility=Visibility.PRACTITIONERS,
        summary="Chronic neglect.",
        recommendations=[
            (
                "1",
                "Police should share neglect concerns.",
                [],
                [police],
                [AgencyAction.Status.IN_PROGRESS],
            )
        ],
    )
    make_review(
        "Rapid review: Baby N", year=2026, visibility=Visibility.PARTNERSHIP, summary="Neglect."
    )
    send_learning_alerts(now=timezone.now())
    body = mail.outbox[0].body
    assert "Child V" in body and "Baby N" not in body and "In progress" not in body


def test_an_alert_the_mail_server_refused_is_sent_on_the_next_run_and_only_once(
    neglect, practitioner, settings
):
    from tests.security.silent import closed_port

    LearningAlertFactory(user=practitioner, query="neglect")
    publish_new_learning(neglect)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    assert send_learning_alerts() == 0
    assert not AlertItemSent.objects.exists()  # nothing recorded as sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_learning_alerts() == 1
    assert send_learning_alerts() == 0
    assert len(mail.outbox) == 1
