"""The work queues: My work (agency leads), Waiting for the business unit, Waiting for assurance
(the scrutineer, who can assure several complete actions with one note)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone

from .. import permissions, queues, services
from ..forms import AssureSeveralForm
from ..models import AgencyAction, ProgressUpdate
from .actions import tracker_view

ASSURANCE_PAGE_LENGTH = 50


def _queue_page(request, queue, template, **context):
    return render(
        request,
        template,
        {"sections": queues.build(queue, request.user, timezone.localdate()), **context},
    )


@login_required
def tracker_start(request):
    """/tracker/ itself: each person goes on to their own queue (home, for one who has none)."""
    return redirect(queues.landing_url(request.user))


@tracker_view
def my_work(request):
    if not permissions.is_agency_lead(request.user):
        raise PermissionDenied("My work is an agency lead's list of their agencies' work.")
    return _queue_page(request, queues.MY_WORK, "learning/queue_my_work.html")


@tracker_view
def business_unit_queue(request):
    if not permissions.can_see_business_unit_queue(request.user):
        raise PermissionDenied("This list is the business unit's.")
    return _queue_page(request, queues.BUSINESS_UNIT, "learning/queue_business_unit.html")


def _waiting_for_assurance():
    """Complete actions, each with its evidence and latest entries, in a fixed number of queries."""
    history = ProgressUpdate.objects.select_related("author").prefetch_related("evidence")
    return (
        AgencyAction.objects.complete_unassured()
        .select_related("agency", "recommendation__review")
        .prefetch_related(Prefetch("updates", queryset=history, to_attr="history"))
        .order_by("updated_at", "pk")
    )


@tracker_view
def assurance_queue(request):
    if not permissions.can_see_assurance_queue(request.user):
        raise PermissionDenied("Assurance is the scrutineer's sign-off.")
    form = AssureSeveralForm(request.POST or None)
    # Only the actions this scrutineer sees may be chosen, and only those are listed.
    form.fields["actions"].queryset = permissions.visible_actions(
        request.user, form.fields["actions"].queryset
    )
    if request.method == "POST" and form.is_valid():
        assured, refused = services.assure_several(
            form.cleaned_data["actions"], request.user, note=form.cleaned_data["note"]
        )
        if assured:
            messages.success(
                request, f"{len(assured)} action{'s' if len(assured) != 1 else ''} assured."
            )
        for action, reason in refused:
            messages.error(request, f"Not assured: {action.description[:80]}. {reason}")
        return redirect("learning:assurance_queue")
    waiting = permissions.visible_actions(request.user, _waiting_for_assurance())
    count = waiting.count()
    return render(
        request,
        "learning/queue_assurance.html",
        {
            "form": form,
            "waiting": waiting[:ASSURANCE_PAGE_LENGTH],
            "waiting_count": count,
            "page_length": ASSURANCE_PAGE_LENGTH,
            "sections": queues.build(queues.ASSURANCE, request.user, timezone.localdate()),
        },
        status=400 if request.method == "POST" else 200,
    )
