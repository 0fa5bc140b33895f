"""Agency returns by spreadsheet: a template of an agency's open actions, filled in and uploaded.
Every row is checked first; then either every row becomes a progress update or none does."""

import csv
import datetime
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.db import transaction
from django.utils import timezone
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import permissions
from .models import AgencyAction, ExtensionRequest
from .services import (
    NOTE_MAX_LENGTH,
    ActionRuleError,
    StaleVersion,
    post_update,
    request_extension,
)
from .spreadsheets import cell_date, cell_text, repeated_headings, safe_row, stream_csv

MAX_RETURN_BYTES = 2 * 1024 * 1024
# The shape of anything that could be a filled-in template; beyond it, the file is refused while
# it is being read (issue: one line of 200,000 commas once took 2 GB to read).
MAX_RETURN_ROWS = 5000
MAX_RETURN_COLUMNS = 40
MAX_CELL_CHARACTERS = 10_000
MAX_XLSX_UNPACKED_BYTES = 25 * 1024 * 1024
RETURN_SHEET = "Agency return"
INSTRUCTIONS_SHEET = "Instructions"
RETURN_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}

ACTION_ID = "Action id"
VERSION = "Version"
AGENCY = "Agency"
RECOMMENDATION = "Recommendation"
DESCRIPTION = "Description"
CURRENT_DUE = "Current due date"
STATUS = "Status"
RAG = "RAG"
NOTE = "Progress note"
NEW_DUE = "New due date"
REASON = "Reason"
COLUMNS = [
    ACTION_ID,
    VERSION,
    AGENCY,
    RECOMMENDATION,
    DESCRIPTION,
    CURRENT_DUE,
    STATUS,
    RAG,
    NOTE,
    NEW_DUE,
    REASON,
]
REQUIRED_COLUMNS = [ACTION_ID, VERSION, STATUS, RAG, NOTE, NEW_DUE, REASON]


class ReturnFileError(ValueError):
    """The uploaded file cannot be read as a return at all."""


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


@dataclass
class ReturnRow:
    row: int
    action: AgencyAction
    version: int
    status: str | None
    rag: str | None
    note: str
    due_date: datetime.date | None
    reason: str = ""

    @property
    def has_progress(self):
        return bool(self.note)


@dataclass
class ReturnResult:
    problems: list = field(default_factory=list)
    applied: list = field(default_factory=list)  # the progress updates written
    extensions: list = field(default_factory=list)  # extension requests, pending a decision
    unchanged: int = 0

    @property
    def ok(self):
        return not self.problems


def template_actions(user, agency=None):
    """The open actions this person may update: the rows of their template."""
    actions = permissions.returnable_actions(user, AgencyAction.objects.open())
    if agency is not None:
        actions = actions.filter(agency=agency)
    return actions.select_related("agency", "recommendation", "recommendation__review").order_by(
        "agency__name", "current_due_date", "pk"
    )


def _recommendation_label(action):
    if action.recommendation_id:
        recommendation = action.recommendation
        return f"{recommendation.review.title}, recommendation {recommendation.number}"
    return "Section 11"


