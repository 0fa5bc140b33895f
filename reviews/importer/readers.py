"""Read .txt, .md, .pdf (text layer) and .docx review documents into one plain shape: Markdown-like
text where "#" marks headings (when the format tells us), list items keep their numbers (Word's
automatic numbering written out), tables are "| a | b |" rows and page furniture is gone.

Every reader checks the size of what it is about to unpack before unpacking it, so a small file
that expands to gigabytes is refused in milliseconds rather than exhausting the worker."""

import io
import logging
import re
import statistics
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import SUPPORTED_EXTENSIONS, ReviewImportError
from .document import PAGE_FURNITURE, SENTENCE_WORDS, join_hyphen, starts_list_item

logger = logging.getLogger(__name__)

NO_TEXT_LAYER = "no text layer; OCR is not supported"

# Bounds on what one import may unpack. A 300-page report is about 1 MB of text, 300 pages of PDF
# and 5 MB of Word XML; these leave a wide margin and still bound time and memory.
MAX_TEXT_BYTES = 8 * 1024 * 1024
MAX_PDF_PAGES = 1500
MAX_PDF_SECONDS = 300  # a 300-page report takes about 10 s of processor time
# What a PDF's pages draw from, unpacked: a page of text is 5-50 KB; a page of charts a few MB.
MAX_PDF_PAGE_CONTENT_BYTES = 16 * 1024 * 1024
MAX_PDF_CONTENT_BYTES = 128 * 1024 * 1024
MAX_DOCX_ENTRIES = 2000
MAX_DOCX_XML_BYTES = 16 * 1024 * 1024  # the XML parts, uncompressed (a 300-page report: ~5 MB)
MAX_DOCX_TOTAL_BYTES = 200 * 1024 * 1024  # every part, images included, uncompressed

# What a file that is not what its name says most often turns out to be.
SIGNATURES = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file (.doc/.xls): save it as .docx"),
    (b"PK\x03\x04", "a zip archive"),
    (b"%PDF-", "a PDF"),
]


@dataclass
class SourceText:
    """A document's text: one string, with "#" headings when the format marks them."""

    text: str
    title: str = ""
    explicit_headings: bool = False
    pages: int = 0


