"""What each recommendation led to in practice: its actions assured, the briefings about its
review cascaded, and the learning events held about it.

Which briefings are about which review is known to the reviews app. It tells this module through
`briefings_finder` (registered from reviews/queues.py), so learning never imports reviews.
"""

import dataclasses

from django.db.models import Count, Prefetch, Q, Sum

from . import permissions
from .cascades import coverage
from .models import Agency, AgencyAction

_BRIEFING_FINDERS = []


def briefings_finder(find):
    """Register `find(review_ids) -> {review_id: [briefing pages]}`."""
    _BRIEFING_FINDERS.append(find)
    return find


def briefings_about(review_ids):
    found = {}
    for find in _BRIEFING_FINDERS:
        for review_id, pages in find(review_ids).items():
            found.setdefault(review_id, []).extend(pages)
    return found


@dataclasses.dataclass
class Reach:
    recommendation: object
    actions: int
    assured: int
    briefings: list  # Coverage rows of the briefings about its review
    events: list

    @property
    def attendees(self):
        return sum(event.attendees or 0 for event in self.events)


def reach_of(recommendations, user):
    """Reach rows for a page of recommendations, in a fixed number of queries: with the events
    this person may see."""
    events = (
        permissions.visible_learning_events(user)
        .annotate(attendees=Sum("attendance__attendees"))
        .order_by("-held_on")
    )
    recommendations = list(
        recommendations.select_related("review")
        .annotate(
            action_count=Count("actions", distinct=True),
            assured_count=Count(
                "actions",
                filter=Q(actions__status=AgencyAction.Status.ASSURED),
                distinct=True,
            ),
        )
        .prefetch_related(Prefetch("learning_events", queryset=events))
    )
    found = briefings_about({r.review_id for r in recommendations})
    briefings = {page.pk: page for pages in found.values() for page in pages}
    rows = {row.briefing.pk: row for row in coverage(briefings.values(), _agencies())}
    return [
        Reach(
            recommendation=r,
            actions=r.action_count,
            assured=r.assured_count,
            briefings=[rows[page.pk] for page in found.get(r.review_id, [])],
            events=list(r.learning_events.all()),
        )
        for r in recommendations
    ]


def _agencies():
    return Agency.objects.filter(active=True)
