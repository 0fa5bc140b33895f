"""Recommendations: authored in a review's editor, stored as rows with stable ids."""

from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable


class Recommendation(Orderable, ClusterableModel):
    """One numbered recommendation of a review, addressed to the partnership or named agencies."""

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Progress(models.TextChoices):
        """Where the agencies' actions on a recommendation stand, taken together."""

        NO_ACTIONS = "no_actions", "No actions yet"
        OUTSTANDING = "outstanding", "Outstanding"
        COMPLETE = "complete", "Complete (not yet assured)"
        ASSURED = "assured", "Assured"
        CLOSED = "closed", "Closed"

    review = ParentalKey(
        "reviews.ReviewPage", on_delete=models.CASCADE, related_name="recommendations"
    )
    number = models.CharField(
        max_length=12, help_text='As numbered in the report, e.g. "3" or "3a".'
    )
    text = models.TextField()
    section = models.CharField(
        max_length=255, blank=True, help_text="The report section it sits under."
    )
    themes = ParentalManyToManyField("learning.Theme", blank=True, related_name="recommendations")
    agencies = ParentalManyToManyField(
        "learning.Agency",
        blank=True,
        related_name="recommendations",
        help_text="The agencies this recommendation is addressed to.",
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(
        null=True,
        blank=True,
        help_text="When agencies' actions are due; the default applies if empty.",
    )

    panels = [
        FieldPanel("number"),
        FieldPanel("text"),
        FieldPanel("section"),
        FieldPanel("themes"),
        FieldPanel("agencies"),
        FieldPanel("priority"),
        FieldPanel("due_date"),
    ]

    class Meta(Orderable.Meta):
        ordering = ["sort_order"]

    def __str__(self):
        return f"Recommendation {self.number}: {self.text[:60]}"

    @classmethod
    def progress_from(cls, action_statuses):
        """The recommendation's progress from its actions' statuses, using the action rules:
        outstanding while any action is outstanding; complete once every action is complete,
        assured or closed; assured once every action is assured or closed; closed when all
        were closed."""
        from .actions import AgencyAction

        statuses = set(action_statuses)
        if not statuses:
            return cls.Progress.NO_ACTIONS
        finished = set(AgencyAction.Status.finished())
        if statuses <= {AgencyAction.Status.CLOSED}:
            return cls.Progress.CLOSED
        if statuses <= finished:
            return cls.Progress.ASSURED
        if statuses & set(AgencyAction.Status.in_hand()):
            return cls.Progress.OUTSTANDING
        return cls.Progress.COMPLETE

    @property
    def progress(self):
        """This recommendation's progress (reads prefetched actions when a list prefetched them)."""
        return self.progress_from(action.status for action in self.actions.all())