def read_document(name, data, progress=None):
    """Read the bytes of a file called `name`. Raises ReviewImportError with a clear message.

    `progress(done, total)` is called as pages are read, for the admin's progress display."""
    extension = Path(name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        shown = extension or "no extension"
        raise ReviewImportError(
            f"{name}: unsupported file type ({shown}). Use a .txt, .md, .pdf or .docx file."
        )
    if not data or not data.strip():
        raise ReviewImportError(f"{name}: the file is empty.")
    if extension == ".pdf":
        return read_pdf(name, data, progress=progress)
    if extension == ".docx":
        return read_docx(name, data)
    return read_text(name, data, markdown=extension in (".md", ".markdown"))


def _looks_like(data):
    for signature, description in SIGNATURES:
        if data.startswith(signature):
            return description
    return None


def _wrong_type(name, expected, data):
    found = _looks_like(data)
    detail = f" (it looks like {found})" if found else ""
    return ReviewImportError(f"{name}: this is not {expected}{detail}.")


def _megabytes(size):
    return f"{size / (1024 * 1024):.0f} MB"


def read_text(name, data, markdown=False):
    found = _looks_like(data)
    if b"\x00" in data[:4096] or found:
        raise _wrong_type(name, "a text file", data)
    if len(data) > MAX_TEXT_BYTES:
        raise ReviewImportError(
            f"{name}: the text is too large to be one review ({_megabytes(len(data))}; the limit "
            f"is {_megabytes(MAX_TEXT_BYTES)}). Import the report itself, not a collection."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Documents saved from older Windows tools are often cp1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ReviewImportError(f"{name}: the text could not be decoded ({error}).") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    title = ""
    explicit = False
    for line in text.split("\n"):
        stripped = line.strip().strip("*_ ")
        if markdown and re.match(r"^#{1,6}\s", line):
            explicit = True
            title = title or line.lstrip("#").strip()
        elif stripped and not title:
            title = stripped if len(stripped) <= 150 else ""
            if not markdown:
                break
    return SourceText(text=text, title=title, explicit_headings=explicit)


# ---------------------------------------------------------------------------------------------
# PDF


def read_pdf(name, data, progress=None):
    if not data.startswith(b"%PDF-"):
        raise _wrong_type(name, "a PDF", data)
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        page_count = 0 if encrypted else len(reader.pages)
        title = "" if encrypted else str((reader.metadata or {}).get("/Title") or "")
    except (PyPdfError, ValueError, OSError, KeyError, TypeError) as error:
        raise ReviewImportError(f"{name}: the PDF could not be read ({error}).") from None
    if encrypted:
        raise ReviewImportError(
            f"{name}: the PDF is encrypted (password-protected). Save an unprotected copy and "
            "import that."
        )
    if page_count > MAX_PDF_PAGES:
        raise ReviewImportError(
            f"{name}: the PDF has {page_count} pages; the importer reads up to {MAX_PDF_PAGES}. "
            "Import the report itself rather than a bundle of papers."
        )
    check_pdf_content(name, reader)
    try:
        pages = list(_pdf_pages(data, page_count, progress))
    except ReviewImportError as error:
        raise ReviewImportError(f"{name}: {error}") from None
    except Exception as error:  # pdfminer raises many kinds of error on damaged files
        raise ReviewImportError(f"{name}: the PDF could not be read ({error}).") from None
    if not any(page.lines for page in pages):
        raise ReviewImportError(f"{name}: {NO_TEXT_LAYER}.")
    if any(page.tabular for page in pages):
        try:
            _read_tables(data, pages)
        except Exception:  # a table that cannot be read is left as lines of text
            logger.warning("Tables in %s could not be read; kept as lines of text", name)
    text = _pdf_text(pages)
    return SourceText(
        text=text,
        title=title.strip() or _first_heading(text),
        explicit_headings=True,
        pages=page_count,
    )


def check_pdf_content(name, reader):
    """Refuse a PDF whose pages' content would unpack too large, before any page is read.

    Each page's content streams (and the forms it draws) are inflated as a stream and counted,
    the output thrown away, and abandoned as soon as the page or the document passes its bound:
    a 1 MB file can inflate to gigabytes, and the PDF readers would hold all of it in memory."""
    from pypdf.errors import PyPdfError

    total = 0
    try:
        for number, page in enumerate(reader.pages, start=1):
            size = _content_size(page, MAX_PDF_PAGE_CONTENT_BYTES, set())
            total += size
            if size > MAX_PDF_PAGE_CONTENT_BYTES or total > MAX_PDF_CONTENT_BYTES:
                limit = MAX_PDF_PAGE_CONTENT_BYTES if size > MAX_PDF_PAGE_CONTENT_BYTES else None
                what = (
                    f"page {number} unpacks to more than {_megabytes(limit)}"
                    if limit
                    else f"its pages unpack to more than {_megabytes(MAX_PDF_CONTENT_BYTES)}"
                )
                raise ReviewImportError(
                    f"{name}: the PDF is refused because {what}, far more than a report's text "
                    "needs; it may be damaged or built to exhaust the server's memory. Save it "
                    "again as a PDF and import that."
                )
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, AttributeError) as error:
        raise ReviewImportError(f"{name}: the PDF could not be read ({error}).") from None


def _content_size(node, limit, seen):
    """Unpacked bytes of what `node` (a page or a form) draws: its content and its forms'."""
    from pypdf.generic import ArrayObject, IndirectObject

    total = 0
    if hasattr(node, "_data"):
        streams = [node]  # a form is its own content
    else:
        contents = node.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = list(contents) if isinstance(contents, ArrayObject) else [contents]
    for stream in streams:
        if stream is None:
            continue
        stream = stream.get_object()
        total += _stream_size(stream, limit - total)
        if total > limit:
            return total
    resources = node.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    for reference in (xobjects.get_object() if xobjects is not None else {}).values():
        key = reference.idnum if isinstance(reference, IndirectObject) else id(reference)
        form = reference.get_object()
        if key in seen or form.get("/Subtype") != "/Form":
            continue  # images are not unpacked to read text
        seen.add(key)
        total += _content_size(form, limit - total, seen)
        if total > limit:
            return total
    return total


def _stream_size(stream, limit):
    """The stream's unpacked size, counted up to just past `limit` without holding more than a
    bounded piece of it at a time (a chain of filters holds each stage's output, up to the
    limit)."""
    import zlib

    from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode

    data = getattr(stream, "_data", b"") or b""
    filters = stream.get("/Filter")
    filters = [] if filters is None else [filters] if isinstance(filters, str) else list(filters)
    for position, kind in enumerate(filters):
        last = position == len(filters) - 1
        if kind in ("/FlateDecode", "/Fl"):
            inflater = zlib.decompressobj()
            kept, size, pending = [], 0, data
            while pending and not inflater.eof:
                piece = inflater.decompress(pending, 1024 * 1024)
                pending = inflater.unconsumed_tail
                size += len(piece)
                if size > limit:
                    return size
                if not last:
                    kept.append(piece)
                if not piece and not pending:
                    break
            if last:
                return size
            data = b"".join(kept)
        elif kind in ("/ASCIIHexDecode", "/AHx"):
            data = ASCIIHexDecode.decode(data)
        elif kind in ("/ASCII85Decode", "/A85"):
            data = ASCII85Decode.decode(data)
        elif kind in ("/LZWDecode", "/LZW"):
            data = LZWDecode.decode(data)  # pypdf bounds its output
        elif kind in ("/RunLengthDecode", "/RL"):
            data = RunLengthDecode.decode(data)
        else:
            return len(data)  # an image filter: not part of a page's text
        if len(data) > limit:
            return len(data)
    return len(data)


@dataclass
class PdfLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class PdfPage:
    width: float
    height: float
    lines: list
    tabular: bool = False


def _pdf_pages(data, page_count, progress):
    """Lines of each page with their position, type size and weight, in reading order.

    PDFium (pypdfium2, which pdfplumber also installs) reads the text layer: a 294-page report
    took 17 s of processor time with pdfminer (pdfplumber's engine) and well under a second
    here, and a 300-page report must import within 30 s on a busy two-core machine."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    started = time.monotonic()
    document = pdfium.PdfDocument(data)
    name_buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    try:
        for number in range(1, len(document) + 1):
            if time.monotonic() - started > MAX_PDF_SECONDS:
                raise ReviewImportError(
                    f"the PDF took more than {MAX_PDF_SECONDS} seconds to read (page {number} of "
                    f"{page_count}); it may be damaged or built unusually. Save it again as a PDF."
                )
            page = document[number - 1]
            width, height = page.get_size()
            text_page = page.get_textpage()
            lines = []
            for left, bottom, right, top, first, text in _pieces(text_page):
                # PDFium gives a hyphen that the layout added at a line's end as \x02 or \ufffe
                # (or a soft hyphen), and typeset ligatures ("ﬁ") as one character.
                text = " ".join(text.translate(LIGATURES).split())
                text = re.sub("\u00ad$", "-", text)
                if not text:
                    continue
                size = round(pdfium_c.FPDFText_GetFontSize(text_page.raw, first), 1)
                pdfium_c.FPDFText_GetFontInfo(
                    text_page.raw, first, name_buffer, len(name_buffer), ctypes.byref(flags)
                )
                weight = pdfium_c.FPDFText_GetFontWeight(text_page.raw, first)
                bold = weight >= 600 or _is_bold(name_buffer.value.decode("latin-1"))
                lines.append(
                    PdfLine(
                        text=text,
                        x0=left,
                        x1=right,
                        top=height - top,
                        bottom=height - bottom,
                        size=size,
                        bold=bool(bold),
                    )
                )
            text_page.close()
            page.close()
            yield PdfPage(
                width=width,
                height=height,
                lines=_reading_order(width, lines),
                tabular=_looks_tabular(lines),
            )
            if progress:
                progress(number, page_count)
    finally:
        document.close()


def _pieces(text_page):
    """The page's pieces of text (PDFium's rectangles: a run of characters in one text object)
    as (left, bottom, right, top, first character's index, text).

    Each piece's text is read by the characters it holds, not by its box: a box narrowed to
    leave out a neighbour's overhanging glyph also leaves out a narrow first letter ("i", "l"),
    and a box read whole takes in the neighbour's glyph. PDFium numbers rectangles in the order
    of the characters, so a piece's characters run from its first to the next piece's first."""
    rects = [text_page.get_rect(index) for index in range(text_page.count_rects())]
    firsts = [
        # The first character's box starts at the rectangle's left edge.
        text_page.get_index(
            left + min(0.5, (right - left) / 2), (top + bottom) / 2, 0.5, (top - bottom) / 2 + 1
        )
        for left, bottom, right, top in rects
    ]
    if not _ascending(firsts):
        # Text turned on its side, or a glyph whose box misses the rectangle's edge: find where
        # each piece starts character by character (slower, so only for such a page).
        firsts = _piece_starts(text_page)
    count = text_page.count_chars()
    if len(firsts) != len(rects) or not _ascending(firsts):
        return  # the page's text cannot be matched to its rectangles; nothing is guessed
    for index, (left, bottom, right, top) in enumerate(rects):
        end = firsts[index + 1] if index + 1 < len(rects) else count
        first = firsts[index]
        yield left, bottom, right, top, first, text_page.get_text_range(first, end - first)


def _ascending(indexes):
    return all(index is not None for index in indexes) and all(
        a < b for a, b in zip(indexes, indexes[1:], strict=False)
    )


def _piece_starts(text_page):
    """The index of each rectangle's first character, found as PDFium makes its rectangles: a
    new one wherever the text object changes, skipping inserted spaces and empty boxes."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    box = [ctypes.c_double() for _ in range(4)]
    starts = []
    current = None
    for index in range(text_page.count_chars()):
        text_object = pdfium_c.FPDFText_GetTextObject(text_page.raw, index)
        if not text_object:
            continue  # a space or line break PDFium inserted
        pdfium_c.FPDFText_GetCharBox(text_page.raw, index, *(ctypes.byref(side) for side in box))
        left, right, bottom, top = (side.value for side in box)
        if right - left < 0.01 or top - bottom < 0.01:
            continue
        address = ctypes.cast(text_object, ctypes.c_void_p).value
        if address != current:
            starts.append(index)
            current = address
    return starts


LIGATURES = str.maketrans({"\x02": "-", "\ufffe": "-", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st",
                           "ﬆ": "st"})  # fmt: skip


def _looks_tabular(lines):
    """Two or more rows printed as three or more pieces with wide gaps between them, or as a
    reference ("R1", "2.") and its wording across a wide gap: a two-column table, whose header
    row would otherwise read as a heading."""
    rows = {}
    for line in lines:
        rows.setdefault(round(line.top / 3), []).append(line)
    tabular = 0
    for row in rows.values():
        row.sort(key=lambda line: line.x0)
        gaps = [b.x0 - a.x1 for a, b in zip(row, row[1:], strict=False)]
        wide = sum(1 for gap in gaps if gap > 12)
        # (A list's number sits a tab's width, under 24 points, from its text.)
        referenced = len(row) == 2 and gaps[0] > 24 and TABLE_REFERENCE.match(row[0].text)
        tabular += wide >= 2 or bool(referenced)
    return tabular >= 2


TABLE_REFERENCE = re.compile(r"^(?:rec\.?\s*|r)?\d{1,3}[a-z]?\.?$", re.IGNORECASE)


def _read_tables(data, pages):
    """Tables on the pages that look tabular, read by pdfplumber (ruled tables, then tables set
    out by alignment alone) and put back among the page's lines as "| a | b |" rows."""
    import pdfplumber

    vocabulary = _vocabulary([page.lines for page in pages])
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pages):
            # A table may carry on over the page after one that has one.
            if not (page.tabular or (number and pages[number - 1].tabular)):
                continue
            plumber_page = pdf.pages[number]
            # A row cut by the page break has no rule below it (or above it, on the next page):
            # a rule where the column rules end closes it, so it is read as a row.
            rules = [edge for edge in plumber_page.edges if edge["orientation"] == "v"]
            edges = (
                {"explicit_horizontal_lines": [min(edge["top"] for edge in rules),
                                               max(edge["bottom"] for edge in rules)]}
                if rules
                else {}
            )  # fmt: skip
            tables = plumber_page.find_tables(edges) or plumber_page.find_tables(
                {"vertical_strategy": "text", "horizontal_strategy": "lines"}
            )
            for table in tables:
                rows = [
                    [
                        _cell_lines((cell or "").split("\n"), vocabulary).replace("|", "/")
                        for cell in row
                    ]
                    for row in table.extract()
                ]
                rows = [row for row in rows if any(row)]
                width = max((len(row) for row in rows), default=0)
                # One row is enough for three columns: the end of a table from the page before.
                if width < 2 or (len(rows) < 2 and width < 3):
                    continue
                x0, top, x1, bottom = table.bbox
                size = statistics.median(line.size for line in page.lines) if page.lines else 0
                page.lines = [
                    line
                    for line in page.lines
                    if not (top - 1 <= (line.top + line.bottom) / 2 <= bottom + 1)
                ] + [
                    PdfLine(
                        text="| " + " | ".join(row) + " |",
                        x0=x0,
                        x1=x1,
                        top=top + index * 0.001,
                        bottom=top + index * 0.001,
                        size=size,
                        bold=False,
                    )
                    for index, row in enumerate(rows)
                ]
            page.lines.sort(key=lambda line: line.top)


