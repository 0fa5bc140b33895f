"""Small things a new user met on a first visit: /tracker/ leads somewhere, the site has its own
icon, the header reaches your alerts, stopping an alert is not dressed as the main action, the
editor's button keeps off the tracker's pages, and a refused request is one line in the log."""

import logging

import pytest

from learning import permissions
from tests.conftest import client_for
from tests.factories import LearningAlertFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_tracker_address_sends_each_person_to_their_own_queue(
    police_lead, business_unit, scrutineer, practitioner, anonymous_client
):
    assert client_for(police_lead).get("/tracker/")["Location"] == "/tracker/my-work/"
    assert client_for(business_unit).get("/tracker/")["Location"] == "/tracker/business-unit/"
    assert client_for(scrutineer).get("/tracker/")["Location"] == "/tracker/assurance/"
    assert client_for(practitioner).get("/tracker/")["Location"] == "/"
    assert anonymous_client.get("/tracker/")["Location"].startswith("/login/")


def test_the_site_icon_is_served_from_the_site_itself(anonymous_client):
    response = anonymous_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")
    assert (
        '<link rel="icon" href="/favicon.ico"' in anonymous_client.get("/search/").content.decode()
    )


def test_the_header_links_to_your_alerts(practitioner, police_lead):
    for user in (practitioner, police_lead):
        page = client_for(user).get("/search/").content.decode()
        assert '<a href="/alerts/">Your alerts</a>' in page


def test_stopping_an_alert_is_a_secondary_button_not_the_main_action(practitioner):
    LearningAlertFactory(user=practitioner, query="neglect")
    page = client_for(practitioner).get("/alerts/").content.decode()
    assert '<button type="submit" class="button-secondary">Stop' in page


def test_the_editor_button_keeps_off_the_tracker_pages(db):
    editor = UserFactory(username="editor", role=permissions.ADMINISTRATORS)
    editor.is_superuser = True
    editor.save()
    client = client_for(editor)
    assert "wagtail-userbar" not in client.get("/tracker/people/").content.decode()
    assert "wagtail-userbar" not in client.get("/tracker/yearly-report/").content.decode()
    assert "wagtail-userbar" in client.get("/search/").content.decode()


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_refused_request_is_logged_as_one_line_without_a_traceback(practitioner):
    collect = Collect()
    django_logger = logging.getLogger("django")
    django_logger.addHandler(collect)
    try:
        response = client_for(practitioner).get("/tracker/my-work/")
    finally:
        django_logger.removeHandler(collect)
    assert response.status_code == 403
    refused = [r for r in collect.records if getattr(r, "status_code", None) == 403]
    assert len(refused) == 1
    assert refused[0].exc_info is None
    assert "\n" not in logging.Formatter().format(refused[0])