EDITABLE_COLUMNS = [STATUS, RAG, NOTE, NEW_DUE, REASON]
COLUMN_WIDTHS = {
    ACTION_ID: 10,
    VERSION: 9,
    AGENCY: 28,
    RECOMMENDATION: 40,
    DESCRIPTION: 60,
    CURRENT_DUE: 16,
    STATUS: 16,
    RAG: 10,
    NOTE: 60,
    NEW_DUE: 16,
    REASON: 40,
}
INSTRUCTIONS = [
    "How to fill in this return",
    "",
    "Each row of the sheet “Agency return” is one of your agencies' open actions.",
    "Fill in only the yellow columns: Status, RAG, Progress note, New due date and Reason.",
    "Leave the grey columns as they are. The action id and version tell the tracker which action "
    "a row is about and whether it has changed since you downloaded this template.",
    "Status and RAG: choose from the drop-down list. Leave a cell blank to keep what is there.",
    "Progress note: what has been done since the last update. Needed whenever a row changes.",
    "New due date: only if you need more time. It is sent to the business unit as a request and "
    "the due date moves only when they accept it. Give the reason in the Reason column.",
    "Rows you leave unchanged are skipped. Every row is checked before anything is saved: if "
    "one row has a problem, nothing is saved and you are told the row and column to correct.",
    "Upload the filled-in file at /tracker/returns/upload/ as .xlsx (or saved as .csv).",
]
# The fills that mark what to fill in (yellow) and what to leave alone (grey).
EDITABLE_FILL = "FFF2CC"
FIXED_FILL = "E7E6E6"


def template_rows(actions):
    """One row per open action: what the tracker knows, then blanks for the lead to fill in."""
    for action in actions:
        yield [
            action.pk,
            action.version,
            action.agency.name,
            _recommendation_label(action),
            action.description,
            action.current_due_date,
            action.get_status_display(),
            action.get_rag_display() if action.rag else "",
            "",
            "",
            "",
        ]


def template_csv(actions):
    """The template as CSV bytes (UTF-8 with a byte-order mark, so Excel reads the dashes)."""
    return b"".join(stream_csv(COLUMNS, template_rows(actions), byte_order_mark=True))


