"""The tracker's JSON API as programs outside the project use it: list actions, post updates."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from learning import services
from learning.models import AgencyAction, ProgressUpdate

from .factories import AgencyActionFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = "/api/learning/actions/"


def api_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def updates_url(action):
    return f"/api/learning/actions/{action.pk}/updates/"


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def actions(police, health):
    review = ReviewPageFactory(title="LCSPR: Child J")
    return {
        "police_overdue": AgencyActionFactory(
            agency=police,
            recommendation__review=review,
            original_due_date=TODAY - datetime.timedelta(days=3),
        ),
        "police_later": AgencyActionFactory(agency=police),
        "health": AgencyActionFactory(agency=health, recommendation__review=review),
    }


def test_agency_lead_lists_only_their_agencys_actions(actions, police_lead):
    response = api_for(police_lead).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert ids(response) == {actions["police_overdue"].pk, actions["police_later"].pk}
    first = body["results"][0]
    assert first["id"] == actions["police_overdue"].pk  # overdue first
    assert first["is_overdue"] is True
    assert first["agency"]["short_name"] == "Police"
    assert first["review"]["title"] == "LCSPR: Child J"
    assert first["url"].endswith(f"/tracker/actions/{first['id']}/")
    assert {"status", "rag", "version", "original_due_date", "current_due_date"} <= set(first)


def test_scrutineer_lists_every_action_and_filters_them(actions, scrutineer, police):
    client = api_for(scrutineer)
    assert ids(client.get(LIST)) == {a.pk for a in actions.values()}
    assert ids(client.get(LIST, {"agency": police.pk})) == {
        actions["police_overdue"].pk,
        actions["police_later"].pk,
    }
    assert ids(client.get(LIST, {"agency": "police"})) == ids(
        client.get(LIST, {"agency": police.pk})
    )
    assert ids(client.get(LIST, {"overdue": "true"})) == {actions["police_overdue"].pk}
    assert actions["police_overdue"].pk not in ids(client.get(LIST, {"overdue": "false"}))
    review = actions["health"].recommendation.review
    assert ids(client.get(LIST, {"review": review.pk})) == {
        actions["police_overdue"].pk,
        actions["health"].pk,
    }
    assert ids(client.get(LIST, {"status": "complete"})) == set()


def test_agency_lead_filtering_for_another_agency_is_refused_never_widened(
    actions, police_lead, health
):
    response = api_for(police_lead).get(LIST, {"agency": health.pk})
    assert response.status_code == 400
    assert response.json() == {"agency": [f"“{health.pk}” is not one of the agencies you can see."]}
    assert "results" not in response.json()


def test_bad_filter_is_a_400_with_the_reason(actions, scrutineer):
    response = api_for(scrutineer).get(LIST, {"status": "finished", "review": "abc"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "review"}


def test_anonymous_caller_gets_401_and_no_data(actions):
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert "results" not in response.json()
    response = APIClient().post(
        updates_url(actions["health"]),
        {"note": "x", "status": "in_progress", "rag": "red", "version": 1},
    )
    assert response.status_code == 401
    assert not ProgressUpdate.objects.exists()


def test_practitioner_is_refused_the_api(actions, practitioner):
    response = api_for(practitioner).get(LIST)
    assert response.status_code == 403
    assert "results" not in response.json()


def test_token_authentication_lists_actions(actions, police_lead):
    token = Token.objects.create(user=police_lead)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(LIST).json()["count"] == 2
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(LIST).status_code == 401


def test_agency_lead_posts_an_update_to_their_action(actions, police_lead):
    action = actions["police_later"]
    response = api_for(police_lead).post(
        updates_url(action),
        {
            "note": "Training delivered to **all** teams.",
            "status": "complete",
            "rag": "green",
            "version": action.version,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"] == "police-lead" and body["status"] == "complete"
    assert body["action"]["version"] == action.version + 1
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.COMPLETE
    assert action.rag_set_by == police_lead


def test_business_unit_posts_an_update_to_any_action(actions, business_unit):
    action = actions["health"]
    response = api_for(business_unit).post(
        updates_url(action),
        {"note": "Closed: superseded.", "status": "closed", "rag": "green", "version": 1},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["health_lead", "scrutineer", "practitioner"])
def test_anyone_else_posting_an_update_gets_403_and_nothing_is_written(actions, who, request):
    user = request.getfixturevalue(who)
    action = actions["police_later"]
    response = api_for(user).post(
        updates_url(action),
        {"note": "Not mine.", "status": "complete", "rag": "green", "version": action.version},
    )
    assert response.status_code == 403
    assert not action.updates.exists()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.NOT_STARTED


def test_stale_version_is_a_409_that_shows_the_newer_update(actions, police_lead, business_unit):
    action = actions["police_later"]
    services.post_update(action, business_unit, version=1, note="Chased for evidence.")
    response = api_for(police_lead).post(
        updates_url(action),
        {"note": "Mine.", "status": "in_progress", "rag": "amber", "version": 1},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert [change["note"] for change in body["changes"]] == ["Chased for evidence."]
    assert action.updates.count() == 1


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"note", "status", "version"}),
        (
            {"note": "x", "status": "done", "rag": "purple", "version": "one"},
            {"status", "rag", "version"},
        ),
        ({"note": "x", "status": "assured", "rag": "green", "version": 1}, {"status"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors(actions, police_lead, payload, fields):
    action = actions["police_later"]
    response = api_for(police_lead).post(updates_url(action), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not action.updates.exists()


def test_unknown_action_is_a_404(police_lead):
    response = api_for(police_lead).post(
        "/api/learning/actions/999999/updates/",
        {"note": "x", "status": "in_progress", "rag": "green", "version": 1},
    )
    assert response.status_code == 404


def test_action_list_runs_a_fixed_number_of_queries(
    scrutineer, police, django_assert_max_num_queries
):
    client = api_for(scrutineer)
    for _ in range(3):
        AgencyActionFactory(agency=police)
    client.get(LIST)
    with django_assert_max_num_queries(10) as few:
        client.get(LIST)
    for _ in range(25):
        AgencyActionFactory(agency=police)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST).json()["count"] == 28
