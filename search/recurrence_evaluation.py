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
    """The findings whose wordings are held out: those of the held-out *same* pairs. None of their
    wordings is learned from, nor counted in the term weights."""
    finding = {item["id"]: item["finding"] for item in labelled.items}
    return {
        finding[item]
        for a, b, judgement, s in labelled.pairs
        if s == "held_out" and judgement == "same"
        for item in (a, b)
    }


def held_out_pairs(labelled):
    """Every held-out judged pair, some of them between two development findings: never learned
    from, nor counted when a threshold is chosen."""
    return {frozenset((a, b)) for a, b, _, s in labelled.pairs if s == "held_out"}


@dataclass
class TrainingPair:
    a: str
    b: str
    same: bool
    judgement: str  # same, related or different; for pairs not judged, from their findings
    candidate: bool  # judged, or found by search as the site finds candidates (not a random one)


def development_training_pairs(labelled, method, development):
    """The pairs the verdict learns from: the judged development pairs; each development
    recommendation's first CANDIDATES by BM25 among the development recommendations (`method`
    fitted on them, in that order), judged by their findings (other wordings of its finding were
    all judged; another finding's wordings are different, or related where the two findings were
    judged related); and five random ones each, so that a pair sharing a word or two is known to
    be different too. No wording of a held-out finding and no held-out pair is among them."""
    finding = {item["id"]: item["finding"] for item in labelled.items}
    related = labelled.findings_related()
    pairs, seen = [], set(held_out_pairs(labelled))

    def add(a, b, candidate):
        key = frozenset((a, b))
        if a == b or key in seen:
            return
        seen.add(key)
        judgement = (
            "same"
            if finding[a] == finding[b]
            else "related"
            if (finding[a], finding[b]) in related
            else "different"
        )
        pairs.append(TrainingPair(a, b, judgement == "same", judgement, candidate))

    for a, b, judgement, split in labelled.pairs:
        if split == "development":
            seen.add(frozenset((a, b)))
            pairs.append(TrainingPair(a, b, judgement == "same", judgement, True))
    for position, item_id in enumerate(development):
        row = method.row_scores(position)
        for other in np.argsort(-row, kind="stable")[:VERDICT_CANDIDATES]:
            if row[other] > 0:
                add(item_id, development[other], True)
    rng = np.random.default_rng(18)
    for item_id in development:
        for other_id in rng.choice(development, size=5, replace=False):
            add(item_id, str(other_id), False)
    return pairs


# Out-of-fold scores: the development findings in FOLDS parts, each part scored by a model that
# learned from the others (no pair touching it), over several shuffles of the findings.
FOLDS = 5
SHUFFLES = 5


def out_of_fold_scores(features, labels, findings_a, findings_b, learn):
    """Per shuffle, each pair's score from a model that never saw its findings (a pair of two
    parts is scored with the first)."""
    names = sorted(set(findings_a) | set(findings_b))
    scores = np.zeros((SHUFFLES, len(labels)))
    for shuffle in range(SHUFFLES):
        order = np.random.default_rng(shuffle).permutation(names)
        part = {name: n % FOLDS for n, name in enumerate(order)}
        left = np.array([part[f] for f in findings_a])
        right = np.array([part[f] for f in findings_b])
        for fold in range(FOLDS):
            unseen = (left != fold) & (right != fold)
            learned = learn(features[unseen], labels[unseen])
            scored = np.minimum(left, right) == fold
            scores[shuffle, scored] = learned.probability(features[scored])
    return scores


@dataclass
class CrossValidated:
    same: float
    related: float
    precision: float  # of *same*, out of fold, on the candidates search brings
    recall: float
    judged_precision: float  # the same, on the judged development pairs alone
    judged_recall: float
    # Which model it is, and what it was chosen on (out of fold, development alone).
    model: str = ""
    regularisation: float = 10.0
    class_weight: str | None = None
    log_loss: float = float("nan")
    precision_lower: float = float("nan")  # the Wilson lower bound of `precision`
    judged_precision_lower: float = float("nan")


