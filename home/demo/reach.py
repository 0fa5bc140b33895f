"""Demo content for learning reaching practice: a learning event about a published review with
attendance and both evaluations, and a pending invitation. Idempotent, like the rest of the demo."""

import datetime

from django.contrib.auth import get_user_model

from learning import permissions
from learning.models import Agency, EventAttendance, Invitation, LearningEvent, Recommendation


def seed_learning_reach(today):
    recommendation = (
        Recommendation.objects.filter(review__live=True, actions__isnull=False)
        .select_related("review")
        .order_by("review__title", "sort_order", "pk")
        .first()
    )
    if recommendation is None or LearningEvent.objects.exists():
        return
    manager = get_user_model().objects.filter(groups__name=permissions.BUSINESS_MANAGERS).first()
    review = recommendation.review
    event = LearningEvent.objects.create(
        title=f"Learning from {review.title}: multi-agency seminar",
        kind=LearningEvent.Kind.SEMINAR,
        held_on=today - datetime.timedelta(days=49),
        review=review,
        immediate_evaluation=(
            "41 of 46 attendees rated the seminar useful or very useful; most said they would "
            "check who else lives in the household at the next contact."
        ),
        follow_up_on=today - datetime.timedelta(days=3),
        follow_up_evaluation=(
            "Six weeks on, 18 of 25 who replied had changed practice: health visitors record "
            "every adult in the home, and police share overnight incidents with the school by 9am."
        ),
        created_by=manager,
    )
    event.recommendations.set(
        Recommendation.objects.filter(review=review).order_by("sort_order")[:2]
    )
    for agency, attendees in zip(
        Agency.objects.filter(active=True).order_by("name")[:4], (14, 9, 17, 6), strict=False
    ):
        EventAttendance.objects.create(event=event, agency=agency, attendees=attendees)
    unled = Agency.objects.without_lead().order_by("name").first()
    if unled is not None and manager is not None:
        invitation = Invitation(
            email="new.lead@example.org", role=Invitation.Role.AGENCY_LEAD, invited_by=manager
        )
        invitation.set_new_token()  # the demo does not email it: nobody can open this link
        invitation.save()
        invitation.agencies.set([unled])
