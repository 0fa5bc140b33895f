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

from learning.spreadsheets import (
    FORMULA_STARTS,
    cell_date,
    cell_text,
    misspelt_headings,
    repeated_headings,
)

from .models import (
    DECISION_CHOICES,
    DECISIONS_OF_PROCESS,
    PROCESS_FIELDS,
    Case,
    Process,
    QualityAssuranceOutcome,
    ReferralReason,
    SARDecision,
    partnership_for,
)

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
# The adults board's and the community safety partnership's columns (optional).
PROCESS = "Process"
DECISION_REASON = "Decision reason"
REVIEWER = "Reviewer or chair"
REPORT_COMPLETED_ON = "SAR report completed on"
BOARD_RESPONSE_ON = "Board response on"
HOME_OFFICE_INFORMED_ON = "Home Office told on"
QA_PANEL_SUBMITTED_ON = "Sent to quality assurance panel on"
QA_PANEL_RESPONSE_ON = "Quality assurance panel responded on"
QA_PANEL_OUTCOME = "Quality assurance panel response"
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
PROCESS_COLUMNS = [
    PROCESS,
    DECISION_REASON,
    REVIEWER,
    REPORT_COMPLETED_ON,
    BOARD_RESPONSE_ON,
    HOME_OFFICE_INFORMED_ON,
    QA_PANEL_SUBMITTED_ON,
    QA_PANEL_RESPONSE_ON,
    QA_PANEL_OUTCOME,
]
ALL_COLUMNS = COLUMNS + PROCESS_COLUMNS
REQUIRED_COLUMNS = [REFERENCE, REFERRED_ON, REASON]
# Each date column and the case field it fills.
DATE_FIELDS = {
    REFERRED_ON: "referred_on",
    NOTIFIED_ON: "notified_on",
    MEETING_ON: "rapid_review_meeting_on",
    SENT_ON: "rapid_review_sent_on",
    DECISION_ON: "decision_on",
    PUBLISHED_ON: "published_on",
    REPORT_COMPLETED_ON: "report_completed_on",
    BOARD_RESPONSE_ON: "board_response_on",
    HOME_OFFICE_INFORMED_ON: "home_office_informed_on",
    QA_PANEL_SUBMITTED_ON: "qa_panel_submitted_on",
    QA_PANEL_RESPONSE_ON: "qa_panel_response_on",
}
# Text columns copied as they are, with the most a cell may hold.
TEXT_FIELDS = {DECISION_REASON: ("decision_reason", 5000), REVIEWER: ("lead_reviewer", 200)}
COLUMN_OF_FIELD = (
    {field: column for column, field in DATE_FIELDS.items()}
    | {field: column for column, (field, _limit) in TEXT_FIELDS.items()}
    | {"decision": DECISION, "process": PROCESS, "qa_panel_outcome": QA_PANEL_OUTCOME}
)
RULE_FIELDS = set(COLUMN_OF_FIELD)
# Each column and the case field it fills, as a case's history names what an import changed.
HEADING_OF_FIELD = {column: field for field, column in COLUMN_OF_FIELD.items()} | {
    REASON: "referral_reason",
    COST: "cost",
}
# What an import may change on an existing case, with the due dates derived from it.
UPDATED_FIELDS = [
    *DATE_FIELDS.values(),
    "referral_reason",
    "decision",
    "cost",
    "process",
    "decision_reason",
    "lead_reviewer",
    "qa_panel_outcome",
    "notification_due",
    "rapid_review_due",
    "publication_due",
    "decision_due",
    "report_due",
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


# Shorter names people write for a process or a decision, beside their values and labels.
PROCESS_ALIASES = {
    "children": Process.CHILD_SAFEGUARDING,
    "child": Process.CHILD_SAFEGUARDING,
    "cspr": Process.CHILD_SAFEGUARDING,
    "sar": Process.SAFEGUARDING_ADULTS,
    "dhr": Process.DOMESTIC_HOMICIDE,
}
DECISION_ALIASES = {
    "mandatory sar": SARDecision.MANDATORY,
    "sar (mandatory)": SARDecision.MANDATORY,
    "discretionary sar": SARDecision.DISCRETIONARY,
    "sar (discretionary)": SARDecision.DISCRETIONARY,
}


def _choice(text, choices, aliases=None):
    lowered = text.lower()
    for choice, label in choices:
        if lowered in (label.lower(), choice):
            return choice
    return (aliases or {}).get(lowered)


def _unguarded(text):
    """Text as written before an export guarded it from running as a formula (the leading
    apostrophe comes off), so a downloaded log imports back unchanged."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def _process(value):
    text = cell_text(value)
    if not text:
        return None
    process = _choice(text, Process.choices, PROCESS_ALIASES)
    if process is None:
        allowed = ", ".join(label for _value, label in Process.choices)
        raise ValueError(f'"{text}" is not a process: use one of {allowed} (or SAR, DHR).')
    return process


def _decision(value, process=Process.CHILD_SAFEGUARDING):
    text = cell_text(value)
    if not text:
        return ""
    decision = _choice(text, DECISION_CHOICES, DECISION_ALIASES)
    if decision is not None:
        return decision
    allowed = ", ".join(DECISIONS_OF_PROCESS[process].labels)
    raise ValueError(f'"{text}" is not a decision: use one of {allowed}, or leave it empty.')


def _outcome(value):
    text = cell_text(value)
    if not text:
        return ""
    outcome = _choice(text, QualityAssuranceOutcome.choices)
    if outcome is None:
        allowed = ", ".join(label for _value, label in QualityAssuranceOutcome.choices)
        raise ValueError(f'"{text}" is not a panel response: use one of {allowed}.')
    return outcome


def _headings(name, header_row):
    refused = repeated_headings(header_row, ALL_COLUMNS) or misspelt_headings(
        header_row, ALL_COLUMNS, read=CLOCK_COLUMNS
    )
    if refused:
        raise CaseLogError(f"{name}: {refused}")
    positions = {}
    for position, cell in enumerate(header_row):
        heading = cell_text(cell)
        for column in ALL_COLUMNS:
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


def check_case_log(name, data, partnerships=None):
    """Read and check every row. Returns the checked rows (as field values) and the problems.
    A row naming a case outside `partnerships` (when given) is refused."""
    rows = read_rows(name, data)
    positions = _headings(name, rows[0][1])
    outside = set()
    if partnerships is not None:
        outside = _references_outside(rows[1:], positions, partnerships)
    reasons = {reason.name.lower(): reason for reason in ReferralReason.objects.all()}
    allowed_reasons = ", ".join(reason.name for reason in ReferralReason.objects.all())
    standing = _cases_as_they_stand(rows[1:], positions)
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
        elif reference.lower() in outside:
            problem(REFERENCE, f"{reference} is a case of a partnership whose log you do not keep.")
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

        if PROCESS in positions:
            try:
                if (process := _process(cell(PROCESS))) is not None:
                    values["process"] = process
            except ValueError as error:
                problem(PROCESS, str(error))
        stands = standing.get(reference.lower(), {})
        process = values.get("process") or stands.get("process") or Process.CHILD_SAFEGUARDING
        if DECISION in positions:
            try:
                values["decision"] = _decision(cell(DECISION), process)
            except ValueError as error:
                problem(DECISION, str(error))
        for column, (field_name, limit) in TEXT_FIELDS.items():
            if column in positions:
                values[field_name] = _unguarded(cell_text(cell(column)))
                if len(values[field_name]) > limit:
                    problem(column, f"Write at most {limit} characters here.")
        if QA_PANEL_OUTCOME in positions:
            try:
                values["qa_panel_outcome"] = _outcome(cell(QA_PANEL_OUTCOME))
            except ValueError as error:
                problem(QA_PANEL_OUTCOME, str(error))
        # The case's own rules, as the editor applies them, to the case as the row leaves it.
        rules = Case(**(stands | {k: v for k, v in values.items() if k in RULE_FIELDS}))
        process_problems = rules.process_problems()
        for field_name, reason in rules.date_problems().items():
            # A field the file has no column for is named under "Process" when the process is
            # what rules it out.
            column = COLUMN_OF_FIELD.get(field_name) or (
                PROCESS if field_name in process_problems else None
            )
            already = any(p.row == row_number and p.column == column for p in problems)
            # A process's rule is named even when its column is missing: nothing it refuses
            # may come in through a file that leaves the column out.
            shown = column in positions or field_name in process_problems
            if column and shown and not already:
                problem(column, reason)
        if COST in positions:
            try:
                values["cost"] = _cost(cell(COST))
            except ValueError as error:
                problem(COST, str(error))
        checked.append(values)
    return checked, problems


def _references_outside(rows, positions, partnerships):
    """The (lower-case) references of the rows that name a case logged outside `partnerships`."""
    position = positions[REFERENCE]
    references = {
        cell_text(row[position]).lower() for _number, row in rows if position < len(row)
    } - {""}
    return set(
        Case.objects.alias(lower_reference=Lower("reference"))
        .filter(lower_reference__in=references)
        .exclude(partnership__in=partnerships)
        .annotate(lower=Lower("reference"))
        .values_list("lower", flat=True)
    )


def _cases_as_they_stand(rows, positions):
    """{lower-case reference: the rule fields of the case already logged}, in one query."""
    position = positions[REFERENCE]
    references = {
        cell_text(row[position]).lower() for _number, row in rows if position < len(row)
    } - {""}
    fields = sorted(RULE_FIELDS.union(*PROCESS_FIELDS.values()))
    return {
        values["reference"].lower(): {name: values[name] for name in fields}
        for values in Case.objects.alias(lower_reference=Lower("reference"))
        .filter(lower_reference__in=references)
        .values("reference", *fields)
    }


def _current(case, name):
    # Compared by id, so checking thousands of cases loads no referral reason.
    if name == "referral_reason":
        return ReferralReason(pk=case.referral_reason_id)
    return getattr(case, name)


CASE_LOG_IMPORT_ACTION = "reviews.case_log_import"


def import_case_log(name, data, partnerships=None, by=None):
    """Check every row, then apply them all in one transaction, or none if any has a problem.
    `partnerships` are those whose log the import may write (every one when not given, as from
    the command line): a new case goes in the one its process places it in, and a row naming a
    case of another partnership's log is refused. Each case made or changed gets an entry in its
    history, as a save in the editor does, naming the file, `by` and the fields changed."""
    from learning.models import Partnership

    partnerships = Partnership.objects.all() if partnerships is None else partnerships
    checked, problems = check_case_log(name, data, partnerships)
    result = CaseLogResult(problems=problems)
    if problems:
        return result
    placed = {}
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
                process = values.get("process") or Process.CHILD_SAFEGUARDING
                if process not in placed:
                    placed[process] = partnership_for(process, partnerships)
                case = Case(**values, partnership=placed[process])
                case.set_due_dates()
                result.created.append(case)
                continue
            changed = {
                field: value
                for field, value in values.items()
                if field != "reference" and _current(case, field) != value
            }
            if not changed:
                result.unchanged.append(case)
                continue
            for field, value in changed.items():
                setattr(case, field, value)
            case.set_due_dates()
            case.changed_by_import = [
                column for column in ALL_COLUMNS if HEADING_OF_FIELD.get(column) in changed
            ]
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
        _log_import(name, result, by)
    return result


def _log_import(name, result, by):
    """One history entry per case made or changed, written in a few statements."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from wagtail.models import ModelLogEntry

    content_type = ContentType.objects.get_for_model(Case)
    now = timezone.now()
    source = Path(name).name
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(case.pk),
                label=str(case)[:255],
                action=CASE_LOG_IMPORT_ACTION,
                data={"source": source, "changed": getattr(case, "changed_by_import", None)},
                timestamp=now,
                user=by if by is not None and by.is_authenticated else None,
                content_changed=True,
            )
            for case in [*result.created, *result.updated]
        ],
        batch_size=500,
    )


