"""Recurrence: which earlier (or later) recommendations say the same thing as this one.

Search finds the candidates (BM25 "more like this": live on the full-text index for text being
written, in sparse matrices for the bulk rebuild) and the verdict (search/verdict.py) judges each
pair: its score is the probability that the two are the same finding, the same in every list, and
a candidate under *related* is not shown at all. Each recommendation's judged neighbours are
stored (`RecurrenceNeighbour`) so lists, the report and its groups read a table. Every query
filters by the visibility levels the reader may open, inside the SQL. Machine suggestions are
shown only to those who weigh them; everyone else sees the links the business unit confirmed.
"""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

import itertools
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat

from learning import permissions
from learning.models import (
    AgencyAction,
    Assurance,
    Partnership,
    Recommendation,
    RecurrenceDismissal,
    RecurrenceLink,
)
from learning.permissions import Visibility
from reviews.models import ReviewPage

from . import verdict
from .audience import Audience
from .models import RecurrenceNeighbour, SearchDocument
from .similarity import Bm25Method, FullTextMoreLikeThis, more_like_this_terms

logger = logging.getLogger(__name__)

NEIGHBOURS = 10
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
    verdict: str = ""
    review_id: int = 0
    status: str = ""
    agencies: list = field(default_factory=list)  # [(agency name, action status label)]
    assured_on: object = None
    # Where it was said: "a 2021 domestic homicide review of the community safety partnership".
    review_kind: str = ""
    partnership: str = ""
    partnership_id: int | None = None

    def as_json(self):
        return {
            "id": self.id,
            "review": self.review,
            "number": self.number,
            "text": self.text,
            "year": self.year,
            "themes": self.themes,
            "score": round(self.score, 3),
            "verdict": self.verdict,
            "url": self.url,
            "linked": self.linked,
            "review_kind": self.review_kind,
            "partnership": self.partnership,
        }


def recommendation_documents(audience):
    return SearchDocument.objects.filter(audience.q(), kind=SearchDocument.Kind.RECOMMENDATION)


def recommendation_documents_by_id(recommendation_ids, audience):
    """The documents of these recommendations that the audience may see, looked up by their
    unique key. The visibility test is written as an expression so that SQLite's planner does not
    pick the (visibility, kind) index and walk every visible document instead."""
    keys = [f"{SearchDocument.Kind.RECOMMENDATION}:{pk}" for pk in recommendation_ids]
    return (
        SearchDocument.objects.filter(key__in=keys)
        .alias(level=Concat("visibility", Value("")))
        .filter(audience.q(visibility="level"))
    )


