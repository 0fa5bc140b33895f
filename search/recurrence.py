"""Recurrence: which earlier (or later) recommendations say the same thing as this one.

The method is BM25 "more like this" (chosen by `evaluate_recurrence`): live on the full-text
index for text being written, and stored as each recommendation's best neighbours
(`RecurrenceNeighbour`) so lists, the report and its groups read a table. Every query filters by
the visibility levels the reader may open, inside the SQL.
"""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat

from learning import permissions
from learning.models import (
    AgencyAction,
    Assurance,
    Recommendation,
    RecurrenceDismissal,
    RecurrenceLink,
)
from learning.permissions import Visibility, visible_levels

from .models import RecurrenceNeighbour, SearchDocument
from .similarity import Bm25Method, FullTextMoreLikeThis, more_like_this_terms

logger = logging.getLogger(__name__)

NEIGHBOURS = 10
# Relative BM25 score (the better of the two ways) at which two recommendations count as the
# same finding for the report's groups. On the labelled set's development pairs it keeps 90% of
# same-finding pairs, 12% of related ones and 7% of different ones; 0.2 keeps 82%, 9% and 4%,
# much the same gap, but misses more of what the report is for (see `evaluate_recurrence`).
SAME_FINDING_SCORE = 0.15
ALL_LEVELS = [Visibility.PUBLIC, Visibility.PRACTITIONERS, Visibility.PARTNERSHIP]


@dataclass
class Similar:
    """One similar recommendation as a reader sees it."""

    id: int
    review: str
    number: str
    text: str
    year: int | None
    themes: list
    score: float
    url: str
    linked: bool
    review_id: int = 0
    status: str = ""
    agencies: list = field(default_factory=list)  # [(agency name, action status label)]
    assured_on: object = None

    def as_json(self):
        return {
            "id": self.id,
            "review": self.review,
            "number": self.number,
            "text": self.text,
            "year": self.year,
            "themes": self.themes,
            "score": round(self.score, 3),
            "url": self.url,
            "linked": self.linked,
        }


def recommendation_documents(levels):
    return SearchDocument.objects.filter(
        kind=SearchDocument.Kind.RECOMMENDATION, visibility__in=[str(v) for v in levels]
    )


def recommendation_documents_by_id(recommendation_ids, levels):
    """The documents of these recommendations that the levels may see, looked up by their unique
    key. The visibility test is written as an expression so that SQLite's planner does not pick
    the (visibility, kind) index and walk every visible document instead."""
    keys = [f"{SearchDocument.Kind.RECOMMENDATION}:{pk}" for pk in recommendation_ids]
    return (
        SearchDocument.objects.filter(key__in=keys)
        .alias(level=Concat("visibility", Value("")))
        .filter(level__in=[str(v) for v in levels])
    )


def _load(scored, user, linked_ids=()):
    """Similar rows for [(recommendation id, score)], in that order, keeping only those whose
    documents the reader may see; with their themes and, for those who may see the tracker,
    where the actions stand: each agency's action the reader may see, and when all were assured."""
    documents = {
        doc.object_id: doc
        for doc in recommendation_documents_by_id(
            [rec_id for rec_id, _ in scored], visible_levels(user)
        ).prefetch_related("tags")
    }
    sees_tracker = permissions.can_see_tracker(user)
    actions = {}
    for rec_id, agency, status in (
        permissions.visible_actions(
            user, AgencyAction.objects.filter(recommendation_id__in=documents)
        )
        .order_by("agency__name")
        .values_list("recommendation_id", "agency__name", "status")
    ):
        actions.setdefault(rec_id, []).append((agency, AgencyAction.Status(status).label))
    assured = dict(assured_dates(documents)) if sees_tracker else {}
    found = []
    for rec_id, score in scored:
        doc = documents.get(rec_id)
        if doc is None:
            continue
        found.append(
            Similar(
                id=rec_id,
                review=doc.review,
                number=doc.number,
                text=doc.text,
                year=doc.year,
                themes=[tag.label for tag in doc.themes],
                score=score,
                url=doc.url,
                linked=rec_id in linked_ids,
                review_id=doc.page_id,
                status=doc.get_status_display() if sees_tracker else "",
                agencies=actions.get(rec_id, []),
                assured_on=assured.get(rec_id),
            )
        )
    return found