# --- The log as a spreadsheet: the import's own columns, so an export imports back unchanged ---

# The computed clocks go out too, under headings the import ignores.
CLOCK_COLUMNS = {
    "Notification due": "notification_due",
    "Rapid review due": "rapid_review_due",
    "Decision due": "decision_due",
    "Report due": "report_due",
    "Publication due": "publication_due",
}
EXPORT_COLUMNS = ALL_COLUMNS + list(CLOCK_COLUMNS)


def _export_row(case):
    fields = {column: getattr(case, name) for column, name in DATE_FIELDS.items()}
    fields |= {column: getattr(case, name) for column, (name, _limit) in TEXT_FIELDS.items()}
    fields |= {column: getattr(case, name) for column, name in CLOCK_COLUMNS.items()}
    fields |= {
        REFERENCE: case.reference,
        REASON: case.referral_reason.name,
        DECISION: case.get_decision_display() if case.decision else "",
        COST: float(case.cost) if case.cost is not None else None,
        PROCESS: case.get_process_display(),
        QA_PANEL_OUTCOME: case.get_qa_panel_outcome_display() if case.qa_panel_outcome else "",
    }
    return [fields[column] for column in EXPORT_COLUMNS]


def case_log_rows(cases):
    """One row per case, in the queryset's order, from one query however many rows."""
    for case in cases.select_related("referral_reason").iterator(chunk_size=2000):
        yield _export_row(case)
