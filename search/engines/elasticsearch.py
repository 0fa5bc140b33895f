"""The Elasticsearch engine: an index defined with elasticsearch.dsl, kept in line with the table.

The index is read through an alias, so a rebuild fills a new index and switches the alias. If the
cluster cannot be reached, searches are answered by the database engine and a warning is logged.
"""

import logging
import time

from django.conf import settings
from django.utils import timezone
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.dsl import Date, Document, FacetedSearch, Integer, Keyword, Q, TermsFacet, Text
from elasticsearch.helpers import bulk, scan

from config import deadline

from ..documents import MARK_END, MARK_START
from ..models import IndexBacklog, SearchDocument
from ..query import COLUMN_FILTERS, FACETS, PAGE_SIZE
from .answer import EngineAnswer

logger = logging.getLogger(__name__)

# Tests (and any deployment that needs a special transport) replace this with a callable that
# returns a ready client; by default the plain client talks to ELASTICSEARCH_URL.
client_factory = None
UNAVAILABLE = (TransportError, ApiError)
FACET_SIZE = 500
FIELD_OF_FACET = {"theme": "themes", "agency": "agencies"}
# Added to a relaxed search's score for each clause a document matches: above any BM25 score.
CLAUSE_MATCHED = 1000


class NoTimeLeft(TransportConnectionError):
    """The request has spent its time for outside services: the cluster is not asked, and this
    says nothing about the cluster, so no outage begins."""


def get_client(timeout=None):
    """A client that gives up after ELASTICSEARCH_TIMEOUT seconds, or sooner near the end of the
    request's budget (a page waits on it), without retrying; the periodic tasks pass a longer
    `timeout` for their bulk work."""
    try:
        wait = deadline.remaining(timeout or settings.ELASTICSEARCH_TIMEOUT)
    except deadline.NoTimeLeft as spent:
        raise NoTimeLeft(str(spent)) from None
    if client_factory is not None:
        return client_factory()
    if not settings.ELASTICSEARCH_URL:
        # Treated like an unreachable cluster: searches fall back to the database engine.
        raise TransportConnectionError(
            "SEARCH_ENGINE is elasticsearch but ELASTICSEARCH_URL is empty"
        )
    return Elasticsearch(
        settings.ELASTICSEARCH_URL, request_timeout=wait, max_retries=0, retry_on_timeout=False
    )


class Outage:
    """After the cluster fails to answer, searches skip it for a while instead of each waiting
    for the timeout again; a successful copy or reconciliation ends the outage at once."""

    until = 0.0

    def begin(self, error=None):
        if not isinstance(error, NoTimeLeft):
            self.until = time.monotonic() + settings.ELASTICSEARCH_RETRY_SECONDS

    def end(self):
        self.until = 0.0

    @property
    def ongoing(self):
        return time.monotonic() < self.until


outage = Outage()


def alias_name():
    return settings.ELASTICSEARCH_INDEX


class LearningDocument(Document):
    """The index's shape: the search-document table's columns, analysed in English."""

    key = Keyword()
    kind = Keyword()
    title = Text(analyzer="english")
    keywords = Text(analyzer="english")
    text = Text(analyzer="english")
    reports = Text(analyzer="english")
    review_kind = Keyword()
    year = Keyword()
    status = Keyword()
    visibility = Keyword()
    partnership = Keyword()
    themes = Keyword(multi=True)
    agencies = Keyword(multi=True)
    published_at = Date()
    version = Integer()


def as_source(document):
    """A table row as the index stores it."""
    tags = list(document.tags.all())
    return {
        "key": document.key,
        "kind": document.kind,
        "title": document.title,
        "keywords": document.keywords,
        "text": document.text,
        "reports": document.reports,
        "review_kind": document.review_kind or None,
        "year": str(document.year) if document.year else None,
        "status": document.status or None,
        "visibility": document.visibility,
        "partnership": document.partnership or None,
        "themes": [t.value for t in tags if t.facet == "theme"],
        "agencies": [t.value for t in tags if t.facet == "agency"],
        "published_at": document.published_at.isoformat() if document.published_at else None,
        "version": document.version,
    }


def create_index(client, name):
    client.indices.create(index=name, mappings=LearningDocument._doc_type.mapping.to_dict())


def ensure_index(client):
    """Make sure the alias points at an index; returns the alias."""
    alias = alias_name()
    if not client.indices.exists_alias(name=alias):
        name = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
        create_index(client, name)
        client.indices.put_alias(index=name, name=alias)
    return alias