def assured_dates(recommendation_ids=None):
    """(recommendation id, when its last action was assured) for recommendations whose actions
    have all been assured or closed, at least one of them assured; all of them if no ids."""
    from django.db.models import Max

    actions = AgencyAction.objects.all()
    assurances = Assurance.objects.filter(
        decision=Assurance.Decision.ASSURED, action__status=AgencyAction.Status.ASSURED
    )
    if recommendation_ids is not None:
        actions = actions.filter(recommendation_id__in=recommendation_ids)
        assurances = assurances.filter(action__recommendation_id__in=recommendation_ids)
    unfinished = actions.exclude(status__in=AgencyAction.Status.finished()).values(
        "recommendation_id"
    )
    return (
        assurances.exclude(action__recommendation_id__in=unfinished)
        .values("action__recommendation_id")
        .annotate(last=Max("at"))
        .values_list("action__recommendation_id", "last")
    )


# Live: text being written ---------------------------------------------------------------------


def _engine_top(text, levels, limit, exclude_ids=(), exclude_review_id=None):
    """[(recommendation id, score)] best first from the search engine in use."""
    from .engines import elasticsearch as es_engine
    from .sync import elasticsearch_enabled

    if elasticsearch_enabled() and not es_engine.outage.ongoing:
        try:
            return es_engine.more_like_this(
                es_engine.get_client(), text, levels, limit, exclude_ids, exclude_review_id
            )
        except es_engine.UNAVAILABLE as error:
            es_engine.outage.begin(error)
            logger.warning("Elasticsearch unavailable; similarity from the database: %s", error)
    return FullTextMoreLikeThis().top(
        text, levels, limit=limit, exclude_ids=exclude_ids, exclude_page_id=exclude_review_id
    )


def similar_to_text(text, user, limit=10, exclude_ids=(), exclude_review_id=None):
    """Recommendations the user may see that are most like `text` (a draft or an import)."""
    scored = _engine_top(text, visible_levels(user), limit, exclude_ids, exclude_review_id)
    top = scored[0][1] if scored else 1.0
    return _load([(rec_id, score / top if top else 0.0) for rec_id, score in scored], user)


# Stored: one recommendation's neighbours ------------------------------------------------------


def linked_ids(recommendation_ids):
    """{recommendation id: {other id: "earlier" | "later"}} recorded as the same finding."""
    ids = list(recommendation_ids)
    found = {pk: {} for pk in ids}
    for earlier, later in RecurrenceLink.objects.filter(
        Q(earlier_id__in=ids) | Q(later_id__in=ids)
    ).values_list("earlier_id", "later_id"):
        if later in found:
            found[later][earlier] = "earlier"
        if earlier in found:
            found[earlier][later] = "later"
    return found


def similar_to_recommendations(recommendation_ids, user, limit=10):
    """{id: [Similar]} for several recommendations in a fixed number of queries: recorded links
    first, then suggestions best first, all of them ones the user may see; suggestions set aside
    for a recommendation are left out of its list."""
    ids = list(recommendation_ids)
    links = linked_ids(ids)
    dismissed = {}
    for rec_id, other in RecurrenceDismissal.objects.filter(recommendation_id__in=ids).values_list(
        "recommendation_id", "suggestion_id"
    ):
        dismissed.setdefault(rec_id, set()).add(other)
    suggested = {pk: [] for pk in ids}
    # Each list is a fixed few rows; the ones the user may not see are dropped by the visibility
    # filter of the query that loads them (_load), before any is counted or shown.
    for rec_id, other, score in (
        RecurrenceNeighbour.objects.filter(recommendation_id__in=ids)
        .order_by("recommendation_id", "-score", "neighbour_id")
        .values_list("recommendation_id", "neighbour_id", "score")
    ):
        if other not in links[rec_id] and other not in dismissed.get(rec_id, ()):
            suggested[rec_id].append((other, score))
    wanted = {other for pk in ids for other in links[pk]}
    wanted |= {other for pk in ids for other, _ in suggested[pk]}
    loaded = {item.id: item for item in _load([(pk, 0.0) for pk in wanted], user)}
    answer = {}
    for pk in ids:
        rows = [_with(loaded[o], score=1.0, linked=True) for o in links[pk] if o in loaded]
        rows += [
            _with(loaded[o], score=score, linked=False) for o, score in suggested[pk] if o in loaded
        ]
        answer[pk] = rows[: max(limit, sum(1 for row in rows if row.linked))]
    return answer


