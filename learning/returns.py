"""Agency returns by spreadsheet: a template of an agency's open actions, filled in and uploaded.
Every row is checked first; then either every row becomes a progress update or none does."""

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import AgencyAction, ExtensionRequest
from .services import ActionRuleError, StaleVersion, post_update, request_extension

MAX_RETURN_BYTES = 2 * 1024 * 1024
MAX_NOTE_LENGTH = 5000
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
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"]


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


def template_dataset(actions):
    """One row per open action; the lead fills in the last five columns."""
    dataset = tablib.Dataset(headers=COLUMNS, title="Agency return")
    for action in actions:
        dataset.append(
            [
                action.pk,
                action.version,
                action.agency.name,
                _recommendation_label(action),
                action.description,
                action.current_due_date.isoformat(),
                action.get_status_display(),
                action.get_rag_display() if action.rag else "",
                "",
                "",
                "",
            ]
        )
    return dataset


def _load(name, data):
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
        try:
            return tablib.Dataset().load(io.BytesIO(data), format="xlsx")
        except Exception as error:  # openpyxl raises many kinds on damaged workbooks
            raise ReturnFileError(f"{name}: the workbook could not be read ({error}).") from None
    if b"\x00" in data[:4096]:
        raise ReturnFileError(f"{name}: this is not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    # Excel in some locales saves "CSV" with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ReturnFileError(f"{name}: the file is empty.")
    width = len(rows[0])
    dataset = tablib.Dataset(headers=[cell.strip() for cell in rows[0]])
    for row in rows[1:]:
        dataset.append((row + [""] * width)[:width])
    return dataset


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(text)


def _choice(value, choices):
    """Accept a choice by its value ("in_progress") or its label ("In progress")."""
    text = _text(value).lower()
    for choice_value, label in choices:
        if text in (choice_value.lower(), label.lower()):
            return choice_value
    return None


def check_return(user, name, data, today=None):
    """Read and check every row. Returns (rows to apply, ReturnResult with any problems)."""
    today = today or timezone.localdate()
    dataset = _load(name, data)
    headers = {(header or "").strip().lower(): header for header in dataset.headers or []}
    missing = [column for column in REQUIRED_COLUMNS if column.lower() not in headers]
    if missing:
        raise ReturnFileError(
            f"{name}: the columns {', '.join(missing)} are missing. Download a new template and "
            "fill that in."
        )
    result = ReturnResult()
    records = []
    for index, values in enumerate(dataset.dict):
        # Row 1 of the sheet is the header row.
        record = {column: values.get(headers.get(column.lower())) for column in COLUMNS}
        if any(_text(value) for value in record.values()):
            records.append((index + 2, record))
    ids = [_text(record[ACTION_ID]) for _, record in records]
    actions = AgencyAction.objects.in_bulk(
        [int(action_id) for action_id in ids if action_id.isdigit()]
    )
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

        action_id = _text(record[ACTION_ID])
        action = actions.get(int(action_id)) if action_id.isdigit() else None
        if action is None or not permissions.can_update_action(user, action):
            # The same words whether the action is missing or another agency's: nothing leaks.
            problem(ACTION_ID, f"“{action_id}” is not an action of an agency you can update.")
            result.problems.extend(problems)
            continue
        if action_id in seen:
            problem(ACTION_ID, f"Action {action_id} is already on row {seen[action_id]}.")
        seen.setdefault(action_id, row_number)
        if action.status in AgencyAction.Status.finished():
            problem(STATUS, f"Action {action_id} is {action.get_status_display().lower()}.")

        version_text = _text(record[VERSION])
        version = int(version_text) if version_text.isdigit() else None
        if version is None:
            problem(VERSION, "The version must be the whole number from the template.")
        elif version != action.version:
            problem(
                VERSION,
                f"Action {action_id} has changed since the template was downloaded (version "
                f"{version} in the file, now {action.version}). Download a new template.",
            )

        # A blank status or RAG leaves the action's current one as it is.
        status_text = _text(record[STATUS])
        status = _choice(status_text, AgencyAction.Status.choices) if status_text else None
        if status_text and status is None:
            problem(STATUS, f"“{status_text}” is not a status.")
        elif status and status != action.status and status not in allowed_statuses:
            problem(STATUS, f"You cannot set the status to “{AgencyAction.Status(status).label}”.")

        rag_text = _text(record[RAG])
        rag = _choice(rag_text, AgencyAction.RAG.choices) if rag_text else None
        if rag_text and rag is None:
            problem(RAG, f"“{rag_text}” is not a RAG rating: use Red, Amber or Green.")

        note = _text(record[NOTE])
        if len(note) > MAX_NOTE_LENGTH:
            problem(NOTE, f"The progress note is longer than {MAX_NOTE_LENGTH} characters.")
        reason = _text(record[REASON])

        # A new due date is a request for more time: the business unit decides, as on the page.
        due_date = None
        if _text(record[NEW_DUE]):
            try:
                due_date = _date(record[NEW_DUE])
            except ValueError:
                problem(NEW_DUE, f"“{_text(record[NEW_DUE])}” is not a date: use YYYY-MM-DD.")
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
