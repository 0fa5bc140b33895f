"""Whether two recommendations say the same thing: a calibrated verdict for a pair.

Search finds candidates (BM25 "more like this", live on the index or in bulk); this module
judges each candidate pair from the two texts alone, so a score means the same whatever the
query and however large the library:

- the share of each text's weight of terms that the other also uses, both ways (a term weighs
  what it says about a finding: rare in the field's writing weighs much, common weighs little);
- how many rare terms and how many terms in all the two share;
- the field's vocabulary: each of its terms is one token however it is written (CSE and child
  sexual exploitation meet).

The score is the probability, learned by logistic regression on the development pairs of
tests/fixtures/recurrence/, that the two are the same finding. At `same` or over it is the same
finding restated: the threshold gives precision 0.9 or better out of fold, that is on development
findings scored by a model that learned without them, so it holds for wordings the model has not
seen and not only for those it learned from. At `related` or over, the same matter with a
different ask; under it, nothing is said. The fitted
model and the term weights are a small committed file (`search/data/recurrence_verdict.json`,
written by `evaluate_recurrence --fit`), so nothing is trained or downloaded at run time and
the figures `evaluate_recurrence` prints are those of the model the site runs.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .similarity import vocabulary_key, words

MODEL_FILE = Path(__file__).resolve().parent / "data" / "recurrence_verdict.json"
SAME = "same"
RELATED = "related"
FEATURES = ("cover_more", "cover_less", "shared_weight", "shared_rare", "meaning")
# How many candidates search brings for the verdict to judge, best first one way: the wordings
# of a finding (it has a few) are among them, as `evaluate_recurrence` measures.
CANDIDATES = 20
# The share of *same* verdicts that must be right, out of fold, on the development pairs.
PRECISION = 0.9
# A term is rare when fewer than one text in this many of the field's writing uses it.
RARE_SHARE = 200


@dataclass(frozen=True)
class Prepared:
    """What the verdict reads of one text: its terms and its meaning vector."""

    terms: frozenset
    vector: np.ndarray


def prepare(texts):
    """Each text's terms and meaning, the vectors made in one batch."""
    from .embedding import vectors

    texts = list(texts)
    vocabulary = vocabulary_key()
    meaning = vectors(texts)
    return [
        Prepared(frozenset(terms_of(text, vocabulary)), meaning[n]) for n, text in enumerate(texts)
    ]


def terms_of(text, vocabulary=None):
    """The set of a text's meaningful words, stemmed, each of the field's terms as one token
    however it is written (CSE and child sexual exploitation are one term)."""
    return set(words(text, vocabulary))


class TermWeights:
    """Inverse document frequency of each term in the field's writing (the committed table): the
    same weight for a term in every query."""

    def __init__(self, frequencies, documents):
        self.frequencies = frequencies
        self.documents = documents
        self.unseen = self.idf(0)
        self.rare_from = self.idf(documents / RARE_SHARE)

    def idf(self, frequency):
        return math.log((self.documents + 1) / (frequency + 0.5))

    def weight(self, term):
        frequency = self.frequencies.get(term)
        return self.unseen if frequency is None else self.idf(frequency)

    @classmethod
    def count(cls, texts):
        frequencies = {}
        vocabulary = vocabulary_key()
        for text in texts:
            for term in terms_of(text, vocabulary):
                frequencies[term] = frequencies.get(term, 0) + 1
        return cls(frequencies, len(texts))


def pair_features(a, b, weights):
    """The features of one pair of Prepared texts."""
    terms_a, terms_b = a.terms, b.terms
    meaning = float(a.vector.astype(np.float64) @ b.vector.astype(np.float64))
    if not terms_a or not terms_b:
        return np.array([0.0, 0.0, 0.0, 0.0, meaning])
    shared = terms_a & terms_b
    weight = weights.weight
    shared_weight = sum(weight(t) for t in shared)
    cover_a = shared_weight / sum(weight(t) for t in terms_a)
    cover_b = shared_weight / sum(weight(t) for t in terms_b)
    rare = sum(1 for t in shared if weight(t) >= weights.rare_from)
    return np.array(
        [
            max(cover_a, cover_b),
            min(cover_a, cover_b),
            shared_weight / 10,
            math.log1p(rare),
            meaning,
        ]
    )


