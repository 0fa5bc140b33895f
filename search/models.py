"""The search-document table: the source of truth both search engines index and answer from."""

from django.db import models
from django.utils import timezone

from learning.permissions import Visibility


class SearchDocument(models.Model):
    """One searchable thing (a review, a briefing or a recommendation) in the shape search needs."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        BRIEFING = "briefing", "7-minute briefing"
        RECOMMENDATION = "recommendation", "Recommendation"

    class Status(models.TextChoices):
        """A recommendation's state, derived from the actions agencies have taken on it."""

        NO_ACTIONS = "no_actions", "No actions yet"
        OUTSTANDING = "outstanding", "Outstanding"
        COMPLETE = "complete", "Complete (not yet assured)"
        ASSURED = "assured", "Assured"
        CLOSED = "closed", "Closed"

    # Short columns first: SQLite reads a row's columns in order, and facet counts read only these.
    key = models.CharField(max_length=64, unique=True, help_text='e.g. "recommendation:42".')
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # The page a visitor must be able to open: the review itself, or a recommendation's review.
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="search_documents"
    )
    visibility = models.CharField(max_length=20, choices=Visibility.choices)
    review_kind = models.CharField(max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Elasticsearch stores the version it indexed, so reconciliation can spot stale copies.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    number = models.CharField(max_length=12, blank=True)
    url = models.CharField(max_length=500)
    review = models.CharField(max_length=500, blank=True, help_text="The review's title.")
    title = models.CharField(max_length=500)
    keywords = models.TextField(blank=True, help_text="Reference, child pseudonym, number.")
    text = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["visibility", "kind"]),
            models.Index(fields=["published_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def facet_values(self, facet):
        return [tag for tag in self.tags.all() if tag.facet == facet]

    @property
    def themes(self):
        return self.facet_values(SearchDocumentTag.Facet.THEME)

    @property
    def agencies(self):
        return self.facet_values(SearchDocumentTag.Facet.AGENCY)


class SearchDocumentTag(models.Model):
    """A theme or agency of a search document, as a row so facets count by SQL aggregation."""

    class Facet(models.TextChoices):
        THEME = "theme", "Theme"
        AGENCY = "agency", "Agency"

    # No index of its own: the unique constraint below starts with the document.
    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="tags", db_index=False
    )
    facet = models.CharField(max_length=10, choices=Facet.choices)
    value = models.CharField(max_length=120)
    label = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["facet", "value", "document"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "facet", "value"], name="one_tag_per_value_per_document"
            )
        ]

    def __str__(self):
        return f"{self.facet}: {self.label}"


class IndexBacklog(models.Model):
    """A search document changed in the table and not yet copied to Elasticsearch. While any
    is waiting, the index's answers and counts may be stale (a review made partnership-only
    during an outage), so searches are answered from the table until it has caught up."""

    key = models.CharField(max_length=64, unique=True)
    since = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.key} waiting since {self.since:%Y-%m-%d %H:%M}"

    @classmethod
    def note(cls, keys):
        now = timezone.now()
        cls.objects.bulk_create(
            [cls(key=key, since=now) for key in keys],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["since"],
        )

    @classmethod
    def cleared(cls, started, keys=None):
        """Forget what was waiting before `started`, now copied (all of it, or these keys)."""
        waiting = cls.objects.filter(since__lte=started)
        if keys is not None:
            waiting = waiting.filter(key__in=keys)
        waiting.delete()
