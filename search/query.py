"""What a visitor asked for: the words, the filters, the sort and the page, parsed and checked."""

import re
from dataclasses import dataclass, field
from itertools import combinations

from learning.plain_text import has_control_characters

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
PAGE_SIZE = 20
# Far past any result list, and small enough that no engine or database overflows on the offset.
MAX_PAGE = 10_000
# ASCII digits only: "²" and "٣" are digits to str.isdigit but not numbers to a database.
_YEAR = re.compile(r"[0-9]{4}")
FACETS = ["kind", "theme", "review_kind", "agency", "year", "status", "partnership"]
# Facets stored as columns of the document; the others are tag rows (a document has several).
COLUMN_FACETS = ["kind", "review_kind", "year", "status", "partnership"]
TAG_FACETS = ["theme", "agency"]
# Filters on a document's column that are not facets the engines count.
COLUMN_FILTERS = []
# ?framework=adults: the partnerships of that framework. Its facet is summed from the
# partnership facet's counts, so the engines count partnerships only.
FRAMEWORK = "framework"
SORTS = {"relevance": "Relevance", "newest": "Newest first"}

# Lucene's English stop words, which Elasticsearch's English analyser drops: the database engine
# drops them from queries too, so "voice of the child" asks both engines the same question.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
# Words that frame a question rather than say what it is about ("what should schools do about
# neglect training"): kept while every word can match, set aside when the search is relaxed.
QUESTION_WORDS = frozenset(
    "what whats when where which who whom whose why how should would could can do does did done "
    "we us our you your i me my about any anything something need needs happen happens happened "
    "say says said tell know find look looking keep get make there's am been being has have had "
    "having were doing review reviews learning learn learned learnt lesson lessons recommend "
    "recommended recommendation recommendations briefing briefings previous past think".split()
)
MAX_VOCABULARY_WORDS = 8
# A relaxed search asks for k of at most this many clauses: C(8, 4) = 70 combinations at most.
MAX_RELAXED_CLAUSES = 8
_WORD = re.compile(r"\w+")
_PHRASE_OR_CHUNK = re.compile(r'"([^"]*)"|(\S+)')


class BadSearch(ValueError):
    """A search parameter that cannot be understood; the message says what to change."""


def search_terms(text):
    """Split a query into terms: quoted phrases stay whole; other words are matched one by one.

    Each term is searched as a phrase, so "RR-2020-03" matches that reference, not three words;
    terms keep their own spelling so each engine's parser splits them as it split the documents.
    Stop words on their own and possessive "'s" are dropped, as the English analyser does.
    """
    terms = []
    for phrase, chunk in _PHRASE_OR_CHUNK.findall((text or "")[:MAX_QUERY_LENGTH]):
        raw = phrase if phrase else chunk
        raw = re.sub(r"['’]s\b", "", raw)
        words = [w.lower() for w in _WORD.findall(raw)]
        if all(w in STOP_WORDS for w in words):
            continue
        if phrase:
            terms.append(" ".join(raw.split()))
        else:
            terms.extend(_split_chunk(raw))
    return terms[:MAX_TERMS]


def _split_chunk(raw):
    """A chunk such as "neglect," or "RR-2020-03": its words stay together when joined by
    hyphens, slashes or dots; surrounding punctuation is dropped."""
    pieces = [p.strip("-./’'_") for p in re.split(r"[^\w\-./’']+", raw) if _WORD.search(p)]
    return [p for p in pieces if not all(w.lower() in STOP_WORDS for w in _WORD.findall(p))]


@dataclass(frozen=True)
class Alternative:
    """One way a clause can match: its words side by side (a phrase), or all of its words anywhere
    in the document (a term the vocabulary offers, "child sexual exploitation" for "CSE")."""

    text: str
    phrase: bool = True

    @property
    def words(self):
        """The words that must all match when this is not a phrase (stop words left out)."""
        words = [w for w in _WORD.findall(self.text.lower()) if w not in STOP_WORDS]
        return words or _WORD.findall(self.text.lower())


@dataclass(frozen=True)
class Clause:
    """One thing the searcher asked for, as they typed it, and the ways it may match."""

    label: str
    alternatives: tuple
    quoted: bool = False

    @property
    def is_question_word(self):
        return self.label.lower() in QUESTION_WORDS

    @property
    def is_abbreviation(self):
        """Typed in capitals and standing for another of its terms by their initials ("FII" for
        fabricated or induced illness): the subject the searcher is asking about."""
        if self.quoted or " " in self.label or not self.label.isupper():
            return False
        typed = self.label.lower()
        return any("".join(w[0] for w in alt.words) == typed for alt in self.alternatives[1:])


