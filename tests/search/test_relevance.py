"""The relevance set (tests/fixtures/search_relevance.json): practitioners' searches as they type
them (questions, abbreviations, misspellings, phrases, theme names), with graded judgements.
Both engines must put something relevant first for most of them (MRR at least 0.8) and never
answer a search with nothing when the library holds something relevant."""

import io

import pytest
from django.core.management import call_command

from search import relevance
from search.management.commands.evaluate_search import CHILD_FLAG

pytestmark = pytest.mark.django_db

TARGET_MRR = 0.8


@pytest.fixture
def relevance_set():
    return relevance.load_relevance_set()


def assert_graded_over_the_library(queries, relevance_set):
    assert len({q["q"] for q in queries}) == len(queries)
    items = {item["id"] for item in relevance_set["items"]} | {
        rec["id"] for item in relevance_set["items"] for rec in item.get("recommendations", [])
    }
    for query in queries:
        assert set(query["relevant"]) <= items, query["q"]
        # Graded with nothing: the library holds nothing on it. Otherwise something is what the
        # searcher was looking for.
        assert not query["relevant"] or 2 in query["relevant"].values(), query["q"]
    assert sum(1 for query in queries if query["relevant"]) > len(queries) * 3 / 4


def test_relevance_set_has_sixty_graded_practitioner_queries(relevance_set):
    queries = relevance_set["queries"]
    assert len(queries) >= 60
    assert {q["style"] for q in queries} >= {
        "question",
        "abbreviation",
        "misspelling",
        "phrase",
        "theme",
    }
    assert_graded_over_the_library(queries, relevance_set)


def test_held_out_set_asks_forty_other_searches_of_the_same_library(relevance_set):
    queries = relevance.load_relevance_set(relevance.HELD_OUT_FILE)["queries"]
    assert len(queries) >= 40
    tuned = {q["q"].lower() for q in relevance_set["queries"]}
    assert not [q["q"] for q in queries if q["q"].lower() in tuned]
    assert {q["style"] for q in queries} >= {"question", "everyday", "abbreviation", "long"}
    assert_graded_over_the_library(queries, relevance_set)


def test_evaluation_prints_the_held_out_figures_apart(monkeypatch):
    monkeypatch.setenv(CHILD_FLAG, "1")  # this test's database is already a throwaway one
    out = io.StringIO()
    call_command("evaluate_search", engine=["database"], stdout=out)
    tuned, held_out = out.getvalue().split("Held-out set")
    assert "Relevance set: " in tuned and "database" in tuned
    assert " queries over 48 items" in held_out and "database" in held_out


def test_judging_counts_the_first_relevant_result_and_graded_gain():
    grades = {"a": 2, "b": 1}
    assert relevance.judge(["a", "b", "c"], grades) == (1.0, 1.0)
    reciprocal, ndcg = relevance.judge(["c", "b", "a"], grades)
    assert reciprocal == 0.5 and 0 < ndcg < 1
    assert relevance.judge(["c"], grades) == (0.0, 0.0)


def test_a_search_on_nothing_the_library_holds_counts_only_what_it_shows():
    figures = relevance.EngineFigures(
        "database",
        [
            relevance.QueryFigures("neglect", "keyword", 1.0, 1.0, 3, answerable=True, unrelated=2),
            relevance.QueryFigures(
                "kinship care", "everyday", 0.0, 0.0, 2, answerable=False, unrelated=2
            ),
            relevance.QueryFigures("lado", "abbreviation", 0.0, 0.0, 0, answerable=False),
        ],
    )
    assert figures.mrr == 1.0 and figures.ndcg == 1.0
    assert figures.zero_results == []
    assert figures.answered_unanswerable == ["kinship care"]
    assert figures.unrelated == 4 / 3


def test_practitioners_find_what_they_ask_for_on_both_engines(engine, relevance_set):
    keys = relevance.build_library(relevance_set)
    engine.catch_up()
    figures = relevance.evaluate(relevance_set, keys, engine.name)
    assert figures.zero_results == []
    assert figures.mrr >= TARGET_MRR, [
        (q.q, q.top) for q in figures.queries if q.reciprocal_rank < 1
    ]
