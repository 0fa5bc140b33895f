"""Measuring the similarity methods on the labelled pairs in tests/fixtures/recurrence/.

The library each method searches is every labelled recommendation plus, as distractors, the
sentences of the partnership documents in tests/fixtures/corpus/ (unjudged, so never counted as a
hit). For every *same finding* pair, each of the two is looked up and the other must be among the
first five (recall@5). Precision@5 is the share of those first five that were judged the same
finding or a related one; its ceiling is printed beside it, as a finding has only a few wordings.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures"
LABELLED = FIXTURES / "recurrence"
CORPUS = FIXTURES / "corpus"
TOP = 5


@dataclass
class LabelledSet:
    items: list  # [{id, finding, year, review, number, source, text}]
    pairs: list  # [(a, b, judgement, split)]

    @classmethod
    def load(cls, folder=LABELLED):
        with open(folder / "recommendations.csv", newline="", encoding="utf-8") as f:
            items = list(csv.DictReader(f))
        with open(folder / "pairs.csv", newline="", encoding="utf-8") as f:
            pairs = [(r["a"], r["b"], r["judgement"], r["split"]) for r in csv.DictReader(f)]
        return cls(items, pairs)

    def findings_related(self):
        """Findings judged related, from the related pairs (a judgement about the findings)."""
        finding = {item["id"]: item["finding"] for item in self.items}
        related = set()
        for a, b, judgement, _ in self.pairs:
            if judgement == "related":
                related |= {(finding[a], finding[b]), (finding[b], finding[a])}
        return related


def distractor_sentences(limit=None):
    """Sentences of the partnership documents that read like a recommendation's length."""
    sentences = []
    for path in sorted(CORPUS.glob("*.txt")):
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", path.read_text(errors="ignore")):
            words = sentence.split()
            if 8 <= len(words) <= 60 and sum(w.isalpha() for w in words) > len(words) * 0.7:
                sentences.append(" ".join(words))
    return sentences[:limit] if limit else sentences


@dataclass
class Figures:
    recall: float
    precision: float
    ceiling: float
    pairs: int


def evaluate(top, labelled, library_ids, split=None):
    """`top(position, k)` returns positions of the library best first, the query itself left
    out. Returns Figures for the same-finding pairs of `split` (or all)."""
    position = {item_id: n for n, item_id in enumerate(library_ids)}
    finding = {item["id"]: item["finding"] for item in labelled.items}
    related = labelled.findings_related()
    same_pairs = [
        (a, b)
        for a, b, judgement, s in labelled.pairs
        if judgement == "same" and split in (None, s)
    ]
    found = []
    queries = sorted({item for pair in same_pairs for item in pair})
    cache = {}
    for item in queries:
        cache[item] = [library_ids[p] for p in top(position[item], TOP)]
    for a, b in same_pairs:
        found.append(b in cache[a])
        found.append(a in cache[b])
    precision, ceiling = [], []
    for item in queries:
        useful = [
            other
            for other in cache[item]
            if other in finding
            and (finding[other] == finding[item] or (finding[item], finding[other]) in related)
        ]
        precision.append(len(useful) / TOP)
        possible = sum(
            1
            for other in finding
            if other != item
            and (finding[other] == finding[item] or (finding[item], finding[other]) in related)
        )
        ceiling.append(min(TOP, possible) / TOP)
    return Figures(
        recall=float(np.mean(found)) if found else 0.0,
        precision=float(np.mean(precision)) if precision else 0.0,
        ceiling=float(np.mean(ceiling)) if ceiling else 0.0,
        pairs=len(same_pairs),
    )


def index_library(texts):
    """Write `texts` into the full-text index as public recommendations numbered from 0, with no
    title or keywords: the library the index's methods search, as the bulk method reads it."""
    from wagtail.models import Page

    from learning.permissions import Visibility
    from search.models import SearchDocument

    page = Page.objects.order_by("depth", "pk").first()
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                key=f"recommendation:{n}",
                kind=SearchDocument.Kind.RECOMMENDATION,
                object_id=n,
                page=page,
                visibility=Visibility.PUBLIC,
                url="#",
                title="",
                text=text,
            )
            for n, text in enumerate(texts)
        ],
        batch_size=1000,
    )


def vector_top(method):
    """A `top` function for a fitted vector method (its rows are the library's positions)."""

    def top(query_position, k):
        scores = np.asarray(method.row_scores(query_position), dtype=np.float64)
        scores[query_position] = -np.inf
        best = np.argpartition(-scores, k)[:k]
        return list(best[np.argsort(-scores[best], kind="stable")])

    return top
