"""Bring the old case log in from a spreadsheet (CSV or XLSX). Every row is checked first; a
problem is reported with its row, column and reason, and then nothing changes. Re-importing the
same references updates those cases rather than adding new ones."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models.functions import Lower

from learning.spreadsheets import cell_date, cell_text

from .models import Case, Decision, ReferralReason

MAX_CASE_LOG_BYTES = 2 * 1024 * 1024
MAX_CASE_LOG_ROWS = 5000
CASE_LOG_FORMATS = (".csv", ".xlsx")

REFERENCE = "Reference"
REFERRED_ON = "Referred on"
REASON = "Referral reason"
NOTIFIED_ON = "Notified on"
MEETING_ON = "Rapid review meeting on"
SENT_ON = "Rapid review sent on"
DECISION = "Decision"
DECISION_ON = "Decision on"
PUBLISHED_ON = "Published on"
COST = "Cost"
COLUMNS = [
    REFERENCE,
    REFERRED_ON,
    REASON,
    NOTIFIED_ON,
    MEETING_ON,
    SENT_ON,
    DECISION,
    DECISION_ON,
    PUBLISHED_ON,
    COST,
]
REQUIRED_COLUMNS = [REFERENCE, REFERRED_ON, REASON]
# Each date column and the case field it fills.
DATE_FIELDS = {
    REFERRED_ON: "referred_on",
    NOTIFIED_ON: "notified_on",
    MEETING_ON: "rapid_review_meeting_on",
    SENT_ON: "rapid_review_sent_on",
    DECISION_ON: "decision_on",
    PUBLISHED_ON: "published_on",
}
COLUMN_OF_FIELD = {field: column for column, field in DATE_FIELDS.items()} | {"decision": DECISION}
RULE_FIELDS = set(DATE_FIELDS.values()) | {"decision"}
# What an import may change on an existing case, with the due dates derived from it.
UPDATED_FIELDS = [
    *DATE_FIELDS.values(),
    "referral_reason",
    "decision",
    "cost",
    "notification_due",
    "rapid_review_due",
    "publication_due",
    "updated_at",
]
# ISO or UK dates; spreadsheets saved as CSV sometimes add a midnight time.


class CaseLogError(Exception):
    """The file as a whole cannot be read: wrong type, too big, empty, headings missing."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str

    def __str__(self):
        return f"Row {self.row}, {self.column}: {self.reason}"


@dataclass
class CaseLogResult:
    problems: list = field(default_factory=list)
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def _rows_from_xlsx(name, data):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise CaseLogError(f"{name}: this is not an Excel .xlsx workbook.")
            # A zip bomb: refuse a workbook that would unpack far beyond its upload limit.
            if sum(info.file_size for info in archive.infolist()) > 40 * MAX_CASE_LOG_BYTES:
                raise CaseLogError(f"{name}: the workbook is too large once unpacked.")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except CaseLogError:
        raise
    except Exception as error:  # openpyxl and zipfile raise many kinds on damaged files
        raise CaseLogError(f"{name}: the workbook could not be read ({error}).") from None
    rows = []
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_CASE_LOG_ROWS + 1:
            break
    workbook.close()
    return rows


def _rows_from_csv(name, data):
    if b"\x00" in data[:4096]:
        raise CaseLogError(f"{name}: this is not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    # Excel in some locales saves "CSV" with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise CaseLogError(f"{name}: the CSV could not be read ({error}).") from None


def read_rows(name, data):
    """The spreadsheet's rows as lists of cells, the headings first; refuses what it cannot take."""
    extension = Path(name).suffix.lower()
    if extension not in CASE_LOG_FORMATS:
        raise CaseLogError(f"{name}: a case log must be a .csv or .xlsx file.")
    if not data:
        raise CaseLogError(f"{name}: the file is empty.")
    if len(data) > MAX_CASE_LOG_BYTES:
        raise CaseLogError(
            f"{name}: the file is larger than {MAX_CASE_LOG_BYTES // (1024 * 1024)} MB; "
            "split it into smaller files."
        )
    rows = _rows_from_xlsx(name, data) if extension == ".xlsx" else _rows_from_csv(name, data)
    # Blank rows are skipped, but every row keeps its number as the spreadsheet shows it.
    rows = [
        (number, row)
        for number, row in enumerate(rows or [], start=1)
        if any(cell_text(cell) for cell in row)
    ]
    if not rows:
        raise CaseLogError(f"{name}: the file is empty.")
    if len(rows) - 1 > MAX_CASE_LOG_ROWS:
        raise CaseLogError(
            f"{name}: more than {MAX_CASE_LOG_ROWS} cases; split the log into smaller files."
        )
    return rows


def _cost(value):
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = re.sub(r"[£,\s]", "", cell_text(value))
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f'"{cell_text(value)}" is not an amount of money.') from None
    if amount < 0:
        raise ValueError("A cost cannot be negative.")
    if amount >= Decimal("100000000"):
        raise ValueError("The cost is too large.")
    return amount.quantize(Decimal("0.01"))