def _is_bold(fontname):
    return bool(re.search(r"bold|black|heavy|semibold|demi", fontname or "", re.IGNORECASE))


def _reading_order(page_width, lines):
    """Top to bottom; on a two-column page, the left column before the right, with lines that
    span both columns (titles, full-width headings) kept where they fall."""
    middle = page_width / 2
    left = [line for line in lines if line.x1 <= middle + 4]
    right = [line for line in lines if line.x0 >= middle - 4]
    spanning = [line for line in lines if line.x0 < middle - 4 < middle + 4 < line.x1]
    two_columns = (
        len(left) >= 5
        and len(right) >= 5
        and len(spanning) <= max(3, len(lines) // 10)
        # Both columns are filled with text to the gutter: table cells and right-aligned dates
        # on a one-column page are not.
        and statistics.median(line.x1 for line in left) > middle - page_width * 0.15
        and statistics.median(line.x0 for line in right) < middle + page_width * 0.1
    )
    if not two_columns:
        return _merge_same_line(lines)
    ordered = []
    # Read in bands separated by spanning lines: band by band, left column then right.
    cuts = [line.top for line in spanning] + [float("inf")]
    start = float("-inf")
    spans = iter(spanning)
    for cut in cuts:
        band_left = [line for line in left if start <= line.top < cut]
        band_right = [line for line in right if start <= line.top < cut and line not in band_left]
        ordered.extend(_merge_same_line(band_left))
        ordered.extend(_merge_same_line(band_right))
        span = next(spans, None)
        if span is not None:
            ordered.append(span)
        start = cut
    return ordered


def _merge_same_line(lines):
    """A printed line may come in pieces (a list marker and its text, words set apart, a contents
    entry and its dot leader): pieces whose tops or feet are within a few points form one row,
    read left to right. A row's type is that of most of its text; a footnote's mark raised in a
    smaller type after a word is not part of the wording."""
    rows = []
    for line in sorted(lines, key=lambda line: line.top):
        if rows and (
            abs(rows[-1][0].top - line.top) < 3 or abs(rows[-1][0].bottom - line.bottom) < 1.5
        ):
            rows[-1].append(line)
        else:
            rows.append([line])
    merged = []
    for row in rows:
        row.sort(key=lambda line: line.x0)
        main = max(row, key=lambda line: len(line.text))
        row = [row[0]] + [piece for piece in row[1:] if not _note_mark(piece, main)]
        joined = PdfLine(**vars(row[0]))
        joined.size = main.size
        for piece in row[1:]:
            joined.text = f"{joined.text} {piece.text}"
            joined.x1 = max(joined.x1, piece.x1)
            joined.bold = joined.bold and piece.bold
            joined.top = min(joined.top, piece.top)
            joined.bottom = max(joined.bottom, piece.bottom)
        merged.append(joined)
    return merged


NOTE_MARK = re.compile(r"^[\d*†‡§]{1,3}$")


def _note_mark(piece, main):
    """A footnote's mark: a number or symbol in a smaller type, raised above the line's foot."""
    height = main.bottom - main.top
    return (
        bool(NOTE_MARK.match(piece.text))
        and piece.size <= main.size * 0.8
        and piece.bottom < main.bottom - height * 0.15
    )


PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$|^[ivxlc]{1,6}$",
    re.IGNORECASE,
)


