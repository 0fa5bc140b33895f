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


# The verdict: same, related or nothing ---------------------------------------------------------

UNRELATED = LABELLED / "unrelated.csv"
# Each text's candidates for the verdict: its first few by BM25, as the neighbour table is filled.
from search.verdict import CANDIDATES as VERDICT_CANDIDATES  # noqa: E402


def unrelated_texts():
    """Texts on matters the library does not raise (never tuned on): none should get a "same"."""
    with open(UNRELATED, newline="", encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def held_out_findings(labelled):
    finding = {item["id"]: item["finding"] for item in labelled.items}
    return {finding[a] for a, b, _, s in labelled.pairs if s == "held_out"} | {
        finding[b] for a, b, _, s in labelled.pairs if s == "held_out"
    }


def development_training_pairs(labelled, method):
    """The pairs the verdict learns from: the judged development pairs, and, as further
    *different* pairs, each development recommendation's closest BM25 candidates from findings
    neither the same nor judged related (none of them from a held-out finding)."""
    finding = {item["id"]: item["finding"] for item in labelled.items}
    held = held_out_findings(labelled)
    related = labelled.findings_related()
    same = [(a, b) for a, b, j, s in labelled.pairs if s == "development" and j == "same"]
    others = [(a, b, j) for a, b, j, s in labelled.pairs if s == "development" and j != "same"]
    judged = {frozenset((a, b)) for a, b, _, _ in labelled.pairs}
    ids = [item["id"] for item in labelled.items]
    for position, item_id in enumerate(ids):
        if finding[item_id] in held:
            continue
        row = method.row_scores(position)
        for other in np.argsort(-row, kind="stable")[:VERDICT_CANDIDATES]:
            other_id = ids[other]
            pair = frozenset((item_id, other_id))
            if (
                other_id == item_id
                or finding[other_id] in held
                or finding[other_id] == finding[item_id]
                or (finding[item_id], finding[other_id]) in related
                or pair in judged
            ):
                continue
            judged.add(pair)
            others.append((item_id, other_id, "different"))
    # And a few far ones, so that a pair sharing a word or two is known to be different too.
    development = [i for i in ids if finding[i] not in held]
    rng = np.random.default_rng(18)
    for item_id in development:
        for other_id in rng.choice(development, size=5, replace=False):
            pair = frozenset((item_id, other_id))
            if (
                finding[other_id] != finding[item_id]
                and (finding[item_id], finding[other_id]) not in related
                and pair not in judged
            ):
                judged.add(pair)
                others.append((item_id, str(other_id), "different"))
    return same, others


def fit_verdict(labelled, background):
    """The verdict learned on the development pairs, with term weights counted on the corpus
    sentences and the development recommendations (never the held-out ones)."""
    from search import similarity, verdict

    held = held_out_findings(labelled)
    development_texts = [item["text"] for item in labelled.items if item["finding"] not in held]
    weights = verdict.TermWeights.count(list(background) + development_texts)
    method = similarity.Bm25Method().fit([item["text"] for item in labelled.items])
    same, others = development_training_pairs(labelled, method)
    texts = {item["id"]: item["text"] for item in labelled.items}
    return verdict.fit(same, others, texts, weights)


@dataclass
class SameFigures:
    recall_at_5: float
    precision: float
    recall: float
    pairs: int


def same_figures(pair_score, is_same, top, labelled, library_ids, split):
    """recall@5 of the same-finding pairs (with `top`), and the precision and recall of calling a
    judged pair of `split` the same (`is_same(pair_score(a, b))`)."""
    ranked = evaluate(top, labelled, library_ids, split)
    pairs = [(a, b, j) for a, b, j, s in labelled.pairs if s == split]
    said = np.array([is_same(pair_score(a, b)) for a, b, _ in pairs])
    truth = np.array([j == "same" for _, _, j in pairs])
    hits = int((said & truth).sum())
    return SameFigures(
        recall_at_5=ranked.recall,
        precision=hits / said.sum() if said.sum() else 0.0,
        recall=hits / truth.sum() if truth.sum() else 0.0,
        pairs=len(pairs),
    )
