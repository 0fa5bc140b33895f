"""The embedded engine: SQLite FTS5 (or PostgreSQL full-text search) over the search-document table.

Visibility and filters are part of every SQL statement; facet counts are GROUP BY aggregations over
the matched set, each facet counted with the other facets' filters applied.
"""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

from django.db import connection

from ..documents import MARK_END, MARK_START
from ..query import (
    COLUMN_FACETS,
    COLUMN_FILTERS,
    FACETS,
    PAGE_SIZE,
    TAG_FACETS,
    Alternative,
    Clause,
    match_expression,
)
from .answer import EngineAnswer

DOCUMENTS = "learning_search_searchdocument"
TAGS = "learning_search_searchdocumenttag"
FTS = "learning_search_fts"
PASSAGES = "learning_search_reportpassage"
PASSAGE_FTS = "learning_search_passage_fts"
REPORTS = "learning_search_reporttext"
ATTACHED = "reviews_reviewdocument"
WAGTAIL_DOCUMENTS = "wagtaildocs_document"
# bm25 weights of the FTS5 columns: title, keywords (reference, pseudonym, number, theme names),
# body text, and the text of a review's attached reports.
BM25_WEIGHTS = "10.0, 5.0, 1.0, 0.5"
# A recommendation's title is its review's: in a search it weighs as the recommendation's own words
# do, so a search for the review's title finds the review before each of its recommendations.
RECOMMENDATION_BM25_WEIGHTS = "1.0, 5.0, 1.0, 0.5"
# ts_rank's weights of D (text), C, B (keywords) and A (title): its default, then a
# recommendation's, its title weighed as its text.
TS_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
RECOMMENDATION_TS_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 0.1}"


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


class FullTextSQL:
    """The vendor-specific parts of a full-text query: FROM, the match condition, rank, snippet.

    `clauses` are the query's clauses (search.query.Clause); `minimum` of them must match (all
    when None). Each clause matches when any of its alternatives does. A search's ranking
    (`searching`) puts the documents that match more of the clauses first and weighs a
    recommendation's title (its review's) as its own words; "related" and "more like this" rank
    by the words' weights alone."""

    def __init__(self, clauses, minimum=None, searching=False):
        self.clauses = list(clauses)
        self.combinations = match_expression(self.clauses, minimum) if self.clauses else []
        self.searching = searching
        self.vendor = connection.vendor

    @classmethod
    def for_request(cls, request):
        return cls(request.query_clauses, request.minimum_match, searching=True)

    @classmethod
    def any_of(cls, terms):
        """Documents that share any of these words (related learning)."""
        return cls([Clause(term, (Alternative(term),)) for term in terms], minimum=1)

    def source(self):
        if self.clauses and self.vendor == "sqlite":
            # CROSS JOIN keeps SQLite's planner from probing the full-text match once per row.
            return f"{FTS} CROSS JOIN {DOCUMENTS} d ON d.id = {FTS}.rowid", []
        return f"{DOCUMENTS} d", []

    def join(self):
        return "CROSS JOIN" if self.clauses and self.vendor == "sqlite" else "JOIN"

    def match(self):
        if not self.clauses:
            return None, []
        if self.vendor == "sqlite":
            return f"{FTS} MATCH %s", [self.fts5_query()]
        tsquery, params = self._tsquery()
        return f"d.search_vector @@ ({tsquery})", params

    @staticmethod
    def _fts5_clause(c):
        def alternative(alt):
            if alt.phrase:
                return '"' + alt.text.replace('"', '""') + '"'
            return "(" + " AND ".join('"' + w + '"' for w in alt.words) + ")"

        return "(" + " OR ".join(alternative(alt) for alt in c.alternatives) + ")"

    def fts5_query(self):
        return " OR ".join(
            "(" + " AND ".join(self._fts5_clause(c) for c in combo) + ")"
            for combo in self.combinations
        )

    @staticmethod
    def _ts_clause(c, params):
        def alternative(alt):
            params.append(alt.text if alt.phrase else " ".join(alt.words))
            function = "phraseto_tsquery" if alt.phrase else "plainto_tsquery"
            return f"{function}('english', %s)"

        return "(" + " || ".join(alternative(alt) for alt in c.alternatives) + ")"

    def _tsquery(self):
        params = []
        sql = " || ".join(
            "(" + " && ".join(self._ts_clause(c, params) for c in combo) + ")"
            for combo in self.combinations
        )
        return sql, params

    def _clauses_matched(self):
        """How many of the clauses a document matches, as SQL: when only some must match, the
        documents that match more of them come first, whatever their words' weights."""
        params = []
        if self.vendor == "sqlite":
            parts = [
                f"(d.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s))" for _ in self.clauses
            ]
            params = [self._fts5_clause(c) for c in self.clauses]
        else:
            parts = [
                f"(d.search_vector @@ {self._ts_clause(c, params)})::int" for c in self.clauses
            ]
        return "(" + " + ".join(parts) + ")", params

    def rank(self):
        """An ORDER BY expression, best first, with its parameters."""
        order, params = "", []
        if self.searching and len(self.combinations) > 1:
            matched, params = self._clauses_matched()
            order = f"{matched} DESC, "
        if self.vendor == "sqlite":
            score = f"bm25({FTS}, {BM25_WEIGHTS})"
            if self.searching:
                score = (
                    f"CASE WHEN d.kind = 'recommendation' "
                    f"THEN bm25({FTS}, {RECOMMENDATION_BM25_WEIGHTS}) ELSE {score} END"
                )
            return order + score, params
        tsquery, rank_params = self._tsquery()
        if not self.searching:
            return f"{order}ts_rank(d.search_vector, ({tsquery})) DESC", params + rank_params
        score = (
            f"CASE WHEN d.kind = 'recommendation' "
            f"THEN ts_rank('{RECOMMENDATION_TS_RANK_WEIGHTS}', d.search_vector, ({tsquery})) "
            f"ELSE ts_rank('{TS_RANK_WEIGHTS}', d.search_vector, ({tsquery})) END DESC"
        )
        return order + score, params + rank_params + rank_params

    def snippet(self):
        """A passage of the document's own text (never its title), its matches marked."""
        if not self.clauses:
            return "''", []
        if self.vendor == "sqlite":
            return f"snippet({FTS}, 2, %s, %s, '…', 32)", [MARK_START, MARK_END]
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15"
        tsquery, params = self._tsquery()
        return f"ts_headline('english', d.text, ({tsquery}), %s)", [*params, options]