def template_xlsx(actions, user):
    """The template as an XLSX workbook: the return sheet, with drop-down lists for status and
    RAG, the columns to fill in marked, real date cells and readable widths; then instructions."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = RETURN_SHEET
    sheet.append(COLUMNS)
    for row in template_rows(actions):
        sheet.append(safe_row(row))
    last_row = max(sheet.max_row, 2)
    bold = Font(bold=True)
    for index, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index)
        header.font = bold
        editable = name in EDITABLE_COLUMNS
        header.fill = PatternFill("solid", fgColor=EDITABLE_FILL if editable else FIXED_FILL)
        header.comment = Comment(
            "Fill this in." if editable else "Leave this as it is.", "Learning tracker"
        )
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS[name]
        if editable:
            for cell in sheet[f"{letter}2:{letter}{last_row}"]:
                cell[0].fill = PatternFill("solid", fgColor=EDITABLE_FILL)
        if name in (CURRENT_DUE, NEW_DUE):
            for cell in sheet[f"{letter}2:{letter}{last_row}"]:
                cell[0].number_format = "yyyy-mm-dd"
        if name in (NOTE, DESCRIPTION, REASON, RECOMMENDATION):
            for cell in sheet[f"{letter}2:{letter}{last_row}"]:
                cell[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"

    def choose_from(column, labels, what):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(labels) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Choose a {what}",
            error=f"Choose a {what} from the list, or leave the cell blank to keep it.",
            promptTitle=column,
            prompt=f"Choose a {what}, or leave blank to keep the current one.",
            showInputMessage=True,
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)

    allowed = permissions.statuses_user_may_set(user)
    choose_from(STATUS, [AgencyAction.Status(value).label for value in allowed], "status")
    choose_from(RAG, [label for _value, label in AgencyAction.RAG.choices], "RAG rating")

    letter = get_column_letter(COLUMNS.index(NEW_DUE) + 1)
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Enter a date",
        error="Enter the new due date as a date, for example 2026-03-31.",
    )
    dates.add(f"{letter}2:{letter}{last_row}")
    sheet.add_data_validation(dates)

    guide = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for line in INSTRUCTIONS:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 110
    for (cell,) in guide.iter_rows(min_row=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refuse_shape(name, message):
    raise ReturnFileError(f"{name}: {message} Download a new template and fill that in.")


def _without_trailing_blanks(row):
    row = list(row)
    while row and not cell_text(row[-1]):
        row.pop()
    return row


def _check_header(name, header):
    if len(header) > MAX_RETURN_COLUMNS:
        _refuse_shape(
            name, f"its first row has {len(header):,} columns; the template has {len(COLUMNS)}."
        )
    named = {cell_text(cell).lower() for cell in header}
    missing = [column for column in REQUIRED_COLUMNS if column.lower() not in named]
    if missing:
        _refuse_shape(name, f"the columns {', '.join(missing)} are missing.")
    repeated = repeated_headings(header, COLUMNS)
    if repeated:
        raise ReturnFileError(f"{name}: {repeated}")


def _bounded_rows(name, rows):
    """The header and data rows of `rows` (an iterator), checked while they are read: a header
    that is not the template's, too many columns or rows, or an oversized cell stops the reading
    at once, so what is refused costs little time or memory."""
    header = None
    kept = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_RETURN_ROWS + 1:
            _refuse_shape(
                name,
                f"it has more than {MAX_RETURN_ROWS:,} rows; a return has one row per open action.",
            )
        row = _without_trailing_blanks(row)
        if header is None:
            _check_header(name, row)
            header = [cell_text(cell) for cell in row]
            continue
        if len(row) > len(header):
            _refuse_shape(name, f"row {number} has values to the right of the last column.")
        for cell in row:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARACTERS:
                _refuse_shape(
                    name,
                    f"row {number} has a cell longer than {MAX_CELL_CHARACTERS:,} characters.",
                )
        kept.append(row)
    if header is None:
        raise ReturnFileError(f"{name}: the file is empty.")
    return header, kept


_XML_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_XML_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")


def _more_than(pattern, xml, limit):
    """Whether `pattern` occurs more than `limit` times, counting no further than that."""
    return next(itertools.islice(pattern.finditer(xml), limit, None), None) is not None


def _check_workbook_shape(name, data):
    """Count the rows and cells of every sheet before openpyxl reads any: it scans a whole sheet
    that does not state its size, so a sheet of 300,000 rows would be read to the end first."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_XLSX_UNPACKED_BYTES:
                _refuse_shape(name, "the workbook holds far more than a return does.")
            for member in members:
                if not (
                    member.filename.startswith("xl/worksheets/")
                    and member.filename.endswith(".xml")
                ):
                    continue
                with archive.open(member) as part:
                    # Read no more than the limit, whatever size the archive claims.
                    xml = part.read(MAX_XLSX_UNPACKED_BYTES + 1)
                if len(xml) > MAX_XLSX_UNPACKED_BYTES:
                    _refuse_shape(name, "the workbook holds far more than a return does.")
                if _more_than(_XML_ROW, xml, MAX_RETURN_ROWS + 1):
                    _refuse_shape(
                        name,
                        f"it has more than {MAX_RETURN_ROWS:,} rows; a return has one row per open "
                        "action.",
                    )
                if _more_than(_XML_CELL, xml, (MAX_RETURN_ROWS + 1) * MAX_RETURN_COLUMNS):
                    _refuse_shape(name, "it has far more cells than a return does.")
    # zipfile raises NotImplementedError for a compression method it cannot read: a damaged or
    # foreign file, refused like any other.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise ReturnFileError(f"{name}: the workbook could not be read (damaged file).") from None


def _load_xlsx(name, data):
    _check_workbook_shape(name, data)
    try:
        # Read-only mode reads rows as they are asked for, so the row limit stops the reading.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on damaged workbooks
        raise ReturnFileError(f"{name}: the workbook could not be read ({error}).") from None
    try:
        sheet = (
            workbook[RETURN_SHEET]
            if RETURN_SHEET in workbook.sheetnames
            else workbook.worksheets[0]
        )
        rows = sheet.iter_rows(values_only=True, max_col=MAX_RETURN_COLUMNS + 1)
        return _bounded_rows(name, rows)
    except ReturnFileError:
        raise
    except Exception as error:
        raise ReturnFileError(f"{name}: the workbook could not be read ({error}).") from None
    finally:
        workbook.close()


