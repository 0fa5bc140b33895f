"""Fixtures shared by the whole suite: people in each role and a small published partnership."""

import functools

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from learning import permissions

from .factories import AgencyFactory, UserFactory, agency_lead


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture(autouse=True)
def _no_search_outage_carried_over():
    # An Elasticsearch outage is remembered per process; each test starts without one.
    from search.engines.elasticsearch import outage

    outage.end()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what a commit runs afterwards (search indexing, emails, queued
    tasks) for the changes made inside it: a test's own transaction never commits."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def practitioner(db):
    return UserFactory(username="practitioner", role=permissions.PRACTITIONERS)


@pytest.fixture
def business_unit(db):
    return UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)


@pytest.fixture
def business_manager(db):
    user = UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    user.groups.add(Group.objects.get(name=permissions.BUSINESS_UNIT))
    return user


@pytest.fixture
def scrutineer(db):
    return UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)


@pytest.fixture
def police(db):
    return AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")


@pytest.fixture
def health(db):
    return AgencyFactory(
        name="Calderdale and Huddersfield NHS Foundation Trust", short_name="CHFT", sector="health"
    )


@pytest.fixture
def police_lead(police):
    return agency_lead(police, "police-lead")


@pytest.fixture
def health_lead(health):
    return agency_lead(health, "health-lead")


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def anonymous_client():
    return Client()


def reset_emails_sent(timeout=5):
    """Wait for the password reset emails on their way (they are sent after the page answers,
    learning/password_reset.py)."""
    import threading

    for thread in threading.enumerate():
        if thread.name == "password-reset-email":
            thread.join(timeout)
