"""The relevance set (tests/fixtures/search_relevance.json): practitioners' searches as they type
them (questions, abbreviations, misspellings, phrases, theme names), with graded judgements.
Both engines must put something relevant first for most of them (MRR at least 0.8) and never
answer a search with nothing when the library holds something relevant."""

import pytest

from search import relevance

pytestmark = pytest.mark.django_db

TARGET_MRR = 0.8


@pytest.fixture
def relevance_set():
    return relevance.load_relevance_set()


def test_relevance_set_has_sixty_graded_practitioner_queries(relevance_set):
    queries = relevance_set["queries"]
    assert len(queries) >= 60
    assert len({q["q"] for q in queries}) == len(queries)
    assert {q["style"] for q in queries} >= {
        "question",
        "abbreviation",
        "misspelling",
        "phrase",
        "theme",
    }
    items = {item["id"] for item in relevance_set["items"]} | {
        rec["id"] for item in relevance_set["items"] for rec in item.get("recommendations", [])
    }
    for query in queries:
        assert set(query["relevant"]) <= items, query["q"]
        assert 2 in query["relevant"].values(), query["q"]


def test_judging_counts_the_first_relevant_result_and_graded_gain():
    grades = {"a": 2, "b": 1}
    assert relevance.judge(["a", "b", "c"], grades) == (1.0, 1.0)
    reciprocal, ndcg = relevance.judge(["c", "b", "a"], grades)
    assert reciprocal == 0.5 and 0 < ndcg < 1
    assert relevance.judge(["c"], grades) == (0.0, 0.0)


def test_practitioners_find_what_they_ask_for_on_both_engines(engine, relevance_set):
    keys = relevance.build_library(relevance_set)
    engine.catch_up()
    figures = relevance.evaluate(relevance_set, keys, engine.name)
    assert figures.zero_results == []
    assert figures.mrr >= TARGET_MRR, [
        (q.q, q.top) for q in figures.queries if q.reciprocal_rank < 1
    ]
