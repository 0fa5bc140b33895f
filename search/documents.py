"""One document shape for every searchable thing, and keeping the search-document table current.

`review_document`, `briefing_document` and `recommendation_document` build the shape; the `index_*`
and `remove_*` functions write it to the table inside the caller's transaction and return the keys
they touched, so the Elasticsearch copy can be brought up to date once the transaction commits.
"""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

import contextlib
import datetime
import importlib
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from wagtail.models import Page

from config.celery import enqueue_on_commit, registered_task
from learning.markdown import markdown_to_text
from learning.models import AgencyAction, Recommendation
from learning.permissions import Visibility
from reviews.models import BRIEFING_PARTS, BriefingPage, ReviewDocument, ReviewPage

from .models import ReportPassage, ReportText, SearchDocument, SearchDocumentTag

# Private-use characters mark highlighted words until the snippet is escaped; no document keeps any.
MARK_START = "\ue000"
MARK_END = "\ue001"
VISIBILITY_RANK = {Visibility.PUBLIC: 0, Visibility.PRACTITIONERS: 1, Visibility.PARTNERSHIP: 2}


@dataclass
class DocumentShape:
    """What search knows about one thing, whichever engine indexes it."""

    key: str
    kind: str
    object_id: int
    page_id: int
    title: str
    text: str
    url: str
    visibility: str
    partnership: str = ""  # the slug of the page's partnership
    keywords: str = ""
    reports: str = ""  # a review's attached reports, as read by search.reports
    review: str = ""
    number: str = ""
    review_kind: str = ""
    year: int | None = None
    status: str = ""
    published_at: datetime.datetime | None = None
    themes: list = field(default_factory=list)  # [(slug, name)]
    agencies: list = field(default_factory=list)  # [(slug, name)]


def document_key(kind, object_id):
    return f"{kind}:{object_id}"


def _clean(text):
    return (text or "").replace(MARK_START, "").replace(MARK_END, "")


def _tags(items):
    return sorted({(item.slug, item.name) for item in items})


def _keywords(*values, themes=()):
    """Reference, pseudonym, number and the theme names: short, weighted above the body text, so
    a search for a theme ("information sharing") finds what is tagged with it."""
    return _clean(" ".join(filter(None, [*values, *(name for _slug, name in themes)])))


def recommendation_status(action_statuses):
    """A recommendation's state for the status facet: the model's rule, from its agencies'
    action statuses (SearchDocument.Status shares its values)."""
    return Recommendation.progress_from(action_statuses)


def _partnership(page):
    """The slug of the page's partnership (read through its cached relation when loaded)."""
    partnership = page.partnership if page.partnership_id else None
    return partnership.slug if partnership else ""


def _page_url(page):
    return page.get_url() or page.url_path


def report_texts(document_ids_by_review):
    """{review id: the text of its attached reports that could be read}, in one query."""
    review_of = {
        document_id: review_id
        for review_id, document_ids in document_ids_by_review.items()
        for document_id in document_ids
    }
    texts = {}
    rows = (
        ReportPassage.objects.filter(
            report__document_id__in=review_of, report__status=ReportText.Status.EXTRACTED
        )
        .order_by("report__document_id", "page_number", "pk")
        .values_list("report__document_id", "text")
    )
    for document_id, text in rows.iterator(chunk_size=2000):
        texts.setdefault(review_of[document_id], []).append(text)
    return {review_id: _clean(" ".join(parts)) for review_id, parts in texts.items()}


def request_report_text(document_ids):
    """Queue the reading of attached reports that have not been read (or whose file changed)."""
    from wagtail.documents import get_document_model

    extract_report_text = registered_task("search.tasks.extract_report_text")
    current = {
        (document_id, source_hash)
        for document_id, source_hash in ReportText.objects.filter(
            document_id__in=document_ids
        ).values_list("document_id", "source_hash")
    }
    for document_id, file_hash in (
        get_document_model().objects.filter(pk__in=document_ids).values_list("pk", "file_hash")
    ):
        if (document_id, file_hash or "") not in current:
            enqueue_on_commit(extract_report_text, document_id)