def _load_csv(name, data):
    if b"\x00" in data[:4096]:
        raise ReturnFileError(f"{name}: this is not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text[: text.find("\n")] if "\n" in text else text
    # Excel in some locales saves "CSV" with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _bounded_rows(name, csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise ReturnFileError(f"{name}: the file could not be read as CSV ({error}).") from None


def _load(name, data):
    """(header, rows) of an uploaded return, or ReturnFileError saying why it is not one.

    The shape is checked while the file is read (columns, rows, cell sizes), so a file that is
    not the template is refused in bounded time and memory, whatever it holds.
    """
    extension = Path(name).suffix.lower()
    if extension not in RETURN_FORMATS:
        raise ReturnFileError(
            f"{name}: returns must be a .csv or .xlsx file (the template you downloaded)."
        )
    if not data:
        raise ReturnFileError(f"{name}: the file is empty.")
    if len(data) > MAX_RETURN_BYTES:
        raise ReturnFileError(f"{name}: the file is larger than 2 MB.")
    if extension == ".xlsx":
        if not data.startswith(b"PK"):
            raise ReturnFileError(f"{name}: this is not an Excel .xlsx file.")
        return _load_xlsx(name, data)
    return _load_csv(name, data)


def _cell(values, position):
    if position is None or position >= len(values):
        return None
    return values[position]


def _whole_number(value):
    """A whole number as the template writes it (1 to 999,999,999), or None: "²" and other
    characters that Python counts as digits are not."""
    text = cell_text(value)
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) and int(text) > 0 else None


def _choice(value, choices):
    """Accept a choice by its value ("in_progress") or its label ("In progress")."""
    text = cell_text(value).lower()
    for choice_value, label in choices:
        if text in (choice_value.lower(), label.lower()):
            return choice_value
    return None


