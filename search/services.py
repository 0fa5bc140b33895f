"""Search as the page, the API and related learning all use it: one request in, one answer out."""

import re
from dataclasses import dataclass, field, replace

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.html import escape
from django.utils.safestring import mark_safe

from learning.models import Agency, Partnership, Theme
from reviews.models import ReviewPage

from . import spelling
from .audience import Audience
from .documents import MARK_END, MARK_START
from .engines import get_engine
from .engines.database import DatabaseEngine, best_passages
from .models import SearchDocument, SearchDocumentTag
from .query import FACETS, FRAMEWORK, MAX_RELAXED_CLAUSES, PAGE_SIZE, parse_clauses, search_terms

FACET_TITLES = {
    "kind": "Type",
    "theme": "Theme",
    "review_kind": "Kind of review",
    "agency": "Agency",
    "year": "Year",
    "status": "Recommendation status",
    "partnership": "Partnership",
    FRAMEWORK: "Framework",
}
# The partnership and framework facets appear only when what the searcher finds spans more than
# one partnership: a deployment of one partnership never shows them.
PARTNERSHIP_FACETS = ("partnership", FRAMEWORK)
SNIPPET_LENGTH = 220
# A relaxed search that finds fewer documents than this with most of the words asks for one fewer.
FEW_RESULTS = 3


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    title: str
    options: list = field(default_factory=list)


@dataclass
class Relaxation:
    """How a search that found nothing as typed was answered instead, to tell the searcher."""

    searched_for: str  # the words the results are for
    corrected: str = ""  # "Did you mean …?": the query respelled from the library's vocabulary
    not_found: list = field(default_factory=list)  # words no result contained
    set_aside: list = field(default_factory=list)  # question words left out
    partial: bool = False  # results match most of the words, not all


