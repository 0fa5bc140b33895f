"""Recurrence: two recommendations recorded as saying the same thing, and suggestions set aside.

Search suggests; people decide. A link or a dismissal is a fact about two recommendations, kept
with who recorded it and when.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RecurrenceLink(models.Model):
    """The later recommendation says again what the earlier one said."""

    earlier = models.ForeignKey(
        "learning.Recommendation", on_delete=models.CASCADE, related_name="said_again_links"
    )
    later = models.ForeignKey(
        "learning.Recommendation", on_delete=models.CASCADE, related_name="said_before_links"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at"]
        constraints = [
            models.UniqueConstraint(fields=["earlier", "later"], name="one_link_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(earlier=models.F("later")), name="link_two_recommendations"
            ),
        ]

    def __str__(self):
        return f"Recommendation {self.later_id} repeats {self.earlier_id}"


class RecurrenceDismissal(models.Model):
    """A suggested earlier recommendation judged not the same finding; it is not suggested again."""

    recommendation = models.ForeignKey(
        "learning.Recommendation", on_delete=models.CASCADE, related_name="dismissed_suggestions"
    )
    suggestion = models.ForeignKey(
        "learning.Recommendation", on_delete=models.CASCADE, related_name="+"
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "suggestion"], name="one_dismissal_per_suggestion"
            )
        ]

    def __str__(self):
        return f"Suggestion {self.suggestion_id} dismissed for {self.recommendation_id}"


def record_recurrence(first, second, user):
    """Link two recommendations as the same finding, the earlier (by review year, then id) first.
    Recording it twice keeps the first record."""

    def order(rec):
        return (rec.review.year or 0, rec.pk)

    earlier, later = sorted([first, second], key=order)
    link, _ = RecurrenceLink.objects.get_or_create(
        earlier=earlier, later=later, defaults={"linked_by": user}
    )
    return link


def dismiss_suggestion(recommendation, suggestion, user):
    dismissal, _ = RecurrenceDismissal.objects.get_or_create(
        recommendation=recommendation, suggestion=suggestion, defaults={"dismissed_by": user}
    )
    return dismissal