def _furniture(pages):
    """Running headers and footers (the same line in a page's margin on many pages, page numbers
    aside) and page numbers ("12", "Page 12 of 40", "- 12 -") in the margins."""
    counts = Counter()
    for page in pages:
        seen = set()
        for line in page.lines:
            if _in_margin(page, line):
                seen.add(_furniture_key(line.text))
        counts.update(seen)
    # A line in the margin of every page is furniture however short the document: a two-page
    # rapid review or briefing repeats its header twice, and that header would otherwise land in
    # the middle of whatever runs over the page break.
    every_page = len(pages) if len(pages) >= 2 else 3
    repeated = {
        key for key, count in counts.items() if count >= min(every_page, max(3, len(pages) * 0.3))
    }

    def is_furniture(page, line):
        if not _in_margin(page, line):
            return False
        return (
            bool(PAGE_NUMBER.match(line.text) or PAGE_FURNITURE.match(line.text))
            or _furniture_key(line.text) in repeated
        )

    return is_furniture


def _in_margin(page, line):
    return line.top < page.height * 0.1 or line.bottom > page.height * 0.9


def _furniture_key(text):
    return re.sub(r"\d+", "#", text.lower()).strip()


def _pdf_text(pages):
    """Lines in a larger type than the body, or short bold lines standing alone, become "#"
    headings; a wider gap starts a paragraph; hyphenated line breaks are joined."""
    is_furniture = _furniture(pages)
    kept = [[line for line in page.lines if not is_furniture(page, line)] for page in pages]
    weights = Counter()
    for lines in kept:
        for line in lines:
            if not _is_table_row(line.text):
                weights[line.size] += len(line.text)
    if not weights:
        return ""
    body = weights.most_common(1)[0][0]
    kept = [_without_footnotes(lines, body) for lines in kept]
    vocabulary = _vocabulary(kept)
    out = []
    if _is_cover(kept, body):
        # A title page's big type names the review; it does not outrank the chapter headings.
        out = _cover_text(kept[0], body)
        kept = kept[1:]
    heading_sizes = sorted(
        {line.size for lines in kept for line in lines if line.size >= body * 1.15}, reverse=True
    )
    levels = {size: min(index + 1, 5) for index, size in enumerate(heading_sizes)}
    bold_level = min(len(heading_sizes) + 1, 6)
    header = None  # the first row of the table being read
    for lines in kept:
        previous = None
        if lines and _carries_over(out, lines[0], levels):
            out.pop()  # a sentence carried over the page break: the page's blank line goes
        starting = True  # no line of this page read yet
        for index, line in enumerate(lines):
            text = line.text
            last = next((kept_line for kept_line in reversed(out) if kept_line), "")
            if starting and text == header and _is_table_row(last):
                continue  # the table's header row printed again at the top of the page
            carried = starting
            starting = False
            height = line.bottom - line.top
            gap = previous is not None and (
                line.top - previous.bottom > 0.6 * height or line.top < previous.top - height
            )
            following = lines[index + 1] if index + 1 < len(lines) else None
            alone = (previous is None or gap) and (
                following is None or following.top - line.bottom > 0.6 * height
            )
            if gap:
                out.append("")
            if _is_table_row(text):
                while len(out) >= 2 and not out[-1] and _is_table_row(out[-2]):
                    out.pop()  # rows of one table stay together
                if not (out and _is_table_row(out[-1])):
                    header = text
                if carried and out and (joined := _row_carried_over(out[-1], text, vocabulary)):
                    out[-1] = joined
                    previous = line
                    continue
                if out and out[-1] and not _is_table_row(out[-1]):
                    out.append("")
                out.append(text)
                previous = line
                continue
            if out and _is_table_row(out[-1]):
                out.append("")
            if line.size in levels and len(text) <= 200:
                marks = "#" * levels[line.size] + " "
                if not gap and len(out) >= 2 and out[-2].startswith(marks) and not out[-1]:
                    out[-2] = f"{out[-2]} {text}"  # a heading wrapped onto a second line
                    previous = line
                    continue
                out.extend(["", marks + text, ""])
            elif line.bold and alone and len(text) <= 120 and not text.endswith((".", ";", ",")):
                out.extend(["", "#" * bold_level + " " + text, ""])
            elif out and out[-1] and not gap and (joined := join_hyphen(out[-1], text, vocabulary)):
                out[-1] = joined
            else:
                out.append(text)
            previous = line
        out.append("")
    return "\n".join(out)


