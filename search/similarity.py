"""Ways of measuring how alike two recommendations are, each reading the field's vocabulary.

`evaluate_recurrence` compares them on the labelled pairs in tests/fixtures/recurrence/; the
recurrence service (search/recurrence.py) uses the one that measured best.
"""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

import re
from functools import lru_cache

import numpy as np
import snowballstemmer
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from .query import STOP_WORDS
from .vocabulary import synonym_groups

_WORD = re.compile(r"[a-z0-9][a-z0-9&']*")
_SPACES = re.compile(r"[\s\-]+")
# Words every recommendation uses; they say nothing about which finding it is.
RECOMMENDATION_WORDS = frozenset(
    "should must ensure ensures ensuring partnership partners partner agencies agency board lscb "
    "kscp scp review reviews recommendation recommendations all practitioners practitioner staff "
    "professionals professional services service need needs needed make made sure".split()
)
IGNORED = frozenset(ENGLISH_STOP_WORDS) | STOP_WORDS | RECOMMENDATION_WORDS
# Scored both ways, a recommendation's candidates are its first fifty one way: enough to keep
# every wording of a finding (a finding has a few), few enough that a short, general sentence
# that a long recommendation happens to contain does not crowd in.
CANDIDATES = 50


def better_way(forward, backward):
    """A pair's score from its two ways' relative scores: the better of them (`np.maximum`, so
    it serves single scores and whole rows alike)."""
    return np.maximum(forward, backward)


# The field's vocabulary -----------------------------------------------------------------------


def _merged_groups(groups):
    """Synonym groups, merged where they share a term ("child protection" is in two groups)."""
    merged = []
    for group in groups:
        terms = set(group)
        overlapping = [g for g in merged if g[1] & terms]
        canonical = overlapping[0][0] if overlapping else group[0]
        for g in overlapping:
            terms |= g[1]
            merged.remove(g)
        merged.append((canonical, terms))
    return merged


def _is_abbreviation(term, canonical):
    # Short one-word variants ("da", "send", "ed") are also everyday words: they count only when
    # written in capitals, as abbreviations are.
    return term != canonical and " " not in term and len(term) <= 5 and term.isalpha()


@lru_cache(maxsize=8)
def _vocabulary_patterns(groups_key):
    phrases, abbreviations = {}, {}
    for canonical, terms in _merged_groups(groups_key):
        token = "syn" + re.sub(r"\W+", "", canonical.replace(" ", ""))
        for term in terms:
            target = abbreviations if _is_abbreviation(term, canonical) else phrases
            target[term] = token

    def alternation(words, flags=0):
        return re.compile(rf"(?<![\w&])(?:{_prefix_tree(words)})(?![\w&])", flags)

    return (
        alternation(phrases, re.IGNORECASE) if phrases else None,
        phrases,
        alternation([a.upper() for a in abbreviations]) if abbreviations else None,
        abbreviations,
    )


def _prefix_tree(words):
    """The words as one pattern shaped like a prefix tree: at each place in a text the engine
    follows the one branch its next letter opens instead of trying two hundred words in turn
    (twenty times faster over a library). Where one word begins another, the longer is tried
    first, and the shorter if the longer does not end there, as a longest-first list of
    alternatives did. A space in a word matches any run of spaces or hyphens."""
    tree = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[None] = {}  # a word ends here

    def pattern(node):
        branches = [
            (r"[\s\-]+" if char == " " else re.escape(char)) + pattern(child)
            for char, child in sorted((c, n) for c, n in node.items() if c is not None)
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if None in node else body

    return pattern(tree)


def vocabulary_key(groups=None):
    """The vocabulary in force (or `groups`) as a key for the cached patterns below: read it once
    for a batch of texts."""
    return tuple(tuple(g) for g in (synonym_groups() if groups is None else groups))


def vocabulary_patterns(key=None):
    return _vocabulary_patterns(vocabulary_key() if key is None else key)


@lru_cache(maxsize=8)
def _wordings(groups_key):
    return {term: terms for _, terms in _merged_groups(groups_key) for term in terms}


def normalise(text, vocabulary=None):
    """Lower-case words with every synonym or abbreviation replaced by its group's one token.
    `vocabulary` is a `vocabulary_key()`, read once for a batch of texts."""
    phrase_re, phrases, abbreviation_re, abbreviations = vocabulary_patterns(vocabulary)
    text = (text or "").replace("’", "'")
    if abbreviation_re is not None:
        text = abbreviation_re.sub(lambda m: " " + abbreviations[m.group(0).lower()] + " ", text)
    if phrase_re is not None:
        text = phrase_re.sub(
            lambda m: " " + phrases[_SPACES.sub(" ", m.group(0).lower())] + " ", text
        )
    return text.lower()


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word):
    """The Snowball English stem ("assessments" and "assessed" meet at "assess"); the field's
    vocabulary tokens are left whole."""
    if word.startswith("syn"):
        return word
    return _STEMMER.stemWord(word)