def _loose(term):
    """A term of several words matches them anywhere in the document, unless fewer than two
    remain without the stop words ("was not brought" stays a phrase)."""
    content = [w for w in _WORD.findall(term.lower()) if w not in STOP_WORDS]
    return Alternative(term, phrase=len(content) < 2)


def _alternatives(typed, mates, normalise_term):
    """The typed words first, then the vocabulary's other terms for the same thing (the term
    itself too when it was typed in another form: "midwives" also asks for "midwife")."""
    first = Alternative(typed) if len(typed.split()) == 1 else _loose(typed)
    typed_key = normalise_term(typed)
    return _without_covered((first, *(_loose(term) for term in mates if term != typed_key)))


def _covers(general, other):
    """Whether every document `other` matches is matched by `general` (its words anywhere)."""
    anywhere = not general.phrase or len(_WORD.findall(general.text)) == 1
    return anywhere and set(general.words) <= set(other.words)


def _without_covered(alternatives):
    """Leave out the alternatives that find nothing another does not ("escalation policy" beside
    "escalation"): they would only count the same words again in the ranking."""
    kept = []
    for n, alternative in enumerate(alternatives):
        covered = any(
            _covers(other, alternative) and (m < n or not _covers(alternative, other))
            for m, other in enumerate(alternatives)
            if m != n
        )
        if not covered:
            kept.append(alternative)
    return tuple(kept)


def parse_clauses(text, vocabulary=None):
    """Split a query into clauses. Quoted phrases stay whole and exact; a run of words that the
    vocabulary knows ("toxic trio", "CP plan") becomes one clause with its synonyms; other words
    are matched one by one, each with its synonyms. Stop words alone are dropped."""
    from .vocabulary import Vocabulary, normalise_term

    vocabulary = Vocabulary() if vocabulary is None else vocabulary
    clauses = []
    for phrase, chunk in _PHRASE_OR_CHUNK.findall((text or "")[:MAX_QUERY_LENGTH]):
        if phrase:
            raw = re.sub(r"['’]s\b", "", phrase)
            if not all(w.lower() in STOP_WORDS for w in _WORD.findall(raw)):
                typed = " ".join(raw.split())
                clauses.append(Clause(typed, (Alternative(typed),), quoted=True))
            continue
        clauses += _chunk_clauses(chunk, vocabulary, normalise_term)
    # Runs of words are split one chunk at a time: join neighbouring chunks' vocabulary runs.
    joined = _join_vocabulary_runs(clauses, vocabulary, normalise_term)
    return _distinct(joined)[:MAX_TERMS]


def _distinct(clauses):
    """Each thing asked for once: "children who harm other children" asks about children once,
    so a relaxed search does not count a document that only says "children" as matching twice."""
    seen, distinct = set(), []
    for clause in clauses:
        key = (clause.label.lower(), clause.quoted)
        if key not in seen:
            seen.add(key)
            distinct.append(clause)
    return distinct


def _chunk_clauses(chunk, vocabulary, normalise_term):
    raw = re.sub(r"['’]s\b", "", chunk)
    pieces = [p.strip("-./’'_") for p in re.split(r"[^\w\-./’'&]+", raw) if _WORD.search(p)]
    clauses = []
    for piece in pieces:
        mates = vocabulary.mates_of(piece)
        if mates:
            clauses.append(Clause(piece, _alternatives(piece, mates, normalise_term)))
        elif not all(w.lower() in STOP_WORDS for w in _WORD.findall(piece)):
            clauses.append(Clause(piece, (Alternative(piece),)))
        else:
            clauses.append(Clause(piece, ()))  # a stop word: kept until runs are joined
    return clauses


def _join_vocabulary_runs(clauses, vocabulary, normalise_term):
    """Find the longest runs of neighbouring words that form a vocabulary term; drop the stop
    words left over."""
    joined, i = [], 0
    while i < len(clauses):
        for length in range(min(MAX_VOCABULARY_WORDS, len(clauses) - i), 1, -1):
            run = clauses[i : i + length]
            if any(c.quoted for c in run):
                continue
            typed = " ".join(c.label for c in run)
            mates = vocabulary.mates_of(typed)
            if mates:
                joined.append(Clause(typed, _alternatives(typed, mates, normalise_term)))
                i += length
                break
        else:
            if clauses[i].alternatives:
                joined.append(clauses[i])
            i += 1
    return joined