def review_document(review, recommendations=None, reports=None):
    recommendations = (
        list(review.recommendations.all()) if recommendations is None else recommendations
    )
    agencies = {agency for rec in recommendations for agency in rec.agencies.all()}
    themes = _tags(review.themes.all())
    return DocumentShape(
        key=document_key(SearchDocument.Kind.REVIEW, review.pk),
        kind=SearchDocument.Kind.REVIEW,
        object_id=review.pk,
        page_id=review.pk,
        title=_clean(review.title),
        keywords=_keywords(review.reference, review.child_pseudonym, themes=themes),
        text=_clean(" ".join(filter(None, [review.summary, markdown_to_text(review.findings)]))),
        reports=reports or "",
        url=_page_url(review),
        review=_clean(review.title),
        review_kind=review.kind,
        year=review.year,
        visibility=review.visibility,
        partnership=_partnership(review),
        published_at=_published_at(review),
        themes=themes,
        agencies=_tags(agencies),
    )


def _published_at(page):
    if getattr(page, "publication_date", None):
        return timezone.make_aware(
            datetime.datetime.combine(page.publication_date, datetime.time(12))
        )
    return page.first_published_at or page.last_published_at or timezone.now()


def briefing_document(briefing):
    # Only name reviews that everyone who can open the briefing can also open.
    limit = VISIBILITY_RANK[briefing.visibility]
    reviews = [
        review
        for review in briefing.reviews.all()
        if review.live
        and VISIBILITY_RANK[review.visibility] <= limit
        and (
            review.visibility != Visibility.PARTNERSHIP
            or review.partnership_id == briefing.partnership_id
        )
    ]
    parts = [markdown_to_text(getattr(briefing, name)) for name, _ in BRIEFING_PARTS]
    themes = _tags(briefing.themes.all())
    return DocumentShape(
        key=document_key(SearchDocument.Kind.BRIEFING, briefing.pk),
        kind=SearchDocument.Kind.BRIEFING,
        object_id=briefing.pk,
        page_id=briefing.pk,
        title=_clean(briefing.title),
        keywords=_keywords(
            *[r.reference for r in reviews], *[r.child_pseudonym for r in reviews], themes=themes
        ),
        text=_clean(" ".join(filter(None, [briefing.summary, *parts]))),
        url=_page_url(briefing),
        review=_clean("; ".join(r.title for r in reviews)),
        year=briefing.year,
        visibility=briefing.visibility,
        partnership=_partnership(briefing),
        published_at=_published_at(briefing),
        themes=themes,
    )


def recommendation_document(
    recommendation, review=None, review_url=None, themes=None, agencies=None, statuses=None
):
    """A recommendation's document. The rebuild passes its themes, agencies and action statuses
    in, read in bulk; otherwise they are read from the recommendation's relations."""
    review = review or recommendation.review
    if themes is None:
        themes = _tags(recommendation.themes.all())
    if agencies is None:
        agencies = _tags(recommendation.agencies.all())
    if statuses is None:
        statuses = [action.status for action in recommendation.actions.all()]
    return DocumentShape(
        key=document_key(SearchDocument.Kind.RECOMMENDATION, recommendation.pk),
        kind=SearchDocument.Kind.RECOMMENDATION,
        object_id=recommendation.pk,
        page_id=review.pk,
        title=_clean(f"Recommendation {recommendation.number}: {review.title}"),
        keywords=_keywords(
            review.reference, review.child_pseudonym, recommendation.section, themes=themes
        ),
        text=_clean(recommendation.text),
        url=f"{review_url or _page_url(review)}#{recommendation.anchor}",
        review=_clean(review.title),
        number=recommendation.number,
        review_kind=review.kind,
        year=review.year,
        status=recommendation_status(statuses),
        visibility=review.visibility,
        partnership=_partnership(review),
        published_at=_published_at(review),
        themes=themes,
        agencies=agencies,
    )


DOCUMENT_FIELDS = [
    "kind",
    "object_id",
    "page_id",
    "title",
    "keywords",
    "text",
    "reports",
    "url",
    "review",
    "number",
    "review_kind",
    "year",
    "status",
    "visibility",
    "partnership",
    "published_at",
]


def _tag_rows(document_id, shape):
    rows = [
        SearchDocumentTag(document_id=document_id, facet="theme", value=slug, label=name)
        for slug, name in shape.themes
    ]
    rows += [
        SearchDocumentTag(document_id=document_id, facet="agency", value=slug, label=name)
        for slug, name in shape.agencies
    ]
    return rows


