"""Sign-in throttling behind the TLS proxy: wrong passwords lock that person at that address
only, the address is the one our proxy saw, and a forged X-Forwarded-For changes nothing."""

import pytest
from django.test import Client

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def people():
    UserFactory(username="scrutineer", password="the-right-password")
    UserFactory(username="police-lead", password="another-password")


def sign_in(username, password, forwarded_for):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post("/login/", {"username": username, "password": password})


def five_wrong_passwords(forwarded_for, username="scrutineer"):
    for _ in range(5):
        sign_in(username, "wrong", forwarded_for)


def test_a_stranger_guessing_does_not_lock_the_scrutineer_out_at_her_own_desk(people):
    five_wrong_passwords("203.0.113.66")
    assert sign_in("scrutineer", "the-right-password", "198.51.100.7").status_code == 302


def test_the_guessing_address_is_locked_for_that_person_even_with_the_right_password(people):
    five_wrong_passwords("203.0.113.66")
    assert sign_in("scrutineer", "the-right-password", "203.0.113.66").status_code == 429


def test_a_forged_forwarded_header_does_not_escape_the_lock(people):
    five_wrong_passwords("203.0.113.66")
    # The client wrote the first entry; our proxy appended the address it really came from.
    forged = "198.51.100.7, 203.0.113.66"
    assert sign_in("scrutineer", "the-right-password", forged).status_code == 429


def test_locks_are_per_person_so_another_person_at_the_same_address_signs_in(people):
    five_wrong_passwords("203.0.113.66")
    assert sign_in("police-lead", "another-password", "203.0.113.66").status_code == 302


def test_without_a_proxy_the_connecting_address_is_used(people, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(5):
        Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="1.1.1.1").post(
            "/login/", {"username": "scrutineer", "password": "wrong"}
        )
    locked = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="2.2.2.2").post(
        "/login/", {"username": "scrutineer", "password": "the-right-password"}
    )
    assert locked.status_code == 429
