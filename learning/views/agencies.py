"""An agency's page: its review actions, Section 11 return and actions, and briefing cascades."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .. import permissions
from ..filters import category_counts, category_q, with_list_columns
from ..models import Agency, BriefingCascade, Section11Return


@permissions.tracker_gate()
def agency_index(request):
    today = timezone.localdate()
    agencies = permissions.visible_agencies(request.user).annotate(
        outstanding=Count("actions", filter=category_q("outstanding", today, "actions__")),
        overdue=Count("actions", filter=category_q("overdue", today, "actions__")),
        total=Count("actions"),
    )
    return render(request, "learning/agency_index.html", {"agencies": agencies})


@permissions.tracker_gate()
def agency_detail(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    if not permissions.visible_agencies(request.user).filter(pk=agency.pk).exists():
        raise PermissionDenied("You can only see the agencies you lead for.")
    today = timezone.localdate()
    actions = permissions.visible_actions(request.user).filter(agency=agency)
    cycles = permissions.visible_cycles(request.user)
    cycle = cycles.filter(is_open=True).first() or cycles.first()
    section11_return = None
    if cycle:
        section11_return = (
            Section11Return.objects.filter(agency=agency, cycle=cycle)
            .prefetch_related("answers__standard")
            .first()
        )
    return render(
        request,
        "learning/agency_detail.html",
        {
            "agency": agency,
            "counts": category_counts(actions, today),
            "review_actions": with_list_columns(
                actions.filter(recommendation__isnull=False), today
            ),
            "section11_actions": with_list_columns(
                actions.filter(standard_answer__isnull=False), today
            ),
            "cycle": cycle,
            "section11_return": section11_return,
            "can_edit_return": cycle is not None
            and permissions.can_edit_section11_return(
                request.user, agency.pk, cycle.partnership_id
            ),
            "cascades": BriefingCascade.objects.filter(agency=agency).select_related(
                "briefing", "confirmed_by"
            ),
            "today": today,
        },
    )
