"""Reading the text of a review's attached reports, page by page, for search.

PDFs are read a page at a time (so a passage keeps its page number); Word, plain text and
Markdown go through the importer's reader and are cut into passages of about 300 words within
a section (so a passage keeps its section's heading)."""

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
    """[(page number or None, section heading, text)] of a report file; raises ReportUnreadable.

    A PDF passage is a page. Other documents have no pages: a passage is a stretch of about 300
    words inside one section, named by the section's heading, and a table's row reads as its
    words with their column names, never as the cells' dividers."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportUnreadable(f"{name}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB.")
    if name.lower().endswith(".pdf"):
        return [(number, "", text) for number, text in pdf_pages(name, data)]
    if not name.lower().endswith(SUPPORTED_EXTENSIONS):
        raise ReportUnreadable(f"{name}: not a PDF, Word (.docx), text or Markdown file.")
    try:
        text = read_document(name, data).text
    except ReviewImportError as error:
        raise ReportUnreadable(str(error)) from None
    found = []
    for heading, units in sections(text):
        words = []
        for unit in units:
            unit_words = unit.split()
            if words and len(words) + len(unit_words) > WORDS_PER_PASSAGE:
                found.append((None, heading, " ".join(words)))
                words = []
            words += unit_words
            while len(words) > WORDS_PER_PASSAGE:
                found.append((None, heading, " ".join(words[:WORDS_PER_PASSAGE])))
                words = words[WORDS_PER_PASSAGE:]
        if words:
            found.append((None, heading, " ".join(words)))
    if not found:
        raise ReportUnreadable(f"{name}: the document has no text.")
    return found


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")  # a Markdown table's |---|---| line
ROW_SEPARATOR = " · "
MAX_HEADING_LENGTH = 200


def sections(text):
    """[(heading, [unit of text])]: the document cut at its headings; each paragraph, list item
    or table row is one unit, so a passage never cuts a row in two."""
    found, heading, units, table = [], "", [], []

    def end_table():
        units.extend(table_rows(table))
        table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            if not _TABLE_RULE.match(stripped):
                table.append([cell.strip() for cell in stripped[1:-1].split("|")])
            continue
        end_table()
        match = _HEADING.match(stripped)
        if match:
            if units:
                found.append((heading, units))
            heading, units = match.group(2).strip()[:MAX_HEADING_LENGTH], []
        elif stripped:
            units.append(stripped)
    end_table()
    if units:
        found.append((heading, units))
    return found


def table_rows(rows):
    """A table's rows as text: under a header row, each row's words with their column names
    ("Action: Deliver IRIS training · Lead agency: Integrated Care Board"); a row of one cell (a
    caption across the table) as it is written."""
    header, lines = None, []
    for cells in rows:
        filled = [cell for cell in cells if cell]
        if len(cells) < 2 or (len(filled) < 2 and header is None):
            if filled:
                lines.append(" ".join(filled))
            continue
        if header is None or len(cells) != len(header):
            header = cells
            continue
        labelled = [
            f"{label}: {cell}" if label else cell
            for label, cell in zip(header, cells, strict=True)
            if cell
        ]
        if labelled:
            lines.append(ROW_SEPARATOR.join(labelled))
    return lines


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
            [
                ReportPassage(report=report, page_number=n, heading=heading, text=t)
                for n, heading, t in found
            ],
            batch_size=500,
        )
    return report