@dataclass
class SearchAnswer:
    request: object
    count: int
    results: list
    facets: list
    engine: str
    relaxation: Relaxation | None = None

    @property
    def num_pages(self):
        return max(1, -(-self.count // PAGE_SIZE))

    @property
    def page(self):
        return self.request.page

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.num_pages

    @property
    def selected(self):
        """The chosen filters, each with its facet's title and label, for display and removal."""
        chosen = []
        for facet in self.facets:
            for option in facet.options:
                if option.selected:
                    chosen.append((facet, option))
        return chosen


def highlight(snippet):
    """Escape a snippet, then turn the engine's marks into <mark> elements."""
    escaped = escape(snippet)
    return mark_safe(  # noqa: S308 - everything but our own <mark> tags is escaped just above
        escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


def _plain_snippet(text):
    if len(text) <= SNIPPET_LENGTH:
        return escape(text)
    return escape(text[:SNIPPET_LENGTH].rsplit(" ", 1)[0] + "…")


def _label_lookup(facet, values):
    if facet == "kind":
        return dict(SearchDocument.Kind.choices)
    if facet == "review_kind":
        return dict(ReviewPage.Kind.choices)
    if facet == "status":
        return dict(SearchDocument.Status.choices)
    if facet == "theme":
        return dict(Theme.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == "agency":
        return dict(Agency.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == "partnership":
        return dict(Partnership.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == FRAMEWORK:
        return dict(Partnership.Framework.choices)
    return {}


def _framework_counts(partnership_counts, chosen_partnerships=()):
    """The framework facet's counts: each partnership's count (over what the searcher may see,
    with the filters other than the partnership's applied) added to its framework's; only the
    chosen partnerships' when some are chosen."""
    frameworks = dict(
        Partnership.objects.filter(slug__in=list(partnership_counts)).values_list(
            "slug", "framework"
        )
    )
    counts = {}
    for slug, count in partnership_counts.items():
        if chosen_partnerships and slug not in chosen_partnerships:
            continue
        if slug in frameworks:
            counts[frameworks[slug]] = counts.get(frameworks[slug], 0) + count
    return counts


def build_facets(counts, filters):
    counts = {
        **counts,
        FRAMEWORK: _framework_counts(counts.get("partnership", {}), filters.get("partnership")),
    }
    facets = []
    for name in [*FACETS, FRAMEWORK]:
        found = counts.get(name, {})
        selected = set(filters.get(name, []))
        values = set(found) | selected
        labels = _label_lookup(name, values)
        options = [
            FacetOption(value, labels.get(value, value), found.get(value, 0), value in selected)
            for value in values
        ]
        if name == "year":
            options.sort(key=lambda o: o.value, reverse=True)
        else:
            options.sort(key=lambda o: (-o.count, o.label.lower()))
        facets.append(Facet(name, FACET_TITLES[name], options))
    partnerships_found = [slug for slug, count in counts.get("partnership", {}).items() if count]
    if len(partnerships_found) < 2 and not any(filters.get(name) for name in PARTNERSHIP_FACETS):
        facets = [facet for facet in facets if facet.name not in PARTNERSHIP_FACETS]
    return facets


def load_results(keys_and_snippets, audience, request=None):
    """The table's rows for an engine's hits, in the engine's order; visibility checked again so a
    stale index can never show what the table says is gone or restricted. A review whose own
    words did not match shows the best passage of its attached reports instead."""
    keys = [key for key, _ in keys_and_snippets]
    snippets = dict(keys_and_snippets)
    rows = {
        doc.key: doc
        for doc in SearchDocument.objects.filter(audience.q(), key__in=keys).prefetch_related(
            "tags"
        )
    }
    pseudonyms = dict(
        ReviewPage.objects.filter(
            pk__in=[
                doc.object_id for doc in rows.values() if doc.kind == SearchDocument.Kind.REVIEW
            ]
        ).values_list("pk", "child_pseudonym")
    )
    review_kinds = dict(ReviewPage.Kind.choices)
    partnership_names = dict(
        Partnership.objects.filter(slug__in={doc.partnership for doc in rows.values()}).values_list(
            "slug", "name"
        )
    )
    results = []
    for key, snippet in keys_and_snippets:
        doc = rows.get(key)
        if doc is None:
            continue
        # One contract for every caller: the snippet is always safe HTML (text escaped, matches
        # in <mark>), with or without a query.
        doc.snippet = highlight(snippet) if snippet else mark_safe(_plain_snippet(doc.text))  # noqa: S308
        doc.pseudonym = pseudonyms.get(doc.object_id, "") if doc.kind == "review" else ""
        doc.review_kind_label = review_kinds.get(doc.review_kind, "")
        doc.partnership_name = partnership_names.get(doc.partnership)
        doc.report_page = doc.report_section = doc.report_title = None
        results.append(doc)
    unmatched = {
        doc.object_id: doc
        for doc in results
        if doc.kind == SearchDocument.Kind.REVIEW
        and MARK_START not in (snippets.get(doc.key) or "")
    }
    clauses = request.query_clauses if request is not None else []
    minimum = request.minimum_match if request is not None else None
    found = best_passages(unmatched, clauses, minimum)
    for review_id, (page, section, report, passage) in found.items():
        doc = unmatched[review_id]
        doc.snippet, doc.report_title = highlight(passage), report
        doc.report_page, doc.report_section = page, section
    return results


def search(request, user, engine_name=None):
    """Run a SearchRequest for this user on the configured engine (or the one named). When every
    word together finds nothing, the search is relaxed (see `relax`) rather than left empty."""
    audience = Audience.of(user)
    engine = get_engine(engine_name)
    answer = engine.search(request, audience)
    request_asked = request
    relaxation = None
    if answer.count == 0 and request.query_clauses:
        relaxed = relax(request, engine, audience)
        if relaxed is not None:
            request_asked, relaxation = relaxed
            answer = engine.search(request_asked, audience)
    return SearchAnswer(
        request=request,
        count=answer.count,
        results=load_results(answer.hits, audience, request_asked),
        facets=build_facets(answer.facets, request.filters),
        engine=answer.engine,
        relaxation=relaxation,
    )


def _with_clauses(request, clauses, minimum=None):
    return replace(request, clauses=list(clauses), minimum_match=minimum)


def _content(clauses):
    """The clauses that say what the search is about, and the question words set aside."""
    content = [c for c in clauses if not c.is_question_word] or list(clauses)
    return content, [c.label for c in clauses if c not in content]


def relax(request, engine, audience):
    """A search whose words together found nothing: set aside question words, respell words the
    library does not know, leave out words nothing contains, then ask for as many of the
    remaining words as some result has (Elasticsearch's minimum_should_match). Returns the
    request to run and what to tell the searcher, or None when no word finds anything or an
    abbreviation the vocabulary spells out finds nothing."""
    content, set_aside = _content(request.query_clauses)
    counts = [engine.count(_with_clauses(request, [c]), audience) for c in content]
    corrections = {}
    for clause, count in zip(content, counts, strict=True):
        if count == 0 and not clause.quoted and len(clause.label.split()) == 1:
            suggestion = spelling.suggest(clause.label, audience)
            if suggestion:
                corrections[clause.label] = suggestion
    corrected_q = ""
    if corrections:
        corrected_q = request.q
        for wrong, right in corrections.items():
            corrected_q = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, corrected_q)
        content, set_aside = _content(parse_clauses(corrected_q))
        counts = [engine.count(_with_clauses(request, [c]), audience) for c in content]
    if any(c.is_abbreviation and not count for c, count in zip(content, counts, strict=True)):
        # The library holds nothing on the subject named ("LADO", "FII"): what its other words
        # find is not what was asked, so the search says nothing was found.
        return None
    found = [c for c, count in zip(content, counts, strict=True) if count]
    not_found = [c.label for c, count in zip(content, counts, strict=True) if not count]
    found = found[:MAX_RELAXED_CLAUSES]
    for minimum in range(len(found), 0, -1):
        relaxed = _with_clauses(request, found, minimum)
        count = engine.count(relaxed, audience)
        if count:
            if count < FEW_RESULTS and minimum - 1 >= max(2, -(-len(found) // 2)):
                # The one or two documents that share the most words come first (the engines
                # rank by words matched), then the ones that share one fewer: still two words
                # and at least half of them.
                minimum -= 1
                relaxed = _with_clauses(request, found, minimum)
            return relaxed, Relaxation(
                " ".join(c.label for c in found),
                corrected=corrected_q,
                not_found=not_found,
                set_aside=set_aside,
                partial=minimum < len(found),
            )
    return None


def as_json(answer):
    relaxed = answer.relaxation
    return {
        "count": answer.count,
        # How a search that found nothing as typed was answered instead, as the page says it: a
        # program showing these results must not show them as answers to the words as typed.
        "relaxation": None
        if relaxed is None
        else {
            "searched_for": relaxed.searched_for,
            "corrected": relaxed.corrected or None,
            "not_found": list(relaxed.not_found),
            "set_aside": list(relaxed.set_aside),
            "partial": relaxed.partial,
        },
        "results": [
            {
                "kind": doc.kind,
                "title": doc.title,
                "url": doc.url,
                "review": doc.review or None,
                "number": doc.number or None,
                "themes": [tag.label for tag in doc.themes],
                "snippet": str(doc.snippet),
                "partnership": doc.partnership_name,
            }
            for doc in answer.results
        ],
        "facets": {
            facet.name: [
                {
                    "value": option.value,
                    "label": option.label,
                    "count": option.count,
                    "selected": option.selected,
                }
                for option in facet.options
            ]
            for facet in answer.facets
        },
    }


@dataclass
class RelatedItem:
    title: str
    url: str
    kind: str
    year: int | None

    @property
    def kind_label(self):
        return SearchDocument.Kind(self.kind).label


def related_learning(page, user, limit=5, themes=None):
    """Other learning that shares this page's themes or its words, that this user may open.
    Pass the page's themes when the page has already loaded them."""
    audience = Audience.of(user)
    themes = page.themes.all() if themes is None else themes
    slugs = [theme.slug for theme in themes]
    rows = DatabaseEngine().related(page.pk, slugs, search_terms(page.title), audience, limit)
    return [RelatedItem(title, url, kind, year) for _key, title, url, kind, year in rows]


def suggested_themes(search_request, user, limit=6):
    """Themes to offer when nothing matched: ones named like the words searched for, else the
    themes with most learning. Only themes of learning this user may open: a theme that tags
    nothing they can see would lead to an empty page and tell them restricted learning exists."""
    audience = Audience.of(user)
    visible = SearchDocumentTag.objects.filter(
        audience.q("document__visibility", "document__partnership"),
        facet=SearchDocumentTag.Facet.THEME,
    )
    themes = Theme.objects.filter(slug__in=visible.values("value"))
    words = [w for term in search_request.terms for w in term.split() if len(w) > 3]
    query = Q()
    for word in words:
        query |= Q(name__icontains=word[:6]) | Q(description__icontains=word[:6])
    found = list(themes.filter(query).order_by("name")[:limit]) if words else []
    if found:
        return found
    used = visible.filter(value=OuterRef("slug")).values("value").annotate(n=Count("id"))
    return list(themes.annotate(used=Subquery(used.values("n"))).order_by("-used", "name")[:limit])
