"""Whether two recommendations say the same thing: a calibrated verdict for a pair.

Search finds candidates (BM25 "more like this", live on the index or in bulk); this module
judges each candidate pair from the two texts alone, so a score means the same whatever the
query and however large the library:

- the share of each text's weight of terms that the other also uses, both ways (a term weighs
  what it says about a finding: rare in the field's writing weighs much, common weighs little);
- how many rare terms and how many terms in all the two share;
- the field's vocabulary: each of its terms is one token however it is written (CSE and child
  sexual exploitation meet);
- BM25 "more like this" both ways, each relative to the text's score against itself, as search
  ranks candidates, but with the committed statistics of the field's writing rather than those of
  the library searched, so that a pair scores the same in any library (the better and the worse of
  the two ways);
- the cosine of the two texts' meaning (WordLlama's bundled model, `search.embedding`);
- the kinds of agency each names (AGENCIES), and the share of them both name: the same finding
  asks the same kind of agency.

The score is the probability, learned by logistic regression on the development pairs of
tests/fixtures/recurrence/, that the two are the same finding. Which features it reads, and how
strongly it is regularised, were chosen on out-of-fold development figures
(`recurrence_evaluation.fit_verdict` writes the rule down). At `same` or over it is the same
finding restated: out of fold, that is on development findings scored by a model that learned
without them, the *same* verdicts on the judged pairs are right 0.9 of the time or more at the
lower end of the Wilson interval, and on the candidates search brings 0.9 or more as measured, so
it holds for wordings the model has not seen and not only for those it learned from. At
`related` or over, the same matter with a different ask; under it, nothing is said. The fitted
model and the term weights are a small committed file (`search/data/recurrence_verdict.json`,
written by `evaluate_recurrence --fit`), so nothing is trained or downloaded at run time and
the figures `evaluate_recurrence` prints are those of the model the site runs.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .similarity import _counts, _phrases_in, index_words, query_phrases, vocabulary_key, words

MODEL_FILE = Path(__file__).resolve().parent / "data" / "recurrence_verdict.json"
SAME = "same"
RELATED = "related"
FEATURES = (
    "cover_more",
    "cover_less",
    "shared_weight",
    "shared_rare",
    "meaning",
    "bm25_better",
    "bm25_worse",
    "agencies_named",
    "agency_overlap",
)
# The kinds of agency a recommendation asks something of (or names as the one told): the same
# finding asks it of the same kind of agency, so two texts that share the field's words but name
# different agencies (the police telling schools, the police telling health visitors) are more
# likely a related finding than the same. Each wording is read case-blind unless it is an acronym.
AGENCIES = {
    "police": r"\bpolice\b|\bcustody\b",
    "school": r"\bschools?\b|\bteachers?\b|designated safeguarding lead|\bDSLs?\b|\bpupils?\b"
    r"|\bcolleges?\b|education settings?",
    "health visiting": r"health visit|\b0-19\b|school nurs",
    "midwifery": r"\bmidwi|\bmaternity\b",
    "general practice": r"\bGPs?\b|general practi|family doctors?|primary care",
    "children's mental health": r"\bCAMHS\b|adolescent mental health|mental health services for "
    r"children",
    "adult mental health": r"adult mental health|\bperinatal\b",
    "substance misuse services": r"\bdrug and alcohol\b|substance misuse|treatment providers?",
    "probation": r"\bprobation\b|offender managers?",
    "housing": r"\bhousing\b|\blandlords?\b|\btenancy\b|homeless",
    "reviewing officers": r"\bIROs?\b|independent reviewing officers?",
    "hospital": r"\bpaediatric|emergency department|\bA&E\b|\bhospitals?\b",
    "youth justice": r"youth offending|\bYOT\b|youth justice|\bYJS\b",
    "designated officer": r"\bLADO\b|designated officer",
    "family court": r"\bCafcass\b|family court|private law",
    "health commissioners": r"\bICB\b|\bCCG\b|commissioning group",
}
_AGENCY_PATTERNS = {
    name: re.compile(
        "|".join(
            part if re.search(r"[A-Z]{2}", part) else f"(?i:{part})" for part in pattern.split("|")
        )
    )
    for name, pattern in AGENCIES.items()
}
# How many candidates search brings for the verdict to judge, best first one way: the wordings
# of a finding (it has a few) are among them, as `evaluate_recurrence` measures.
CANDIDATES = 20
# The share of *same* verdicts that must be right, out of fold, on the development pairs: at the
# lower end of its Wilson interval (one-sided 95%), not only as measured.
PRECISION = 0.9
WILSON_Z = 1.645
# A term is rare when fewer than one text in this many of the field's writing uses it.
RARE_SHARE = 200
# BM25's parameters, as the full-text index ranks (FTS5's bm25).
BM25_K1, BM25_B = 1.2, 0.75


@dataclass(frozen=True)
class Prepared:
    """What the verdict reads of one text: its terms, its meaning vector, and, for BM25, its
    "more like this" query and its words as the full-text index reads them."""

    terms: frozenset
    vector: np.ndarray
    query: tuple = ()
    index_words: tuple = ()
    agencies: frozenset = frozenset()


def prepare(texts, bm25=None, read=None):
    """Each text's terms and meaning, the vectors made in one batch; and what BM25 reads of it
    when `bm25` (by default, when the site's verdict reads BM25). `read` is that reading when it
    has been done already, as `Bm25Method.fit` keeps it: (query phrases, index words) per text."""
    from .embedding import vectors

    texts = list(texts)
    vocabulary = vocabulary_key()
    meaning = vectors(texts)
    if bm25 is None:
        bm25 = model().reads_bm25
    if not bm25:
        queries = documents = [()] * len(texts)
    elif read is not None:
        queries, documents = read
    else:
        queries = [query_phrases(text, vocabulary) for text in texts]
        documents = [index_words(text) for text in texts]
    return [
        Prepared(
            frozenset(terms_of(text, vocabulary)),
            meaning[n],
            tuple(queries[n]),
            tuple(documents[n]),
            agencies_of(text),
        )
        for n, text in enumerate(texts)
    ]


def agencies_of(text):
    """The kinds of agency a text names (AGENCIES)."""
    return frozenset(name for name, pattern in _AGENCY_PATTERNS.items() if pattern.search(text))


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


class PhraseWeights:
    """BM25's statistics of the field's writing (the committed table): how many texts hold each
    phrase a "more like this" query may ask for, and their average length in words."""

    def __init__(self, frequencies, documents, average_length):
        self.frequencies = frequencies
        self.documents = documents
        self.average_length = average_length

    def idf(self, phrase):
        frequency = self.frequencies.get(" ".join(phrase), 0)
        idf = math.log((self.documents - frequency + 0.5) / (frequency + 0.5))
        return idf if idf > 0 else 1e-6  # as FTS5: a phrase in over half the texts counts a little

    @classmethod
    def count(cls, texts):
        from .similarity import _wordings, more_like_this_terms

        vocabulary = vocabulary_key()
        texts = list(texts)
        documents = [index_words(text) for text in texts]
        # Every phrase a query may ask for: each text's every term, and each wording of the
        # field's terms (a query asks for them all when a text uses one).
        asked = {tuple(index_words(t)) for t in _wordings(vocabulary)}
        for text in texts:
            asked |= {
                tuple(index_words(t))
                for t in more_like_this_terms(text, max_terms=10**6, vocabulary=vocabulary)
            }
        column = {phrase: n for n, phrase in enumerate(sorted(p for p in asked if p))}
        starts = {phrase[:end] for phrase in column for end in range(1, len(phrase))}
        held = _counts((set(_phrases_in(d, column, starts)) for d in documents), len(texts), column)
        frequency = np.bincount(held.indices, minlength=len(column))
        frequencies = {" ".join(p): int(frequency[n]) for p, n in column.items() if frequency[n]}
        average = float(np.mean([len(d) for d in documents])) if documents else 1.0
        return cls(frequencies, len(texts), average)


class Library:
    """Many Prepared texts as sparse matrices (which terms each uses, and their weights; which
    phrases each asks for, and their BM25 weights in each), so that any number of pairs among
    them are judged at once, in a few matrix operations. A pair's features depend on the two
    texts and the committed statistics alone, not on the other texts of the library."""

    def __init__(self, prepared, weights, phrases=None):
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
        agency_column = {name: n for n, name in enumerate(AGENCIES)}
        agency_indices = [agency_column[a] for text in prepared for a in sorted(text.agencies)]
        agency_starts = np.concatenate(
            [[0], np.cumsum([len(text.agencies) for text in prepared])]
        ).astype(np.int64)
        self.agencies = csr_matrix(
            (np.ones(len(agency_indices)), np.array(agency_indices, dtype=np.int64), agency_starts),
            shape=(len(prepared), len(AGENCIES)),
        )
        self.agency_counts = np.diff(agency_starts)
        # Without the phrase statistics (a verdict that does not read BM25) its columns stay 0.
        self.query = None
        if phrases is not None:
            self._bm25(prepared, phrases)

    def _bm25(self, prepared, phrases):
        """Each text's query (phrases it asks for) and the BM25 weight of each such phrase in each
        text, as `similarity.Bm25Method` has them, with the committed statistics."""
        from scipy.sparse import csr_matrix

        column = {}
        for text in prepared:
            for phrase in text.query:
                column.setdefault(phrase, len(column))
        starts = {phrase[:end] for phrase in column for end in range(1, len(phrase))}
        n = len(prepared)
        self.query = _counts(([column[p] for p in text.query] for text in prepared), n, column)
        counts = _counts(
            (_phrases_in(text.index_words, column, starts) for text in prepared), n, column
        )
        idf = np.array([phrases.idf(phrase) for phrase in column], dtype=float)
        lengths = np.array([len(text.index_words) for text in prepared], dtype=float)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(phrases.average_length, 1.0))
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data.astype(float)
        self.bm25 = csr_matrix(
            (
                idf[counts.indices] * tf * (BM25_K1 + 1) / (tf + norm[rows]),
                counts.indices,
                counts.indptr,
            ),
            shape=counts.shape,
        )
        self.own_bm25 = np.asarray(self.query.multiply(self.bm25).sum(axis=1)).ravel()
        self.own_bm25[self.own_bm25 == 0] = 1.0

    def features(self, left, right):
        """The features of the pairs (left[i], right[i]) (positions in the library), one row
        each."""
        left = np.asarray(left, dtype=np.int64)
        right = np.asarray(right, dtype=np.int64)
        features = np.zeros((len(left), len(FEATURES)))
        if not len(left):
            return features
        # Summed in float64 as the vectors are read, not copied whole into float64 first: the
        # same values, without the copies that were a fifth of a full rebuild.
        meaning = np.einsum("ij,ij->i", self.vectors[left], self.vectors[right], dtype=np.float64)
        features[:, 4] = meaning
        # Both name an agency: the share of the agencies named that both name.
        named = (self.agency_counts[left] > 0) & (self.agency_counts[right] > 0)
        shared = np.asarray(self.agencies[left].multiply(self.agencies[right]).sum(axis=1)).ravel()
        union = self.agency_counts[left] + self.agency_counts[right] - shared
        features[:, 7] = named
        features[:, 8] = np.where(named, shared / np.maximum(union, 1), 0.0)
        if self.query is not None:
            self._bm25_features(features, left, right)
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

    def _bm25_features(self, features, left, right):
        forward = np.asarray(self.query[left].multiply(self.bm25[right]).sum(axis=1)).ravel()
        backward = np.asarray(self.query[right].multiply(self.bm25[left]).sum(axis=1)).ravel()
        forward /= self.own_bm25[left]
        backward /= self.own_bm25[right]
        features[:, 5] = np.maximum(forward, backward)
        features[:, 6] = np.minimum(forward, backward)


class Verdict:
    """The fitted model: features → probability of the same finding, and the two thresholds."""

    def __init__(self, weights, phrases, coefficients, intercept, same, related):
        self.weights = weights
        self.phrases = phrases
        self.coefficients = np.asarray(coefficients, dtype=float)
        self.intercept = float(intercept)
        self.same = float(same)
        self.related = float(related)

    def probability(self, features):
        features = np.atleast_2d(features)
        return 1 / (1 + np.exp(-(features @ self.coefficients + self.intercept)))

    def score(self, a, b):
        """The probability that two Prepared texts are the same finding."""
        return float(self.pair_scores(self.library([a, b]), [0], [1])[0])

    def scores(self, text, others):
        """Scores of one Prepared text against several others."""
        if not others:
            return np.zeros(0)
        library = self.library([text, *others])
        return self.pair_scores(library, np.zeros(len(others)), np.arange(1, len(others) + 1))

    def library(self, prepared):
        return Library(list(prepared), self.weights, self.phrases if self.reads_bm25 else None)

    @property
    def reads_bm25(self):
        return self.phrases is not None and bool(
            np.any(self.coefficients[[FEATURES.index("bm25_better"), FEATURES.index("bm25_worse")]])
        )

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
        data = {
            "features": list(FEATURES),
            "coefficients": [round(float(c), 6) for c in self.coefficients],
            "intercept": round(self.intercept, 6),
            "same": round(self.same, 6),
            "related": round(self.related, 6),
            "documents": self.weights.documents,
            "frequencies": dict(sorted(self.weights.frequencies.items())),
        }
        if self.reads_bm25:
            data["phrase_documents"] = self.phrases.documents
            data["average_length"] = round(self.phrases.average_length, 6)
            data["phrase_frequencies"] = dict(sorted(self.phrases.frequencies.items()))
        return data

    @staticmethod
    def _coefficients(data):
        """The file's coefficients in FEATURES' order, by the names it gives (a feature it does
        not name weighs nothing)."""
        coefficients = np.zeros(len(FEATURES))
        for name, value in zip(data.get("features", FEATURES), data["coefficients"], strict=True):
            coefficients[FEATURES.index(name)] = value
        return coefficients

    @classmethod
    def from_json(cls, data):
        return cls(
            TermWeights(data["frequencies"], data["documents"]),
            PhraseWeights(
                data["phrase_frequencies"], data["phrase_documents"], data["average_length"]
            )
            if "phrase_frequencies" in data
            else None,
            cls._coefficients(data),
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


def learn(features, labels, weights, phrases, regularisation=10.0, class_weight=None):
    """Logistic regression of "the same finding" on the features of labelled pairs: a Verdict
    whose thresholds are still to be chosen (see `evaluate_recurrence --fit`). `regularisation`
    is scikit-learn's C (smaller holds the coefficients closer to 0); `class_weight` "balanced"
    weighs the few *same* pairs as much as the many others."""
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=regularisation, class_weight=class_weight, max_iter=1000).fit(
        features, labels
    )
    return Verdict(weights, phrases, regression.coef_[0], regression.intercept_[0], 1.0, 0.0)


def wilson_lower(hits, said, z=WILSON_Z):
    """The lower end of the Wilson interval for a share of `hits` out of `said` (arrays): a share
    measured on few verdicts is trusted less than the same share on many."""
    hits = np.asarray(hits, dtype=float)
    said = np.asarray(said, dtype=float)
    n = np.maximum(said, 1e-12)
    share = hits / n
    centre = share + z * z / (2 * n)
    spread = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return np.where(said > 0, (centre - spread) / (1 + z * z / n), 0.0)


def same_threshold(scores, labels, precision, repeats=1, measured=()):
    """The lowest threshold at which the pairs scoring at it or over it are the same finding
    `precision` of the time or better at the lower end of the Wilson interval (the counts divided
    by `repeats`, the shuffles that scored each pair again), and each of `measured` (scores,
    labels) is at least `precision` as measured."""
    thresholds = np.unique(scores)[::-1]
    good = np.ones(len(thresholds), dtype=bool)
    for these_scores, these_labels, bounded in (
        (scores, labels, True),
        *((s, y, False) for s, y in measured),
    ):
        order = np.argsort(-these_scores, kind="stable")
        ranked = these_scores[order]
        hits = np.concatenate([[0], np.cumsum(these_labels[order])])
        # How many pairs score at or over each threshold (the scores are descending).
        said = np.searchsorted(-ranked, -thresholds, side="right")
        if bounded:
            good &= wilson_lower(hits[said] / repeats, said / repeats) >= precision
        else:
            good &= hits[said] >= precision * said
    if not good.any():
        return 1.0
    return float(thresholds[np.flatnonzero(good).max()])
