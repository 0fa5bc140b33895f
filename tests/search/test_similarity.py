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
