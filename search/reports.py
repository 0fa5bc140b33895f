"""Reading the text of a review's attached reports, page by page, for search.

PDFs are read a page at a time (so a passage keeps its page number); Word, plain text and
Markdown go through the importer's reader and are cut into passages of about 300 words."""

import io
import logging
import re

from django.db import transaction

from reviews.importer import SUPPORTED_EXTENSIONS, ReviewImportError
from reviews.importer.readers import check_pdf_content, read_document

from .models import ReportPassage, ReportText

logger = logging.getLogger(__name__)

MAX_REPORT_BYTES = 50 * 1024 * 1024
MAX_PAGES = 2000
WORDS_PER_PASSAGE = 300


class ReportUnreadable(Exception):
    """A report whose text cannot be read; the message is for the business unit."""


def pdf_pages(name, data):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReportUnreadable(f"{name}: the PDF is password-protected.")
        if len(reader.pages) > MAX_PAGES:
            raise ReportUnreadable(f"{name}: more than {MAX_PAGES} pages.")
        check_pdf_content(name, reader)
        pages = [(number, page.extract_text() or "") for number, page in enumerate(reader.pages, 1)]
    except ReviewImportError as error:
        raise ReportUnreadable(str(error)) from None
    # PyPdfError: pypdf's own limits (LimitReachedError) as well as damage.
    except (PyPdfError, ValueError, OSError, KeyError) as error:
        raise ReportUnreadable(f"{name}: the PDF could not be read ({error}).") from None
    pages = [(number, " ".join(text.split())) for number, text in pages]
    if not any(text for _, text in pages):
        raise ReportUnreadable(f"{name}: the PDF has no text layer (scanned pages are not read).")
    return [(number, text) for number, text in pages if text]


def passages(name, data):
    """[(page number or None, text)] of a report file; raises ReportUnreadable."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportUnreadable(f"{name}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB.")
    if name.lower().endswith(".pdf"):
        return pdf_pages(name, data)
    if not name.lower().endswith(SUPPORTED_EXTENSIONS):
        raise ReportUnreadable(f"{name}: not a PDF, Word (.docx), text or Markdown file.")
    try:
        text = read_document(name, data).text
    except ReviewImportError as error:
        raise ReportUnreadable(str(error)) from None
    words = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE).split()
    if not words:
        raise ReportUnreadable(f"{name}: the document has no text.")
    return [
        (None, " ".join(words[start : start + WORDS_PER_PASSAGE]))
        for start in range(0, len(words), WORDS_PER_PASSAGE)
    ]


def extract(document):
    """Read one Wagtail document's text into ReportText and its passages; returns the row.
    Reading the same file again does nothing."""
    current = ReportText.objects.filter(document=document).first()
    if current is not None and current.source_hash == (document.file_hash or ""):
        return current
    name = document.filename or document.file.name
    try:
        with document.file.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
        found = passages(name, data)
        status, error = ReportText.Status.EXTRACTED, ""
    except (ReportUnreadable, OSError) as problem:
        logger.warning("Report text not extracted: %s", problem)
        found, status, error = [], ReportText.Status.FAILED, str(problem)
    with transaction.atomic():
        report, _ = ReportText.objects.update_or_create(
            document=document,
            defaults={
                "source_hash": document.file_hash or "",
                "status": status,
                "error": error,
                "pages": len(found),
            },
        )
        report.passages.all().delete()
        ReportPassage.objects.bulk_create(
            [ReportPassage(report=report, page_number=n, text=t) for n, t in found],
            batch_size=500,
        )
    return report
