"""Spreadsheet exports of exactly what the tracker's filters show, as CSV or XLSX (tablib)."""

import tablib

from .filters import with_list_columns

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


def _source(action):
    """The review title and recommendation an action answers, or its Section 11 standard."""
    if action.recommendation_id:
        recommendation = action.recommendation
        return recommendation.review.title, recommendation.number, recommendation.text
    if action.standard_answer_id:
        answer = action.standard_answer
        standard = answer.standard
        return (
            f"Section 11: {answer.section11_return.cycle.name}",
            standard.number,
            standard.title,
        )
    return "", "", ""


def _date(value):
    return value.isoformat() if value else ""


def export_row(action):
    review, number, text = _source(action)
    set_by = action.rag_set_by
    return [
        action.pk,
        review,
        number,
        text,
        action.agency.name,
        action.description,
        action.lead_officer,
        _date(action.original_due_date),
        _date(action.current_due_date),
        max((action.current_due_date - action.original_due_date).days, 0),
        action.get_status_display(),
        action.get_rag_display() if action.rag else "",
        (set_by.get_full_name() or set_by.get_username()) if set_by else "",
        action.rag_set_at.strftime("%Y-%m-%d %H:%M") if action.rag_set_at else "",
        action.last_update_at.strftime("%Y-%m-%d") if action.last_update_at else "",
        "yes" if action.status == action.Status.ASSURED else "no",
    ]


def actions_dataset(queryset, today=None):
    """One row per action, in the list's order, from a single query however many rows."""
    dataset = tablib.Dataset(headers=HEADERS, title="Actions")
    for action in with_list_columns(queryset, today).iterator(chunk_size=2000):
        dataset.append(export_row(action))
    return dataset
