"""Briefing cascades: an agency confirms that a 7-minute briefing reached its teams."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from .. import cascades, permissions, queues, services
from ..forms import CascadeForm
from ..models import BriefingCascade
from .actions import tracker_view


def _briefing(request, page_id):
    # A cascade is about a 7-minute briefing: the model its `briefing` points at (this app never
    # imports the reviews app).
    briefings = BriefingCascade._meta.get_field("briefing").related_model
    page = (
        briefings.objects.live()
        .filter(permissions.visible_content(request.user), pk=page_id)
        .first()
    )
    if page is None:
        raise Http404("No such 7-minute briefing.")
    return page


@tracker_view
def confirm_cascade(request, page_id):
    briefing = _briefing(request, page_id)
    if not permissions.can_confirm_cascades(request.user):
        raise PermissionDenied("Agency leads confirm that a briefing was cascaded.")
    form = CascadeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.confirm_cascade(
                briefing,
                data["agency"],
                request.user,
                cascaded_on=data["cascaded_on"],
                teams_reached=data["teams_reached"],
                staff_reached=data["staff_reached"],
                note=data["note"],
            )
        except services.ActionRuleError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, f"Thank you: {data['agency'].name} has confirmed this briefing."
            )
            return redirect(briefing.url)
    confirmations = BriefingCascade.objects.filter(briefing=briefing).select_related("agency")
    return render(
        request,
        "learning/cascade_form.html",
        {"briefing": briefing, "form": form, "confirmations": confirmations},
        status=400 if request.method == "POST" else 200,
    )


COVERAGE_PER_PAGE = 20


@tracker_view
def cascade_coverage(request):
    """For each briefing: which agencies confirmed it reached their teams, how many teams and
    staff, and which have not."""
    if not permissions.can_see_learning_reach(request.user):
        raise PermissionDenied("Cascade coverage is for the business unit and the scrutineer.")
    briefings = queues.briefings_of_partnerships(
        queues.live_briefings(), request.user, permissions.tracker_partnership_ids(request.user)
    )
    page = Paginator(briefings, COVERAGE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/cascade_coverage.html",
        {"page_obj": page, "rows": cascades.coverage(page.object_list)},
    )
