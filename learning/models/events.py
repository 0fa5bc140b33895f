"""Learning events: the seminars, workshops and courses that carry a review's learning to staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class LearningEvent(models.Model):
    """A seminar, workshop or training course about a review, a briefing or a theme."""

    class Kind(models.TextChoices):
        SEMINAR = "seminar", "Seminar"
        WORKSHOP = "workshop", "Workshop"
        COURSE = "course", "Training course"

    title = models.CharField(max_length=200)
    partnership = models.ForeignKey(
        "learning.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="learning_events",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    held_on = models.DateField()
    # Pages are named by their common base so that this app never imports the reviews app.
    review = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    briefing = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    theme = models.ForeignKey(
        "learning.Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recommendations = models.ManyToManyField(
        "learning.Recommendation", blank=True, related_name="learning_events"
    )
    immediate_evaluation = models.TextField(blank=True, help_text="What attendees said on the day.")
    follow_up_evaluation = models.TextField(
        blank=True,
        help_text='Six to eight weeks later: "what have you done differently?"',
    )
    follow_up_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Moves on at every save: the edit form refuses a save from an older opening.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.title} ({self.held_on:%d %b %Y})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("learning:event_detail", args=[self.pk])

    @property
    def follow_up_window(self):
        """When the "what have you done differently?" evaluation is due: 6 to 8 weeks on."""
        return (
            self.held_on + timezone.timedelta(weeks=6),
            self.held_on + timezone.timedelta(weeks=8),
        )


class EventAttendance(models.Model):
    """How many of one agency's staff came to a learning event."""

    event = models.ForeignKey(LearningEvent, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("learning.Agency", on_delete=models.PROTECT, related_name="+")
    attendees = models.PositiveIntegerField()

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "agency"], name="one_attendance_per_agency")
        ]

    def __str__(self):
        return f"{self.attendees} from {self.agency} at {self.event}"
