"""The change log, for the business unit and the scrutineer: who changed what, in words, with
filters by agency, person, kind and date that paging and the export keep."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import StreamingHttpResponse
from django.shortcuts import render

from .. import changelog, permissions
from ..filters import RefusedParameters, form_problems
from ..forms import ChangeLogFilterForm
from ..models import ChangeLog
from ..spreadsheets import stream_csv
from .actions import tracker_view

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 500


def _filtered(request):
    if not permissions.can_see_change_log(request.user):
        raise PermissionDenied("The change log is for the business unit and the scrutineer.")
    people = (
        get_user_model()
        .objects.filter(Exists(ChangeLog.objects.filter(actor=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
    )
    form = ChangeLogFilterForm(request.GET or None, kinds=changelog.KIND_CHOICES, people=people)
    entries = ChangeLog.objects.select_related("actor")
    if not request.user.is_superuser:
        # Each partnership's own records only to its own business unit and scrutineer.
        entries = entries.filter(
            changelog.about_partnerships(permissions.tracker_partnership_ids(request.user))
        )
    if request.GET and not form.is_valid():
        return form, entries.none()
    if request.GET:
        entries = changelog.filter_entries(entries, form.cleaned_data)
    return form, entries


@tracker_view
def change_log(request):
    form, entries = _filtered(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    described = changelog.Describer(
        page.object_list, may_open_people=permissions.can_manage_people(request.user)
    ).describe()
    return render(
        request,
        "learning/changelog.html",
        {
            "form": form,
            "page_obj": page,
            "entries": described,
            "querystring_without_page": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


def _rows(entries, may_open_people, base_url):
    iterator = entries.iterator(chunk_size=EXPORT_CHUNK)
    while True:
        chunk = [entry for _i, entry in zip(range(EXPORT_CHUNK), iterator, strict=False)]
        if not chunk:
            return
        for entry, phrases in changelog.Describer(chunk, may_open_people).describe():
            for phrase in phrases:
                yield [
                    entry.at,
                    phrase.actor,
                    phrase.text,
                    f"{base_url}{phrase.url}" if phrase.url else "",
                ]


@tracker_view
def change_log_csv(request):
    """The same entries, with the same filters, as a CSV file: one row per change."""
    form, entries = _filtered(request)
    if form.errors:
        raise RefusedParameters(form_problems(form))
    base_url = request.build_absolute_uri("/").rstrip("/")
    rows = _rows(entries, permissions.can_manage_people(request.user), base_url)
    response = StreamingHttpResponse(
        stream_csv(["When", "Who", "What", "Link"], rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="change-log.csv"'
    return response
