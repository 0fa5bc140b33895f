"""A review document being imported: uploaded, read in the background, waiting for its uploader to
check it. It is kept with the person (not their browser session) for a day, so signing in again or
opening the check page in another browser finds it."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

KEPT_FOR = datetime.timedelta(days=1)
# A reading that has not started (or has not moved) for this long is shown as failed, with a retry:
# the worker or the web process that was to read it has gone.
STALLED_AFTER = datetime.timedelta(minutes=5)


class ReviewImportQuerySet(models.QuerySet):
    def current(self, now=None):
        return self.filter(created_at__gte=(now or timezone.now()) - KEPT_FOR)

    def expired(self, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - KEPT_FOR)

    def of(self, user):
        return self.current().filter(owner=user)

    def waiting(self):
        return self.current().filter(state=ReviewImport.State.QUEUED).order_by("updated_at", "pk")


class ReviewImport(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to be read"
        READING = "reading", "Being read"
        DONE = "done", "Read: waiting to be checked"
        FAILED = "failed", "Could not be read"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_imports"
    )
    file_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    pages_read = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the reading last moved (queued, started, a page read, finished).
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ReviewImportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def stalled(self):
        """Queued or being read, but nothing has moved for a while: whoever was reading it has
        gone, so the uploader is told and may try again."""
        return (
            self.state in (self.State.QUEUED, self.State.READING)
            and timezone.now() - self.updated_at > STALLED_AFTER
        )

    def move(self, state, **fields):
        """Record a step of the reading at once (other requests poll for it)."""
        fields.update(state=state, updated_at=timezone.now())
        ReviewImport.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