def _with(item, **changes):
    from dataclasses import replace

    return replace(item, **changes)


def similar_to_recommendation(recommendation_id, user, limit=10):
    return similar_to_recommendations([recommendation_id], user, limit)[recommendation_id]


@dataclass
class SaidBeforeAndAfter:
    before: list
    after: list

    def __bool__(self):
        return bool(self.before or self.after)


def said_before_and_after(recommendations, user, limit=5):
    """{recommendation id: SaidBeforeAndAfter} for a page's recommendations (each with its
    review loaded): recorded links first, then suggestions marked as such."""
    recommendations = list(recommendations)
    ids = [rec.pk for rec in recommendations]
    links = linked_ids(ids)
    similar = similar_to_recommendations(ids, user, limit)
    answer = {}
    for rec in recommendations:
        year = rec.review.year or 0
        before, after = [], []
        for item in similar[rec.pk]:
            if item.linked:
                later = links[rec.pk].get(item.id) == "later"
            else:
                later = (item.year or 0) > year
            (after if later else before).append(item)
        answer[rec.pk] = SaidBeforeAndAfter(before, after)
    return answer


# Keeping the neighbour table current ----------------------------------------------------------


def recompute_neighbours(recommendation_id):
    """One recommendation changed (or is new): its neighbours from the full-text index, and it
    joins its neighbours' lists. Idempotent."""
    document = (
        SearchDocument.objects.filter(
            kind=SearchDocument.Kind.RECOMMENDATION, object_id=recommendation_id
        )
        .values("text", "page_id")
        .first()
    )
    with transaction.atomic():
        RecurrenceNeighbour.objects.filter(
            Q(recommendation_id=recommendation_id) | Q(neighbour_id=recommendation_id)
        ).delete()
        if document is None:  # deleted, or its review is no longer live
            return 0
        scored = FullTextMoreLikeThis().both_ways(
            document["text"],
            recommendation_id,
            ALL_LEVELS,
            limit=NEIGHBOURS,
            exclude_page_id=document["page_id"],
        )
        rows = [
            RecurrenceNeighbour(
                recommendation_id=recommendation_id, neighbour_id=other, score=score
            )
            for other, score in scored
        ]
        rows += [
            RecurrenceNeighbour(
                recommendation_id=row.neighbour_id, neighbour_id=recommendation_id, score=row.score
            )
            for row in rows
        ]
        RecurrenceNeighbour.objects.bulk_create(rows)
        return len(scored)


def rebuild_neighbours(block=256):
    """Recompute every recommendation's neighbours in one pass (BM25 in sparse matrices, the same
    ranking as the full-text index); returns the number of recommendations."""
    import numpy as np

    rows = list(
        SearchDocument.objects.filter(kind=SearchDocument.Kind.RECOMMENDATION)
        .order_by("object_id")
        .values_list("object_id", "page_id", "text")
    )
    table = RecurrenceNeighbour._meta.db_table
    with transaction.atomic():
        RecurrenceNeighbour.objects.all()._raw_delete(RecurrenceNeighbour.objects.db)
        if len(rows) < 2:
            return len(rows)
        ids = [r[0] for r in rows]
        pages = np.array([r[1] for r in rows])
        method = Bm25Method().fit([r[2] for r in rows])
        same_review = {}
        for position, page in enumerate(pages):
            same_review.setdefault(page, []).append(position)
        batch = []
        with connection.cursor() as cursor:
            for position, best in method.neighbours(
                k=NEIGHBOURS, block=block, exclude_same=lambda p: same_review[pages[p]]
            ):
                batch += [(ids[position], ids[other], score) for other, score in best]
                if len(batch) >= 20_000:
                    _insert(cursor, table, batch)
                    batch = []
            _insert(cursor, table, batch)
    return len(rows)


def _insert(cursor, table, batch):
    if batch:
        cursor.executemany(
            f"INSERT INTO {table} (recommendation_id, neighbour_id, score) VALUES (%s, %s, %s)",
            batch,
        )


def suggestions_for_text(text, user, limit=5, exclude_review_id=None):
    """What the editor or the import preview shows beside a recommendation being written."""
    if not more_like_this_terms(text):
        return []
    return similar_to_text(text, user, limit=limit, exclude_review_id=exclude_review_id)


def recommendation_for(recommendation_id):
    return Recommendation.objects.select_related("review").filter(pk=recommendation_id).first()