def _row_carried_over(last, first, vocabulary):
    """The last row of a page and the first row of the next as one row, when the first carries
    the last on: a new row fills its first cell (a number, or the wording), so a first cell left
    empty carries the row on, as does a longest cell whose sentence is unfinished. None
    otherwise."""
    if not (_is_table_row(last) and _is_table_row(first)):
        return None
    before, after = _cells(last), _cells(first)
    if len(before) != len(after):
        return None
    wording = max(before, key=len)
    unfinished = bool(wording) and wording[-1] not in ".;:!?)"
    if not (after[0] == "" or unfinished) or not any(after):
        return None
    cells = []
    for above, below in zip(before, after, strict=True):
        joined = join_hyphen(above, below, vocabulary) if above and below else None
        cells.append(joined if joined is not None else f"{above} {below}".strip())
    return "| " + " | ".join(cells) + " |"


def _cells(row):
    return [cell.strip() for cell in row[2:-2].split(" | ")]


def _is_cover(pages_lines, body):
    """Whether the first page is a title page: a few lines, some in large type, and no body text
    (a first page that goes on into the report's text is not)."""
    if len(pages_lines) < 2 or not pages_lines[0] or len(pages_lines[0]) > 15:
        return False
    first = pages_lines[0]
    body_text = sum(len(line.text) for line in first if line.size < body * 1.15)
    return body_text < 150 and any(line.size >= body * 1.5 for line in first)


