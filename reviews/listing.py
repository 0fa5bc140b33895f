"""Filtering and pagination shared by the review and briefing listings and the theme pages."""

import re

from django.core.paginator import Paginator
from django.db.models import F, Q

from learning.models import Theme
from learning.plain_text import has_control_characters


def newest_first(model):
    """Reviews by the date their report was published (reviews still under way first, as the
    newest work), then by when they went on the site; briefings by when they went on the site."""
    if hasattr(model, "publication_date"):
        return [F("publication_date").desc(nulls_first=True), "-first_published_at", "-pk"]
    return ["-first_published_at", "-pk"]


# ASCII digits only ("²" is a digit to str.isdigit), and a year a date can have.
_YEAR = re.compile(r"[12][0-9]{3}")
BAD_YEAR = "Year must be a year such as 2019."


def build_listing(queryset, request, page_size):
    """Filter a queryset of visible pages by theme, kind and year, newest first, one page of it.
    A year that is not one is left out, and `listing_error` says so (the page answers 400)."""
    theme_slug = request.GET.get("theme", "")
    kind = request.GET.get("kind", "")
    year = request.GET.get("year", "").strip()
    error = None
    if year and not _YEAR.fullmatch(year):
        error, year = BAD_YEAR, ""
    # PostgreSQL refuses a NUL in any text it is given; no theme or kind holds one.
    if has_control_characters(theme_slug + kind):
        error, theme_slug, kind = "A theme or kind cannot contain control characters.", "", ""
    if theme_slug:
        queryset = queryset.filter(themes__slug=theme_slug)
    if kind and hasattr(queryset.model, "kind"):
        queryset = queryset.filter(kind=kind)
    if year:
        year_filter = Q(first_published_at__year=int(year))
        if hasattr(queryset.model, "publication_date"):
            year_filter = Q(publication_date__year=int(year)) | (
                Q(publication_date__isnull=True) & year_filter
            )
        queryset = queryset.filter(year_filter)
    queryset = queryset.order_by(*newest_first(queryset.model)).prefetch_related("themes")
    paginator = Paginator(queryset, page_size)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "items": page,
        "paginator": paginator,
        "filters": {"theme": theme_slug, "kind": kind, "year": year},
        "listing_error": error,
        "filter_themes": Theme.objects.all(),
        "querystring_without_page": _querystring_without(request, "page"),
    }


def _querystring_without(request, name):
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()