def match_expression(clauses, minimum=None):
    """Which clauses must match together: all of them (one combination), or `minimum` of them
    (every combination of that size; a document matching any one of them will do)."""
    minimum = len(clauses) if minimum is None else minimum
    if minimum >= len(clauses):
        return [list(clauses)]
    return [list(combo) for combo in combinations(clauses, minimum)]


def _known_frameworks(frameworks):
    from learning.models import Partnership

    unknown = [name for name in frameworks if name not in Partnership.Framework.values]
    if unknown:
        raise BadSearch(
            f"“{unknown[0]}” is not a framework: choose "
            + ", ".join(Partnership.Framework.values)
            + "."
        )
    return frameworks


def framework_partnerships(filters):
    """The slugs of the partnerships of the frameworks chosen, or None when none is chosen: the
    one rule both engines filter a framework by."""
    from learning.models import Partnership

    frameworks = filters.get(FRAMEWORK)
    if not frameworks:
        return None
    return sorted(
        Partnership.objects.filter(framework__in=frameworks).values_list("slug", flat=True)
    )


def _known_partnerships(slugs):
    """The slugs asked for, each a partnership's; an unknown one is refused. A partnership whose
    material the searcher may not see is a valid filter that finds nothing more than they may."""
    from learning.models import Partnership

    known = set(Partnership.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise BadSearch(f"“{unknown[0]}” is not a partnership.")
    return slugs


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)  # facet -> list of selected values
    sort: str = "relevance"
    page: int = 1
    # Set when the search is relaxed or respelled: the clauses asked and how many must match.
    clauses: list | None = None
    minimum_match: int | None = None

    @property
    def terms(self):
        return search_terms(self.q)

    @property
    def query_clauses(self):
        if self.clauses is None:
            self.clauses = parse_clauses(self.q)
        return self.clauses

    @classmethod
    def from_params(cls, params):
        """Read a request's GET parameters; raises BadSearch with a message a visitor can act on."""
        q = (params.get("q") or "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            raise BadSearch(f"Search for at most {MAX_QUERY_LENGTH} characters.")
        # PostgreSQL refuses a NUL in any text it is given; no search word or filter holds one.
        if any(has_control_characters(v) for name in params for v in params.getlist(name)):
            raise BadSearch("Search words and filters cannot contain control characters.")
        filters = {}
        for facet in FACETS:
            values = [v.strip() for v in params.getlist(facet) if v.strip()]
            if facet == "year" and any(not _YEAR.fullmatch(v) for v in values):
                raise BadSearch("Year must be a year such as 2019.")
            if values:
                filters[facet] = sorted(set(values))
        partnerships = sorted({v.strip() for v in params.getlist("partnership") if v.strip()})
        if partnerships:
            filters["partnership"] = _known_partnerships(partnerships)
        frameworks = sorted({v.strip() for v in params.getlist(FRAMEWORK) if v.strip()})
        if frameworks:
            filters[FRAMEWORK] = _known_frameworks(frameworks)
        sort = params.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadSearch("Sort by relevance or newest.")
        page = params.get("page") or "1"
        if not page.isascii() or not page.isdigit() or not page.strip("0"):
            raise BadSearch("Page must be a whole number, 1 or more.")
        page = page.lstrip("0")
        if len(page) > len(str(MAX_PAGE)) or int(page) > MAX_PAGE:
            raise BadSearch(f"Page must be at most {MAX_PAGE:,}.")
        return cls(q=q, filters=filters, sort=sort, page=int(page))

    @property
    def facet_filters(self):
        """The selected values of the facets alone (not the other filters)."""
        return {name: values for name, values in self.filters.items() if name in FACETS}

    def filters_except(self, facet):
        return {name: values for name, values in self.filters.items() if name != facet}

    def params(self, **changes):
        """This search as a list of (name, value) pairs, with some parts changed, for links."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", 1)
        pairs = [("q", q)] if q else []
        pairs += [
            (name, value)
            for name in FACETS + COLUMN_FILTERS + [FRAMEWORK]
            for value in filters.get(name, [])
        ]
        if sort != "relevance":
            pairs.append(("sort", sort))
        if page and page != 1:
            pairs.append(("page", str(page)))
        return pairs
