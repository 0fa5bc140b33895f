"""Sign-in is throttled: after five wrong passwords even the right one is refused, with a reason."""

import pytest
from django.conf import settings
from django.test import Client

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, password):
    return client.post("/login/", {"username": "police-lead", "password": password})


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_clear_message():
    UserFactory(username="police-lead", password="the-right-password")
    client = Client()
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    sign_in(client, "wrong")

    response = sign_in(client, "the-right-password")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in is locked for now" in html
    assert "5 unsuccessful attempts" in html
    assert "even with the right password" in html
    assert "_auth_user_id" not in client.session


def test_the_right_password_before_the_limit_signs_in():
    UserFactory(username="police-lead", password="the-right-password")
    client = Client()
    for _ in range(4):
        sign_in(client, "wrong")
    response = sign_in(client, "the-right-password")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_locked_account_does_not_lock_out_another_person():
    UserFactory(username="police-lead", password="the-right-password")
    UserFactory(username="health-lead", password="another-password")
    client = Client()
    for _ in range(5):
        sign_in(client, "wrong")
    response = client.post("/login/", {"username": "health-lead", "password": "another-password"})
    assert response.status_code == 302
