"""The change log, for the business unit: who changed which record, when, from what to what."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .. import audit, permissions
from ..forms import ChangeLogFilterForm
from ..models import ChangeLog
from .actions import tracker_view

ENTRIES_PER_PAGE = 50


@tracker_view
def change_log(request):
    if not permissions.can_see_change_log(request.user):
        raise PermissionDenied("The change log is for the business unit.")
    form = ChangeLogFilterForm(request.GET or None, types=audit.AUDITED_MODELS)
    entries = ChangeLog.objects.select_related("actor")
    if form.is_valid() and form.cleaned_data["object_type"]:
        entries = entries.filter(object_type=form.cleaned_data["object_type"])
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/changelog.html",
        {"form": form, "page_obj": page, "entries": page.object_list},
    )