def write_documents(shapes):
    """Insert or update these documents (and their tags) in the table; returns their keys."""
    if not shapes:
        return []
    keys = [shape.key for shape in shapes]
    existing = dict(SearchDocument.objects.filter(key__in=keys).values_list("key", "pk"))
    now = timezone.now()
    new = [
        SearchDocument(key=s.key, updated_at=now, **{f: getattr(s, f) for f in DOCUMENT_FIELDS})
        for s in shapes
        if s.key not in existing
    ]
    SearchDocument.objects.bulk_create(new, batch_size=500)
    for shape in shapes:
        if shape.key in existing:
            SearchDocument.objects.filter(pk=existing[shape.key]).update(
                version=F("version") + 1,
                updated_at=now,
                **{f: getattr(shape, f) for f in DOCUMENT_FIELDS},
            )
    ids = dict(SearchDocument.objects.filter(key__in=keys).values_list("key", "pk"))
    SearchDocumentTag.objects.filter(document_id__in=ids.values()).delete()
    SearchDocumentTag.objects.bulk_create(
        [row for shape in shapes for row in _tag_rows(ids[shape.key], shape)], batch_size=1000
    )
    return keys


def remove_documents(keys):
    keys = list(keys)
    SearchDocument.objects.filter(key__in=keys).delete()
    return keys


def _recommendations_of(review_ids):
    return (
        Recommendation.objects.filter(review_id__in=review_ids)
        .prefetch_related(
            "themes",
            "agencies",
            Prefetch("actions", AgencyAction.objects.only("status", "recommendation_id")),
        )
        .order_by("review_id", "sort_order", "pk")
    )


def index_page(page):
    """Bring one page's documents (and a review's recommendations') in line with the page."""
    page = page.specific
    if isinstance(page, ReviewPage):
        return index_review(page)
    if isinstance(page, BriefingPage):
        return index_briefing(page)
    return []


def index_review(review):
    stale = set(SearchDocument.objects.filter(page_id=review.pk).values_list("key", flat=True))
    if not review.live:
        return remove_documents(stale) + _index_briefings_about(review)
    review = (
        ReviewPage.objects.select_related("partnership")
        .prefetch_related("themes")
        .get(pk=review.pk)
    )
    recommendations = list(_recommendations_of([review.pk]))
    url = _page_url(review)
    document_ids = list(review.documents.values_list("document_id", flat=True))
    request_report_text(document_ids)
    reports = report_texts({review.pk: document_ids}).get(review.pk, "")
    shapes = [review_document(review, recommendations, reports)]
    shapes += [recommendation_document(rec, review, url) for rec in recommendations]
    keys = write_documents(shapes)
    gone = remove_documents(stale - set(keys))
    return keys + gone + _index_briefings_about(review)


def _index_briefings_about(review):
    """Briefings name their reviews (title, reference) only when the review is as open as the
    briefing: when a review changes, so may the briefings about it."""
    keys = []
    for briefing in BriefingPage.objects.filter(reviews__pk=review.pk).distinct():
        keys += index_briefing(briefing)
    return keys


def index_briefing(briefing):
    key = document_key(SearchDocument.Kind.BRIEFING, briefing.pk)
    if not briefing.live:
        return remove_documents([key])
    briefing = (
        BriefingPage.objects.select_related("partnership")
        .prefetch_related("themes", "reviews")
        .get(pk=briefing.pk)
    )
    return write_documents([briefing_document(briefing)])


def index_pages_and_recommendations(page_ids, recommendation_ids):
    """Bring these pages' documents in line, each once; a changed recommendation is indexed with
    its review, and one that no longer exists loses its document."""
    reviews = dict(
        Recommendation.objects.filter(pk__in=recommendation_ids).values_list("pk", "review_id")
    )
    keys = remove_documents(
        document_key(SearchDocument.Kind.RECOMMENDATION, pk)
        for pk in set(recommendation_ids) - set(reviews)
    )
    page_ids = set(page_ids) | set(reviews.values())
    for page in Page.objects.filter(pk__in=page_ids).order_by("pk").specific():
        keys += index_page(page)
    return keys