def _cover_text(lines, body):
    """A title page as a "#" title (its largest lines, joined) and its other lines as text."""
    largest = max(line.size for line in lines)
    title = [line for line in lines if line.size >= min(body * 1.5, largest)]
    rest = [line.text for line in lines if line not in title]
    out = ["# " + " ".join(line.text for line in title), ""]
    for text in rest:
        out.extend([text, ""])
    return out


def _carries_over(out, first, levels):
    """Whether a page's first line carries on the sentence the last page ended with: that line
    is plain text without a closing stop, and this one is neither a heading nor a new item."""
    if len(out) < 2 or out[-1] or not out[-2] or out[-2].startswith("#"):
        return False
    if _is_table_row(out[-2]) or out[-2].rstrip()[-1] in ".:;?!)":
        return False
    if first.size in levels or first.bold or _is_table_row(first.text):
        return False
    return not starts_list_item(first.text)


FOOTNOTE_START = re.compile(r"^(?:\d{1,3}\.?|[*†‡§])\s*\S")


def _without_footnotes(lines, body):
    """A page's lines without its footnotes: the run of lines in a smaller type at the foot of
    the page that starts with a note's number. Left in, "1. Working Together 2018" reads as a
    numbered item and a recommendation carried over the page is cut in two."""
    start = len(lines)
    while start and lines[start - 1].size and lines[start - 1].size <= body * 0.85:
        if _is_table_row(lines[start - 1].text):
            break
        start -= 1
    if start == 0 or (len(lines) - start) * 2 > len(lines):
        return lines  # a page set in the smaller type (an appendix, a table) has no notes
    while start < len(lines) and not FOOTNOTE_START.match(lines[start].text):
        start += 1  # the small lines above the first note are the page's own text
    return lines[:start]


def _vocabulary(pages_lines):
    return {
        word.lower()
        for lines in pages_lines
        for line in lines
        for word in re.findall(r"[\w-]+", line.text)
    }


def _cell_lines(lines, vocabulary):
    """The lines of a table cell as one line, hyphenated breaks joined as in body text."""
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        joined = join_hyphen(text, line, vocabulary) if text else None
        text = joined if joined is not None else f"{text} {line}".strip()
    return text


def _is_table_row(text):
    return text.startswith("| ") and text.endswith(" |")


# ---------------------------------------------------------------------------------------------
# Word