# The models compared. Each is logistic regression on one set of the verdict's features, with the
# strength of its regularisation and the weight of the *same* class chosen as below.
TERMS = ("cover_more", "cover_less", "shared_weight", "shared_rare")
BM25 = ("bm25_better", "bm25_worse")
AGENCIES = ("agencies_named", "agency_overlap")
FEATURE_SETS = (
    ("Shared terms and meaning", (*TERMS, "meaning")),
    ("Shared terms only", TERMS),
    ("Shared terms, meaning and BM25", (*TERMS, "meaning", *BM25)),
    ("Shared terms and BM25", (*TERMS, *BM25)),
    ("Shared terms, meaning and agencies", (*TERMS, "meaning", *AGENCIES)),
    ("Shared terms, meaning, BM25 and agencies", (*TERMS, "meaning", *BM25, *AGENCIES)),
)
REGULARISATION = (0.1, 1.0, 10.0, 100.0)
CLASS_WEIGHTS = (None, "balanced")


@dataclass
class Candidate:
    """One model compared: its features, settings and out-of-fold development figures."""

    name: str
    features: tuple
    checked: CrossValidated
    fitted: object  # the Verdict learned on every development pair, thresholds set


def compare_models(labelled, background, feature_sets=FEATURE_SETS):
    """Every model of `feature_sets` × REGULARISATION × CLASS_WEIGHTS, each scored out of fold on
    the development pairs (no held-out wording or pair is read), with its *same* and *related*
    thresholds chosen as `fit_verdict` says. Returns, per feature set, the Candidate of the
    settings with the lowest out-of-fold log-loss, and every setting's (name, C, class weight,
    log-loss) for printing."""
    from search import similarity, verdict

    held = held_out_findings(labelled)
    development = [item["id"] for item in labelled.items if item["finding"] not in held]
    texts = {item["id"]: item["text"] for item in labelled.items}
    finding = {item["id"]: item["finding"] for item in labelled.items}
    weights = verdict.TermWeights.count(background)
    phrases = verdict.PhraseWeights.count(background)
    method = similarity.Bm25Method().fit([texts[i] for i in development])
    pairs = development_training_pairs(labelled, method, development)
    position = {item_id: n for n, item_id in enumerate(development)}
    library = verdict.Library(
        verdict.prepare((texts[i] for i in development), bm25=True), weights, phrases
    )
    features = library.features([position[p.a] for p in pairs], [position[p.b] for p in pairs])
    labels = np.array([p.same for p in pairs], dtype=int)
    candidate = np.array([p.candidate for p in pairs])
    judged_pairs = {frozenset((a, b)) for a, b, _, s in labelled.pairs if s == "development"}
    judged = np.array([frozenset((p.a, p.b)) in judged_pairs for p in pairs])
    different = np.array([p.judgement == "different" for p in pairs])
    findings_a = [finding[p.a] for p in pairs]
    findings_b = [finding[p.b] for p in pairs]

    def learner(used, regularisation, class_weight):
        columns = [verdict.FEATURES.index(name) for name in used]

        def learn(x, y):
            # A feature left out weighs nothing: the Verdict still reads every feature.
            learned = verdict.learn(
                x[:, columns], y, weights, phrases, regularisation, class_weight
            )
            coefficients = np.zeros(len(verdict.FEATURES))
            coefficients[columns] = learned.coefficients
            learned.coefficients = coefficients
            return learned

        return learn

    def log_loss(scores):
        p = np.clip(scores[:, candidate], 1e-9, 1 - 1e-9)
        y = labels[candidate]
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    chosen, tried = [], []
    for name, used in feature_sets:
        best = None
        for regularisation in REGULARISATION:
            for class_weight in CLASS_WEIGHTS:
                learn = learner(used, regularisation, class_weight)
                scores = out_of_fold_scores(features, labels, findings_a, findings_b, learn)
                loss = log_loss(scores)
                tried.append((name, regularisation, class_weight, loss))
                if best is None or loss < best[0]:
                    best = (loss, regularisation, class_weight, scores, learn)
        loss, regularisation, class_weight, scores, learn = best
        same = verdict.same_threshold(
            scores[:, judged].ravel(),
            np.tile(labels[judged], SHUFFLES),
            verdict.PRECISION,
            repeats=SHUFFLES,
            measured=[(scores[:, candidate].ravel(), np.tile(labels[candidate], SHUFFLES))],
        )
        related = min(float(np.quantile(scores[:, different & candidate].ravel(), 0.9)), same)
        fitted = learn(features, labels)
        fitted.same, fitted.related = same, related

        def figures(mask, scores=scores, same=same):
            said = scores[:, mask] >= same
            truth = np.tile(labels[mask], (SHUFFLES, 1)) == 1
            hits = (said & truth).sum()
            lower = float(verdict.wilson_lower(hits / SHUFFLES, said.sum() / SHUFFLES))
            return hits / max(said.sum(), 1), hits / max(truth.sum(), 1), lower

        precision, recall, lower = figures(candidate)
        judged_precision, judged_recall, judged_lower = figures(judged)
        checked = CrossValidated(
            same,
            related,
            float(precision),
            float(recall),
            float(judged_precision),
            float(judged_recall),
            name,
            regularisation,
            class_weight,
            loss,
            lower,
            judged_lower,
        )
        chosen.append(Candidate(name, used, checked, fitted))
    return chosen, tried


