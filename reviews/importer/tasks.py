"""Reading an uploaded review document runs as a Celery task (eagerly when there is no broker):
a 300-page report takes seconds, and the upload request must never wait on it. The task reads the
stored upload, records its progress page by page, and leaves what it found beside the upload for
the check page to show."""

import json
import logging
import os
import time
from pathlib import Path

from celery import shared_task

from . import ReviewImportError

logger = logging.getLogger(__name__)

PENDING_DIR = "review-imports/pending"
PROGRESS_EVERY_SECONDS = 0.5


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


def status(token):
    return read_json(pending_folder(token) / "status.json") or {"state": "missing"}


@shared_task(ignore_result=True)
def analyse_review_upload(token):
    """Read the upload `token` and store what was found. Idempotent: an upload already read (or
    refused) is left as it is."""
    from .create import analyse

    folder = pending_folder(token)
    upload = read_json(folder / "upload.json")
    if upload is None or status(token)["state"] in ("done", "failed"):
        return
    last_report = [0.0]

    def progress(done, total):
        now = time.monotonic()
        if now - last_report[0] >= PROGRESS_EVERY_SECONDS or done == total:
            last_report[0] = now
            write_json(folder / "status.json", {"state": "reading", "done": done, "total": total})

    write_json(folder / "status.json", {"state": "reading", "done": 0, "total": 0})
    try:
        data = (folder / upload["file"]).read_bytes()
        analysed = analyse(upload["name"], data, title=upload["title"] or None, progress=progress)
    except ReviewImportError as error:
        write_json(folder / "status.json", {"state": "failed", "message": str(error)})
        return
    except Exception:
        logger.exception("Reading the uploaded review %s failed", token)
        write_json(
            folder / "status.json",
            {
                "state": "failed",
                "message": f"{upload['name']}: the document could not be read. Save it again "
                "(or as a PDF) and upload it once more.",
            },
        )
        return
    write_json(folder / "analysis.json", serialise(analysed))
    write_json(folder / "status.json", {"state": "done"})


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
                "themes": [theme.pk for theme in found.themes],
                "agencies": [agency.pk for agency in found.agencies],
            }
            for found in analysed.recommendations
        ],
    }
