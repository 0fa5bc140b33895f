"""Index sync: note what changed during a transaction, index each changed page once when it
commits, and copy the written documents to Elasticsearch after that.

Publishing a review saves each recommendation, opens actions and writes their first updates: each
of those used to re-index the whole review, so a long review was indexed hundreds of times in one
request. Now the signal receivers only note the page (or recommendation) that changed, and one
callback per transaction indexes each noted page once, reading it as it was committed."""

import threading

from django.conf import settings
from django.db import transaction

from config.celery import enqueue_on_commit, registered_task

from . import documents

_pending = threading.local()


def elasticsearch_enabled():
    return settings.SEARCH_ENGINE == "elasticsearch"


def enqueue_recurrence(keys):
    """Recommendations whose documents changed get their similar recommendations recomputed, as
    one batch and never while the person who published waits: noted as owed with the change,
    then done by the worker, or, with no broker, by the web process's catch-up after the
    response (RECURRENCE_AFTER_RESPONSE; off, the batch runs as the change commits)."""
    prefix = "recommendation:"
    ids = sorted({int(key[len(prefix) :]) for key in keys if key.startswith(prefix)})
    if not ids:
        return
    from config import catch_up
    from config.celery import app

    from .models import RecurrenceBacklog

    RecurrenceBacklog.note(ids)
    after_response = settings.RECURRENCE_AFTER_RESPONSE and settings.CATCH_UP_IN_PROCESS_SECONDS
    if app.conf.task_always_eager and after_response:
        catch_up.owed.set()
    else:
        enqueue_on_commit(registered_task("search.tasks.update_recurrence"), ids)


def enqueue_elasticsearch(keys):
    keys = sorted(set(keys))
    enqueue_recurrence(keys)
    if not keys or not elasticsearch_enabled():
        return
    from .models import IndexBacklog

    # Noted with the change itself, so nothing the index misses is forgotten, whatever the
    # broker or the cluster does; the copy clears it.
    IndexBacklog.note(keys)
    enqueue_on_commit(registered_task("search.tasks.sync_documents"), keys)


class PendingChanges:
    """The pages and recommendations changed in this thread that are not yet indexed."""

    def __init__(self):
        self.page_ids = set()
        self.recommendation_ids = set()

    def __bool__(self):
        return bool(self.page_ids or self.recommendation_ids)

    def take(self):
        page_ids, recommendation_ids = self.page_ids, self.recommendation_ids
        self.page_ids, self.recommendation_ids = set(), set()
        return page_ids, recommendation_ids


def pending():
    if not hasattr(_pending, "changes"):
        _pending.changes = PendingChanges()
    return _pending.changes


def _note(page_ids=(), recommendation_ids=()):
    changes = pending()
    changes.page_ids.update(page_ids)
    changes.recommendation_ids.update(recommendation_ids)
    # Every note queues a flush, so a flush always follows the change however the transaction
    # nests; the first flush takes everything noted and the rest find nothing to do.
    transaction.on_commit(flush)


def reindex_page(page):
    _note(page_ids=[page.pk])


def reindex_pages(page_ids):
    _note(page_ids=page_ids)


def reindex_recommendation(recommendation_id):
    _note(recommendation_ids=[recommendation_id])


def reindex_recommendations(recommendation_ids):
    _note(recommendation_ids=recommendation_ids)


def flush():
    """Index each noted page once (a recommendation through its review), as committed."""
    changes = pending()
    if not changes:
        return []
    page_ids, recommendation_ids = changes.take()
    with transaction.atomic():
        keys = documents.index_pages_and_recommendations(page_ids, recommendation_ids)
        enqueue_elasticsearch(keys)
    return keys


def forget_page(page_id):
    """The page is being deleted: remove its documents now (Wagtail's tree deletion does not
    cascade to them reliably) and tell Elasticsearch once the deletion commits."""
    keys = list(
        documents.SearchDocument.objects.filter(page_id=page_id).values_list("key", flat=True)
    )
    pending().page_ids.discard(page_id)
    enqueue_elasticsearch(documents.remove_documents(keys))
