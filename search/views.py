"""The search page and the search JSON API: both parse the same request and ask the same service."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learning.permissions import can_see_tracker

from . import services
from .query import PAGE_SIZE, SORTS, BadSearch, SearchRequest


def _link(search_request, **changes):
    return "?" + urlencode(search_request.params(**changes))


def _without(search_request, facet, value):
    filters = {name: list(values) for name, values in search_request.filters.items()}
    filters[facet] = [v for v in filters.get(facet, []) if v != value]
    return _link(search_request, filters=filters)


@require_GET
def search_page(request):
    error = None
    try:
        search_request = SearchRequest.from_params(request.GET)
    except BadSearch as bad:
        error = str(bad)
        search_request = SearchRequest(q=(request.GET.get("q") or "")[:200])
    answer = services.search(search_request, request.user)
    removable = [
        {
            "facet": facet.title,
            "label": option.label,
            "url": _without(search_request, facet.name, option.value),
        }
        for facet, option in answer.selected
    ]
    pages = {
        "previous": _link(search_request, page=answer.page - 1) if answer.has_previous else None,
        "next": _link(search_request, page=answer.page + 1) if answer.has_next else None,
    }
    context = {
        "search": search_request,
        "answer": answer,
        "error": error,
        "removable": removable,
        "clear_filters_url": _link(search_request, filters={}),
        "sort_links": [
            {
                "value": value,
                "label": label,
                "url": _link(search_request, sort=value),
                "current": value == search_request.sort,
            }
            for value, label in SORTS.items()
        ],
        "pages": pages,
        "searched": bool(search_request.q or search_request.filters),
        "first_number": (answer.page - 1) * PAGE_SIZE + 1,
        "first_page_url": _link(search_request, page=1),
        "suggested_themes": (
            [] if answer.count else services.suggested_themes(search_request, request.user)
        ),
        "relaxation": answer.relaxation,
        "corrected_url": (
            _link(search_request, q=answer.relaxation.corrected)
            if answer.relaxation and answer.relaxation.corrected
            else None
        ),
        # Where a recommendation's actions stand is the tracker's to tell.
        "show_action_status": can_see_tracker(request.user),
    }
    return render(request, "search/search_page.html", context, status=400 if error else 200)


@require_GET
def search_api(request):
    """GET /api/learning/search/: anonymous callers get public learning only, as on the page."""
    try:
        search_request = SearchRequest.from_params(request.GET)
    except BadSearch as bad:
        return JsonResponse({"error": str(bad)}, status=400)
    return JsonResponse(services.as_json(services.search(search_request, request.user)))
