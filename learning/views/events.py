"""Learning events (seminars, workshops, courses) and what each recommendation led to: actions
assured, briefings cascaded, events held."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from wagtail.models import Page

from .. import permissions, reach
from ..filters import RefusedParameters, ReviewField
from ..forms import LearningEventForm
from ..models import EventAttendance, Partnership, Recommendation
from .actions import tracker_view

# Named by label so this app never imports the reviews app.
REVIEW_PAGE = ("reviews", "reviewpage")
BRIEFING_PAGE = ("reviews", "briefingpage")
RECOMMENDATIONS_PER_PAGE = 50


def _require_reach(user):
    if not permissions.can_see_learning_reach(user):
        raise PermissionDenied("Learning events are for the business unit and the scrutineer.")


def _pages(kind, user):
    """The live pages of this kind the person may open: the choices of their forms and filters."""
    content_type = ContentType.objects.get_by_natural_key(*kind)
    pages = Page.objects.filter(content_type=content_type).order_by("title")
    return permissions.visible_pages(user, pages, kind[1])


def _partnership_of_event(event, user):
    """A new event is its review's or briefing's partnership's; about a theme alone, the first
    partnership whose events its recorder records."""
    for page in (event.review, event.briefing):
        partnership_id = getattr(page.specific, "partnership_id", None) if page else None
        if partnership_id is not None:
            return partnership_id
    recorded = permissions.partnership_ids_with_role(
        user, permissions.BUSINESS_UNIT, permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS
    )
    first = Partnership.objects.filter(pk__in=recorded).default()
    return first.pk if first else None


@tracker_view
def event_index(request):
    _require_reach(request.user)
    events = (
        permissions.visible_learning_events(request.user)
        .select_related("review", "briefing", "theme")
        .annotate(attendees=Sum("attendance__attendees"))
        .order_by("-held_on", "-pk")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/event_index.html",
        {
            "page_obj": page,
            "events": page.object_list,
            "may_record": permissions.can_record_learning_events(request.user),
        },
    )


@tracker_view
def event_detail(request, pk):
    _require_reach(request.user)
    event = get_object_or_404(
        permissions.visible_learning_events(request.user).select_related(
            "review", "briefing", "theme"
        ),
        pk=pk,
    )
    return render(
        request,
        "learning/event_detail.html",
        {
            "event": event,
            "attendance": event.attendance.select_related("agency"),
            "recommendations": event.recommendations.select_related("review"),
            "may_record": permissions.can_record_learning_events(request.user),
        },
    )


@tracker_view
def event_edit(request, pk=None):
    if not permissions.can_record_learning_events(request.user):
        raise PermissionDenied("The business unit records learning events.")
    event = (
        get_object_or_404(permissions.visible_learning_events(request.user), pk=pk) if pk else None
    )
    attendance = (
        dict(event.attendance.values_list("agency_id", "attendees")) if event is not None else {}
    )
    form = LearningEventForm(
        request.POST or None,
        instance=event,
        reviews=_pages(REVIEW_PAGE, request.user),
        briefings=_pages(BRIEFING_PAGE, request.user),
        recommendations=permissions.visible_recommendations(request.user),
        attendance=attendance,
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            if saved.created_by_id is None:
                saved.created_by = request.user
            if saved.partnership_id is None:
                saved.partnership_id = _partnership_of_event(saved, request.user)
            saved.save()
            form.save_m2m()
            saved.attendance.all().delete()
            EventAttendance.objects.bulk_create(
                EventAttendance(event=saved, agency=agency, attendees=count)
                for agency, count in form.attendance().items()
            )
        messages.success(request, f"“{saved.title}” has been saved.")
        return redirect(saved)
    return render(
        request,
        "learning/event_form.html",
        {"form": form, "event": event},
        status=400 if request.method == "POST" else 200,
    )


@tracker_view
def recommendation_reach(request):
    """Per recommendation: actions assured, briefings about its review cascaded, events held."""
    _require_reach(request.user)
    recommendations = permissions.visible_recommendations(request.user).order_by(
        "review__title", "sort_order", "pk"
    )
    reviews = _pages(REVIEW_PAGE, request.user)
    review_field = ReviewField(queryset=reviews, required=False, label="Review")
    try:
        review = review_field.clean(request.GET.get("review", ""))
    except ValidationError as refused:
        raise RefusedParameters([f"Review: {message}" for message in refused.messages]) from None
    review_id = str(review.pk) if review else ""
    if review:
        recommendations = recommendations.filter(review_id=review.pk)
    page = Paginator(recommendations.values_list("pk", flat=True), RECOMMENDATIONS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = reach.reach_of(Recommendation.objects.filter(pk__in=ids), request.user)
    order = {pk: position for position, pk in enumerate(ids)}
    rows.sort(key=lambda row: order[row.recommendation.pk])
    return render(
        request,
        "learning/recommendation_reach.html",
        {
            "rows": rows,
            "page_obj": page,
            "reviews": reviews,
            "review_id": review_id,
            "querystring_without_page": f"review={review_id}" if review_id else "",
        },
    )
