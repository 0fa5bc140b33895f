"""Celery tasks of the reviews app (found by the worker's autodiscovery)."""

from .importer.tasks import analyse_review_upload

__all__ = ["analyse_review_upload"]