def _load(scored, user, linked_ids=()):
    """Similar rows for [(recommendation id, score)], in that order, keeping only those whose
    documents the reader may see; with their themes and, for those who may see the tracker,
    where the actions stand: each agency's action the reader may see, and when all were assured."""
    documents = {
        doc.object_id: doc
        for doc in recommendation_documents_by_id(
            [rec_id for rec_id, _ in scored], Audience.of(user)
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
    partnerships = {
        slug: (pk, name)
        for slug, pk, name in Partnership.objects.filter(
            slug__in={doc.partnership for doc in documents.values()}
        ).values_list("slug", "pk", "name")
    }
    kinds = dict(ReviewPage.Kind.choices)
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
                verdict=verdict.verdict_for(score) or "",
                url=doc.url,
                linked=rec_id in linked_ids,
                review_id=doc.page_id,
                status=doc.get_status_display() if sees_tracker else "",
                agencies=actions.get(rec_id, []),
                assured_on=assured.get(rec_id),
                review_kind=kinds.get(doc.review_kind, ""),
                partnership=partnerships.get(doc.partnership, (None, ""))[1],
                partnership_id=partnerships.get(doc.partnership, (None, ""))[0],
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


def judged(text, candidates, prepared=None):
    """[(recommendation id, score)] best first for the candidates [(id, text)] the verdict calls
    the same finding as `text` or related to it; the rest left out."""
    if not candidates:
        return []
    if prepared is None:
        prepared = verdict.prepare([text] + [other for _, other in candidates])
    model = verdict.model()
    scores = model.scores(prepared[0], prepared[1:])
    kept = [
        (rec_id, float(score))
        for (rec_id, _), score in zip(candidates, scores, strict=True)
        if score >= model.related
    ]
    kept.sort(key=lambda pair: (-pair[1], pair[0]))
    return kept


def candidate_texts(recommendation_ids):
    return dict(
        SearchDocument.objects.filter(
            kind=SearchDocument.Kind.RECOMMENDATION, object_id__in=list(recommendation_ids)
        ).values_list("object_id", "text")
    )


def similar_to_text(text, user, limit=10, exclude_ids=(), exclude_review_id=None):
    """Recommendations the user may see that say the same as `text` (a draft or an import), or
    something related; nothing if the library does not raise its matter."""
    found = _engine_top(text, Audience.of(user), verdict.CANDIDATES, exclude_ids, exclude_review_id)
    texts = candidate_texts(rec_id for rec_id, _ in found)
    candidates = [(rec_id, texts[rec_id]) for rec_id, _ in found if rec_id in texts]
    return _load(judged(text, candidates)[:limit], user)


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
    first, then, for those who may weigh them, suggestions best first, all of them ones the user
    may see; suggestions set aside for a recommendation are left out of its list."""
    ids = list(recommendation_ids)
    suggests = permissions.can_see_recurrence_suggestions(user)
    links = linked_ids(ids)
    dismissed = {}
    for rec_id, other in RecurrenceDismissal.objects.filter(recommendation_id__in=ids).values_list(
        "recommendation_id", "suggestion_id"
    ):
        dismissed.setdefault(rec_id, set()).add(other)
    suggested = {pk: [] for pk in ids}
    # Each list is a fixed few rows; the ones the user may not see are dropped by the visibility
    # filter of the query that loads them (_load), before any is counted or shown.
    neighbours = RecurrenceNeighbour.objects.filter(recommendation_id__in=ids if suggests else [])
    for rec_id, other, score in neighbours.order_by(
        "recommendation_id", "-score", "neighbour_id"
    ).values_list("recommendation_id", "neighbour_id", "score"):
        if other not in links[rec_id] and other not in dismissed.get(rec_id, ()):
            suggested[rec_id].append((other, score))
    wanted = {other for pk in ids for other in links[pk]}
    wanted |= {other for pk in ids for other, _ in suggested[pk]}
    loaded = {item.id: item for item in _load([(pk, 0.0) for pk in wanted], user)}
    answer = {}
    for pk in ids:
        rows = [
            _with(loaded[o], score=1.0, verdict=verdict.SAME, linked=True)
            for o in links[pk]
            if o in loaded
        ]
        rows += [
            _with(loaded[o], score=score, verdict=verdict.verdict_for(score), linked=False)
            for o, score in suggested[pk]
            if o in loaded and verdict.verdict_for(score)
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
    """One recommendation changed (or is new): see `recompute_batch`."""
    return recompute_batch([recommendation_id])


def recompute_batch(recommendation_ids):
    """These recommendations changed (or are new, a whole review of them): each one's neighbours
    judged in one batch (one full-text query each for its candidates, one pass of the verdict
    over every pair), and each joins its neighbours' lists. Idempotent: run twice, the table ends
    the same. Returns how many neighbours were found."""
    ids = list(dict.fromkeys(recommendation_ids))
    documents = {
        object_id: (text, page_id)
        for object_id, text, page_id in SearchDocument.objects.filter(
            kind=SearchDocument.Kind.RECOMMENDATION, object_id__in=ids
        ).values_list("object_id", "text", "page_id")
    }
    search = FullTextMoreLikeThis()
    vocabulary = verdict.vocabulary_key()
    found = {
        rec_id: [
            other
            for other, _ in search.top(
                text,
                Audience.for_levels(ALL_LEVELS),
                limit=verdict.CANDIDATES,
                exclude_ids=[rec_id],
                exclude_page_id=page_id,
                vocabulary=vocabulary,
            )
        ]
        for rec_id, (text, page_id) in documents.items()
    }
    texts = candidate_texts({other for others in found.values() for other in others})
    texts.update({rec_id: text for rec_id, (text, _) in documents.items()})
    keys = sorted(texts)  # positions in id order: ties are broken by id, as everywhere
    position = {key: n for n, key in enumerate(keys)}
    model = verdict.model()
    library = model.library(verdict.prepare(texts[k] for k in keys))
    found = {
        rec_id: [position[other] for other in others if other in texts]
        for rec_id, others in found.items()
    }
    rows = []
    for at, best in judge_candidates(
        model, library, [(position[rec_id], others) for rec_id, others in found.items()]
    ):
        rec_id = keys[at]
        for other_at, score in best:
            other = keys[other_at]
            rows.append(
                RecurrenceNeighbour(recommendation_id=rec_id, neighbour_id=other, score=score)
            )
            rows.append(
                RecurrenceNeighbour(recommendation_id=other, neighbour_id=rec_id, score=score)
            )
    unique = {(row.recommendation_id, row.neighbour_id): row for row in rows}
    with transaction.atomic():
        RecurrenceNeighbour.objects.filter(
            Q(recommendation_id__in=ids) | Q(neighbour_id__in=ids)
        ).delete()
        RecurrenceNeighbour.objects.bulk_create(unique.values())
    return len(unique) // 2 if unique else 0


def update_owed(recommendation_ids=None):
    """Recompute the neighbours of these recommendations (or of every one noted as owed) in one
    batch, and clear them from the backlog; returns how many were recomputed."""
    from django.utils import timezone

    from .models import RecurrenceBacklog

    started = timezone.now()
    if recommendation_ids is None:
        recommendation_ids = list(
            RecurrenceBacklog.objects.filter(since__lte=started).values_list(
                "recommendation_id", flat=True
            )
        )
    ids = list(recommendation_ids)
    if ids:
        recompute_batch(ids)
        RecurrenceBacklog.cleared(started, ids)
    return len(ids)


def rebuild_neighbours(block=256):
    """Recompute every recommendation's neighbours in one pass (candidates from BM25 in sparse
    matrices, the same ranking as the full-text index, each judged by the verdict); returns the
    number of recommendations."""
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
        model = verdict.model()
        library = model.library(verdict.prepare((r[2] for r in rows), read=method.read))
        candidates = method.neighbours(k=verdict.CANDIDATES, block=block, groups=pages)
        with connection.cursor() as cursor:
            while chunk := [
                (position, [other for other, _ in found])
                for position, found in itertools.islice(candidates, block * 8)
            ]:
                _insert(
                    cursor,
                    table,
                    [
                        (ids[position], ids[other], score)
                        for position, best in judge_candidates(model, library, chunk)
                        for other, score in best
                    ],
                )
    return len(rows)


def judge_candidates(model, library, candidates):
    """For [(position, [candidate positions])] in a verdict Library, yields (position, [(other,
    score)]): the NEIGHBOURS best the verdict calls same or related, best first, every pair of
    the lot scored in one pass."""
    import numpy as np

    counts = [len(others) for _, others in candidates]
    left = np.repeat([position for position, _ in candidates], counts)
    right = np.array([other for _, others in candidates for other in others], dtype=np.int64)
    scores = model.pair_scores(library, left, right).tolist()
    start = 0
    for (position, others), count in zip(candidates, counts, strict=True):
        judged_pairs = sorted(
            (
                (other, score)
                for other, score in zip(others, scores[start : start + count], strict=True)
                if score >= model.related
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        start += count
        yield position, judged_pairs[:NEIGHBOURS]


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
