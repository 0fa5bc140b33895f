"""Forgotten passwords, as a stranger would probe them: the page takes as long for an address
with an account as for one without, whatever the mail server does; the limits count per client
behind the proxy, and across every web process; a reset email the mail server did not take is
never sent later."""

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request

import pytest
from django.core import mail
from django.core.cache import caches

from learning.tasks import send_owed_notifications

from ..conftest import reset_emails_sent
from ..factories import UserFactory
from .live_server import database_for_server, gunicorn_on
from .silent import silent_server

RESET = "/account/password/reset/"


def reset_emails():
    return [email for email in mail.outbox if "/account/password/reset/" in email.body]


def timed_reset(client, email, **headers):
    started = time.perf_counter()
    response = client.post(RESET, {"email": email}, **headers)
    return response, time.perf_counter() - started


@pytest.mark.django_db
def test_a_stranger_cannot_tell_from_the_time_taken_which_addresses_have_accounts_while_mail_is_silent(
    client, settings
):
    UserFactory(username="known", email="known@police.example")
    settings.EMAIL_BACKEND = "config.mail.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    assert client.get(RESET).status_code == 200  # the stranger opens the form first
    with silent_server() as port:
        settings.EMAIL_PORT = port
        known, known_seconds = timed_reset(client, "known@police.example")
        unknown, unknown_seconds = timed_reset(client, "nobody@police.example")
        reset_emails_sent()  # the attempt on the silent server gives up

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known_seconds < 0.5, f"known address {known_seconds:.2f} s"
    assert unknown_seconds < 0.5, f"unknown address {unknown_seconds:.2f} s"

    # Mail is back: a reset link the server never took is not owed, so never sent late.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_owed_notifications()
    assert reset_emails() == []


@pytest.mark.django_db
def test_a_person_who_forgot_their_password_gets_the_link_after_the_page_answers(client):
    UserFactory(username="known", email="known@police.example")
    response, _ = timed_reset(client, "known@police.example")
    assert response.status_code == 302
    reset_emails_sent()
    (email,) = reset_emails()
    assert email.to == ["known@police.example"]


@pytest.mark.django_db
def test_the_reset_limit_per_client_counts_the_client_behind_the_proxy_not_the_proxy(
    client, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    people = [
        UserFactory(username=f"worker{n}", email=f"worker{n}@school.example") for n in range(12)
    ]
    # One client asks for eleven different accounts; it claims to be someone else in a header it
    # wrote itself, which the proxy passes on to the left of what it saw.
    for person in people[:11]:
        timed_reset(
            client,
            person.email,
            HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7",
            **proxy,
        )
    # Another client, through the same proxy, is not held back by the first one's attempts.
    timed_reset(client, people[11].email, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    reset_emails_sent()
    sent_to = sorted(email.to[0] for email in reset_emails())
    assert len(sent_to) == 11  # ten for the first client, then one for the other
    assert "worker10@school.example" not in sent_to
    assert "worker11@school.example" in sent_to


def _csrf_opener(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + RESET, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return opener, token


@pytest.fixture
def shared_counts_forgotten_afterwards():
    """On PostgreSQL the server counts in the test database itself, whose cache table a
    transactional test's flush leaves alone: later stories start with no attempts counted."""
    yield
    caches["shared"].clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_requests_for_one_address_send_three_emails_whichever_worker_answers(
    tmp_path, shared_counts_forgotten_afterwards
):
    from concurrent.futures import ThreadPoolExecutor

    UserFactory(username="known", email="known@police.example")
    outbox = tmp_path / "sent"
    database = database_for_server(tmp_path)
    env = {
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    with gunicorn_on(database, workers=2, threads=4, extra_env=env) as base:
        opener, token = _csrf_opener(base)

        def ask(_):
            data = urllib.parse.urlencode(
                {"email": "known@police.example", "csrfmiddlewaretoken": token}
            ).encode()
            request = urllib.request.Request(base + RESET, data=data, headers={"Referer": base})
            try:
                return opener.open(request, timeout=10).status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(ask, range(12)))
        assert set(statuses) == {200}  # the "sent" page after the redirect, every time
        # The emails leave after the answers, on threads of their own: wait for them (a loaded
        # machine writes them late), then a moment more, so that a fourth would be seen.
        deadline = time.monotonic() + 30
        while len(_sent_to(outbox, "known@police.example")) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    assert len(_sent_to(outbox, "known@police.example")) == 3


def _sent_to(outbox, address):
    return [path for path in outbox.glob("*") if address in path.read_text()]


@pytest.mark.django_db
def test_a_silent_shared_cache_never_turns_a_reset_request_into_an_error(client, settings):
    UserFactory(username="known", email="known@police.example")
    with silent_server() as port:
        settings.CACHES = {
            **settings.CACHES,
            "shared": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
            },
        }
        response, seconds = timed_reset(client, "known@police.example")
        reset_emails_sent()

    assert response.status_code == 302
    assert seconds < 2, f"{seconds:.2f} s"
    assert len(reset_emails()) == 1
