"""Recommendations: authored in a review's editor, stored as rows with stable ids."""

import re
import uuid

from django import forms
from django.db import models
from django.utils.html import format_html
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, Panel
from wagtail.models import Orderable


class HiddenFieldPanel(Panel):
    """Carries a field the editor never sees through the form, so it survives every save."""

    def __init__(self, field_name, **kwargs):
        super().__init__(**kwargs)
        self.field_name = field_name

    def clone_kwargs(self):
        return super().clone_kwargs() | {"field_name": self.field_name}

    def get_form_options(self):
        return {"fields": [self.field_name], "widgets": {self.field_name: forms.HiddenInput()}}

    class BoundPanel(Panel.BoundPanel):
        def render_html(self, parent_context=None):
            return format_html("{}", self.form[self.panel.field_name])


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
    # The recommendation's identity in every revision of its review: a revision keeps the key, and
    # the review's `with_content_json` finds the row by it, whatever row ids the revision holds.
    key = models.UUIDField(default=uuid.uuid4, blank=True)
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
    agreed_action = models.TextField(
        blank=True,
        help_text="The action agreed in the review's action plan. Each agency's action on this "
        "recommendation starts with it as its description when the review is published.",
    )

    panels = [
        HiddenFieldPanel("key"),
        FieldPanel("number"),
        FieldPanel("text"),
        FieldPanel("section"),
        FieldPanel("themes"),
        FieldPanel("agencies"),
        FieldPanel("priority"),
        FieldPanel("due_date"),
        FieldPanel("agreed_action"),
    ]

    class Meta(Orderable.Meta):
        ordering = ["sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="one_key_per_recommendation")
        ]

    def __str__(self):
        return f"Recommendation {self.number}: {self.text[:60]}"

    @property
    def action_description(self):
        """What an agency's action on this recommendation says when it is opened: the action
        plan's agreed action where the review has one."""
        return self.agreed_action.strip() or f"Respond to recommendation {self.number}."

    @property
    def anchor(self):
        """The recommendation's place on its review's page, by its number as the report gives it
        (`recommendation-3a`), so a link reads like the report and survives re-publishing."""
        return "recommendation-" + re.sub(r"[^A-Za-z0-9.]+", "-", self.number).strip("-")

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