def read_docx(name, data):
    if not data.startswith(b"PK"):
        raise _wrong_type(name, "a Word .docx file", data)
    _check_docx_package(name, data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several kinds on damaged packages
        raise ReviewImportError(f"{name}: the Word file could not be read ({error}).") from None
    lines = list(_docx_lines(document))
    if not any(line.strip() for line in lines):
        raise ReviewImportError(f"{name}: the file is empty.")
    text = "\n".join(lines)
    title = (document.core_properties.title or "").strip() or _first_heading(text)
    return SourceText(text=text, title=title, explicit_headings=True)


def _check_docx_package(name, data):
    """Refuse a package whose parts would unpack too large, before anything is unpacked.

    The sizes in the zip directory can lie, so the XML parts are also decompressed as a stream
    and abandoned as soon as they pass the limit."""
    too_large = ReviewImportError(
        f"{name}: the Word document unpacks to more than the importer reads (its text part may "
        f"be at most {_megabytes(MAX_DOCX_XML_BYTES)}). Save it again from Word, or as a PDF."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_DOCX_ENTRIES:
                raise ReviewImportError(
                    f"{name}: the Word package holds {len(entries)} parts; a document has at most "
                    f"{MAX_DOCX_ENTRIES}."
                )
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names:
                raise _wrong_type(name, "a Word .docx file", b"PK\x03\x04")
            if sum(entry.file_size for entry in entries) > MAX_DOCX_TOTAL_BYTES:
                raise too_large
            xml_total = 0
            for entry in entries:
                if not entry.filename.endswith((".xml", ".rels")):
                    continue
                if entry.file_size > MAX_DOCX_XML_BYTES:
                    raise too_large
                with archive.open(entry) as part:
                    while chunk := part.read(1024 * 1024):
                        xml_total += len(chunk)
                        if xml_total > MAX_DOCX_XML_BYTES * 2:
                            raise too_large
    except zipfile.BadZipFile:
        raise _wrong_type(name, "a Word .docx file", data) from None
    # NotImplementedError: zipfile meets a compression method it cannot read.
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError) as error:
        raise ReviewImportError(f"{name}: the Word file could not be read ({error}).") from None


def _first_heading(text):
    for line in text.split("\n"):
        if line.startswith("#"):
            return line.lstrip("#").strip()[:255]
    return ""


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


def _numbering_levels(document):
    """numId → {ilvl: _Level} from the numbering part: what each list level prints."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        # python-docx signals a document without a numbering part (no lists at all) this way.
        return {}
    abstract = {}
    for node in numbering.iter(f"{W}abstractNum"):
        levels = {}
        for level in node.iter(f"{W}lvl"):
            fmt = level.find(f"{W}numFmt")
            text = level.find(f"{W}lvlText")
            start = level.find(f"{W}start")
            levels[int(level.get(f"{W}ilvl") or 0)] = _Level(
                fmt=fmt.get(f"{W}val") if fmt is not None else "decimal",
                text=text.get(f"{W}val") if text is not None else "",
                start=int(start.get(f"{W}val")) if start is not None else 1,
            )
        abstract[node.get(f"{W}abstractNumId")] = levels
    formats = {}
    for node in numbering.iter(f"{W}num"):
        ref = node.find(f"{W}abstractNumId")
        if ref is not None:
            formats[node.get(f"{W}numId")] = abstract.get(ref.get(f"{W}val"), {})
    return formats


def _num_pr(paragraph):
    """The paragraph's numbering (numId, level), from the paragraph or its style."""
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None and p_pr.numPr.numId is not None:
        level = p_pr.numPr.ilvl.val if p_pr.numPr.ilvl is not None else 0
        return str(p_pr.numPr.numId.val), int(level)
    style = paragraph.style
    while style is not None:
        style_p_pr = style.element.pPr
        if style_p_pr is not None and style_p_pr.numPr is not None:
            num_pr = style_p_pr.numPr
            if num_pr.numId is not None:
                level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
                return str(num_pr.numId.val), int(level)
        style = style.base_style
    return None


def _outline_level(paragraph):
    """A heading level from the paragraph's style ("Heading 2", "Title") or its outline level."""
    style = paragraph.style
    while style is not None:
        name = style.name or ""
        heading = re.match(r"Heading (\d)", name)
        if heading:
            return int(heading.group(1))
        if name == "Title":
            return 1
        style = style.base_style
    p_pr = paragraph._p.pPr
    outline = p_pr.find(f"{W}outlineLvl") if p_pr is not None else None
    if outline is not None and outline.get(f"{W}val", "9").isdigit():
        value = int(outline.get(f"{W}val"))
        if value < 9:
            return value + 1
    return None


ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
         (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip


def _roman(number):
    out = ""
    for value, letters in ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def _format_number(value, fmt):
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)


def _marker(levels, counters, num_id, level):
    """What Word prints before the paragraph: its lvlText with each %n filled in."""
    definition = levels.get(level, _Level())
    if definition.fmt in ("bullet", "none"):
        return None
    pattern = definition.text or f"%{level + 1}."

    def fill(match):
        index = int(match.group(1)) - 1
        other = levels.get(index, _Level())
        return _format_number(counters.get((num_id, index), other.start), other.fmt)

    marker = re.sub(r"%(\d)", fill, pattern).strip()
    if definition.fmt in ("lowerLetter", "lowerRoman") and not marker.startswith("("):
        # "a." and "a)" read the same; the importer writes lettered sub-items as "(a)".
        marker = f"({marker.rstrip('.)')})"
    elif not marker.endswith((".", ")", ":", "-", "\u2013", "\u2014")) and "." not in marker:
        marker += "."
    return marker


def _cell_text(cell):
    return " ".join(paragraph.text.strip() for paragraph in cell.paragraphs if paragraph.text)


def _docx_lines(document):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    levels_by_num = _numbering_levels(document)
    counters = {}
    for child in _body_blocks(document.element.body):
        if child.tag == f"{W}tbl":
            yield ""
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    text = _cell_text(cell).replace("|", "/")
                    # Merged cells repeat themselves in python-docx: keep one copy.
                    if not cells or cell._tc is not getattr(cells[-1], "_tc_ref", None):
                        cells.append(_Cell(text, cell._tc))
                yield "| " + " | ".join(cell.text for cell in cells) + " |"
            yield ""
            continue
        if child.tag != f"{W}p":
            continue
        paragraph = Paragraph(child, document)
        text = " ".join(paragraph.text.split())
        if not text:
            yield ""
            continue
        entry = TAB_PAGE_NUMBER.match(paragraph.text.strip())
        if entry and (_is_contents_style(paragraph) or _has_tab_leader(paragraph)):
            # A contents entry keeps its tab, so it reads as contents, not as a numbered item.
            yield ""
            yield f"{' '.join(entry.group('title').split())}\t{entry.group('page')}"
            continue
        level = _outline_level(paragraph)
        numbering = _num_pr(paragraph)
        if level is not None:
            marker = None
            if numbering is not None:
                num_id, ilvl = numbering
                marker = _count(levels_by_num.get(num_id, {}), counters, num_id, ilvl)
            yield ""
            yield "#" * min(level, 6) + " " + (f"{marker} {text}" if marker else text)
            yield ""
            continue
        if numbering is None:
            yield ""
            # A short paragraph set in bold alone is the document's own heading where the author
            # did not use a heading style ("Recommendations" in bold), as PDFs are read.
            yield f"###### {text}" if _bold_title(paragraph, text) else text
            continue
        num_id, ilvl = numbering
        levels = levels_by_num.get(num_id, {})
        style = paragraph.style.name if paragraph.style is not None else ""
        if num_id not in levels_by_num and "Bullet" in style:
            levels = {ilvl: _Level(fmt="bullet")}
        marker = _count(levels, counters, num_id, ilvl)
        indent = "    " * ilvl
        yield f"{indent}{marker} {text}" if marker else f"{indent}- {text}"


TAB_PAGE_NUMBER = re.compile(r"^(?P<title>.*\S)\t+\s*(?P<page>\d{1,4})$", re.DOTALL)


def _is_contents_style(paragraph):
    style = paragraph.style
    return style is not None and bool(re.match(r"(?i)toc \d|contents \d", style.name or ""))


def _has_tab_leader(paragraph):
    """A tab stop with a leader (dots, dashes, a line) in the paragraph or its style."""
    elements = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        elements.append(style.element.pPr)
        style = style.base_style
    return any(
        tab.get(f"{W}leader") not in (None, "none")
        for element in elements
        if element is not None
        for tab in element.iter(f"{W}tab")
    )


def _bold_title(paragraph, text):
    if len(text) > 120 or len(text.split()) > 14 or text.endswith((".", ";", ",", ":", "?", "!")):
        return False
    if SENTENCE_WORDS.search(text):
        return False  # a sentence in bold for emphasis
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(
        run.bold if run.bold is not None else _style_bold(run, paragraph) for run in runs
    )


def _style_bold(run, paragraph):
    """Bold by the run's character style or the paragraph's style, not set on the run itself."""
    for style in (run.style, paragraph.style):
        while style is not None:
            if style.font.bold is not None:
                if style.font.bold:
                    return True
                break
            style = style.base_style
    return False


MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _body_blocks(body):
    """The body's paragraphs and tables in order, including those a content control (w:sdt)
    wraps (report templates put whole sections inside one) and those in text boxes, after the
    paragraph they are anchored to (a 7-minute briefing is often all text boxes)."""
    for child in body.iterchildren():
        if child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _body_blocks(content)
            continue
        yield child
        if child.tag != f"{W}p":
            continue
        for box in child.iter(f"{W}txbxContent"):
            # Word stores each shape twice, as DrawingML and as a VML fallback: read one.
            if not any(parent.tag == MC_FALLBACK for parent in box.iterancestors()):
                yield from _body_blocks(box)


def _count(levels, counters, num_id, ilvl):
    key = (num_id, ilvl)
    start = levels.get(ilvl, _Level()).start
    counters[key] = counters.get(key, start - 1) + 1
    # A new item at one level restarts the counting of the levels below it.
    for other in [k for k in counters if k[0] == num_id and k[1] > ilvl]:
        del counters[other]
    return _marker(levels, counters, num_id, ilvl)


@dataclass
class _Cell:
    text: str
    _tc_ref: object