def words(text, vocabulary=None):
    """The words that carry a recommendation's meaning, normalised and stemmed."""
    return [
        stem(w.strip("'"))
        for w in _WORD.findall(normalise(text, vocabulary))
        if w.strip("'") not in IGNORED and len(w) > 1
    ]


def analyse(text):
    """Words and adjacent word pairs, for the TF-IDF vectoriser."""
    tokens = words(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# The methods ----------------------------------------------------------------------------------


class TfidfMethod:
    """Cosine similarity of TF-IDF vectors over the library's own words and word pairs."""

    name = "TF-IDF (words + pairs)"

    def __init__(self, min_df=1):
        self.min_df = min_df

    def fit(self, texts, background=()):
        self.vectoriser = TfidfVectorizer(
            analyzer=analyse, sublinear_tf=True, min_df=self.min_df, dtype=np.float32
        )
        self.vectoriser.fit(list(texts) + list(background))
        self.matrix = self.vectoriser.transform(texts)
        return self

    def vectors(self, texts):
        return self.vectoriser.transform(texts)

    def scores(self, text):
        return (self.matrix @ self.vectors([text]).T).toarray().ravel()

    def row_scores(self, position):
        """Similarity of the library's row `position` to every row."""
        return (self.matrix @ self.matrix[position].T).toarray().ravel()


class LsaMethod(TfidfMethod):
    """TF-IDF reduced to latent topics (LSA), trained at run time on the library and background
    text, so words that occur together (bruise / non-mobile / infant) count as alike."""

    name = "LSA (TF-IDF + SVD)"

    def __init__(self, dimensions=200, min_df=1):
        super().__init__(min_df=min_df)
        self.dimensions = dimensions

    def fit(self, texts, background=()):
        super().fit(texts, background)
        sparse = self.vectoriser.transform(list(texts) + list(background))
        # A reduction, not a rotation: at most half as many topics as texts.
        dimensions = max(2, min(self.dimensions, sparse.shape[1] - 1, sparse.shape[0] // 2))
        self.svd = TruncatedSVD(n_components=dimensions, random_state=12).fit(sparse)
        self.matrix = normalize(self.svd.transform(self.matrix)).astype(np.float32)
        return self

    def vectors(self, texts):
        return normalize(self.svd.transform(self.vectoriser.transform(texts))).astype(np.float32)

    def scores(self, text):
        return self.matrix @ self.vectors([text])[0]

    def row_scores(self, position):
        return self.matrix @ self.matrix[position]


class BlendMethod(TfidfMethod):
    """TF-IDF and LSA scores averaged: exact wording where it is shared, topics where not."""

    name = "TF-IDF + LSA blend"

    def __init__(self, dimensions=200, weight=0.5):
        super().__init__()
        self.lsa = LsaMethod(dimensions=dimensions)
        self.weight = weight

    def fit(self, texts, background=()):
        super().fit(texts, background)
        self.lsa.fit(texts, background)
        return self

    def scores(self, text):
        return (1 - self.weight) * super().scores(text) + self.weight * self.lsa.scores(text)

    def row_scores(self, position):
        return (1 - self.weight) * super().row_scores(position) + self.weight * (
            self.lsa.row_scores(position)
        )


def more_like_this_terms(text, max_terms=40, vocabulary=None):
    """The full-text query for "more like this": the text's meaningful words (stop words and
    recommendation boilerplate dropped) and every wording of the field's terms it uses, any of
    which may match; BM25 weighs the rare ones up. `vocabulary` is a `vocabulary_key()`."""
    key = vocabulary_key() if vocabulary is None else vocabulary
    phrase_re, phrases, abbreviation_re, abbreviations = vocabulary_patterns(key)
    text = (text or "").replace("’", "'")
    group_of = _wordings(key)
    expansions = []
    for pattern in (abbreviation_re, phrase_re):
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            term = re.sub(r"[\s\-]+", " ", match.group(0).lower())
            # Every wording of the group, but not the short ones that are also everyday words.
            for variant in sorted(group_of.get(term, {term})):
                if variant not in expansions and not _is_abbreviation(variant, ""):
                    expansions.append(variant)
        text = pattern.sub(" ", text)
    plain = []
    for word in _WORD.findall(text.lower()):
        word = word.strip("'")
        if len(word) > 2 and word not in IGNORED and word not in plain:
            plain.append(word)
    return (expansions + plain)[:max_terms]


class FullTextMoreLikeThis:
    """BM25 "more like this" on the search index: the text's words, any of which may match,
    ranked by the engine (FTS5's bm25 on SQLite, ts_rank on PostgreSQL)."""

    name = "BM25 more-like-this (full-text index)"
    # How the two ways' relative scores make one (see `evaluate_recurrence` for the others tried).
    combine = staticmethod(better_way)

    def top(
        self,
        text,
        levels,
        limit=5,
        exclude_ids=(),
        exclude_page_id=None,
        only_ids=None,
        vocabulary=None,
    ):
        """[(recommendation id, score)] best first, higher is better. `vocabulary` (a
        `vocabulary_key()`) spares a batch of lookups reading the vocabulary each time."""
        from django.db import connection

        from .engines.database import FullTextSQL, filter_sql

        terms = more_like_this_terms(text, vocabulary=vocabulary)
        if not terms:
            return []
        full_text = FullTextSQL.any_of(terms)
        source, source_params = full_text.source()
        match, match_params = full_text.match()
        if connection.vendor == "sqlite":
            # Only the recommendation's own words: not its review's title or reference.
            match_params = [f"text : ({match_params[0]})"]
        clauses, params = filter_sql({"kind": ["recommendation"]}, levels)
        if exclude_ids:
            clauses.append(f"d.object_id NOT IN ({', '.join(['%s'] * len(exclude_ids))})")
            params += list(exclude_ids)
        if exclude_page_id is not None:
            clauses.append("d.page_id <> %s")
            params.append(exclude_page_id)
        if only_ids is not None:
            clauses.append(f"d.object_id IN ({', '.join(['%s'] * len(only_ids))})")
            params += list(only_ids)
        rank, rank_params = full_text.rank()
        score = rank.replace(" DESC", "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.object_id, {score} FROM {source} "
                f"WHERE {match} AND {' AND '.join(clauses)} ORDER BY {rank}, d.object_id LIMIT %s",
                rank_params + source_params + match_params + params + rank_params + [limit],
            )
            rows = cursor.fetchall()
        # bm25() is lower for better matches; ts_rank higher. Scores go out higher-is-better.
        sign = -1 if connection.vendor == "sqlite" else 1
        return [(object_id, sign * float(score)) for object_id, score in rows]

    def self_score(self, text, recommendation_id, vocabulary=None):
        """The recommendation's score against its own words: what its neighbours are scaled by."""
        from learning.permissions import Visibility

        from .audience import Audience

        everyone = Audience.for_levels(
            [Visibility.PUBLIC, Visibility.PRACTITIONERS, Visibility.PARTNERSHIP]
        )
        hits = self.top(
            text, everyone, limit=1, only_ids=[recommendation_id], vocabulary=vocabulary
        )
        return hits[0][1] if hits and hits[0][1] > 0 else 1.0

    def both_ways(self, text, recommendation_id, levels, limit=10, exclude_page_id=None):
        """[(recommendation id, score)] best first for a stored recommendation, each candidate
        scored both ways: this text's score against it and its score against this text, each
        relative to the text's score against itself, and the better of the two kept
        (`combine`). A short recommendation whose words a longer one repeats scores high the
        way the short one asks, however much else the long one says. The candidates are the
        first CANDIDATES one way; each is checked the other way in one query."""
        from .models import SearchDocument

        vocabulary = vocabulary_key()  # read once for the fifty-odd lookups below
        own = self.self_score(text, recommendation_id, vocabulary)
        candidates = self.top(
            text,
            levels,
            limit=max(limit, CANDIDATES),
            exclude_ids=[recommendation_id],
            exclude_page_id=exclude_page_id,
            vocabulary=vocabulary,
        )
        texts = dict(
            SearchDocument.objects.filter(
                kind=SearchDocument.Kind.RECOMMENDATION,
                object_id__in=[other for other, _ in candidates],
            ).values_list("object_id", "text")
        )
        scored = []
        for other, forward in candidates:
            back = dict(
                self.top(
                    texts.get(other, ""),
                    levels,
                    2,
                    only_ids=[recommendation_id, other],
                    vocabulary=vocabulary,
                )
            )
            other_self = back.get(other, 0.0)
            backward = back.get(recommendation_id, 0.0) / other_self if other_self > 0 else 0.0
            scored.append((other, float(self.combine(forward / own, backward))))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored[:limit]


# The full-text index's words: unicode61 splits on anything but letters and digits, porter stems.
_INDEX_WORD = re.compile(r"[^\W_]+")
_PORTER = snowballstemmer.stemmer("porter")


@lru_cache(maxsize=100_000)
def _porter(word):
    # FTS5's porter tokenizer leaves words under 3 or over 64 characters as they are.
    return _PORTER.stemWord(word) if 3 <= len(word) <= 64 else word


def index_words(text):
    """The text's words as SQLite's full-text index holds them: lower-cased, Porter-stemmed."""
    return [_porter(w) for w in _INDEX_WORD.findall((text or "").lower())]


def query_phrases(text, vocabulary=None):
    """The "more like this" query of `more_like_this_terms` as the index reads it: each term a
    phrase of index words (three spellings of "neglect" stay three phrases, as in the query)."""
    phrases = (tuple(index_words(t)) for t in more_like_this_terms(text, vocabulary=vocabulary))
    return [phrase for phrase in phrases if phrase]


class Bm25Method:
    """BM25 "more like this" computed in bulk with sparse matrices: each recommendation's query
    phrases (any of which may match) scored against every other's text as SQLite's full-text
    index ranks them (FTS5's bm25: its idf, k1 = 1.2, b = 0.75, the text's length). On a library
    of recommendations alone the two rank alike; in the site's index, reviews and briefings also
    count in the word statistics, so the change-by-change task's scores differ a little. Used to
    fill the neighbour table for the whole library in one pass."""

    name = "BM25 more-like-this (bulk, both ways)"
    combine = staticmethod(better_way)

    def __init__(self, k1=1.2, b=0.75, both_ways=True, candidates=CANDIDATES):
        self.k1, self.b = k1, b
        self.both_ways = both_ways
        self.candidates = candidates

    def fit(self, texts, background=()):
        from scipy.sparse import csr_matrix

        documents = [index_words(text) for text in texts]
        vocabulary = vocabulary_key()
        queries = [query_phrases(text, vocabulary) for text in texts]
        # Kept for the verdict, which reads the same of each text (`verdict.prepare(read=…)`).
        self.read = (queries, documents)
        column = {}
        for phrases in queries:
            for phrase in phrases:
                column.setdefault(phrase, len(column))
        # Every start of a longer phrase, so a document is read once, left to right.
        starts = {phrase[:end] for phrase in column for end in range(1, len(phrase))}
        n = len(texts)
        self.query = _counts(([column[p] for p in phrases] for phrases in queries), n, column)
        counts = _counts((_phrases_in(words, column, starts) for words in documents), n, column)
        df = np.bincount(counts.indices, minlength=len(column)).astype(np.float32)
        self.document_frequency = df
        idf = np.log((n - df + 0.5) / (df + 0.5))
        idf[idf <= 0] = 1e-6  # as FTS5: a phrase in over half the texts still counts a little
        lengths = np.array([len(words) for words in documents], dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * lengths / max(lengths.mean(), 1.0))
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data
        weights = csr_matrix(
            (
                (idf[counts.indices] * tf * (self.k1 + 1) / (tf + norm[rows])).astype(np.float32),
                counts.indices,
                counts.indptr,
            ),
            shape=counts.shape,
        )
        self.weights = weights.tocsc().T.tocsr()  # phrases x documents
        self.self_scores = np.asarray(self.query.multiply(weights).sum(axis=1)).ravel()
        self.self_scores[self.self_scores == 0] = 1.0
        return self

    def block_scores(self, start, stop):
        """Scores of rows start..stop against every row, each relative to its own self-score
        (both ways for the first `candidates` one way, the better kept, as
        `FullTextMoreLikeThis.both_ways`, unless the method was made one way)."""
        scores = (self.query[start:stop] @ self.weights).toarray()
        scores /= self.self_scores[start:stop, None]
        if self.both_ways:
            back = (self.query @ self.weights[:, start:stop]).toarray() / self.self_scores[:, None]
            for offset, row in enumerate(scores):
                others = np.flatnonzero(row)
                others = others[others != start + offset]
                others = self._candidates(others, row[others])
                row[others] = self.combine(row[others], back[others, offset])
        return scores

    def _candidates(self, others, values):
        """The first `candidates` of `others` by their one-way scores."""
        if len(others) <= self.candidates:
            return others
        return others[np.argpartition(-values, self.candidates - 1)[: self.candidates]]

    def row_scores(self, position):
        return self.block_scores(position, position + 1)[0]

    def neighbours(self, k=10, block=512, groups=None, max_doc_share=0.05):
        """Each row's k best other rows with their relative scores: yields (row, [(other, score)]).
        Rows with the same `groups` label (one per row: a recommendation's review) are not each
        other's neighbours.

        As Lucene's more-like-this does, words in more than `max_doc_share` of a large library
        (and at least 500 texts) are left out of the query: they barely move the ranking and
        would make every text a candidate for every other.
        """
        n = self.query.shape[0]
        common = self.document_frequency > max(500, max_doc_share * n)
        from scipy.sparse import diags

        query = (self.query @ diags((~common).astype(np.float32))).tocsr()
        query.eliminate_zeros()
        documents = self.weights.T.tocsr() if self.both_ways else None
        inverse = (1 / self.self_scores).astype(np.float32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            scores = (diags(inverse[start:stop]) @ (query[start:stop] @ self.weights)).tocsr()
            found = []
            for offset in range(stop - start):
                position = start + offset
                row = slice(scores.indptr[offset], scores.indptr[offset + 1])
                others, values = scores.indices[row], scores.data[row]
                keep = others != position
                if groups is not None:
                    keep &= groups[others] != groups[position]
                others, values = others[keep], values[keep]
                if self.both_ways:
                    chosen = self._candidates(np.arange(len(others)), values)
                    others, values = others[chosen], values[chosen]
                found.append((others, values))
            if self.both_ways:
                # Each candidate's query against this row: only for the candidates, not every
                # text of the library against the block.
                counts = [len(others) for others, _ in found]
                back = _back_scores(
                    query,
                    documents,
                    inverse,
                    np.concatenate([others for others, _ in found]).astype(np.int64),
                    np.repeat(np.arange(start, stop), counts),
                )
                ends = np.cumsum(counts)
                found = [
                    (others, self.combine(values, back[end - count : end]))
                    for (others, values), count, end in zip(found, counts, ends, strict=True)
                ]
            for offset, (others, values) in enumerate(found):
                if len(others) > k:
                    best = np.argpartition(-values, k - 1)[:k]
                    others, values = others[best], values[best]
                order = np.lexsort((others, -values))
                yield (
                    start + offset,
                    [(int(others[i]), float(values[i])) for i in order if values[i] > 0],
                )


def _back_scores(query, documents, inverse, rows, targets):
    """For each pair (rows[i], targets[i]): row's query scored against target's text, relative to
    the row's self-score (`inverse` = 1 / self-scores), in float32. The sum runs over the row's
    query phrases in the order the query matrix stores them, as a sparse product of the query
    with the text's column sums them, so each value is the very number that product gives."""
    total = np.zeros(len(rows), dtype=np.float32)
    if not len(rows):
        return total
    # The targets' phrase weights, looked up by target * phrases + phrase (sorted: rows in
    # order, each row's phrases in order).
    phrases = documents.shape[1]
    low, high = int(targets.min()), int(targets.max()) + 1
    span = slice(documents.indptr[low], documents.indptr[high])
    keys = (
        np.repeat(np.arange(low, high, dtype=np.int64), np.diff(documents.indptr[low : high + 1]))
        * phrases
        + documents.indices[span]
    )
    order = np.argsort(keys, kind="stable")
    keys, weights = keys[order], documents.data[span][order]
    starts = query.indptr[rows]
    lengths = query.indptr[rows + 1] - starts
    for t in range(int(lengths.max()) if len(lengths) else 0):
        live = np.flatnonzero(lengths > t)
        at = starts[live] + t
        wanted = targets[live] * phrases + query.indices[at]
        where = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[where] == wanted
        live, at, where = live[hit], at[hit], where[hit]
        total[live] = total[live] + query.data[at] * weights[where]
    return inverse[rows] * total


def _phrases_in(words, column, starts):
    """The columns of every query phrase found in a text's words, once per occurrence."""
    found = []
    for i in range(len(words)):
        for end in range(i + 1, len(words) + 1):
            phrase = tuple(words[i:end])
            if phrase in column:
                found.append(column[phrase])
            if phrase not in starts:
                break
    return found


def _counts(rows, n, column):
    """A rows x phrases matrix of counts from each row's list of columns."""
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for columns in rows:
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    matrix = csr_matrix((data, indices, indptr), shape=(n, len(column)))
    matrix.sum_duplicates()
    return matrix