def rebuild_table(batch_size=5000):
    """Rebuild the whole table from the live pages in bulk; returns the number of documents.

    Recommendations are read as plain rows (themes, agencies and action statuses in three
    queries) and written with executemany, so 100,000 of them rebuild in well under a minute.
    """
    from learning.models import Agency, Theme

    with transaction.atomic(), _full_text_index_rebuilt_at_the_end():
        # Learning alerts tell new items by when they first appeared: a rebuild keeps that.
        first_indexed = dict(SearchDocument.objects.values_list("key", "first_indexed_at"))
        SearchDocumentTag.objects.all()._raw_delete(SearchDocumentTag.objects.db)
        SearchDocument.objects.all()._raw_delete(SearchDocument.objects.db)
        reviews = {
            review.pk: review
            for review in ReviewPage.objects.live()
            .select_related("partnership")
            .prefetch_related("themes")
            .order_by("pk")
        }
        themes, agencies, statuses = {}, {}, {}
        live = Recommendation.objects.filter(review_id__in=reviews)
        links = Recommendation.themes.through.objects.filter(recommendation__in=live)
        names = dict(Theme.objects.values_list("pk", "slug"))
        labels = dict(Theme.objects.values_list("pk", "name"))
        for rec_id, theme_id in links.values_list("recommendation_id", "theme_id"):
            themes.setdefault(rec_id, []).append((names[theme_id], labels[theme_id]))
        links = Recommendation.agencies.through.objects.filter(recommendation__in=live)
        slugs = {
            pk: (slug, name) for pk, slug, name in Agency.objects.values_list("pk", "slug", "name")
        }
        for rec_id, agency_id in links.values_list("recommendation_id", "agency_id"):
            agencies.setdefault(rec_id, []).append(slugs[agency_id])
        actions = AgencyAction.objects.filter(recommendation__in=live)
        for rec_id, status in actions.values_list("recommendation_id", "status"):
            statuses.setdefault(rec_id, []).append(status)
        urls = {pk: _page_url(review) for pk, review in reviews.items()}
        shapes = []
        by_review = {}
        for rec in live.only("pk", "review_id", "number", "text", "section").order_by(
            "review_id", "sort_order", "pk"
        ):
            review = reviews[rec.review_id]
            shapes.append(
                recommendation_document(
                    rec,
                    review,
                    urls[rec.review_id],
                    sorted(themes.get(rec.pk, [])),
                    sorted(agencies.get(rec.pk, [])),
                    statuses.get(rec.pk, []),
                )
            )
            by_review.setdefault(rec.review_id, set()).update(agencies.get(rec.pk, []))
        attached = {}
        for review_id, document_id in ReviewDocument.objects.filter(
            page_id__in=reviews
        ).values_list("page_id", "document_id"):
            attached.setdefault(review_id, []).append(document_id)
        reports = report_texts(attached)
        for pk, review in reviews.items():
            shape = review_document(review, recommendations=[], reports=reports.get(pk, ""))
            shape.agencies = sorted(by_review.get(pk, set()))
            shapes.append(shape)
        briefings = (
            BriefingPage.objects.live()
            .select_related("partnership")
            .prefetch_related("themes", "reviews")
        )
        shapes += [briefing_document(b) for b in briefings]
        for start in range(0, len(shapes), batch_size):
            _insert_new(shapes[start : start + batch_size], first_indexed)
        return len(shapes)


@contextlib.contextmanager
def _full_text_index_rebuilt_at_the_end():
    """On SQLite, index all documents in one FTS5 'rebuild' rather than row by row through the
    triggers: the triggers are dropped and put back inside the rebuild's transaction."""
    if connection.vendor != "sqlite":
        yield
        return
    migration = importlib.import_module("search.migrations.0004_vocabulary_and_report_text")
    with connection.cursor() as cursor:
        for name in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER IF EXISTS learning_search_fts_{name}")
        cursor.execute("INSERT INTO learning_search_fts(learning_search_fts) VALUES ('delete-all')")
    yield
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO learning_search_fts(learning_search_fts) VALUES ('rebuild')")
        for statement in migration.SQLITE_TRIGGERS:
            cursor.execute(statement)


def _insert_new(shapes, first_indexed=None):
    """Write new documents and their tags with executemany: the rebuild's hot path."""
    now = timezone.now()
    first_indexed = first_indexed or {}
    columns = ["key", "version", "updated_at", "first_indexed_at", *DOCUMENT_FIELDS]
    document_table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        rows = [
            [
                s.key,
                1,
                now,
                first_indexed.get(s.key, now),
                *[getattr(s, f) for f in DOCUMENT_FIELDS],
            ]
            for s in shapes
        ]
        rows = [
            [
                connection.ops.adapt_datetimefield_value(v)
                if isinstance(v, datetime.datetime)
                else v
                for v in row
            ]
            for row in rows
        ]
        cursor.executemany(
            f"INSERT INTO {document_table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            rows,
        )
        ids = dict(
            SearchDocument.objects.filter(key__in=[s.key for s in shapes]).values_list("key", "pk")
        )
        cursor.executemany(
            f"INSERT INTO {SearchDocumentTag._meta.db_table} (document_id, facet, value, label) "
            "VALUES (%s, %s, %s, %s)",
            [
                (ids[s.key], facet, value, label)
                for s in shapes
                for facet, tags in (("theme", s.themes), ("agency", s.agencies))
                for value, label in tags
            ],
        )
