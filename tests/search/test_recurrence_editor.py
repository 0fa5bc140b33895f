"""Where recommendations are written: the import preview and the review editor offer the earlier
recommendations that say the same thing; the tracker's action page shows them too."""

import pytest
from django.urls import reverse

from learning.models.recurrence import record_recurrence
from tests.conftest import client_for
from tests.factories import AgencyActionFactory
from tests.test_import_admin import upload

from .conftest import make_review

pytestmark = pytest.mark.django_db

EARLIER = (
    "Police must pass information about a mother's new partner to children's social care "
    "so that the risk he poses to the children can be assessed."
)


@pytest.fixture
def said_in_2011(db, police, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = make_review(
            "Serious case review: Child G",
            year=2011,
            recommendations=[
                ("2", EARLIER, [], [police], ["assured"]),
                ("3", "Schools should check attendance daily.", [], [], []),
            ],
        )
    return review.recommendations.get(number="2")


def test_the_import_preview_shows_what_was_said_before(said_in_2011, business_unit):
    client = client_for(business_unit)
    response = upload(client)
    page = client.get(response["Location"]).content.decode()
    assert "Said before?" in page
    assert "Serious case review: Child G, 2011 (rec. 2)" in page
    assert "West Yorkshire Police: Assured" in page


def test_the_review_editor_offers_to_look_for_what_was_said_before(said_in_2011, business_unit):
    edit = reverse("wagtailadmin_pages:edit", args=[said_in_2011.review_id])
    page = client_for(business_unit).get(edit).content.decode()
    assert "js/recurrence_editor.js" in page


def test_the_action_page_shows_what_was_said_before(
    said_in_2011, police, police_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        later = make_review(
            "Learning review: Child M",
            year=2021,
            recommendations=[
                (
                    "1",
                    "Police should share information about new partners with children's "
                    "social care.",
                    [],
                    [police],
                    [],
                )
            ],
        )
    action = AgencyActionFactory(recommendation=later.recommendations.get(), agency=police)
    page = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()
    said_before = page.split('id="recurrence-heading"')[1]
    assert "Said before" in said_before
    assert "Suggested" in said_before
    assert "Serious case review: Child G, 2011 (rec. 2)" in said_before


def test_what_became_of_earlier_actions_is_shown_only_to_those_who_may_see_the_tracker(
    said_in_2011,
    police,
    police_lead,
    practitioner,
    business_unit,
    client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        later = make_review(
            "Learning review: Child M",
            year=2021,
            recommendations=[
                (
                    "1",
                    "Police should share information about new partners with children's "
                    "social care.",
                    [],
                    [],
                    [],
                )
            ],
        )
    # Visitors and practitioners see only links the business unit confirmed.
    record_recurrence(said_in_2011, later.recommendations.get(), business_unit)
    for visitor in (client, client_for(practitioner)):
        page = visitor.get(later.url).content.decode()
        said_before = page.split('class="recurrence"')[1]
        assert "Serious case review: Child G, 2011 (rec. 2)" in said_before
        assert "Assured" not in said_before and "assured" not in said_before
        assert police.name not in said_before
    lead_page = client_for(police_lead).get(later.url).content.decode()
    assert f"{police.name}: Assured" in lead_page.split('class="recurrence"')[1]
