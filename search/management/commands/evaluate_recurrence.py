"""Print, for the old relative-score line and the learned verdict, recall@5 and the precision
and recall of *same* on the development and held-out pairs of the labelled recurrence set, and
the share of unrelated texts given a *same*; with `--compare-methods`, recall@5 and precision@5
of every similarity method. In a throwaway database. `--fit` learns the verdict again from the
development pairs and writes search/data/recurrence_verdict.json."""

import dataclasses
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from learning.benchmarking import throwaway_database
from search import similarity, verdict
from search.recurrence import NEIGHBOURS
from search.recurrence_evaluation import (
    FOLDS,
    SHUFFLES,
    VERDICT_CANDIDATES,
    CrossValidated,
    LabelledSet,
    candidate_figures,
    compare_models,
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
            "--fit-only",
            action="store_true",
            help="Learn the verdict and write its file (as --fit), print the development "
            "figures it was chosen on, and stop before any held-out figure is computed.",
        )
        parser.add_argument(
            "--compare-methods",
            action="store_true",
            help="Also compare every similarity method's ranking (slower).",
        )
        parser.add_argument(
            "--compare-features",
            action="store_true",
            help="Also print each other feature set's model, chosen as the site's is, beside it.",
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
            if options["fit"] or options["fit_only"]:
                self._fit(labelled)
                if options["fit_only"]:
                    return
            verdicts = [("The site's verdict", verdict.model(), self._checked())]
            if options["compare_features"]:
                verdicts += self._variants(labelled)
            for background in libraries:
                self._verdicts(labelled, background, verdicts)
            if options["compare_methods"]:
                for background in libraries:
                    self._compare(labelled, background)

    def _fit(self, labelled):
        """Learn the verdict by the rule written in `fit_verdict` (development figures alone) and
        write it. Only out-of-fold development figures are printed here: the choice is made, and
        the file written, before any held-out figure is computed."""
        import json

        chosen, candidates, tried = fit_verdict(labelled, distractor_sentences())
        self.stdout.write(
            "\nModels compared out of fold on the development findings alone "
            f"({FOLDS} parts, {SHUFFLES} shuffles). Log-loss on the development candidates:"
        )
        self.stdout.write(f"{'features':42} {'C':>7} {'class weight':>13} {'log-loss':>9}")
        for name, regularisation, class_weight, loss in tried:
            self.stdout.write(
                f"{name:42} {regularisation:7g} {class_weight or 'none':>13} {loss:9.4f}"
            )
        self.stdout.write(
            "\nEach feature set at its lowest log-loss, same from where the Wilson lower bound "
            "(95%, one-sided) of out-of-fold precision on the judged pairs is 0.9 or more, and "
            "the precision on the candidates is 0.9 or more:"
        )
        self.stdout.write(
            f"{'features':42} {'C':>7} {'weight':>9} {'same at':>8} "
            f"{'cand prec':>10} {'(lower)':>8} {'cand rec':>9} "
            f"{'judged prec':>12} {'(lower)':>8} {'judged rec':>11}"
        )
        for candidate in candidates:
            c = candidate.checked
            self.stdout.write(
                f"{c.model:42} {c.regularisation:7g} {c.class_weight or 'none':>9} {c.same:8.3f} "
                f"{c.precision:10.3f} {c.precision_lower:8.3f} {c.recall:9.3f} "
                f"{c.judged_precision:12.3f} {c.judged_precision_lower:8.3f} "
                f"{c.judged_recall:11.3f}"
            )
        fitted, checked = chosen.fitted, chosen.checked
        # The out-of-fold figures go with the model, so that they are printed beside it later.
        data = {**fitted.as_json(), "out_of_fold": dataclasses.asdict(checked)}
        verdict.MODEL_FILE.write_text(
            json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        verdict.model.cache_clear()
        self.stdout.write(
            f"\nChosen (the highest out-of-fold same recall on the candidates): {checked.model}, "
            f"C {checked.regularisation:g}, class weight {checked.class_weight or 'none'}; same "
            f"at {fitted.same:.3f}, related at {fitted.related:.3f}; written to "
            f"{verdict.MODEL_FILE.name}.\n"
            f"Out of fold, same precision {checked.precision:.3f} (lower bound "
            f"{checked.precision_lower:.3f}) and recall {checked.recall:.3f} on the candidates "
            f"search brings; {checked.judged_precision:.3f} (lower bound "
            f"{checked.judged_precision_lower:.3f}) and {checked.judged_recall:.3f} on the judged "
            "development pairs."
        )

    @staticmethod
    def _checked():
        """The site's verdict's out-of-fold figures, as `--fit` wrote them."""
        import json

        data = json.loads(verdict.MODEL_FILE.read_text(encoding="utf-8"))
        return CrossValidated(**data["out_of_fold"]) if "out_of_fold" in data else None

    def _variants(self, labelled):
        """Each feature set's model, chosen and thresholded as the site's is (out of fold, on
        development alone), to show what each kind of feature earns beside it."""
        candidates, _ = compare_models(labelled, distractor_sentences())
        site = self._checked()
        return [
            (c.name, c.fitted, c.checked)
            for c in candidates
            if site is None or c.name != site.model
        ]

    def _verdicts(self, labelled, background, verdicts):
        """The old line (a relative BM25 score of 0.15, what the report grouped by) against each
        verdict, on the library of labelled recommendations and corpus sentences."""
        import numpy as np

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
        prepared = verdict.prepare(texts + unrelated, bm25=True)
        labelled_count = len(items)

        def old_top(query, k):
            scores = rows[query][:n].copy()
            scores[query] = -np.inf
            return list(np.argsort(-scores, kind="stable")[:k])

        methods = [
            (
                f"Old: relative BM25 >= {SAME_FINDING_SCORE} is same",
                lambda a, b: float(rows[position[a]][position[b]]),
                lambda s: s >= SAME_FINDING_SCORE,
                old_top,
                [max(rows[n + u][:labelled_count]) for u in range(len(unrelated))],
                0.0,
                None,
            )
        ]
        for name, model, checked in verdicts:
            library = model.library(prepared)
            # Each unrelated text against every labelled recommendation, scored at once.
            left = np.repeat(np.arange(n, n + len(unrelated)), labelled_count)
            right = np.tile(np.arange(labelled_count), len(unrelated))
            best = model.pair_scores(library, left, right).reshape(len(unrelated), -1).max(axis=1)
            methods.append(
                (
                    f"{name} (same >= {model.same:.3f})",
                    lambda a, b, model=model, library=library: float(
                        model.pair_scores(library, [position[a]], [position[b]])[0]
                    ),
                    lambda s, model=model: s >= model.same,
                    self._verdict_top(model, library, old_top, rows),
                    best,
                    model.related,
                    checked,
                )
            )
        self.stdout.write(
            f"\nLibrary: {len(items)} labelled recommendations and {len(background)} corpus "
            f"sentences; {len(labelled.pairs)} judged pairs; {len(unrelated)} unrelated texts."
        )
        self.stdout.write(
            f"\n{'method':58} {'split':21} {'recall@5':>9} {'same prec':>10} "
            f"{'same recall':>12} {'pairs':>6}"
        )

        def candidates(item_id):
            # Its first CANDIDATES among the labelled recommendations (none other is judged).
            scores = rows[position[item_id]][:labelled_count].copy()
            scores[position[item_id]] = -np.inf
            best = np.argsort(-scores, kind="stable")[:VERDICT_CANDIDATES]
            return [library_ids[p] for p in best if scores[p] > 0]

        for name, pair_score, is_same, top, unrelated_best, shown, checked in methods:
            for split_name, split in SPLITS[1:]:
                figures = same_figures(pair_score, is_same, top, labelled, library_ids, split)
                self.stdout.write(
                    f"{name:58} {split_name:21} {figures.recall_at_5:9.3f} "
                    f"{figures.precision:10.3f} {figures.recall:12.3f} {figures.pairs:6d}"
                )
                if split == "development" and checked is not None:
                    self.stdout.write(
                        f"{name:58} {'development, out of fold':21} {'':>9} "
                        f"{checked.judged_precision:10.3f} {checked.judged_recall:12.3f} "
                        f"{figures.pairs:6d}"
                    )
                figures = candidate_figures(pair_score, is_same, labelled, candidates, split)
                self.stdout.write(
                    f"{name:58} {split_name + ', candidates':21} {'':>9} "
                    f"{figures.precision:10.3f} {figures.recall:12.3f} {figures.pairs:6d}"
                )
            unrelated_best = np.asarray(unrelated_best)
            self.stdout.write(
                f"{'':58} unrelated texts given a same: "
                f"{np.mean([is_same(b) for b in unrelated_best]):.3f}; "
                f"given any result: {np.mean(unrelated_best > shown):.3f}"
            )

    @staticmethod
    def _verdict_top(model, library, old_top, rows):
        def top(query, k):
            candidates = [c for c in old_top(query, VERDICT_CANDIDATES) if rows[query][c] > 0]
            if not candidates:
                return []
            scores = model.pair_scores(library, [query] * len(candidates), candidates)
            kept = sorted(
                ((s, c) for s, c in zip(scores, candidates, strict=True) if s >= model.related),
                key=lambda x: -x[0],
            )
            return [c for _, c in kept[:k]]

        return top

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
