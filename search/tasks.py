"""Celery tasks that copy the search-document table to Elasticsearch. Idempotent; keys in, no objects."""

import logging

from celery import shared_task

from .engines import elasticsearch as es_engine

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sync_documents(keys):
    """Copy these documents to the index (or delete them there). If the cluster is down, log it:
    the table keeps the change and reconciliation copies it across when the cluster returns."""
    try:
        return es_engine.write(es_engine.get_client(), keys)
    except es_engine.UNAVAILABLE as error:
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
        return es_engine.reconcile(es_engine.get_client())
    except es_engine.UNAVAILABLE as error:
        logger.warning("Elasticsearch still unavailable; reconciliation will run again: %s", error)
        return None


@shared_task(ignore_result=True)
def update_recurrence(recommendation_ids):
    """Recompute these recommendations' similar recommendations (and their place in their
    neighbours' lists). Idempotent: run twice, the table ends the same."""
    from .recurrence import recompute_neighbours

    for recommendation_id in recommendation_ids:
        recompute_neighbours(recommendation_id)