def _actions(index, documents):
    for document in documents:
        yield {"_index": index, "_id": document.key, "_source": as_source(document)}


def write(client, keys, refresh=True):
    """Copy these documents from the table to the index; delete the ones the table no longer has."""
    started = timezone.now()
    alias = ensure_index(client)
    documents = list(SearchDocument.objects.filter(key__in=keys).prefetch_related("tags"))
    present = {d.key for d in documents}
    deletions = [
        {"_op_type": "delete", "_index": alias, "_id": key} for key in keys if key not in present
    ]
    indexed, _ = bulk(client, _actions(alias, documents), refresh=False)
    if deletions:
        # A document that never reached the index cannot be deleted from it: that is fine.
        bulk(client, deletions, raise_on_error=False, refresh=False)
    if refresh:
        client.indices.refresh(index=alias)
    IndexBacklog.cleared(started, keys)
    outage.end()
    return indexed


def rebuild(client, chunk_size=1000):
    """Fill a new index from the table, point the alias at it, then drop the old indices."""
    started = timezone.now()
    alias = alias_name()
    name = f"{alias}-{started:%Y%m%d%H%M%S%f}"
    create_index(client, name)
    documents = (
        SearchDocument.objects.prefetch_related("tags")
        .order_by("pk")
        .iterator(chunk_size=chunk_size)
    )
    indexed, _ = bulk(client, _actions(name, documents), chunk_size=chunk_size)
    client.indices.refresh(index=name)
    old = (
        list(client.indices.get_alias(name=alias))
        if client.indices.exists_alias(name=alias)
        else []
    )
    actions = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": name, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    for index in old:
        client.indices.delete(index=index)
    IndexBacklog.cleared(started)
    outage.end()
    return indexed


def reconcile(client):
    """Bring the index in line with the table by comparing document versions; returns the counts."""
    started = timezone.now()
    alias = ensure_index(client)
    indexed = {
        hit["_id"]: hit["_source"].get("version")
        for hit in scan(
            client, index=alias, query={"query": {"match_all": {}}}, _source=["version"]
        )
    }
    table = dict(SearchDocument.objects.values_list("key", "version"))
    stale = [key for key, version in table.items() if indexed.get(key) != version]
    extra = [key for key in indexed if key not in table]
    for start in range(0, len(stale), 1000):
        write(client, stale[start : start + 1000], refresh=False)
    if extra:
        write(client, extra, refresh=False)
    client.indices.refresh(index=alias)
    IndexBacklog.cleared(started)
    outage.end()
    return {"updated": len(stale), "removed": len(extra)}


class LearningSearch(FacetedSearch):
    """Search with facet counts; visibility is a filter in the query, so it bounds every count."""

    doc_types = [LearningDocument]
    fields = ["title^10", "keywords^5", "text", "reports^0.5"]
    facets = {
        "kind": TermsFacet(field="kind", size=FACET_SIZE),
        "theme": TermsFacet(field="themes", size=FACET_SIZE),
        "review_kind": TermsFacet(field="review_kind", size=FACET_SIZE),
        "agency": TermsFacet(field="agencies", size=FACET_SIZE),
        "year": TermsFacet(field="year", size=FACET_SIZE),
        "status": TermsFacet(field="status", size=FACET_SIZE),
    }

    def __init__(self, client, audience, request, sort):
        self.using = client
        self.index = alias_name()
        self.audience = audience
        self.clauses = request.query_clauses
        self.minimum = request.minimum_match
        # Filters that are not facets bound the query (and so every count), as visibility does.
        self.column_filters = {
            name: values for name, values in request.filters.items() if name in COLUMN_FILTERS
        }
        super().__init__(query=self.clauses or None, filters=request.facet_filters, sort=sort)

    def search(self):
        search = super().search().filter(self.audience.es())
        for name, values in self.column_filters.items():
            search = search.filter("terms", **{name: list(values)})
        return search.extra(track_total_hits=True)

    def _alternative(self, alternative):
        if alternative.phrase:
            return Q("multi_match", query=alternative.text, type="phrase", fields=self.fields)
        # Every word somewhere in the document, as the database engine's AND of words.
        return Q(
            "bool",
            must=[Q("multi_match", query=word, fields=self.fields) for word in alternative.words],
        )

    def query(self, search, query):
        # A clause matches when any of its alternatives does; all clauses must match, or at least
        # `minimum` of them when the search is relaxed, as the database engine does.
        clauses = [
            Q("bool", should=[self._alternative(alt) for alt in clause.alternatives])
            for clause in self.clauses
        ]
        if self.minimum is None or self.minimum >= len(clauses):
            return search.query(Q("bool", must=clauses))
        # Each clause matched adds more than any words' weights can, so the documents that
        # match more of the clauses come first, as in the database engine.
        counted = [
            Q("bool", must=[c], should=[Q("constant_score", filter=c, boost=CLAUSE_MATCHED)])
            for c in clauses
        ]
        return search.query(Q("bool", should=counted, minimum_should_match=self.minimum))

    def highlight(self, search):
        # The document's own text, never its title: a passage of the recommendation or review.
        return search.highlight(
            "text", fragment_size=200, number_of_fragments=1, no_match_size=200
        ).highlight_options(pre_tags=[MARK_START], post_tags=[MARK_END])


