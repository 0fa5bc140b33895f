"""Read .txt, .md, .pdf (text layer) and .docx review documents into one plain shape: lines of
text where headings start with "#" (when the format tells us) and list items keep their numbers."""

import io
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import SUPPORTED_EXTENSIONS, ReviewImportError

NO_TEXT_LAYER = "no text layer; OCR is not supported"

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


def read_document(name, data):
    """Read the bytes of a file called `name`. Raises ReviewImportError with a clear message."""
    extension = Path(name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        shown = extension or "no extension"
        raise ReviewImportError(
            f"{name}: unsupported file type ({shown}). Use a .txt, .md, .pdf or .docx file."
        )
    if not data or not data.strip():
        raise ReviewImportError(f"{name}: the file is empty.")
    if extension == ".pdf":
        return read_pdf(name, data)
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


def read_text(name, data, markdown=False):
    found = _looks_like(data)
    if b"\x00" in data[:4096] or found:
        raise _wrong_type(name, "a text file", data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Documents saved from older Windows tools are often cp1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ReviewImportError(f"{name}: the text could not be decoded ({error}).") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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


def read_pdf(name, data):
    if not data.startswith(b"%PDF-"):
        raise _wrong_type(name, "a PDF", data)
    import pdfplumber
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except (PdfReadError, ValueError, OSError) as error:
        raise ReviewImportError(f"{name}: the PDF could not be read ({error}).") from None
    if encrypted:
        raise ReviewImportError(
            f"{name}: the PDF is encrypted (password-protected). Save an unprotected copy and "
            "import that."
        )
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text_lines() for page in pdf.pages]
            title = (pdf.metadata or {}).get("Title") or ""
    except Exception as error:  # pdfminer raises many kinds of error on damaged files
        raise ReviewImportError(f"{name}: the PDF could not be read ({error}).") from None
    lines = [line for page in pages for line in page if line["text"].strip()]
    if not lines:
        raise ReviewImportError(f"{name}: {NO_TEXT_LAYER}.")
    text = _pdf_text(pages)
    return SourceText(
        text=text, title=str(title).strip() or _first_heading(text), explicit_headings=True
    )


def _line_size(line):
    sizes = [char["size"] for char in line.get("chars", []) if char["text"].strip()]
    return round(statistics.median(sizes), 1) if sizes else 0


def _pdf_text(pages):
    """Lines in a larger type than the body become "#" headings; a wider gap starts a paragraph."""
    weights = Counter()
    for page in pages:
        for line in page:
            weights[_line_size(line)] += len(line["text"])
    body = weights.most_common(1)[0][0]
    heading_sizes = sorted({size for size in weights if size >= body * 1.15}, reverse=True)
    levels = {size: min(index + 1, 6) for index, size in enumerate(heading_sizes)}
    out = []
    for page in pages:
        previous = None
        for line in page:
            text = line["text"].strip()
            if not text:
                continue
            size = _line_size(line)
            height = line["bottom"] - line["top"]
            if previous is not None and line["top"] - previous["bottom"] > 0.6 * height:
                out.append("")
            if size in levels and len(text) <= 200:
                out.extend(["", "#" * levels[size] + " " + text, ""])
            else:
                out.append(text)
            previous = line
        out.append("")
    return "\n".join(out)


def read_docx(name, data):
    if not data.startswith(b"PK"):
        raise _wrong_type(name, "a Word .docx file", data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise _wrong_type(name, "a Word .docx file", b"PK\x03\x04")
    except zipfile.BadZipFile:
        raise _wrong_type(name, "a Word .docx file", data) from None
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


def _first_heading(text):
    for line in text.split("\n"):
        if line.startswith("#"):
            return line.lstrip("#").strip()[:255]
    return ""


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _numbering_formats(document):
    """numId → {level: numFmt} from the numbering part, so "1." lists and bullets are told apart."""
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
            levels[level.get(f"{W}ilvl")] = fmt.get(f"{W}val") if fmt is not None else "decimal"
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
        return str(p_pr.numPr.numId.val), str(level)
    style = paragraph.style
    while style is not None:
        style_p_pr = style.element.pPr
        if style_p_pr is not None and style_p_pr.numPr is not None:
            num_pr = style_p_pr.numPr
            if num_pr.numId is not None:
                level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
                return str(num_pr.numId.val), str(level)
        style = style.base_style
    return None


def _docx_lines(document):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    formats = _numbering_formats(document)
    counters = {}
    for child in document.element.body.iterchildren():
        if child.tag == f"{W}tbl":
            for row in Table(child, document).rows:
                cells = [cell.text.strip() for cell in row.cells]
                cells = [
                    cell for index, cell in enumerate(cells) if cell and cell not in cells[:index]
                ]
                if not cells:
                    continue
                # A recommendations table: "No. | Recommendation | Agency".
                if re.fullmatch(r"\d{1,3}[a-z]?\.?", cells[0]) and len(cells) > 1:
                    yield f"{cells[0].rstrip('.')}. " + " ".join(cells[1:])
                else:
                    yield ""
                    yield " | ".join(cells)
            yield ""
            continue
        if child.tag != f"{W}p":
            continue
        paragraph = Paragraph(child, document)
        text = paragraph.text.strip()
        if not text:
            yield ""
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        heading = re.match(r"Heading (\d)", style)
        if heading or style == "Title":
            level = int(heading.group(1)) if heading else 1
            yield ""
            yield "#" * level + " " + text
            yield ""
            continue
        numbering = _num_pr(paragraph)
        if numbering is None:
            yield ""
            yield text
            continue
        num_id, level = numbering
        fmt = formats.get(num_id, {}).get(level, "bullet" if "Bullet" in style else "decimal")
        key = (num_id, level)
        counters[key] = counters.get(key, 0) + 1
        # A new item at one level restarts the counting of the levels below it.
        for other in [k for k in counters if k[0] == num_id and int(k[1]) > int(level)]:
            del counters[other]
        indent = "    " * int(level)
        if fmt == "bullet" or fmt == "none":
            yield f"{indent}- {text}"
        elif int(level) > 0 or fmt in ("lowerLetter", "upperLetter"):
            letter = chr(ord("a") + (counters[key] - 1) % 26)
            yield f"{indent}({letter}) {text}"
        else:
            yield f"{counters[key]}. {text}"
