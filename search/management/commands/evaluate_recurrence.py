"""Print, for the old relative-score line and the learned verdict, recall@5 and the precision
and recall of *same* on the development and held-out pairs of the labelled recurrence set, and
the share of unrelated texts given a *same*; with `--compare-methods`, recall@5 and precision@5
of every similarity method. In a throwaway database. `--fit` learns the verdict again from the
development pairs and writes search/data/recurrence_verdict.json."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from learning.benchmarking import throwaway_database
from search import similarity
from search.recurrence import NEIGHBOURS
from search.recurrence_evaluation import (
    VERDICT_CANDIDATES,
    LabelledSet,
    distractor_sentences,
    evaluate,
    fit_verdict,
    index_library,
    same_figures,
    unrelated_texts,
    vector_top,
)

# The line the report grouped by before the verdict: a relative BM25 score (the better of the two
# ways) of 0.15 or more counted as the same finding.
SAME_FINDING_SCORE = 0.15
SPLITS = [("all", None), ("development", "development"), ("held-out", "held_out")]


class Command(BaseCommand):
    help = "Compare the recurrence similarity methods on tests/fixtures/recurrence/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fit",
            action="store_true",
            help="Learn the verdict from the development pairs and write its file first.",
        )
        parser.add_argument(
            "--compare-methods",
            action="store_true",
            help="Also compare every similarity method's ranking (slower).",
        )
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
            if options["fit"]:
                self._fit(labelled)
            for background in libraries:
                self._verdicts(labelled, background)
            if options["compare_methods"]:
                for background in libraries:
                    self._compare(labelled, background)

    def _fit(self, labelled):
        import json

        from search import verdict

        fitted = fit_verdict(labelled, distractor_sentences())
        verdict.MODEL_FILE.write_text(
            json.dumps(fitted.as_json(), indent=0, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        verdict.model.cache_clear()
        self.stdout.write(
            f"Verdict learned on the development pairs: same at {fitted.same:.3f}, related at "
            f"{fitted.related:.3f}; written to {verdict.MODEL_FILE.name}."
        )

    def _verdicts(self, labelled, background):
        """The old line (a relative BM25 score of 0.15, what the report grouped by) against the
        learned verdict, on the library of labelled recommendations and corpus sentences."""
        import numpy as np

        from search import verdict

        items = labelled.items
        library_ids = [item["id"] for item in items] + [
            f"corpus-{n}" for n in range(len(background))
        ]
        texts = [item["text"] for item in items] + list(background)
        unrelated = unrelated_texts()
        position = {item_id: n for n, item_id in enumerate(library_ids)}
        # The unrelated texts join the library for the old method's both-way scores only.
        method = similarity.Bm25Method().fit(texts + unrelated)
        n = len(texts)
        rows = {p: method.row_scores(p) for p in range(len(texts) + len(unrelated))}
        model = verdict.model()
        terms = verdict.prepare(texts + unrelated)

        def old_score(a, b):
            return float(rows[position[a]][position[b]])

        def new_score(a, b):
            return model.score(terms[position[a]], terms[position[b]])

        def old_top(query, k):
            scores = rows[query][:n].copy()
            scores[query] = -np.inf
            return list(np.argsort(-scores, kind="stable")[:k])

        def new_top(query, k):
            candidates = [c for c in old_top(query, VERDICT_CANDIDATES) if rows[query][c] > 0]
            scored = [(model.score(terms[query], terms[c]), c) for c in candidates]
            kept = sorted(((s, c) for s, c in scored if s >= model.related), key=lambda x: -x[0])
            return [c for _, c in kept[:k]]

        methods = [
            (
                f"Old: relative BM25 >= {SAME_FINDING_SCORE} is same",
                old_score,
                lambda s: s >= SAME_FINDING_SCORE,
                old_top,
                lambda u: max(rows[n + u][: len(items)]) >= SAME_FINDING_SCORE,
            ),
            (
                f"New: learned verdict (same >= {model.same:.3f})",
                new_score,
                verdict.is_same,
                new_top,
                lambda u: (
                    max(model.score(terms[n + u], terms[p]) for p in range(len(items)))
                    >= model.same
                ),
            ),
        ]
        self.stdout.write(
            f"\nLibrary: {len(items)} labelled recommendations and {len(background)} corpus "
            f"sentences; {len(labelled.pairs)} judged pairs; {len(unrelated)} unrelated texts."
        )
        self.stdout.write(
            f"\n{'method':44} {'split':12} {'recall@5':>9} {'same prec':>10} {'same recall':>12} "
            f"{'pairs':>6}"
        )
        for name, pair_score, is_same, top, unrelated_same in methods:
            for split_name, split in SPLITS[1:]:
                figures = same_figures(pair_score, is_same, top, labelled, library_ids, split)
                self.stdout.write(
                    f"{name:44} {split_name:12} {figures.recall_at_5:9.3f} "
                    f"{figures.precision:10.3f} {figures.recall:12.3f} {figures.pairs:6d}"
                )
            share = np.mean([unrelated_same(u) for u in range(len(unrelated))])
            self.stdout.write(
                f"{'':44} unrelated texts given a same by a labelled recommendation: {share:.3f}"
            )

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
        from search.audience import Audience
        from search.models import SearchDocument

        with transaction.atomic():
            SearchDocument.objects.all().delete()
            index_library(texts)

            def top(position, k):
                if isinstance(method, BothWays):
                    # As the neighbour table holds them: NEIGHBOURS found, the first k shown.
                    hits = method.both_ways(
                        texts[position],
                        position,
                        Audience.for_levels([Visibility.PUBLIC]),
                        limit=max(k, NEIGHBOURS),
                    )[:k]
                else:
                    hits = method.top(
                        texts[position],
                        Audience.for_levels([Visibility.PUBLIC]),
                        limit=k,
                        exclude_ids=[position],
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
