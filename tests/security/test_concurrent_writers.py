"""Many people saving at once, on the embedded SQLite default and on PostgreSQL: every save is
either stored (201) or refused as stale (409), never a 500, and the history holds exactly the
accepted updates."""

import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from ..factories import AgencyActionFactory, AgencyFactory, ReviewPageFactory, agency_lead
from .live_server import database_for_server, gunicorn_on, post, post_json, query

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def history(database):
    return dict(
        query(
            database,
            "SELECT action_id, count(*) FROM learning_progressupdate "
            "WHERE kind = 'update' GROUP BY action_id",
        )
    )


def burst(requests):
    """Send every request at the same moment; the answers in the same order."""
    start = threading.Barrier(len(requests))

    def send(request):
        start.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def test_twenty_simultaneous_api_updates_are_stored_or_refused_never_lost(tmp_path):
    agency = AgencyFactory(short_name="Police")
    lead = agency_lead(agency)
    token = Token.objects.create(user=lead).key
    review = ReviewPageFactory()
    separate = [
        AgencyActionFactory(agency=agency, recommendation__review=review) for _ in range(20)
    ]
    contested = AgencyActionFactory(agency=agency, recommendation__review=review)
    database = database_for_server(tmp_path)

    def update(base, action, note):
        return lambda: post_json(
            f"{base}/api/learning/actions/{action.pk}/updates/",
            {"note": note, "status": "in_progress", "rag": "green", "version": action.version},
            token,
        )

    with gunicorn_on(database) as base:
        requests = [update(base, a, f"Update to action {a.pk}") for a in separate]
        requests += [update(base, contested, f"Contested update {n}") for n in range(8)]
        answers = [status for status, _ in burst(requests)]

    print(f"\nsimultaneous API updates: {len(answers)} tried, answers {sorted(answers)}")
    assert set(answers) <= {201, 409}
    assert answers[:20] == [201] * 20  # different actions never conflict: they queue
    assert answers[20:].count(201) == 1  # one contested update wins; the rest are told why
    stored = history(database)
    assert stored == {**{a.pk: 1 for a in separate}, contested.pk: 1}


def test_two_forms_saved_at_once_give_the_second_person_the_409_page_with_their_note(tmp_path):
    agency = AgencyFactory(short_name="Police")
    action = AgencyActionFactory(agency=agency)
    people = [agency_lead(agency, "police-lead"), agency_lead(agency, "police-deputy")]
    sessions = []
    for person in people:
        client = Client()
        client.force_login(person)
        sessions.append(client.cookies["sessionid"].value)
    database = database_for_server(tmp_path)
    csrf = "k" * 32

    def save(base, session, note):
        form = {
            "note": note,
            "status": "in_progress",
            "rag": "amber",
            "version": action.version,
            "csrfmiddlewaretoken": csrf,
        }
        return lambda: post(
            f"{base}{action.get_absolute_url()}",
            urllib.parse.urlencode(form).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
            },
        )

    notes = ["Training booked for all sergeants.", "Audit of 20 referrals completed."]
    with gunicorn_on(database) as base:
        answers = burst([save(base, s, n) for s, n in zip(sessions, notes, strict=True)])

    statuses = sorted(status for status, _ in answers)
    print(f"\ntwo forms at once: answers {statuses}")
    assert statuses == [302, 409]
    refused_status, refused_page = next(a for a in answers if a[0] == 409)
    refused_note = notes[answers.index((refused_status, refused_page))]
    assert refused_note in refused_page  # what they typed is kept for a deliberate re-save
    assert history(database) == {action.pk: 1}


def test_ten_identical_alert_requests_at_once_save_one_alert(tmp_path):
    from ..factories import UserFactory

    reader = UserFactory(username="reader", email="reader@example.org")
    client = Client()
    client.force_login(reader)
    session = client.cookies["sessionid"].value
    database = database_for_server(tmp_path)
    csrf = "k" * 32
    form = urllib.parse.urlencode(
        {"query": "was not brought", "frequency": "weekly", "csrfmiddlewaretoken": csrf}
    ).encode()

    def save(base):
        return lambda: post(
            f"{base}/alerts/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
            },
        )

    with gunicorn_on(database) as base:
        answers = burst([save(base) for _ in range(10)])

    statuses = sorted(status for status, _ in answers)
    print(f"\nten identical alerts at once: answers {statuses}")
    assert set(statuses) <= {302, 400}
    assert query(database, "SELECT count(*) FROM learning_search_learningalert") == [(1,)]