def _decision(value):
    text = cell_text(value)
    if not text:
        return ""
    for choice, label in Decision.choices:
        if text.lower() in (label.lower(), choice):
            return choice
    allowed = ", ".join(label for _value, label in Decision.choices)
    raise ValueError(f'"{text}" is not a decision: use one of {allowed}, or leave it empty.')


def _headings(name, header_row):
    positions = {}
    for position, cell in enumerate(header_row):
        heading = cell_text(cell)
        for column in COLUMNS:
            if heading.lower() == column.lower() and column not in positions:
                positions[column] = position
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise CaseLogError(
            f"{name}: the first row must hold the column headings; missing "
            + ", ".join(f'"{column}"' for column in missing)
            + "."
        )
    return positions


def check_case_log(name, data):
    """Read and check every row. Returns the checked rows (as field values) and the problems."""
    rows = read_rows(name, data)
    positions = _headings(name, rows[0][1])
    reasons = {reason.name.lower(): reason for reason in ReferralReason.objects.all()}
    allowed_reasons = ", ".join(reason.name for reason in ReferralReason.objects.all())
    problems, checked, seen = [], [], {}
    for row_number, row in rows[1:]:

        def cell(column, row=row):
            position = positions.get(column)
            return row[position] if position is not None and position < len(row) else None

        def problem(column, reason, row_number=row_number):
            problems.append(Problem(row_number, column, reason))

        values = {}
        reference = cell_text(cell(REFERENCE))
        if not reference:
            problem(REFERENCE, "Every case needs a reference.")
        elif len(reference) > 50:
            problem(REFERENCE, "The reference is longer than 50 characters.")
        elif reference.lower() in seen:
            problem(REFERENCE, f"{reference} is already on row {seen[reference.lower()]}.")
        else:
            seen[reference.lower()] = row_number
        values["reference"] = reference

        dates = {}
        for column, field_name in DATE_FIELDS.items():
            if column not in positions:
                continue
            try:
                dates[column] = cell_date(cell(column))
                values[field_name] = dates[column]
            except ValueError as error:
                problem(column, str(error))
        if REFERRED_ON in dates and dates[REFERRED_ON] is None:
            problem(REFERRED_ON, "Every case needs the date it was referred.")

        reason_text = cell_text(cell(REASON))
        reason = reasons.get(reason_text.lower())
        if reason is None:
            problem(
                REASON,
                f'"{reason_text}" is not a referral reason: use one of {allowed_reasons}.'
                if reason_text
                else "Every case needs a referral reason.",
            )
        values["referral_reason"] = reason

        if DECISION in positions:
            try:
                values["decision"] = _decision(cell(DECISION))
            except ValueError as error:
                problem(DECISION, str(error))
        # The case's own rules on its dates, as the editor applies them.
        rules = Case(**{name: value for name, value in values.items() if name in RULE_FIELDS})
        for field_name, reason in rules.date_problems().items():
            column = COLUMN_OF_FIELD.get(field_name)
            already = any(p.row == row_number and p.column == column for p in problems)
            if column in positions and not already:
                problem(column, reason)
        if COST in positions:
            try:
                values["cost"] = _cost(cell(COST))
            except ValueError as error:
                problem(COST, str(error))
        checked.append(values)
    return checked, problems


def _current(case, name):
    # Compared by id, so checking thousands of cases loads no referral reason.
    if name == "referral_reason":
        return ReferralReason(pk=case.referral_reason_id)
    return getattr(case, name)


def import_case_log(name, data):
    """Check every row, then apply them all in one transaction, or none if any has a problem."""
    checked, problems = check_case_log(name, data)
    result = CaseLogResult(problems=problems)
    if problems:
        return result
    from learning.models import Partnership

    # An imported log is the first partnership's (the log the hub began with).
    partnership = Partnership.objects.default()
    with transaction.atomic():
        # A reference names one case whatever its letters' case; the case keeps its spelling.
        existing = {
            case.reference.lower(): case
            for case in Case.objects.select_for_update()
            .alias(lower_reference=Lower("reference"))
            .filter(lower_reference__in=[values["reference"].lower() for values in checked])
        }
        for values in checked:
            case = existing.get(values["reference"].lower())
            if case is None:
                case = Case(**values, partnership=partnership)
                case.set_due_dates()
                result.created.append(case)
                continue
            changed = {
                name: value
                for name, value in values.items()
                if name != "reference" and _current(case, name) != value
            }
            if not changed:
                result.unchanged.append(case)
                continue
            for name, value in changed.items():
                setattr(case, name, value)
            case.set_due_dates()
            result.updated.append(case)
        # A log of thousands of rows: new cases go in a few statements; changed ones one short
        # UPDATE each (Django's bulk_update builds a CASE per row and field, far slower here).
        Case.objects.bulk_create(result.created, batch_size=500)
        for case in result.updated:
            Case.objects.filter(pk=case.pk).update(
                **{name: getattr(case, name) for name in UPDATED_FIELDS}
            )
            if case.review_id:
                case.copy_dates_to_review()
    return result
