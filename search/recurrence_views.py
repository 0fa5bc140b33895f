"""Recurrence for readers: the similar-recommendations API, linking and dismissing, the report."""

import json

import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from learning import permissions
from learning.filters import FinancialYearField, RefusedParameters, query_without_page
from learning.models import Recommendation, dismiss_suggestion, record_recurrence
from learning.spreadsheets import safe_row

from . import recurrence, recurrence_report
from .audience import Audience

MAX_LIMIT = 50
MAX_TEXT = 5000
# A large library has thousands of groups: the page shows them a page at a time, biggest and
# most recent first, and the spreadsheet export has them all.
GROUPS_PER_PAGE = 50


def _limit(request, default=10):
    raw = request.GET.get("limit") or str(default)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _bad(message):
    return JsonResponse({"error": message}, status=400)


def visible_recommendation(user, recommendation_id):
    """The recommendation if this user may see it (its review is live and open to them)."""
    audience = Audience.of(user)
    if not recurrence.recommendation_documents_by_id([recommendation_id], audience).exists():
        raise Http404("No such recommendation.")
    return Recommendation.objects.select_related("review").get(pk=recommendation_id)


@require_GET
def similar_to_text(request):
    text = (request.GET.get("text") or "").strip()
    try:
        limit = _limit(request)
    except ValueError as bad:
        return _bad(str(bad))
    if not text:
        return _bad("Give the recommendation's text as text=…")
    if len(text) > MAX_TEXT:
        return _bad(f"text may be at most {MAX_TEXT} characters.")
    found = recurrence.similar_to_text(text, request.user, limit=limit)
    return JsonResponse({"results": [item.as_json() for item in found]})


@require_GET
def similar_to_recommendation(request, pk):
    try:
        limit = _limit(request)
    except ValueError as bad:
        return _bad(str(bad))
    visible_recommendation(request.user, pk)
    found = recurrence.similar_to_recommendation(pk, request.user, limit=limit)
    return JsonResponse({"results": [item.as_json() for item in found]})


@login_required
@require_POST
def record_decision(request, pk):
    """Link a suggestion as the same finding, or dismiss it: from a form (back to `next`) or as
    JSON ({"other": id, "decision": "link" | "dismiss"})."""
    if not permissions.can_record_recurrence(request.user):
        raise PermissionDenied
    as_json = request.content_type == "application/json"
    data = request.POST
    if as_json:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return _bad("Send a JSON object.")
    other, decision = str(data.get("other", "")), data.get("decision")
    if (
        not (other.isascii() and other.isdigit())
        or len(other) > 18
        or decision not in ("link", "dismiss")
        or int(other) == pk
    ):
        return _bad('Give "other" (another recommendation\'s id) and "decision" (link or dismiss).')
    recommendation = visible_recommendation(request.user, pk)
    suggestion = visible_recommendation(request.user, int(other))
    if decision == "link":
        record_recurrence(recommendation, suggestion, request.user)
    else:
        dismiss_suggestion(recommendation, suggestion, request.user)
    if as_json:
        return JsonResponse({"decision": decision, "id": pk, "other": int(other)}, status=201)
    target = data.get("next") or recommendation.review.url or "/"
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)


def _report_for(request, describe_groups=True):
    if not permissions.can_see_recurrence_report(request.user):
        raise PermissionDenied("The recurrence report is for the business unit and the scrutineer.")
    theme = request.GET.get("theme") or None
    try:
        fy = FinancialYearField(required=False).clean(request.GET.get("fy"))
    except ValidationError as refused:
        raise RefusedParameters([f"Financial year: {m}" for m in refused.messages]) from None
    return recurrence_report.build_report(
        request.user, theme=theme, fy=fy, describe_groups=describe_groups
    )


@login_required
@require_GET
def report_page(request):
    report = _report_for(request, describe_groups=False)
    totals = [
        (label, sum(row.cells[i][1] for row in report.matrix))
        for i, label in enumerate(report.year_labels)
    ]
    most = max([n for _, n in totals] or [1]) or 1
    chart = [
        {
            "label": label,
            "count": n,
            "x": 130 * i,
            "height": round(110 * n / most),
            "y": 125 - round(110 * n / most),
        }
        for i, (label, n) in enumerate(totals)
    ]
    groups = Paginator(report.groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    report.describe(groups.object_list)
    return render(
        request,
        "search/recurrence_report.html",
        {
            "report": report,
            "groups": groups,
            "querystring_without_page": query_without_page(request.GET),
            "chart": chart,
            "chart_width": 130 * len(chart),
        },
    )


@login_required
@require_GET
def report_xlsx(request):
    report = _report_for(request)
    book = tablib.Databook()
    groups = tablib.Dataset(
        headers=[
            "Group",
            "Members",
            "Confirmed",
            "Review",
            "Year",
            "Number",
            "Recommendation",
            "Status",
            "Agencies",
        ],
        title="Groups",
    )
    for n, group in enumerate(report.groups, 1):
        for m in group.members:
            groups.append(
                safe_row(
                    [
                        n,
                        len(group.members),
                        "confirmed" if group.confirmed else "suggested",
                        m.review,
                        m.year,
                        m.number,
                        m.text,
                        m.status,
                        ", ".join(m.agencies),
                    ]
                )
            )
    matrix = tablib.Dataset(
        headers=[
            "Theme",
            *[f"{y} recommendations" for y in report.year_labels],
            *[f"{y} reviews" for y in report.year_labels],
            "Persistent",
            "Emerging",
        ],
        title="Themes by year",
    )
    for row in report.matrix:
        matrix.append(
            safe_row(
                [
                    row.theme,
                    *[n for _, n, _ in row.cells],
                    *[r for _, _, r in row.cells],
                    "yes" if row.persistent else "",
                    "yes" if row.emerging else "",
                ]
            )
        )
    after = tablib.Dataset(
        headers=[
            "Earlier review",
            "Earlier number",
            "Assured on",
            "Later review",
            "Later year",
            "Later number",
            "Later recommendation",
            "Confirmed",
        ],
        title="Recurred after assurance",
    )
    for r in report.after_assurance:
        after.append(
            safe_row(
                [
                    r.earlier.review,
                    r.earlier.number,
                    r.assured_on.date().isoformat(),
                    r.later.review,
                    r.later.year,
                    r.later.number,
                    r.later.text,
                    "confirmed" if r.confirmed else "suggested",
                ]
            )
        )
    book.add_sheet(groups)
    book.add_sheet(matrix)
    book.add_sheet(after)
    response = HttpResponse(
        book.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="recurrence.xlsx"'
    return response