def check_return(user, name, data, today=None):
    """Read and check every row. Returns (rows to apply, ReturnResult with any problems)."""
    today = today or timezone.localdate()
    header, data_rows = _load(name, data)
    headers = {text.lower(): position for position, text in enumerate(header) if text}
    result = ReturnResult()
    records = []
    for index, values in enumerate(data_rows):
        # Row 1 of the sheet is the header row.
        record = {column: _cell(values, headers.get(column.lower())) for column in COLUMNS}
        if any(cell_text(value) for value in record.values()):
            records.append((index + 2, record))
    ids = [_whole_number(record[ACTION_ID]) for _, record in records]
    actions = AgencyAction.objects.in_bulk([action_id for action_id in ids if action_id])
    allowed_statuses = permissions.statuses_user_may_set(user)
    pending = set(
        ExtensionRequest.objects.filter(
            action__in=list(actions), decision=ExtensionRequest.Decision.PENDING
        ).values_list("action_id", flat=True)
    )
    seen = {}
    rows = []
    for row_number, record in records:
        problems = []

        def problem(column, message, row_number=row_number, problems=problems):
            problems.append(RowProblem(row_number, column, message))

        action_id = cell_text(record[ACTION_ID])
        action = actions.get(_whole_number(action_id))
        if action is None or not permissions.can_update_action(user, action):
            # The same words whether the action is missing or another agency's: nothing leaks.
            problem(ACTION_ID, f"“{action_id}” is not an action of an agency you can update.")
            result.problems.extend(problems)
            continue
        if action.pk in seen:
            problem(ACTION_ID, f"Action {action.pk} is already on row {seen[action.pk]}.")
        seen.setdefault(action.pk, row_number)
        if action.status in AgencyAction.Status.finished():
            problem(STATUS, f"Action {action_id} is {action.get_status_display().lower()}.")

        version = _whole_number(record[VERSION])
        if version is None:
            problem(VERSION, "The version must be the whole number from the template.")
        elif version != action.version:
            problem(
                VERSION,
                f"Action {action_id} has changed since the template was downloaded (version "
                f"{version} in the file, now {action.version}). Download a new template.",
            )

        # A blank status or RAG leaves the action's current one as it is.
        status_text = cell_text(record[STATUS])
        status = _choice(status_text, AgencyAction.Status.choices) if status_text else None
        if status_text and status is None:
            problem(STATUS, f"“{status_text}” is not a status.")
        elif status and status != action.status and status not in allowed_statuses:
            problem(STATUS, f"You cannot set the status to “{AgencyAction.Status(status).label}”.")

        rag_text = cell_text(record[RAG])
        rag = _choice(rag_text, AgencyAction.RAG.choices) if rag_text else None
        if rag_text and rag is None:
            problem(RAG, f"“{rag_text}” is not a RAG rating: use Red, Amber or Green.")

        note = cell_text(record[NOTE])
        if len(note) > NOTE_MAX_LENGTH:
            problem(NOTE, f"The progress note is longer than {NOTE_MAX_LENGTH:,} characters.")
        reason = cell_text(record[REASON])

        # A new due date is a request for more time: the business unit decides, as on the page.
        due_date = None
        if cell_text(record[NEW_DUE]):
            try:
                due_date = cell_date(record[NEW_DUE])
            except ValueError:
                problem(NEW_DUE, f"“{cell_text(record[NEW_DUE])}” is not a date: use YYYY-MM-DD.")
            else:
                if due_date == action.current_due_date:
                    due_date = None
                elif due_date < action.current_due_date:
                    problem(
                        NEW_DUE,
                        "A new due date must be later than the current one "
                        f"({action.current_due_date:%d %B %Y}): it asks the business unit for "
                        "more time.",
                    )
                elif due_date < today:
                    problem(NEW_DUE, "The new due date is in the past.")
                elif not reason:
                    problem(REASON, "A new due date later than the current one needs a reason.")
                elif action.pk in pending:
                    problem(
                        NEW_DUE,
                        f"Action {action_id} already has a request for more time waiting for the "
                        "business unit's decision.",
                    )

        progress = (
            note
            or (status is not None and status != action.status)
            or (rag is not None and rag != action.rag)
        )
        if not progress and due_date is None and not problems:
            result.unchanged += 1
            continue
        if progress and not note:
            problem(NOTE, "Write a progress note saying what has changed.")
        if problems:
            result.problems.extend(problems)
            continue
        rows.append(
            ReturnRow(
                row_number,
                action,
                version,
                status,
                rag,
                note,
                due_date,
                reason if due_date is not None else "",
            )
        )
    return rows, result


def apply_return(user, name, data, today=None):
    """Check the whole return, then apply every row, or none of them: its progress as a progress
    update, its new due date as an extension request that waits for the business unit."""
    rows, result = check_return(user, name, data, today=today)
    if not result.ok:
        return result
    current = None
    try:
        with transaction.atomic():
            for current in rows:
                if current.has_progress:
                    result.applied.append(
                        post_update(
                            current.action,
                            user,
                            version=current.version,
                            status=current.status,
                            rag=current.rag,
                            note=current.note,
                        )
                    )
                if current.due_date is not None:
                    result.extensions.append(
                        request_extension(
                            current.action,
                            user,
                            new_due_date=current.due_date,
                            reason=current.reason,
                        )
                    )
    except StaleVersion:
        # Someone posted an update between the check and the save: nothing from this file stays.
        result.applied = []
        result.extensions = []
        result.problems.append(
            RowProblem(
                current.row,
                VERSION,
                f"Action {current.action.pk} changed while the return was being applied. "
                "Download a new template.",
            )
        )
    except ActionRuleError as refused:
        result.applied = []
        result.extensions = []
        result.problems.append(RowProblem(current.row, STATUS, str(refused)))
    return result