def choose(candidates):
    """The site's model among the compared (see `fit_verdict`): the highest out-of-fold *same*
    recall on the development candidates; on a tie, the one listed first (fewer kinds of
    feature)."""
    return max(candidates, key=lambda c: (round(c.checked.recall, 3), -candidates.index(c)))


def fit_verdict(labelled, background, feature_sets=FEATURE_SETS):
    """The verdict learned on the development pairs, with the term and phrase statistics counted
    on the corpus sentences alone: no labelled recommendation is in them, as a new recommendation
    is not, so that no development finding scored out of fold, and no held-out one, is known to
    them.

    The rule, decided on development figures before any held-out figure of this labelled set was
    read, and applied by this code alone:
    1. Each model (`FEATURE_SETS`, each with every C of REGULARISATION and each of CLASS_WEIGHTS)
       scores every development pair out of fold: FOLDS parts of the development findings,
       SHUFFLES shuffles, each pair scored by a model that learned without its findings. For
       each feature set, the C and class weight with the lowest out-of-fold log-loss on the
       development candidates (the judged development pairs and each development
       recommendation's first CANDIDATES by BM25) are kept.
    2. Its *same* threshold is the lowest score at which, out of fold, the share of *same*
       verdicts that are right is 0.9 or more at the lower end of its Wilson interval (one-sided
       95%, the counts those of one shuffle) on the judged development pairs (the hard pairs a
       person picked, as the held-out figures are), and 0.9 or more as measured on the
       development candidates (most of them pairs of two findings, judged by their findings).
       Its *related* threshold is the out-of-fold score under which nine in ten of the
       candidates that are different fall.
       (The bound was first asked of the candidates too; no model reached it there, so none
       would ever have said *same*. That was seen on development figures alone, before any
       held-out figure of this labelled set had been computed, and the rule was then set as it
       is here.)
    3. The site's model is the one with the highest out-of-fold *same* recall on the development
       candidates at its threshold (precision is held by step 2); on a tie, the one listed first.
    Held-out figures are printed by `evaluate_recurrence` for reporting only; nothing is chosen
    on them. A held-out batch whose figures have been read and reported joins development (its
    split in pairs.csv becomes `development`), and a fresh batch, written before anything was run
    on it, is held out in its place: F05–F45 (every fifth) and H01–H11, then H12–H35, then
    H36–H57, then H58–H81, were held out until their figures were read in December 2026 and are
    development now; H82–H105 are held out.
    Returns the chosen Candidate, every compared Candidate and every setting tried."""
    candidates, tried = compare_models(labelled, background, feature_sets)
    return choose(candidates), candidates, tried


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


def candidate_figures(pair_score, is_same, labelled, candidates, split):
    """The precision and recall of *same* on the pairs search brings for the recommendations of
    `split`'s findings (`candidates(item id)`: its first CANDIDATES), with every other wording of
    their finding, each judged by the findings: the same finding or not. Held out, these are
    pairs never judged one by one, so never looked at: a less noisy, and harder, check than the
    judged pairs (most candidates are of another finding)."""
    finding = {item["id"]: item["finding"] for item in labelled.items}
    held = held_out_findings(labelled)
    chosen = [
        item["id"] for item in labelled.items if (item["finding"] in held) == (split == "held_out")
    ]
    pairs = set()
    for item_id in chosen:
        wordings = [i for i in finding if finding[i] == finding[item_id] and i != item_id]
        for other in list(candidates(item_id)) + wordings:
            if other != item_id:
                pairs.add(frozenset((item_id, other)))
    pairs = [tuple(sorted(pair)) for pair in pairs]
    said = np.array([is_same(pair_score(a, b)) for a, b in pairs])
    truth = np.array([finding[a] == finding[b] for a, b in pairs])
    hits = int((said & truth).sum())
    return SameFigures(
        recall_at_5=float("nan"),
        precision=hits / said.sum() if said.sum() else 0.0,
        recall=hits / truth.sum() if truth.sum() else 0.0,
        pairs=len(pairs),
    )