class Library:
    """Many Prepared texts as sparse matrices (which terms each uses, and their weights), so that
    any number of pairs among them are judged at once: the features `pair_features` gives one
    pair, row by row, in a few matrix operations instead of a Python loop over the pairs."""

    def __init__(self, prepared, weights):
        from scipy.sparse import csr_matrix, diags

        columns = {}
        indices, starts = [], [0]
        for text in prepared:
            indices += [columns.setdefault(term, len(columns)) for term in text.terms]
            starts.append(len(indices))
        shape = (len(starts) - 1, len(columns))
        self.uses = csr_matrix(
            (np.ones(len(indices)), np.array(indices, dtype=np.int64), starts), shape=shape
        )
        term_weights = np.array([weights.weight(term) for term in columns], dtype=float)
        self.weighted = (self.uses @ diags(term_weights)).tocsr()
        rare = (term_weights >= weights.rare_from).astype(float)
        self.rare = (self.uses @ diags(rare)).tocsr()
        self.rare.eliminate_zeros()
        self.totals = np.asarray(self.weighted.sum(axis=1)).ravel()
        self.has_terms = np.diff(self.uses.indptr) > 0
        self.vectors = (
            np.vstack([text.vector for text in prepared]) if prepared else np.zeros((0, 256))
        )

    def features(self, left, right):
        """The features of the pairs (left[i], right[i]) (positions in the library), one row
        each, as `pair_features` gives them."""
        left = np.asarray(left, dtype=np.int64)
        right = np.asarray(right, dtype=np.int64)
        features = np.zeros((len(left), len(FEATURES)))
        if not len(left):
            return features
        meaning = np.einsum(
            "ij,ij->i",
            self.vectors[left].astype(np.float64),
            self.vectors[right].astype(np.float64),
        )
        features[:, 4] = meaning
        both = self.has_terms[left] & self.has_terms[right]
        left, right = left[both], right[both]
        uses_right = self.uses[right]
        shared = np.asarray(self.weighted[left].multiply(uses_right).sum(axis=1)).ravel()
        rare = np.asarray(self.rare[left].multiply(uses_right).sum(axis=1)).ravel()
        cover_a = shared / self.totals[left]
        cover_b = shared / self.totals[right]
        features[both, 0] = np.maximum(cover_a, cover_b)
        features[both, 1] = np.minimum(cover_a, cover_b)
        features[both, 2] = shared / 10
        features[both, 3] = np.log1p(rare)
        return features


class Verdict:
    """The fitted model: features → probability of the same finding, and the two thresholds."""

    def __init__(self, weights, coefficients, intercept, same, related):
        self.weights = weights
        self.coefficients = np.asarray(coefficients, dtype=float)
        self.intercept = float(intercept)
        self.same = float(same)
        self.related = float(related)

    def probability(self, features):
        features = np.atleast_2d(features)
        return 1 / (1 + np.exp(-(features @ self.coefficients + self.intercept)))

    def score(self, a, b):
        """The probability that two Prepared texts are the same finding."""
        return float(self.probability(pair_features(a, b, self.weights))[0])

    def scores(self, text, others):
        """Scores of one Prepared text against several others."""
        if not others:
            return np.zeros(0)
        library = self.library([text, *others])
        return self.pair_scores(library, np.zeros(len(others)), np.arange(1, len(others) + 1))

    def library(self, prepared):
        return Library(list(prepared), self.weights)

    def pair_scores(self, library, left, right):
        """Scores of the pairs (left[i], right[i]) of a Library, all at once."""
        if not len(left):
            return np.zeros(0)
        return self.probability(library.features(left, right))

    def verdict(self, score):
        """The verdict for a score: same, related, or None (nothing to say)."""
        if score >= self.same:
            return SAME
        if score >= self.related:
            return RELATED
        return None

    def as_json(self):
        return {
            "features": list(FEATURES),
            "coefficients": [round(float(c), 6) for c in self.coefficients],
            "intercept": round(self.intercept, 6),
            "same": round(self.same, 6),
            "related": round(self.related, 6),
            "documents": self.weights.documents,
            "frequencies": dict(sorted(self.weights.frequencies.items())),
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            TermWeights(data["frequencies"], data["documents"]),
            data["coefficients"],
            data["intercept"],
            data["same"],
            data["related"],
        )


@lru_cache(maxsize=1)
def model():
    """The committed model (read once per process)."""
    return Verdict.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def verdict_for(score):
    """The one place a stored or live score becomes "same", "related" or nothing."""
    return model().verdict(score)


def is_same(score):
    return score >= model().same


def learn(features, labels, weights):
    """Logistic regression of "the same finding" on the features of labelled pairs: a Verdict
    whose thresholds are still to be chosen (see `evaluate_recurrence --fit`)."""
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=10.0, max_iter=1000).fit(features, labels)
    return Verdict(weights, regression.coef_[0], regression.intercept_[0], 1.0, 0.0)


def same_threshold(scores, labels, precision):
    """The lowest threshold at which the pairs scoring over it are `precision` same or better."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(labels[order])
    shares = hits / np.arange(1, len(order) + 1)
    good = np.flatnonzero(shares >= precision)
    if not len(good):
        return 1.0
    return float(scores[order][good.max()])
