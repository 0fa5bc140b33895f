"""What a visitor asked for: the words, the filters, the sort and the page, parsed and checked."""

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
PAGE_SIZE = 20
# Far past any result list, and small enough that no engine or database overflows on the offset.
MAX_PAGE = 10_000
# ASCII digits only: "²" and "٣" are digits to str.isdigit but not numbers to a database.
_YEAR = re.compile(r"[0-9]{4}")
FACETS = ["kind", "theme", "review_kind", "agency", "year", "status"]
# Facets stored as columns of the document; the others are tag rows (a document has several).
COLUMN_FACETS = ["kind", "review_kind", "year", "status"]
TAG_FACETS = ["theme", "agency"]
SORTS = {"relevance": "Relevance", "newest": "Newest first"}

# Lucene's English stop words, which Elasticsearch's English analyser drops: the database engine
# drops them from queries too, so "voice of the child" asks both engines the same question.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
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


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)  # facet -> list of selected values
    sort: str = "relevance"
    page: int = 1

    @property
    def terms(self):
        return search_terms(self.q)

    @classmethod
    def from_params(cls, params):
        """Read a request's GET parameters; raises BadSearch with a message a visitor can act on."""
        q = (params.get("q") or "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            raise BadSearch(f"Search for at most {MAX_QUERY_LENGTH} characters.")
        filters = {}
        for facet in FACETS:
            values = [v.strip() for v in params.getlist(facet) if v.strip()]
            if facet == "year" and any(not _YEAR.fullmatch(v) for v in values):
                raise BadSearch("Year must be a year such as 2019.")
            if values:
                filters[facet] = sorted(set(values))
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

    def filters_except(self, facet):
        return {name: values for name, values in self.filters.items() if name != facet}

    def params(self, **changes):
        """This search as a list of (name, value) pairs, with some parts changed, for links."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", 1)
        pairs = [("q", q)] if q else []
        pairs += [(facet, value) for facet in FACETS for value in filters.get(facet, [])]
        if sort != "relevance":
            pairs.append(("sort", sort))
        if page and page != 1:
            pairs.append(("page", str(page)))
        return pairs
