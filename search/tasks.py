"""Celery tasks that copy the search-document table to Elasticsearch. Idempotent; keys in, no objects."""

import logging

from celery import shared_task

from .engines import elasticsearch as es_engine

logger = logging.getLogger(__name__)
BULK_TIMEOUT = 30  # seconds: reconciliation runs in a worker (or a background thread), not a page


@shared_task(ignore_result=True)
def sync_documents(keys):
    """Copy these documents to the index (or delete them there). If the cluster is down, log it:
    the table keeps the change and reconciliation copies it across when the cluster returns."""
    try:
        if es_engine.outage.ongoing:
            # Run in a request (no broker), this would make the person wait for a silent
            # cluster again; the backlog keeps the keys for reconciliation either way.
            raise es_engine.TransportConnectionError("the cluster did not answer just now")
        return es_engine.write(es_engine.get_client(), keys)
    except es_engine.UNAVAILABLE as error:
        es_engine.outage.begin(error)
        logger.warning(
            "Elasticsearch unavailable; %d document(s) left for reconciliation: %s",
            len(keys),
            error,
        )
        return 0


@shared_task(ignore_result=True)
def reconcile_index():
    """Bring the index in line with the table (run periodically by Celery beat)."""
    from .sync import elasticsearch_enabled

    if not elasticsearch_enabled():
        return None
    try:
        return es_engine.reconcile(es_engine.get_client(timeout=BULK_TIMEOUT))
    except es_engine.UNAVAILABLE as error:
        logger.warning("Elasticsearch still unavailable; reconciliation will run again: %s", error)
        return None


@shared_task(ignore_result=True)
def extract_report_text(document_id):
    """Read an attached report's text (once per version of its file) and re-index the reviews it
    is attached to. A report that cannot be read is recorded for the business unit; searchers
    never see the failure."""
    from wagtail.documents import get_document_model

    from reviews.models import ReviewPage

    from . import reports, sync

    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        return None
    report = reports.extract(document)
    for review in ReviewPage.objects.filter(documents__document_id=document_id).distinct():
        sync.reindex_page(review)
    return report.status


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def send_learning_alerts(frequency=None):
    """Email new learning to the owners of due alerts; an item is never sent twice per alert."""
    from .alerts import send_learning_alerts as send

    return send(frequency)


@shared_task(ignore_result=True)
def update_recurrence(recommendation_ids=None):
    """Recompute these recommendations' similar recommendations (and their place in their
    neighbours' lists) as one batch, or all that are owed. Idempotent: run twice, the table ends
    the same."""
    from .recurrence import update_owed

    return update_owed(recommendation_ids)
