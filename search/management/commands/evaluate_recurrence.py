"""Print recall@5 and precision@5 of each similarity method on the labelled recurrence pairs,
on the whole set and on the held-out fifth (the findings the methods were not tuned on), in a
throwaway database."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from learning.benchmarking import throwaway_database
from search import similarity
from search.recurrence import NEIGHBOURS
from search.recurrence_evaluation import (
    LabelledSet,
    distractor_sentences,
    evaluate,
    index_library,
    vector_top,
)

SPLITS = [("all", None), ("development", "development"), ("held-out", "held_out")]


class Command(BaseCommand):
    help = "Compare the recurrence similarity methods on tests/fixtures/recurrence/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-distractors",
            action="store_true",
            help="Skip the second run, where the corpus sentences join the library.",
        )

    def handle(self, *args, **options):
        labelled = LabelledSet.load()
        libraries = [[]] if options["no_distractors"] else [[], distractor_sentences()]
        # Every method reads the editor's search vocabulary, so all of them run in the throwaway
        # database: the figures depend on the fixtures and the thesaurus file alone.
        with throwaway_database(self.stdout, "recurrence-evaluation-"):
            for background in libraries:
                self._compare(labelled, background)
            self._group_line(labelled)

    def _group_line(self, labelled):
        """How the report's line for "the same finding" (a relative BM25 score) sorts the pairs."""
        import numpy as np

        from search.recurrence import SAME_FINDING_SCORE

        position = {item["id"]: n for n, item in enumerate(labelled.items)}
        method = similarity.Bm25Method().fit([item["text"] for item in labelled.items])
        scores = np.vstack([method.row_scores(p) for p in range(len(labelled.items))])
        self.stdout.write(
            f"\nThe report groups pairs scoring {SAME_FINDING_SCORE} or more (relative BM25). "
            "Share of judged pairs over the line:"
        )
        self.stdout.write(f"{'split':12} {'same':>6} {'related':>8} {'different':>10}")
        for name, split in SPLITS[1:]:
            shares = []
            for judgement in ("same", "related", "different"):
                over = [
                    max(scores[position[a], position[b]], scores[position[b], position[a]])
                    >= SAME_FINDING_SCORE
                    for a, b, j, s in labelled.pairs
                    if j == judgement and s == split
                ]
                shares.append(float(np.mean(over)) if over else 0.0)
            self.stdout.write(f"{name:12} {shares[0]:6.2f} {shares[1]:8.2f} {shares[2]:10.2f}")

    def _compare(self, labelled, background):
        library_ids = [item["id"] for item in labelled.items] + [
            f"corpus-{n}" for n in range(len(background))
        ]
        texts = [item["text"] for item in labelled.items] + background
        held = sorted(
            {
                labelled_finding(labelled, a)
                for a, _, judgement, s in labelled.pairs
                if s == "held_out" and judgement == "same"
            }
        )
        self.stdout.write(
            f"\nLibrary: {len(labelled.items)} labelled recommendations, {len(labelled.pairs)} judged pairs "
            f"({sum(1 for p in labelled.pairs if p[2] == 'same')} same finding); "
            f"{len(background)} corpus sentences as distractors."
        )
        self.stdout.write("Held out (never used for tuning): findings " + ", ".join(held))
        methods = [
            ("bm25-both", BothWays(), None),
            ("bm25-both-mean", BothWaysMean(), None),
            ("bm25", similarity.FullTextMoreLikeThis(), None),
            ("bm25-bulk-both", similarity.Bm25Method(), texts),
            ("bm25-bulk", OneWayBulk(), texts),
            ("tfidf", similarity.TfidfMethod(), texts),
            ("lsa", similarity.LsaMethod(), texts),
            ("blend", similarity.BlendMethod(), texts),
        ]
        header = (
            f"{'method':40} {'split':12} {'recall@5':>9} {'prec@5':>7} {'ceiling':>8} {'pairs':>6}"
        )
        self.stdout.write("\n" + header)
        best = None
        for _, method, corpus in methods:
            started = time.perf_counter()
            if corpus is None:
                rows = self._full_text(method, labelled, library_ids, texts)
            else:
                method.fit(corpus)
                top = vector_top(method)
                rows = [(name, evaluate(top, labelled, library_ids, s)) for name, s in SPLITS]
            seconds = time.perf_counter() - started
            for name, figures in rows:
                self.stdout.write(
                    f"{method.name:40} {name:12} {figures.recall:9.3f} {figures.precision:7.3f} "
                    f"{figures.ceiling:8.3f} {figures.pairs:6d}"
                )
            self.stdout.write(f"{'':40} ({seconds:.1f} s)")
            score = (rows[0][1].recall, rows[0][1].precision)
            if best is None or score > best[0]:
                best = (score, method.name)
        self.stdout.write(f"\nBest on recall@5, then precision@5: {best[1]}")

    def _full_text(self, method, labelled, library_ids, texts):
        """Run BM25 on the real full-text index: the library is written as search documents in
        the throwaway database, in a transaction rolled back after, so the second library finds
        the index as the first did."""
        from learning.permissions import Visibility
        from search.models import SearchDocument

        with transaction.atomic():
            SearchDocument.objects.all().delete()
            index_library(texts)

            def top(position, k):
                if isinstance(method, BothWays):
                    # As the neighbour table holds them: NEIGHBOURS found, the first k shown.
                    hits = method.both_ways(
                        texts[position], position, [Visibility.PUBLIC], limit=max(k, NEIGHBOURS)
                    )[:k]
                else:
                    hits = method.top(
                        texts[position], [Visibility.PUBLIC], limit=k, exclude_ids=[position]
                    )
                return [object_id for object_id, _ in hits]

            rows = [(name, evaluate(top, labelled, library_ids, s)) for name, s in SPLITS]
            transaction.set_rollback(True)
        return rows


def labelled_finding(labelled, item_id):
    return next(item["finding"] for item in labelled.items if item["id"] == item_id)


class BothWays(similarity.FullTextMoreLikeThis):
    """What the neighbour table holds: each candidate scored both ways (the production method)."""

    name = "BM25 more-like-this, both ways (index)"


class BothWaysMean(BothWays):
    """The two ways averaged instead of the better kept: the production method until measured."""

    name = "BM25 more-like-this, both ways, mean (index)"

    @staticmethod
    def combine(forward, backward):
        return (forward + backward) / 2


class OneWayBulk(similarity.Bm25Method):
    name = "BM25 more-like-this (bulk, one way)"

    def __init__(self):
        super().__init__(both_ways=False)
