"""Spreadsheet exports of exactly what the tracker's filters show, as CSV or XLSX, streamed row by
row so that an export of the whole partnership takes constant memory."""

from django.utils import timezone

from .filters import with_list_columns
from .models import AgencyAction
from .spreadsheets import stream_csv, stream_xlsx

HEADERS = [
    "Action id",
    "Review",
    "Recommendation number",
    "Recommendation",
    "Agency",
    "Description",
    "Lead officer",
    "Original due date",
    "Current due date",
    "Slipped (days)",
    "Status",
    "RAG",
    "RAG set by",
    "RAG set at",
    "Last update",
    "Assured",
]


# Read as plain values, not model instances: a full export is tens of thousands of rows.
COLUMNS = [
    "pk",
    "recommendation__review__title",
    "recommendation__number",
    "recommendation__text",
    "standard_answer__section11_return__cycle__name",
    "standard_answer__standard__number",
    "standard_answer__standard__title",
    "agency__name",
    "description",
    "lead_officer",
    "original_due_date",
    "current_due_date",
    "status",
    "challenge_answer_due",
    "rag",
    "rag_set_by__username",
    "rag_set_by__first_name",
    "rag_set_by__last_name",
    "rag_set_at",
    "last_update_at",
]
RAG_LABELS = dict(AgencyAction.RAG.choices)


# Column widths of the XLSX export, in characters, in the order of HEADERS.
WIDTHS = [10, 40, 12, 60, 30, 60, 20, 14, 14, 10, 16, 8, 20, 17, 12, 9]


def _local(moment):
    """A stored moment as the partnership's local time, without a zone: spreadsheets have none."""
    return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)


def export_row(values):
    row = dict(zip(COLUMNS, values, strict=True))
    if row["recommendation__review__title"] is not None:
        review = row["recommendation__review__title"]
        number, text = row["recommendation__number"], row["recommendation__text"]
    elif row["standard_answer__standard__number"] is not None:
        review = f"Section 11: {row['standard_answer__section11_return__cycle__name']}"
        number, text = (
            row["standard_answer__standard__number"],
            row["standard_answer__standard__title"],
        )
    else:
        review = number = text = ""
    set_by = " ".join(
        part for part in (row["rag_set_by__first_name"], row["rag_set_by__last_name"]) if part
    )
    original, current = row["original_due_date"], row["current_due_date"]
    return [
        row["pk"],
        review,
        number,
        text,
        row["agency__name"],
        row["description"],
        row["lead_officer"],
        original,
        current,
        max((current - original).days, 0),
        AgencyAction.describe_status(row["status"], row["challenge_answer_due"]),
        RAG_LABELS.get(row["rag"], ""),
        set_by or row["rag_set_by__username"] or "",
        _local(row["rag_set_at"]) if row["rag_set_at"] else None,
        _local(row["last_update_at"]).date() if row["last_update_at"] else None,
        "yes" if row["status"] == AgencyAction.Status.ASSURED else "no",
    ]


def export_rows(queryset, today=None):
    """One row per action, in the list's order, from a single query however many rows: dates
    as dates, so the XLSX has real date cells and the CSV writes them as YYYY-MM-DD."""
    rows = with_list_columns(queryset, today).values_list(*COLUMNS)
    for values in rows.iterator(chunk_size=2000):
        yield export_row(values)


def stream_export(queryset, file_format, today=None):
    """The export as chunks of bytes, for a streaming response."""
    rows = export_rows(queryset, today)
    if file_format == "xlsx":
        return stream_xlsx("Actions", HEADERS, rows, widths=WIDTHS)
    return stream_csv(HEADERS, rows)
