"""Records kept beside the tracker: the change log, briefing cascades and sent reminders."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChangeLog(models.Model):
    """Who changed what, when: every change to recommendations, agencies, themes, actions, returns."""

    class Operation(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    operation = models.CharField(max_length=10, choices=Operation.choices)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_operation_display()} {self.object_type} {self.object_id}"


class BriefingCascade(models.Model):
    """An agency's confirmation that a 7-minute briefing reached its teams."""

    briefing = models.ForeignKey(
        "reviews.BriefingPage", on_delete=models.CASCADE, related_name="cascades"
    )
    agency = models.ForeignKey("learning.Agency", on_delete=models.PROTECT, related_name="cascades")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)
    cascaded_on = models.DateField()
    teams_reached = models.PositiveIntegerField(default=0)
    staff_reached = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-cascaded_on", "-pk"]

    def __str__(self):
        return f"{self.agency} cascaded briefing {self.briefing_id}"


class ReminderLog(models.Model):
    """One reminder sent: the unique key makes every reminder go at most once per period."""

    kind = models.CharField(max_length=30)
    action = models.ForeignKey(
        "learning.AgencyAction", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(max_length=20, help_text='e.g. "2026-W48" or "due-2026-12-01".')
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "action", "period", "recipient"], name="one_reminder_per_period"
            ),
            # NULLs never clash in a unique index, so reminders about no single action (the
            # weekly digest) need their own constraint to go at most once per period.
            models.UniqueConstraint(
                fields=["kind", "period", "recipient"],
                condition=models.Q(action__isnull=True),
                name="one_digest_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.period} to {self.recipient}"