def filter_sql(filters, audience):
    """WHERE clauses for who may see (an `Audience`) and the selected facet values, with their
    parameters."""
    visible, params = audience.sql("d")
    clauses = [visible]
    for facet in COLUMN_FACETS + COLUMN_FILTERS:
        values = filters.get(facet)
        if values:
            if facet == "year":
                values = [int(v) for v in values]
            clauses.append(f"d.{facet} IN ({_placeholders(values)})")
            params += values
    for facet in TAG_FACETS:
        values = filters.get(facet)
        if values:
            clauses.append(
                f"EXISTS (SELECT 1 FROM {TAGS} t WHERE t.document_id = d.id AND t.facet = %s "
                f"AND t.value IN ({_placeholders(values)}))"
            )
            params += [facet, *values]
    return clauses, params


class DatabaseEngine:
    name = "database"

    def count(self, request, audience):
        """How many documents this request finds, without a page or facets."""
        with connection.cursor() as cursor:
            return self._count(cursor, FullTextSQL.for_request(request), request.filters, audience)

    def search(self, request, audience, page_size=PAGE_SIZE):
        full_text = FullTextSQL.for_request(request)
        with connection.cursor() as cursor:
            count = self._count(cursor, full_text, request.filters, audience)
            hits = self._page(cursor, full_text, request, audience, page_size) if count else []
            facets = {
                facet: self._facet(
                    cursor, full_text, facet, request.filters_except(facet), audience
                )
                for facet in FACETS
            }
        return EngineAnswer(count=count, hits=hits, facets=facets, engine=self.name)

    def _where(self, full_text, filters, audience):
        clauses, params = filter_sql(filters, audience)
        match, match_params = full_text.match()
        if match:
            clauses.insert(0, match)
            params = match_params + params
        return " AND ".join(clauses), params

    def _count(self, cursor, full_text, filters, audience):
        source, source_params = full_text.source()
        where, params = self._where(full_text, filters, audience)
        cursor.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", source_params + params)
        return cursor.fetchone()[0]

    def _page(self, cursor, full_text, request, audience, page_size):
        source, source_params = full_text.source()
        where, params = self._where(full_text, request.filters, audience)
        snippet, snippet_params = full_text.snippet()
        if request.sort == "newest" or not full_text.clauses:
            order, order_params = "d.published_at DESC, d.id DESC", []
        else:
            order, order_params = full_text.rank()
            order += ", d.id"
        cursor.execute(
            f"SELECT d.key, {snippet} FROM {source} WHERE {where} ORDER BY {order} "
            f"LIMIT %s OFFSET %s",
            snippet_params
            + source_params
            + params
            + order_params
            + [page_size, (request.page - 1) * page_size],
        )
        return [(key, snippet or "") for key, snippet in cursor.fetchall()]

    def _facet(self, cursor, full_text, facet, filters, audience):
        source, source_params = full_text.source()
        where, params = self._where(full_text, filters, audience)
        if facet in TAG_FACETS:
            cursor.execute(
                f"SELECT f.value, COUNT(*) FROM {source} {full_text.join()} {TAGS} f "
                f"ON f.document_id = d.id AND f.facet = %s WHERE {where} GROUP BY f.value",
                source_params + [facet] + params,
            )
        else:
            cursor.execute(
                f"SELECT d.{facet}, COUNT(*) FROM {source} WHERE {where} "
                f"AND d.{facet} IS NOT NULL AND d.{facet} <> %s GROUP BY d.{facet}",
                source_params + params + ["" if facet != "year" else 0],
            )
        return {str(value): total for value, total in cursor.fetchall()}

    def related(self, page_id, theme_slugs, title_terms, audience, limit=5):
        """Documents of other pages that share this page's themes (most shared first), topped up
        with ones that share words of its title. One query when the themes find enough."""
        columns = "d.key, d.title, d.url, d.kind, d.year"
        found = []
        with connection.cursor() as cursor:
            if theme_slugs:
                clauses, params = filter_sql({}, audience)
                cursor.execute(
                    f"SELECT {columns} FROM {DOCUMENTS} d JOIN {TAGS} t ON t.document_id = d.id "
                    f"AND t.facet = 'theme' AND t.value IN ({_placeholders(theme_slugs)}) "
                    f"WHERE {' AND '.join(clauses)} AND d.page_id <> %s "
                    f"GROUP BY {columns}, d.id, d.published_at "
                    f"ORDER BY COUNT(*) DESC, "
                    f"CASE WHEN d.kind = 'recommendation' THEN 1 ELSE 0 END, "
                    f"d.published_at DESC LIMIT %s",
                    [*theme_slugs, *params, page_id, limit],
                )
                found = cursor.fetchall()
            if len(found) < limit and title_terms:
                full_text = FullTextSQL.any_of(title_terms)
                source, source_params = full_text.source()
                match, match_params = full_text.match()
                clauses, params = filter_sql({}, audience)
                rank, rank_params = full_text.rank()
                cursor.execute(
                    f"SELECT {columns} FROM {source} WHERE {match} AND {' AND '.join(clauses)} "
                    f"AND d.page_id <> %s ORDER BY {rank} LIMIT %s",
                    source_params + match_params + params + [page_id] + rank_params + [limit * 2],
                )
                seen = {row[0] for row in found}
                found += [row for row in cursor.fetchall() if row[0] not in seen]
        return found[:limit]


