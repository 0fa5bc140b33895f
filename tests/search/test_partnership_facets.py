"""The partnership and framework facets, on both engines: counted only over what the searcher may
open, shown only when what they find spans more than one partnership, and each a filter."""

import pytest

from learning import permissions
from learning.models import Partnership
from learning.permissions import Visibility
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
def two_partnerships(engine, adults_board, committed):
    """About hoarding: a public LCSPR and a partnership-only rapid review (with a recommendation)
    of the children's partnership; a public SAR and a partnership-only SAR of the adults board."""
    with committed():
        make_review("LCSPR: Child H", year=2022, summary="Hoarding and neglect at home.")
        make_review(
            "Rapid review: Child Q",
            year=2024,
            kind="rapid_review",
            visibility=Visibility.PARTNERSHIP,
            summary="Hoarding in the family home.",
            recommendations=[("1", "Agencies should recognise hoarding as neglect.", [], [], [])],
        )
        make_review(
            "SAR: Adult K",
            year=2025,
            kind="sar",
            visibility=Visibility.PARTNERSHIP,
            summary="Self-neglect and hoarding of an older man living alone.",
            parent=review_index_of(adults_board),
        )
        make_review(
            "SAR: Adult L",
            year=2023,
            kind="sar",
            visibility=Visibility.PUBLIC,
            summary="Hoarding and fire risk.",
            parent=review_index_of(adults_board),
        )
    engine.catch_up()
    return engine


def search(user, **params):
    response = client_for(user).get("/api/learning/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def counts(answer, facet):
    return {option["value"]: option["count"] for option in answer["facets"][facet]}


def test_each_person_counts_only_the_partnerships_material_they_may_open(
    two_partnerships, adults_board, business_unit
):
    childrens = default_partnership().slug
    sab_business_unit = member_of(adults_board, permissions.BUSINESS_UNIT, "sab-business-unit")
    expected = {
        # The public: each partnership's public review.
        None: ({childrens: 1, adults_board.slug: 1}, {"children": 1, "adults": 1}),
        # The children's business unit: their rapid review and its recommendation too.
        business_unit: ({childrens: 3, adults_board.slug: 1}, {"children": 3, "adults": 1}),
        # The adults board's officer: the board's partnership-only SAR, never the rapid review.
        sab_business_unit: ({childrens: 1, adults_board.slug: 2}, {"children": 1, "adults": 2}),
    }
    for person, (partnerships, frameworks) in expected.items():
        answer = search(person, q="hoarding")
        assert counts(answer, "partnership") == partnerships, person
        assert counts(answer, "framework") == frameworks, person
        assert answer["count"] == sum(partnerships.values()), person
    labels = {o["value"]: o["label"] for o in search(None, q="hoarding")["facets"]["framework"]}
    assert labels == {
        "children": "Children's safeguarding partnership",
        "adults": "Safeguarding adults board",
    }


def test_choosing_a_framework_finds_only_its_partnerships_learning(
    two_partnerships, adults_board, business_unit
):
    answer = search(business_unit, q="hoarding", framework="adults")
    assert {row["title"] for row in answer["results"]} == {"SAR: Adult L"}
    assert {row["partnership"] for row in answer["results"]} == {adults_board.name}
    chosen = {o["value"]: (o["count"], o["selected"]) for o in answer["facets"]["framework"]}
    assert chosen == {"adults": (1, True)}
    assert counts(answer, "partnership") == {adults_board.slug: 1}

    by_partnership = search(business_unit, q="hoarding", partnership=default_partnership().slug)
    assert by_partnership["count"] == 3
    assert counts(by_partnership, "framework") == {"children": 3}


def test_an_unknown_framework_is_a_clear_400(two_partnerships, business_unit):
    response = client_for(business_unit).get("/api/learning/search/", {"framework": "police"})
    assert response.status_code == 400
    assert "not a framework" in response.content.decode()


def test_the_search_page_offers_the_facets_only_when_results_span_partnerships(
    two_partnerships, adults_board, business_unit
):
    page = client_for(business_unit).get("/search/", {"q": "hoarding"}).content.decode()
    assert "<legend>Partnership</legend>" in page
    assert "<legend>Framework</legend>" in page
    assert adults_board.name in page

    # Only the children's partnership's learning matches: nothing to choose between.
    answer = search(business_unit, q="recognise")
    assert answer["count"] == 1
    assert "partnership" not in answer["facets"] and "framework" not in answer["facets"]
    page = client_for(business_unit).get("/search/", {"q": "recognise"}).content.decode()
    assert "<legend>Partnership</legend>" not in page
