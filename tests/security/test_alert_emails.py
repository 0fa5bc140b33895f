"""One reader's alert can never stop another's: words with a line break are refused on the form,
and one that reached the database anyway is sent with a clean single-line subject; a message
that cannot be sent is skipped and tried again, and the others still leave."""

import pytest
from django.core import mail

from learning.permissions import Visibility
from search.alerts import send_learning_alerts
from search.models import LearningAlert
from tests.conftest import client_for
from tests.factories import LearningAlertFactory, UserFactory
from tests.search.conftest import make_review

pytestmark = pytest.mark.django_db

INJECTED = "neglect\r\nBcc: x@y"


def publish_a_review_about_neglect():
    make_review(
        "Child V: neglect in a large family",
        year=2026,
        visibility=Visibility.PUBLIC,
        summary="Chronic neglect of six children. Bcc: x@y",
    )


def test_an_alert_with_a_line_break_in_its_words_never_stops_the_others(practitioner):
    LearningAlertFactory(user=practitioner, query=INJECTED)
    reader = UserFactory(username="reader", email="reader@example.org")
    LearningAlertFactory(user=reader, query="neglect")
    publish_a_review_about_neglect()

    assert send_learning_alerts() == 2
    assert sorted(email.to[0] for email in mail.outbox) == [
        "practitioner@example.org",
        "reader@example.org",
    ]
    for email in mail.outbox:
        subject = email.message()["Subject"]
        assert "\n" not in subject and "\r" not in subject
        assert email.bcc == [] and "Bcc" not in email.message()
    (injected,) = [email for email in mail.outbox if email.to == ["practitioner@example.org"]]
    assert injected.subject == "New learning for “neglect Bcc: x@y”: 1 item"


def test_a_message_that_cannot_be_sent_is_skipped_and_the_others_still_leave(
    practitioner, monkeypatch
):
    LearningAlertFactory(user=practitioner, query="neglect")
    reader = UserFactory(username="reader", email="reader@example.org")
    LearningAlertFactory(user=reader, query="neglect")
    publish_a_review_about_neglect()

    from search import alerts

    real_send = alerts.send_alert

    def refuse_the_practitioners(alert, items):
        if alert.user == practitioner:
            raise ValueError("the mail library refused this message")
        real_send(alert, items)

    monkeypatch.setattr(alerts, "send_alert", refuse_the_practitioners)
    assert send_learning_alerts() == 1
    assert [email.to for email in mail.outbox] == [["reader@example.org"]]

    monkeypatch.setattr(alerts, "send_alert", real_send)
    assert send_learning_alerts() == 1  # the skipped one is still owed, and only it
    assert [email.to for email in mail.outbox][1:] == [["practitioner@example.org"]]


CONTROL = "Words to search for cannot contain line breaks or control characters."


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (INJECTED, CONTROL),
        ("neglect\nBcc: x@y", CONTROL),
        ("neglect\x1b[2J", CONTROL),
        ("neglect\u202eetalpmet", CONTROL),
        ("neglect\x00", "Null characters are not allowed."),
    ],
)
def test_the_alert_form_refuses_words_with_control_characters(practitioner, words, message):
    response = client_for(practitioner).post("/alerts/", {"query": words, "frequency": "weekly"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LearningAlert.objects.exists()
