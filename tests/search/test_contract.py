"""The contract both engines keep: same queries, same visible results, same facet counts, and
nothing restricted in results, counts, facets or snippets for anyone who cannot open it."""

import pytest
from django.utils import timezone

from search.engines.database import DatabaseEngine
from search.query import SearchRequest
from tests.conftest import client_for
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db


def api(client, **params):
    response = client.get("/api/learning/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def titles(answer):
    return {result["title"] for result in answer["results"]}


def facet_counts(answer, name):
    return {option["value"]: option["count"] for option in answer["facets"][name]}


@pytest.fixture
def visitors(anonymous_client, practitioner, business_unit):
    return {
        "anonymous": anonymous_client,
        "practitioner": client_for(practitioner),
        "partnership member": client_for(business_unit),
    }


NEGLECT_PUBLIC = {
    "Serious case review: Family S",
    "Recommendation 1: Serious case review: Family S",
    "Recommendation 3: Serious case review: Family S",
    "7-minute briefing: Family S",
}
NEGLECT_PARTNERSHIP = NEGLECT_PUBLIC | {
    "Rapid review: Child P",
    "Recommendation 1: Rapid review: Child P",
    "7-minute briefing: Child P",
}


def test_stemming_finds_neglect_from_neglected_for_each_visitor(engine, library, visitors):
    engine.catch_up()
    expected = {
        "anonymous": NEGLECT_PUBLIC,
        "practitioner": NEGLECT_PUBLIC,
        "partnership member": NEGLECT_PARTNERSHIP,
    }
    for visitor, client in visitors.items():
        answer = api(client, q="neglected")
        assert titles(answer) == expected[visitor], visitor
        assert answer["count"] == len(expected[visitor]), visitor


def test_restricted_rapid_review_never_appears_in_search(engine, library, visitors):
    engine.catch_up()
    for visitor in ("anonymous", "practitioner"):
        client = visitors[visitor]
        for query in ("Holmfirth", "Child P", "RR-2020-03", "serious youth violence", ""):
            answer = api(client, q=query)
            shown = " ".join(
                f"{r['title']} {r['snippet']} {r['review']}" for r in answer["results"]
            )
            assert "Child P" not in shown and "Holmfirth" not in shown, (visitor, query)
            assert "rapid_review" not in facet_counts(answer, "review_kind"), (visitor, query)
            assert "serious-youth-violence" not in facet_counts(answer, "theme"), (visitor, query)
        assert api(client, q="Holmfirth")["count"] == 0
    assert api(visitors["partnership member"], q="Holmfirth")["count"] == 3


def test_practitioner_sees_practitioner_learning_that_the_public_does_not(
    engine, library, visitors
):
    engine.catch_up()
    assert api(visitors["anonymous"], q="voice")["count"] == 0
    practitioner = api(visitors["practitioner"], q="voice")
    assert titles(practitioner) == {
        "Child J: information exchange",
        "Recommendation 2: Child J: information exchange",
        "7-minute briefing: Child J",
    }


def test_unpublished_review_is_not_searchable(engine, library, visitors):
    engine.catch_up()
    answer = api(visitors["partnership member"], q="draft")
    assert answer["count"] == 0


def test_facet_counts_over_the_matched_set(engine, library, anonymous_client):
    engine.catch_up()
    answer = api(anonymous_client, q="neglect")
    assert facet_counts(answer, "kind") == {"review": 1, "recommendation": 2, "briefing": 1}
    assert facet_counts(answer, "theme") == {"neglect": 4, "disguised-compliance": 2}
    assert facet_counts(answer, "review_kind") == {"scr": 3}
    assert facet_counts(answer, "agency") == {"childrens-services": 2, "chft": 2, "police": 1}
    assert facet_counts(answer, "year") == {"2016": 3, str(timezone.now().year): 1}
    assert facet_counts(answer, "status") == {"complete": 1, "no_actions": 1}
    labels = {o["value"]: o["label"] for o in answer["facets"]["theme"]}
    assert labels["disguised-compliance"] == "Disguised compliance and resistant families"


def test_a_filter_narrows_results_and_other_facets_but_keeps_its_own_choices(
    engine, library, anonymous_client
):
    engine.catch_up()
    answer = api(anonymous_client, q="neglect", kind="recommendation")
    assert titles(answer) == {
        "Recommendation 1: Serious case review: Family S",
        "Recommendation 3: Serious case review: Family S",
    }
    kinds = {o["value"]: (o["count"], o["selected"]) for o in answer["facets"]["kind"]}
    assert kinds == {"review": (1, False), "recommendation": (2, True), "briefing": (1, False)}
    assert facet_counts(answer, "theme") == {"neglect": 2}


def test_status_and_agency_filters_find_recommendations(engine, library, business_unit):
    engine.catch_up()
    client = client_for(business_unit)
    outstanding = api(client, status="outstanding")
    assert titles(outstanding) == {
        "Recommendation 2: Serious case review: Family S",
        "Recommendation 1: Rapid review: Child P",
        "Recommendation 1: National review: sudden unexpected death in infancy",
    }
    assert facet_counts(outstanding, "status") == {
        "complete": 1,
        "outstanding": 3,
        "no_actions": 1,
        "assured": 1,
        "closed": 1,
    }
    police_assured = api(client, agency="police", status="closed")
    assert titles(police_assured) == {"Recommendation 2: Child J: information exchange"}


def test_theme_filters_within_a_facet_widen_and_across_facets_narrow(engine, library, practitioner):
    engine.catch_up()
    client = client_for(practitioner)
    either = api(client, theme=["voice-of-the-child", "safer-sleeping"], kind="review")
    assert titles(either) == {
        "Child J: information exchange",
        "National review: sudden unexpected death in infancy",
    }
    by_year = api(
        client, theme=["voice-of-the-child", "safer-sleeping"], kind="review", year="2020"
    )
    assert titles(by_year) == {"National review: sudden unexpected death in infancy"}


def test_phrase_matches_words_together_only(engine, library, anonymous_client):
    engine.catch_up()
    phrase = api(anonymous_client, q='"disguised compliance"')
    assert titles(phrase) == {
        "Serious case review: Family S",
        "Recommendation 2: Serious case review: Family S",
        "7-minute briefing: Family S",
    }
    assert api(anonymous_client, q='"compliance disguised"')["count"] == 0


def test_reference_pseudonym_and_recommendation_number_are_findable(engine, library, practitioner):
    engine.catch_up()
    client = client_for(practitioner)
    by_reference = api(client, q="SCR-2016-01 recommendation 2")
    assert titles(by_reference) == {"Recommendation 2: Serious case review: Family S"}
    by_child = api(client, q="Child J", kind="review")
    assert titles(by_child) == {"Child J: information exchange"}


def test_title_is_weighted_above_body_text(engine, library, anonymous_client):
    engine.catch_up()
    answer = api(anonymous_client, q="escalation")
    assert answer["results"][0]["title"] == "Learning review: escalation"
    assert "Recommendation 2: Serious case review: Family S" in titles(answer)


def test_the_words_of_a_reviews_title_find_the_review_before_its_recommendations(
    engine, library, anonymous_client
):
    # A recommendation is titled with its review's title: those words are the review's.
    engine.catch_up()
    for q, review in [
        ("serious case review", "Serious case review: Family S"),
        ("sudden unexpected death", "National review: sudden unexpected death in infancy"),
    ]:
        assert api(anonymous_client, q=q)["results"][0]["title"] == review, q


def test_snippets_highlight_matches_and_escape_everything_else(engine, library, anonymous_client):
    library.sudi.summary = 'Advice on co-sleeping <script>alert("x")</script> and risk.'
    library.sudi.save_revision().publish()
    engine.catch_up()
    answer = api(anonymous_client, q="co-sleeping", kind="review")
    snippet = answer["results"][0]["snippet"]
    assert "<mark>" in snippet and "sleeping</mark>" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert "alert(&quot;x&quot;)" in snippet


def test_newest_first_sort(engine, library, business_unit):
    engine.catch_up()
    newest = api(client_for(business_unit), kind="review", sort="newest")
    assert [r["title"] for r in newest["results"]] == [
        "Rapid review: Child P",
        "National review: sudden unexpected death in infancy",
        "Child J: information exchange",
        "Learning review: escalation",
        "Serious case review: Family S",
    ]


def test_results_come_in_pages_of_twenty(engine, library, anonymous_client):
    for number in range(4, 26):
        RecommendationFactory(
            review=library.escalation, number=str(number), text="Use the escalation policy."
        )
    engine.catch_up()
    first = api(anonymous_client, q="escalation")
    second = api(anonymous_client, q="escalation", page=2)
    assert first["count"] == second["count"] == 24
    assert len(first["results"]) == 20 and len(second["results"]) == 4
    assert not titles(first) & titles(second)
    assert api(anonymous_client, q="escalation", page=3)["results"] == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    "params",
    [
        {"q": "neglect"},
        {"q": "neglected children"},
        {"q": '"disguised compliance"'},
        {"q": "voice of the child"},
        {"q": "information", "kind": "recommendation"},
        {"q": "health", "agency": "chft"},
        {"q": "", "status": "assured"},
        {"q": "", "year": "2016"},
        {"q": "serious youth violence"},
        {"q": "Child J"},
        {"q": "RR-2020-03"},
        {"q": "review", "review_kind": "scr"},
    ],
)
def test_both_engines_give_the_same_answers(
    es_client, library, practitioner, business_unit, params
):
    from search.audience import Audience
    from search.engines import elasticsearch as es_engine
    from search.engines.elasticsearch import ElasticsearchEngine

    es_engine.rebuild(es_client)
    for user in (None, practitioner, business_unit):
        levels = Audience.of(user)
        request = SearchRequest.from_params(_query_dict(params))
        database = DatabaseEngine().search(request, levels, page_size=50)
        elastic = ElasticsearchEngine().search(request, levels, page_size=50)
        assert elastic.engine == "elasticsearch"
        assert database.count == elastic.count, (params, user)
        assert {k for k, _ in database.hits} == {k for k, _ in elastic.hits}, (params, user)
        assert database.facets == elastic.facets, (params, user)


def _query_dict(params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    return query
