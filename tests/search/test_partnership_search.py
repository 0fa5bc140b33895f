"""Search across the partnerships of one business unit, on both engines: each person finds what
they may open, every result names its partnership, and another partnership's partnership-only
material never reaches them, not in results, counts, facets or spelling suggestions."""

import pytest

from learning import permissions
from learning.models import Partnership
from learning.permissions import Visibility
from search import services
from search.query import SearchRequest
from tests.conftest import client_for
from tests.factories import PartnershipFactory, default_partnership, member_of, review_index_of

from .conftest import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def adults_board():
    return PartnershipFactory(
        name="Kirklees Safeguarding Adults Board", framework=Partnership.Framework.ADULTS
    )


@pytest.fixture
def sab_business_unit(adults_board):
    return member_of(adults_board, permissions.BUSINESS_UNIT, "sab-business-unit")


@pytest.fixture
def two_partnerships(engine, adults_board, committed):
    """A partnership-only rapid review of the children's partnership and a partnership-only SAR
    of the adults board, both about hoarding; a public SAR too."""
    with committed():
        make_review(
            "Rapid review: Child Q",
            year=2024,
            kind="rapid_review",
            visibility=Visibility.PARTNERSHIP,
            summary="Hoarding in the family home; the xylophone teacher raised concerns.",
            recommendations=[("1", "Agencies should recognise hoarding as neglect.", [], [], [])],
        )
        make_review(
            "SAR: Adult K",
            year=2025,
            kind="learning_review",
            visibility=Visibility.PARTNERSHIP,
            summary="Self-neglect and hoarding of an older man living alone.",
            parent=review_index_of(adults_board),
        )
        make_review(
            "SAR: Adult L",
            year=2023,
            kind="learning_review",
            visibility=Visibility.PUBLIC,
            summary="Hoarding and fire risk.",
            parent=review_index_of(adults_board),
        )
    engine.catch_up()
    return engine


def search_api(user, **params):
    return client_for(user).get("/api/learning/search/", params)


def test_adults_board_officer_finds_the_boards_sar_and_never_the_childrens_rapid_review(
    two_partnerships, sab_business_unit, adults_board
):
    answer = search_api(sab_business_unit, q="hoarding").json()
    found = {(row["title"], row["partnership"]) for row in answer["results"]}
    assert found == {
        ("SAR: Adult K", adults_board.name),
        ("SAR: Adult L", adults_board.name),
    }
    assert answer["count"] == 2
    kinds = {option["value"]: option["count"] for option in answer["facets"]["review_kind"]}
    assert "rapid_review" not in kinds


def test_childrens_business_unit_finds_their_rapid_review_and_only_the_boards_public_sar(
    two_partnerships, business_unit
):
    answer = search_api(business_unit, q="hoarding").json()
    found = {(row["title"], row["partnership"]) for row in answer["results"]}
    assert ("Rapid review: Child Q", default_partnership().name) in found
    assert "SAR: Adult K" not in {title for title, _ in found}
    assert "SAR: Adult L" in {title for title, _ in found}


def test_search_narrows_to_one_partnership_and_a_partnership_not_theirs_finds_nothing_of_it(
    two_partnerships, sab_business_unit, adults_board
):
    mine = search_api(sab_business_unit, q="hoarding", partnership=adults_board.slug).json()
    assert mine["count"] == 2
    theirs = search_api(sab_business_unit, q="hoarding", partnership=default_partnership().slug)
    assert theirs.status_code == 200
    assert theirs.json()["count"] == 0 and theirs.json()["results"] == []


def test_an_unknown_partnership_is_a_clear_400(two_partnerships, sab_business_unit):
    response = search_api(sab_business_unit, q="hoarding", partnership="no-such-board")
    assert response.status_code == 400
    assert "not a partnership" in response.json()["error"]


def test_no_spelling_suggestion_comes_from_another_partnerships_restricted_words(
    two_partnerships, sab_business_unit, business_unit
):
    # Only the children's partnership-only review says "xylophone".
    theirs = services.search(SearchRequest(q="xylophome"), sab_business_unit)
    assert theirs.count == 0
    assert not (theirs.relaxation and theirs.relaxation.corrected)
    ours = services.search(SearchRequest(q="xylophome"), business_unit)
    assert ours.relaxation is not None and ours.relaxation.corrected == "xylophone"
