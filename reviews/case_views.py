"""The case log's pages under /tracker/: the log and each case's timeline (partnership only),
an agency lead's information requests, and the yearly report with the records behind it."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from learning import permissions
from learning.evidence import serve_private_file
from learning.models import (
    AgencyAction,
    BriefingCascade,
    Partnership,
    Recommendation,
    Section11Return,
)
from learning.spreadsheets import stream_csv, stream_xlsx

from .case_import import EXPORT_COLUMNS, case_log_rows
from .cases import case_log, information_requests_for, return_information_request
from .forms import PeriodForm, ProcessForm, ReturnForm
from .models import BriefingPage, Case, Process, process_of
from .report_exports import figure_text, report_docx, report_sentences, report_xlsx
from .yearly_report import (
    ACTION_CATEGORIES,
    FIGURE_LABELS,
    HEADLINE_FIGURES,
    IMPLEMENTATION_CATEGORIES,
    PROCESS_BREAKDOWNS,
    YearlyReport,
    figures_of,
    labels_of,
    yearly_report,
)

CASES_PER_PAGE = 50
RECORDS_PER_PAGE = 100


def _require(check, user):
    if not check(user):
        raise PermissionDenied


def _chosen_cases(request):
    """The case log as the page, its filter and its exports show it: one process, or every."""
    process_form = ProcessForm(request.GET)
    process = process_form.chosen()
    cases = case_log(request.user)
    if process:
        cases = cases.of_process(process)
    return process_form, process, cases.order_by("-referred_on", "reference")


@login_required
def case_list(request):
    _require(permissions.can_see_case_log, request.user)
    process_form, process, cases = _chosen_cases(request)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = f"process={process}" if process else ""
    return render(
        request,
        "reviews/case_list.html",
        {
            "page_obj": page,
            "cases": page.object_list,
            "process_form": process_form,
            "process": Process(process) if process else None,
            "query": query,
        },
    )


@login_required
def case_log_export(request, format):
    """The log as CSV or XLSX, with the import's columns (it imports back as it is)."""
    _require(permissions.can_see_case_log, request.user)
    _process_form, process, cases = _chosen_cases(request)
    rows = case_log_rows(cases)
    if format == "xlsx":
        chunks = stream_xlsx("Case log", EXPORT_COLUMNS, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif format == "csv":
        chunks = stream_csv(EXPORT_COLUMNS, rows, byte_order_mark=True)
        content_type = "text/csv; charset=utf-8"
    else:
        raise Http404
    response = StreamingHttpResponse(chunks, content_type=content_type)
    stem = f"case-log-{process.replace('_', '-')}" if process else "case-log"
    response["Content-Disposition"] = f'attachment; filename="{stem}.{format}"'
    return response


@login_required
def case_detail(request, pk):
    _require(permissions.can_see_case_log, request.user)
    case = get_object_or_404(case_log(request.user), pk=pk)
    requests = case.information_requests.select_related("agency").order_by("due_on", "pk")
    return render(
        request,
        "reviews/case_detail.html",
        {
            "case": case,
            "timeline": case.timeline(),
            "sign_offs": case.sign_offs.all(),
            "information_requests": requests,
            "may_edit": permissions.can_edit_case_log(request.user),
        },
    )


@login_required
@require_POST
def create_review_draft(request, pk):
    _require(permissions.can_edit_case_log, request.user)
    case = get_object_or_404(Case, pk=pk)
    page = case.create_review_draft(user=request.user)
    messages.success(request, f"Draft review “{page.title}” created with the case's dates.")
    return redirect("case_detail", pk=case.pk)


@login_required
def information_requests(request):
    """An agency lead's outstanding information requests (everyone's, for the case log's readers)."""
    user = request.user
    if not (permissions.can_see_case_log(user) or permissions.led_agency_ids(user)):
        raise PermissionDenied
    requests = information_requests_for(user)
    return render(
        request,
        "reviews/information_requests.html",
        {"requests": requests, "form": ReturnForm(), "today": datetime.date.today()},
    )


@login_required
@require_POST
def return_request(request, pk):
    visible = information_requests_for(request.user, outstanding_only=False)
    information_request = get_object_or_404(visible, pk=pk)
    form = ReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the file to return.")
        return redirect("information_requests")
    try:
        return_information_request(request.user, information_request, form.cleaned_data["file"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("information_requests")
    messages.success(request, f"Chronology for {information_request.case} returned. Thank you.")
    return redirect("information_requests")


@login_required
def information_request_file(request, pk):
    visible = information_requests_for(request.user, outstanding_only=False)
    information_request = get_object_or_404(visible, pk=pk)
    if not information_request.returned_file:
        raise Http404("Nothing has been returned yet.")
    return serve_private_file(information_request.returned_file)


# --- The yearly report -------------------------------------------------------------------------


def _period_form(request):
    data = {"start": request.GET.get("from", ""), "end": request.GET.get("to", "")}
    return PeriodForm(data if any(data.values()) else None)


def _period_from(request):
    form = _period_form(request)
    return form, form.period()


def _report_partnership(request):
    """The partnership whose report is asked for (`?partnership=<slug>`), else the first this
    person reads. One they may not read is not found, as one that does not exist."""
    readable = Partnership.objects.filter(
        pk__in=permissions.partnership_ids_with_role(request.user, *permissions.CASE_LOG_ROLES)
    ).order_by("sort_order", "pk")
    slug = request.GET.get("partnership")
    if slug:
        partnership = readable.filter(slug=slug).first()
        if partnership is None:
            raise Http404("No such partnership.")
        return partnership, readable
    return readable.first(), readable


def _report_process(request, partnership=None):
    """The process whose report is asked for: the one named (a name that is not a process is
    refused with a 400 that says so), else the partnership's framework's, else children's."""
    named = ProcessForm(request.GET).chosen()
    if named:
        return named
    return process_of(partnership) if partnership is not None else Process.CHILD_SAFEGUARDING


def report_cases(request):
    """The case log a person's yearly report reads."""
    return case_log(request.user)


def _process_report_context(report, process, period, partnership=None):
    """The page of a safeguarding adults board's or community safety partnership's report."""
    links, previous_links = (
        YearlyReport(period, process=process, partnership=partnership),
        YearlyReport(period.before(), process=process, partnership=partnership),
    )
    labels = labels_of(process)
    previous = report["previous_period"]

    def part_and_value(key, row):
        # The actions' table is by category (its part); the others by the row's label.
        if key in ("sar_actions", "dhr_actions"):
            return {"part": row}
        return {"value": row}

    tables = []
    for key in labels:
        if key not in PROCESS_BREAKDOWNS:
            continue
        names = {
            category: label
            for category, label in IMPLEMENTATION_CATEGORIES.items()
            if key in ("sar_actions", "dhr_actions")
        }
        by_label = {label: category for category, label in names.items()}
        rows = []
        for row in dict.fromkeys([*previous[key], *report[key]]):
            selector = part_and_value(key, by_label.get(row, row))
            rows.append(
                {
                    "label": row,
                    "value": report[key].get(row, 0),
                    "previous": previous[key].get(row, 0),
                    "url": links.link(key, **selector),
                    "previous_url": previous_links.link(key, **selector),
                }
            )
        tables.append({"key": key, "title": labels[key], "rows": rows})
    return {
        "rows": [
            {
                "label": labels[key],
                "value": figure_text(key, report[key]),
                "previous": figure_text(key, previous[key]),
                "url": links.link(key),
                "previous_url": previous_links.link(key),
            }
            for key in labels
            if key not in PROCESS_BREAKDOWNS
        ],
        "tables": tables,
    }


def _report_rows(report, links, previous_links):
    previous = report["previous_period"]
    return [
        {
            "label": FIGURE_LABELS[key],
            "value": figure_text(key, report[key]),
            "previous": figure_text(key, previous[key]),
            "url": links.link(key),
            "previous_url": previous_links.link(key),
        }
        for key in HEADLINE_FIGURES
    ]


def _breakdown(report, key, links, previous_links):
    previous = report["previous_period"][key]
    return [
        {
            "label": label,
            "value": count,
            "previous": previous.get(label, 0),
            "url": links.link(key, value=label),
            "previous_url": previous_links.link(key, value=label),
        }
        for label, count in report[key].items()
    ]


@login_required
def yearly_report_page(request):
    _require(permissions.can_see_case_log, request.user)
    form, period = _period_from(request)
    partnership, readable = _report_partnership(request)
    process = _report_process(request, partnership)
    processes = [
        {"value": value, "label": label, "chosen": value == process}
        for value, label in Process.choices
    ]
    partnerships = [
        {"slug": each.slug, "name": each.name, "chosen": each == partnership} for each in readable
    ]
    scope = {"cases": report_cases(request), "partnership": partnership}
    in_partnership = f"&partnership={partnership.slug}" if partnership else ""
    if process != Process.CHILD_SAFEGUARDING:
        report = yearly_report(period, process=process, **scope)
        context = {
            "form": form,
            "period": period,
            "report": report,
            "process": Process(process),
            "processes": processes,
            "sentences": report_sentences(report),
            "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}"
            f"&process={process}{in_partnership}",
            "partnership": partnership,
            "partnerships": partnerships,
            **_process_report_context(report, process, period, partnership),
        }
        return render(
            request,
            "reviews/yearly_report_process.html",
            context,
            status=400 if form.errors else 200,
        )
    report = yearly_report(period, **scope)
    links, previous_links = (
        YearlyReport(period, partnership=partnership),
        YearlyReport(period.before(), partnership=partnership),
    )
    theme_years = list(next(iter(report["recommendations_by_theme"].values()), {}).keys())[::-1]
    theme_periods = links._theme_periods()
    context = {
        "form": form,
        "period": period,
        "report": report,
        "sentences": report_sentences(report),
        "rows": _report_rows(report, links, previous_links),
        "reasons": _breakdown(report, "referrals_by_reason", links, previous_links),
        "decisions": _breakdown(report, "decisions", links, previous_links),
        "theme_years": theme_years,
        "themes": [
            {
                "label": theme,
                "cells": [
                    {
                        "value": counts.get(year, 0),
                        "url": YearlyReport(theme_periods[year], partnership=partnership).link(
                            "recommendations_by_theme", value=theme
                        ),
                    }
                    for year in theme_years
                ],
            }
            for theme, counts in report["recommendations_by_theme"].items()
        ],
        "categories": ACTION_CATEGORIES,
        "agencies": [
            {
                "label": agency,
                "cells": [
                    {"value": counts[key], "url": links.link("actions_by_agency", agency, key)}
                    for key in ACTION_CATEGORIES
                ],
            }
            for agency, counts in report["actions_by_agency"].items()
        ],
        "cascades": [
            {**reach, "label": agency, "url": links.link("cascade_reach", value=agency)}
            for agency, reach in report["cascade_reach"].items()
        ],
        "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}{in_partnership}",
        "processes": processes,
        "partnership": partnership,
        "partnerships": partnerships,
    }
    # The page names refused dates and shows the last year instead, as a 400.
    return render(
        request, "reviews/yearly_report.html", context, status=400 if form.errors else 200
    )


@login_required
def yearly_report_export(request, format):
    _require(permissions.can_see_case_log, request.user)
    period = _period_form(request).exact_period()
    partnership, _readable = _report_partnership(request)
    process = _report_process(request, partnership)
    report = yearly_report(
        period, process=process, cases=report_cases(request), partnership=partnership
    )
    stem = f"yearly-report-{period.start.isoformat()}-to-{period.end.isoformat()}"
    if process != Process.CHILD_SAFEGUARDING:
        stem = f"{stem}-{process.replace('_', '-')}"
    if format == "json":
        response = HttpResponse(
            json.dumps(report, indent=2, ensure_ascii=False), content_type="application/json"
        )
    elif format == "docx":
        response = HttpResponse(
            report_docx(report),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    elif format == "xlsx":
        response = HttpResponse(
            report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{stem}.{format}"'
    return response


def _record_rows(records, request):
    """Each record behind a figure as (what it is, detail, link)."""
    rows = []
    for record in records:
        if isinstance(record, Case):
            detail = f"Referred {record.referred_on:%d/%m/%Y}, {record.referral_reason}"
            if record.decision:
                detail += f"; {record.get_decision_display()} {record.decision_on:%d/%m/%Y}"
            rows.append((record.reference, detail, record.get_absolute_url()))
        elif isinstance(record, Recommendation):
            rows.append(
                (
                    f"{record.review.title}, recommendation {record.number}",
                    record.text[:160],
                    record.review.get_url(request),
                )
            )
        elif isinstance(record, AgencyAction):
            # As the action stood at the end of the period, as the figure counted it.
            status = AgencyAction.Status(record.as_at_status).label
            rows.append(
                (
                    record.description[:120],
                    f"{record.agency.short_name}, {status}, due {record.as_at_due:%d/%m/%Y}",
                    record.get_absolute_url(),
                )
            )
        elif isinstance(record, BriefingPage):
            rows.append(
                (
                    record.title,
                    f"Published {record.first_published_at:%d/%m/%Y}",
                    record.get_url(request),
                )
            )
        elif isinstance(record, BriefingCascade):
            rows.append(
                (
                    f"{record.agency.name}: {record.briefing.title}",
                    f"{record.cascaded_on:%d/%m/%Y}, {record.teams_reached} teams, "
                    f"{record.staff_reached} staff",
                    "",
                )
            )
        elif isinstance(record, Section11Return):
            rows.append(
                (
                    f"{record.agency.name}: {record.cycle.name}",
                    f"Submitted {record.submitted_at:%d/%m/%Y}",
                    "",
                )
            )
    return rows


def _without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def yearly_report_records(request):
    """The records behind one figure of the report: the same queryset the figure counts."""
    _require(permissions.can_see_case_log, request.user)
    figure = request.GET.get("figure", "")
    partnership, _readable = _report_partnership(request)
    process = _report_process(request, partnership)
    if figure not in figures_of(process):
        raise Http404("No such figure.")
    period = _period_form(request).exact_period()
    report = YearlyReport(
        period, process=process, cases=report_cases(request), partnership=partnership
    )
    value, part = request.GET.get("value") or None, request.GET.get("part") or None
    if figure == "actions_by_agency" and part not in (None, *ACTION_CATEGORIES):
        raise Http404("No such category.")
    if figure in ("sar_actions", "dhr_actions") and part not in (None, *IMPLEMENTATION_CATEGORIES):
        raise Http404("No such category.")
    records = report.records(figure, value=value, part=part)
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    heading = labels_of(process)[figure]
    if value:
        heading += f": {value}"
    if part:
        heading += f" ({IMPLEMENTATION_CATEGORIES.get(part, part)})"
    return render(
        request,
        "reviews/yearly_report_records.html",
        {
            "heading": heading,
            "period": period,
            "page_obj": page,
            "rows": _record_rows(page.object_list, request),
            "count": page.paginator.count,
            "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}"
            + (f"&process={process}" if process != Process.CHILD_SAFEGUARDING else "")
            + (f"&partnership={partnership.slug}" if partnership else ""),
            "querystring_without_page": _without_page(request),
        },
    )