def best_passages(review_ids, clauses, minimum=None):
    """{review id: (page number or None, section heading, report title, marked passage)}: the
    passage of each review's attached reports that best matches the clauses. Reports are as visible as the review
    they are attached to, and only reviews already found for this visitor are asked about."""
    review_ids = list(review_ids)
    if not review_ids or not clauses:
        return {}
    full_text = FullTextSQL(clauses, minimum)
    title = "COALESCE(NULLIF(a.title, ''), w.title)"
    joins = (
        f"JOIN {REPORTS} r ON r.id = p.report_id AND r.status = 'extracted' "
        f"JOIN {ATTACHED} a ON a.document_id = r.document_id "
        f"JOIN {WAGTAIL_DOCUMENTS} w ON w.id = r.document_id"
    )
    where = f"a.page_id IN ({_placeholders(review_ids)})"
    if connection.vendor == "sqlite":
        sql = (
            f"SELECT a.page_id, p.page_number, p.heading, {title}, "
            f"snippet({PASSAGE_FTS}, 0, %s, %s, '…', 32) "
            f"FROM {PASSAGE_FTS} CROSS JOIN {PASSAGES} p ON p.id = {PASSAGE_FTS}.rowid {joins} "
            f"WHERE {PASSAGE_FTS} MATCH %s AND {where} ORDER BY bm25({PASSAGE_FTS})"
        )
        params = [MARK_START, MARK_END, full_text.fts5_query(), *review_ids]
    else:
        tsquery, query_params = full_text._tsquery()
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15"
        vector = "to_tsvector('english', p.text)"
        sql = (
            f"SELECT a.page_id, p.page_number, p.heading, {title}, "
            f"ts_headline('english', p.text, ({tsquery}), %s) FROM {PASSAGES} p {joins} "
            f"WHERE {vector} @@ ({tsquery}) AND {where} "
            f"ORDER BY ts_rank({vector}, ({tsquery})) DESC"
        )
        params = [*query_params, options, *query_params, *review_ids, *query_params]
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for review_id, page_number, heading, report, passage in cursor.fetchall():
            found.setdefault(review_id, (page_number, heading, report, passage))
    return found
