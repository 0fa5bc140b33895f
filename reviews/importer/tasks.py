"""Reading an uploaded review document runs as a Celery task (with no broker, on the web process's
background catch-up): a 300-page report takes seconds, and the upload request must never wait on
it. The task reads the stored upload, records its progress page by page on the upload's
`ReviewImport`, and leaves what it found beside the upload for the check page to show."""

import json
import logging
import os
import shutil
import time
from pathlib import Path

from celery import shared_task

from . import ReviewImportError

logger = logging.getLogger(__name__)

PENDING_DIR = "review-imports/pending"
PROGRESS_EVERY_SECONDS = 0.5
# The most an import may take to read; longer and the upload is refused with a reason. A 300-page
# report reads in seconds: only a document far outside what reviews are takes this long.
READING_LIMIT_SECONDS = 120
# The most items one import may hold: creating the draft writes each with its revision history,
# about 40 ms an item on this hub's machine, and confirming must finish well inside a request's
# 30 seconds. The longest report in the library (the 2009 Commission) has 54.
MOST_ITEMS = 300


def pending_storage():
    from learning.models.actions import EvidenceStorage

    # Uploads wait outside MEDIA_ROOT: an unpublished report must never be reachable by URL.
    return EvidenceStorage()


def pending_folder(token):
    return Path(pending_storage().path(f"{PENDING_DIR}/{token}"))


def write_json(path, data):
    """Replace the file at once, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False))
    os.replace(partial, path)


def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _import(token):
    from ..models.imports import ReviewImport

    return ReviewImport.objects.filter(token=token).first()


@shared_task(ignore_result=True)
def analyse_review_upload(token):
    """Read the upload `token` and store what was found. Idempotent: only a queued upload is read,
    and only by whichever runner claims it first (a worker and the web process's catch-up may
    both be handed it)."""
    from django.utils import timezone

    from ..models.imports import ReviewImport
    from .create import analyse

    claimed = ReviewImport.objects.filter(token=token, state=ReviewImport.State.QUEUED).update(
        state=ReviewImport.State.READING, updated_at=timezone.now(), pages_read=0, pages=0
    )
    review_import = _import(token)
    if not claimed or review_import is None:
        return
    folder = pending_folder(token)
    last_report = [0.0]
    started = time.monotonic()

    def progress(done, total):
        now = time.monotonic()
        if now - started > READING_LIMIT_SECONDS:
            raise ReviewImportError(too_long_message(review_import.file_name))
        if now - last_report[0] >= PROGRESS_EVERY_SECONDS or done == total:
            last_report[0] = now
            review_import.move(ReviewImport.State.READING, pages_read=done, pages=total)

    try:
        data = (folder / "upload.bin").read_bytes()
        analysed = analyse(
            review_import.file_name, data, title=review_import.title or None, progress=progress
        )
        if time.monotonic() - started > READING_LIMIT_SECONDS:
            raise ReviewImportError(too_long_message(review_import.file_name))
        if len(analysed.recommendations) > MOST_ITEMS:
            raise ReviewImportError(
                f"{review_import.file_name}: {len(analysed.recommendations)} numbered items were "
                f"read as recommendations, more than the {MOST_ITEMS} one import can take. Upload "
                "only the part of the report with its recommendations, or split it."
            )
    except ReviewImportError as error:
        review_import.move(ReviewImport.State.FAILED, message=str(error))
        return
    except Exception:
        logger.exception("Reading the uploaded review %s failed", token)
        review_import.move(
            ReviewImport.State.FAILED,
            message=f"{review_import.file_name}: the document could not be read. Save it again "
            "(or as a PDF) and upload it once more.",
        )
        return
    write_json(folder / "analysis.json", serialise(analysed))
    review_import.move(ReviewImport.State.DONE, message="")


def too_long_message(file_name):
    minutes = READING_LIMIT_SECONDS // 60
    return (
        f"{file_name}: reading it took longer than {minutes} minutes, the most an import may "
        "take. Upload only the part of the report with its recommendations (and action plan), "
        "or split the document."
    )


@shared_task(ignore_result=True)
def read_waiting_imports():
    """The catch-up's share: read every upload still waiting (its task was never queued, or no
    worker took it), and forget uploads older than a day."""
    from ..models.imports import ReviewImport

    for token in ReviewImport.objects.waiting().values_list("token", flat=True):
        analyse_review_upload(str(token))
    for review_import in ReviewImport.objects.expired():
        forget(review_import)


def forget(review_import):
    shutil.rmtree(pending_folder(review_import.token), ignore_errors=True)
    review_import.delete()


def queue_reading(review_import):
    """Once the upload is stored, have it read away from the request: by a worker when there is
    a broker, otherwise (or while the broker is unreachable) by the web process's background
    catch-up, started at once. Nothing here waits on the reading."""
    from django.db import transaction

    from config import catch_up
    from config.celery import app, queue

    token = str(review_import.token)

    def send():
        if not app.conf.task_always_eager and queue(analyse_review_upload, (token,)):
            return
        catch_up.start_now()

    transaction.on_commit(send)


def serialise(analysed):
    return {
        "file_name": analysed.file_name,
        "title": analysed.title,
        "warnings": analysed.warnings,
        "sections": analysed.sections,
        "skipped": analysed.skipped,
        "pages": analysed.pages,
        "recommendations": [
            {
                "number": found.number,
                "text": found.text,
                "section": found.section,
                "notes": found.notes,
                "proposed_action": found.proposed_action,
                "due_date": found.due_date.isoformat() if found.due_date else None,
                "reason": found.reason,
                "confidence": found.confidence,
                "themes": [theme.pk for theme in found.themes],
                "agencies": [agency.pk for agency in found.agencies],
            }
            for found in analysed.recommendations
        ],
    }