class ElasticsearchEngine:
    name = "elasticsearch"

    def search(self, request, audience, page_size=PAGE_SIZE):
        from .database import DatabaseEngine

        if outage.ongoing:
            logger.warning("Elasticsearch is unavailable; answering from the database engine.")
            return DatabaseEngine().search(request, audience, page_size)
        if IndexBacklog.objects.exists():
            # Counts and facets from a stale index could count what is now restricted.
            logger.info("The index is catching up; answering from the database engine.")
            return DatabaseEngine().search(request, audience, page_size)
        try:
            return self._search(request, audience, page_size)
        except UNAVAILABLE as error:
            outage.begin(error)
            logger.warning(
                "Elasticsearch is unavailable (%s); answering from the database engine.", error
            )
            return DatabaseEngine().search(request, audience, page_size)

    def count(self, request, audience):
        """How many documents this request finds (filters included), without a page of hits."""
        from .database import DatabaseEngine

        if outage.ongoing:
            return DatabaseEngine().count(request, audience)
        try:
            faceted = LearningSearch(get_client(), audience, request, ["_doc"])
            return faceted[0:0].execute().hits.total.value
        except UNAVAILABLE as error:
            outage.begin(error)
            logger.warning("Elasticsearch is unavailable (%s); counting in the database.", error)
            return DatabaseEngine().count(request, audience)

    def _search(self, request, audience, page_size):
        if request.sort == "newest" or not request.query_clauses:
            sort = [{"published_at": {"order": "desc"}}, {"key": {"order": "desc"}}]
        else:
            sort = ["_score", {"key": {"order": "asc"}}]
        faceted = LearningSearch(get_client(), audience, request, sort)
        start = (request.page - 1) * page_size
        response = faceted[start : start + page_size].execute()
        hits = []
        for hit in response.hits:
            highlight = getattr(hit.meta, "highlight", None)
            snippet = ""
            if highlight and "text" in highlight:
                snippet = highlight["text"][0]
            hits.append((hit.meta.id, snippet))
        facets = {
            facet: {
                str(bucket["key"]): bucket["doc_count"]
                for bucket in response.aggregations[f"_filter_{facet}"][facet]["buckets"]
            }
            for facet in FACETS
        }
        return EngineAnswer(
            count=response.hits.total.value, hits=hits, facets=facets, engine=self.name
        )


def more_like_this(client, text, audience, limit, exclude_ids=(), exclude_review_id=None):
    """Recommendations like `text` by the cluster's own similarity (`more_like_this`, BM25),
    given the text's words and its terms' other wordings; visibility filters inside the query."""
    from learning.models import Recommendation

    from ..similarity import more_like_this_terms

    excluded = set(exclude_ids)
    if exclude_review_id is not None:
        excluded |= set(
            Recommendation.objects.filter(review_id=exclude_review_id).values_list("pk", flat=True)
        )
    query = Q(
        "bool",
        must=[
            Q(
                "more_like_this",
                fields=["text"],
                like=" ".join(more_like_this_terms(text)),
                min_term_freq=1,
                min_doc_freq=1,
                max_query_terms=40,
                minimum_should_match="1",
            )
        ],
        filter=[
            Q("term", kind="recommendation"),
            audience.es(),
        ],
        must_not=[Q("terms", key=[f"recommendation:{pk}" for pk in sorted(excluded)])],
    )
    response = client.search(index=alias_name(), query=query.to_dict(), size=limit, source=["key"])
    return [
        (int(hit["_id"].split(":", 1)[1]), float(hit["_score"])) for hit in response["hits"]["hits"]
    ]
