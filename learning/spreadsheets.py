"""Spreadsheets the hub reads and writes: how a cell's text and date are read (spreadsheet
returns, the case log), the one guard against formula injection, and streamed CSV and XLSX
writers for exports of any size.

Every value that leaves the tracker in a spreadsheet (exports, return templates) passes through
`cell_value`, so a recommendation imported from a document that reads "=HYPERLINK(…)" arrives as
text, never as a live formula.
"""

import csv
import datetime
import difflib
import re
import zipfile
from xml.sax.saxutils import escape

# A cell starting with one of these is read as a formula (or the start of one) by spreadsheet
# programs; tab and carriage return are used to smuggle one past a check of the first character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Dates as people type them into a spreadsheet: ISO, UK day first, written out, and the times
# that a spreadsheet program adds to a date.
CELL_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def cell_text(value):
    """A cell as text: nothing for an empty cell, whole numbers without ".0", no outer spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_date(value):
    """A cell's date: a date cell as it is, text in one of CELL_DATE_FORMATS, None when empty.
    Anything else raises ValueError with a message that says how to write it."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for date_format in CELL_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(f'"{text}" is not a date: write it as 2020-03-31 or 31/03/2020.')


def repeated_headings(header, known):
    """Why `header` (the first row's cells) cannot be read, when it names one of the `known`
    headings in more than one column: a value under either could be the one meant, so neither
    is taken. None when each known heading is in one column at most."""
    columns = {}
    wanted = {heading.lower(): heading for heading in known}
    for index, cell in enumerate(header):
        heading = wanted.get(cell_text(cell).lower())
        if heading is not None:
            columns.setdefault(heading, []).append(_column_letter(index))
    repeated = [
        f"the heading “{heading}” is in more than one column ("
        + ", ".join(letters[:-1])
        + f" and {letters[-1]})"
        for heading, letters in columns.items()
        if len(letters) > 1
    ]
    if not repeated:
        return None
    return "; ".join(repeated) + ". Keep one column of each heading, so it is clear which to read."


def misspelt_headings(header, known, read=()):
    """Why `header` cannot be read, when a heading in it is not one of the `known` headings but
    is so near one that is missing that it must be meant for it ("Notifed on"): read as it is,
    that column would be left out without a word. Headings in `read` (columns an export adds,
    which the import passes over) and headings unlike any known one are let be. None when there
    is no such heading."""
    present = {cell_text(cell).lower() for cell in header}
    missing = {heading.lower(): heading for heading in known if heading.lower() not in present}
    passed_over = {heading.lower() for heading in (*known, *read)}
    misspelt = []
    for index, cell in enumerate(header):
        heading = cell_text(cell)
        if not heading or heading.lower() in passed_over:
            continue
        near = difflib.get_close_matches(heading.lower(), list(missing), n=1, cutoff=0.8)
        if near:
            misspelt.append(
                f"the heading “{heading}” (column {_column_letter(index)}) is not one the import "
                f"reads; did you mean “{missing[near[0]]}”?"
            )
    if not misspelt:
        return None
    return "; ".join(misspelt) + " Correct the heading, so that column is read."


def cell_value(value):
    """`value` as it is safe to put in a spreadsheet cell: text that would start a formula gets a
    leading apostrophe (shown as plain text by Excel, LibreOffice and Google Sheets). Numbers and
    dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values):
    return [cell_value(value) for value in values]


class _Sink:
    """A write-only buffer: what has been written since the last `take()`.

    It has no `tell`, so zipfile writes the archive as a stream (with data descriptors), which
    lets the response send each part as soon as it is compressed.
    """

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.chunks)
        self.chunks = []
        return data


def _csv_value(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return cell_value(value)


def stream_csv(headers, rows, byte_order_mark=False):
    """Bytes of a UTF-8 CSV, in chunks. Dates are written YYYY-MM-DD (and HH:MM for moments).

    With `byte_order_mark`, Excel opens it knowing it is UTF-8 (accents and dashes read right).
    """
    sink = _TextSink()
    writer = csv.writer(sink)
    writer.writerow([_csv_value(value) for value in headers])
    yield (("\ufeff" if byte_order_mark else "") + sink.take()).encode("utf-8")
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(value) for value in row])
        if count % 1000 == 0:
            yield sink.take().encode("utf-8")
    yield sink.take().encode("utf-8")


class _TextSink:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self):
        text = "".join(self.parts)
        self.parts = []
        return text


# XML 1.0 forbids most control characters; a note pasted from another program may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ENTITIES = {"\r": "&#13;"}
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_STYLE, _DATETIME_STYLE, _HEADER_STYLE = 1, 2, 3

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Styles: 0 plain, 1 date, 2 date and time, 3 bold header.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text_cell(reference, value, style=0):
    # A carriage return is kept as a character reference: XML parsers turn a literal one into \n.
    text = escape(_NOT_XML.sub("", value), _XML_ENTITIES)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    style_attribute = f' s="{style}"' if style else ""
    return f'<c r="{reference}" t="inlineStr"{style_attribute}><is><t{space}>{text}</t></is></c>'


def _cell(reference, value, style=0):
    if type(value) is str:  # most cells: checked first
        return _text_cell(reference, value, style) if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value!r}</v></c>'
    if isinstance(value, datetime.datetime):
        moment = value.replace(tzinfo=None) - datetime.datetime(1899, 12, 30)
        serial = moment.days + moment.seconds / 86400
        return f'<c r="{reference}" s="{_DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{reference}" s="{_DATE_STYLE}"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    return _text_cell(reference, str(value), style)


def stream_xlsx(title, headers, rows, widths=None):
    """Bytes of a one-sheet XLSX workbook, in chunks, written row by row in constant memory.

    Dates and datetimes (naive, local time) become real date cells; text is guarded by
    `cell_value`. The header row is bold and stays in view when scrolling.
    """
    sink = _Sink()
    columns = [_column_letter(index) for index in range(len(headers))]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(title=escape(title[:31])))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                b'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            )
            if widths:
                sheet.write(
                    (
                        "<cols>"
                        + "".join(
                            f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                            for index, width in enumerate(widths, start=1)
                        )
                        + "</cols>"
                    ).encode()
                )
            header = "".join(
                _cell(f"{column}1", cell_value(name), _HEADER_STYLE)
                for column, name in zip(columns, headers, strict=True)
            )
            sheet.write(f'<sheetData><row r="1">{header}</row>'.encode())
            parts = []
            for number, row in enumerate(rows, start=2):
                cells = "".join(
                    _cell(f"{column}{number}", cell_value(value))
                    for column, value in zip(columns, row, strict=True)
                )
                parts.append(f'<row r="{number}">{cells}</row>')
                if len(parts) == 500:
                    sheet.write("".join(parts).encode())
                    parts = []
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            sheet.write(("".join(parts) + "</sheetData></worksheet>").encode())
    yield sink.take()
