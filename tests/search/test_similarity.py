"""The similarity behind "said before": the bulk rebuild ranks as the full-text index does."""

import pytest
from django.db import connection

from learning.permissions import Visibility
from search.audience import Audience
from search.recurrence_evaluation import index_library
from search.similarity import Bm25Method, FullTextMoreLikeThis

pytestmark = pytest.mark.django_db

LIBRARY = [
    "Health visitors must ask about and record every adult male living in the household.",
    "Fathers and other men in the baby's life were invisible to professionals; health visiting "
    "should find out who the mother's partner is and assess the risk he may pose.",
    "Schools should record the child's own words when a disclosure is made.",
    "The partnership should relaunch the escalation policy for professional disagreements.",
    "Children's social care should complete return home interviews within 72 hours of a child "
    "going missing, and share what the child says with the police.",
    "GP practices should link the records of children and their parents, so that a parent's "
    "mental ill health or substance misuse is known to whoever sees the child.",
    "Agencies must escalate through the resolving professional disagreements procedure.",
]


def test_the_bulk_rebuild_scores_as_the_full_text_index_does():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index ranks with ts_rank; the bulk method mirrors FTS5's bm25")
    index_library(LIBRARY)
    full_text = FullTextMoreLikeThis()
    bulk = Bm25Method(both_ways=False).fit(LIBRARY)
    for position, text in enumerate(LIBRARY):
        own = full_text.self_score(text, position)
        expected = {
            other: score / own
            for other, score in full_text.top(
                text, Audience.for_levels([Visibility.PUBLIC]), limit=len(LIBRARY)
            )
        }
        scores = bulk.row_scores(position)
        assert {other for other, score in enumerate(scores) if score > 0} == set(expected)
        for other, score in expected.items():
            assert scores[other] == pytest.approx(score, rel=1e-4)


def test_every_wording_of_the_fields_terms_is_read_as_its_one_term():
    """Each wording of the vocabulary (hyphenated, capitalised, at a sentence's end) is read as
    its group's one token, a longer wording as itself rather than the shorter one it begins with,
    and a word that merely starts with a wording is not read as it."""
    from search.similarity import _is_abbreviation, _merged_groups, normalise, vocabulary_key

    key = vocabulary_key()
    checked = 0
    for canonical, wordings in _merged_groups(key):
        token = normalise(canonical, key).split()
        assert len(token) == 1 and token[0].startswith("syn"), canonical
        for wording in wordings:
            if _is_abbreviation(wording, canonical):
                typed = [wording.upper(), f"{wording.upper()}-related"]
            else:
                typed = [wording, wording.replace(" ", "-"), f"{wording.capitalize()}."]
            for text in typed:
                assert token[0] in normalise(f"Agencies should consider {text}", key).split(), text
                checked += 1
            if wording.isalpha():
                assert token[0] not in normalise(f"{wording}xyz", key), wording
    assert checked > 500


def test_each_candidate_is_scored_both_ways_as_the_whole_library_product_scores_it():
    """The bulk rebuild scores a candidate's query against the text only for the candidates it
    keeps; each such score is the one the whole product of every query with every text gives,
    and a review's own recommendations are never candidates."""
    import numpy as np

    method = Bm25Method().fit(LIBRARY)
    reviews = np.array([0, 0, 1, 1, 2, 2, 3])
    found = dict(method.neighbours(k=len(LIBRARY), block=3, groups=reviews))
    assert set(found) == set(range(len(LIBRARY)))
    assert any(found.values())
    for position, neighbours in found.items():
        whole = method.row_scores(position)
        for other, score in neighbours:
            assert reviews[other] != reviews[position]
            assert score == pytest.approx(float(whole[other]), rel=1e-6)
        expected = {
            other
            for other in np.flatnonzero(whole > 0)
            if other != position and reviews[other] != reviews[position]
        }
        assert {other for other, _ in neighbours} == expected
