"""The scrutineer's and business unit's dashboard, and the filtered list behind every figure."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .. import permissions
from ..filters import (
    AGE_BANDS,
    CATEGORIES,
    CHALLENGED,
    category_q,
    filtered_actions,
    page_of_actions,
    query_without_page,
    status_counts_by,
    summed_counts,
)
from ..models import AgencyAction

DASHBOARD_LIST_LENGTH = 10
LIST_PAGE_SIZE = 50


def _query_without(params, names):
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept


class ListLinks:
    """Links to the filtered list: the current filters plus a figure's own criteria.

    Every figure is counted within the current filters, so its link keeps them and adds its own.
    """

    def __init__(self, params):
        self.base = reverse("learning:tracker_list")
        self.params = {name: values for name, values in params.lists() if name != "page"}

    def __call__(self, **criteria):
        query = {**self.params, **{name: [value] for name, value in criteria.items()}}
        return f"{self.base}?{urlencode(query, doseq=True)}"


def _bars(rows):
    """Add each row's bar width as a percentage of the largest figure."""
    largest = max((row["count"] for row in rows), default=0) or 1
    for row in rows:
        row["percent"] = round(row["count"] * 100 / largest)
    return rows


def _status_table(rows, link, key_field, label_field, param_name):
    statuses = AgencyAction.Status.choices
    table = []
    for row in rows:
        key = row[key_field]
        cells = [
            {
                "count": row[f"status_{value}"],
                "url": link(**{param_name: key, "status": value}),
            }
            for value, _label in statuses
        ]
        table.append(
            {
                "label": row[label_field],
                "url": link(**{param_name: key}),
                "cells": cells,
                "overdue": {
                    "count": row["overdue"],
                    "url": link(**{param_name: key, "category": "overdue"}),
                },
                "total": row["total"],
            }
        )
    return table


def first_actions(actions, key, today, count=DASHBOARD_LIST_LENGTH):
    """The first actions of a category by due date, in one query.

    The ids are picked by a narrow subquery (read from an index) so that the joins for display
    are made for these few rows only, not for every action in the category.
    """
    first_ids = (
        actions.filter(category_q(key, today)).order_by("current_due_date", "pk").values("pk")
    )[:count]
    return list(
        AgencyAction.objects.filter(pk__in=first_ids)
        .select_related("agency", "recommendation__review")
        .with_states(today)
        .order_by("current_due_date", "pk")
    )


@permissions.tracker_gate(
    permissions.can_see_dashboard, "The dashboard is for the business unit and the scrutineer."
)
def dashboard(request):
    today = timezone.localdate()
    params = request.GET
    link = ListLinks(params)
    form, actions = filtered_actions(request.user, params, today)
    if form.refused:
        return render(
            request,
            "learning/dashboard.html",
            {"form": form, "refused": True, "all_url": link(), "today": today},
            status=400,
        )
    # One grouped query gives the agency table and, summed, the headline figures.
    agency_rows = status_counts_by(
        actions, ["agency__slug", "agency__name"], today, with_categories=True
    )
    counts = summed_counts(agency_rows, today)
    categories = _bars(
        [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": link(category=key),
            }
            for key, label in CATEGORIES.items()
        ]
    )
    ages = _bars(
        [
            {
                "key": key,
                "label": label,
                "count": counts[f"age_{key}"],
                "url": link(age=key),
            }
            for key, label, _start, _end in AGE_BANDS
        ]
    )
    by_agency = _status_table(
        agency_rows,
        link,
        "agency__slug",
        "agency__name",
        "agency",
    )
    by_theme = _status_table(
        status_counts_by(
            actions.filter(recommendation__themes__isnull=False),
            ["recommendation__themes__slug", "recommendation__themes__name"],
            today,
        ),
        link,
        "recommendation__themes__slug",
        "recommendation__themes__name",
        "theme",
    )
    lists = [
        {**category, "actions": first_actions(actions, category["key"], today)}
        for category in categories
    ]
    # Challenged: sent back by the scrutineer, waiting for the agency (the queryset's definition).
    challenged = actions.challenged()
    challenged_entry = {
        "key": CHALLENGED[0],
        "label": CHALLENGED[1],
        "count": challenged.count(),
        "url": link(category=CHALLENGED[0]),
    }
    categories = _bars([*categories, challenged_entry])
    lists.append(
        {
            **challenged_entry,
            "actions": list(
                challenged.select_related("agency", "recommendation__review").order_by(
                    "current_due_date", "pk"
                )[:DASHBOARD_LIST_LENGTH]
            ),
        }
    )
    return render(
        request,
        "learning/dashboard.html",
        {
            "form": form,
            "total": counts["total"],
            "all_url": link(),
            "categories": categories,
            "ages": ages,
            "statuses": AgencyAction.Status.choices,
            "by_agency": by_agency,
            "by_theme": by_theme,
            "lists": lists,
            "list_length": DASHBOARD_LIST_LENGTH,
            "today": today,
            "export_query": _query_without(params, ["page"]).urlencode(),
        },
    )


@permissions.tracker_gate()
def tracker_list(request):
    """Every action the filters select, overdue first; leads see their own agencies' only."""
    today = timezone.localdate()
    form, actions = filtered_actions(request.user, request.GET, today)
    page = page_of_actions(actions, request.GET.get("page"), LIST_PAGE_SIZE, today)
    query = query_without_page(request.GET)
    return render(
        request,
        "learning/dashboard_list.html",
        {
            "form": form,
            "items": page,
            "today": today,
            "querystring_without_page": query,
            "export_query": query,
            "can_see_dashboard": permissions.can_see_dashboard(request.user),
        },
        status=400 if form.refused else 200,
    )
