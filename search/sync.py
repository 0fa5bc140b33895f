"""Index sync: write the search-document table now, copy to Elasticsearch once the change commits."""

from django.conf import settings
from django.db import transaction

from config.celery import enqueue_on_commit

from . import documents


def elasticsearch_enabled():
    return settings.SEARCH_ENGINE == "elasticsearch"


def enqueue_recurrence(keys):
    """Recommendations whose documents changed get their similar recommendations recomputed."""
    prefix = "recommendation:"
    ids = sorted({int(key[len(prefix) :]) for key in keys if key.startswith(prefix)})
    if ids:
        from .tasks import update_recurrence

        enqueue_on_commit(update_recurrence, ids)


def enqueue_elasticsearch(keys):
    keys = sorted(set(keys))
    enqueue_recurrence(keys)
    if not keys or not elasticsearch_enabled():
        return
    from .tasks import sync_documents

    enqueue_on_commit(sync_documents, keys)


def reindex_page(page):
    with transaction.atomic():
        enqueue_elasticsearch(documents.index_page(page))


def reindex_recommendation(recommendation_id):
    with transaction.atomic():
        enqueue_elasticsearch(documents.index_recommendation(recommendation_id))


def forget_page(page_id):
    """The page is being deleted: remove its documents now (Wagtail's tree deletion does not
    cascade to them reliably) and tell Elasticsearch once the deletion commits."""
    keys = list(
        documents.SearchDocument.objects.filter(page_id=page_id).values_list("key", flat=True)
    )
    enqueue_elasticsearch(documents.remove_documents(keys))
