"""The search-document table: the source of truth both search engines index and answer from."""

from django.db import models

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


class RecurrenceNeighbour(models.Model):
    """One of a recommendation's most similar recommendations, as the similarity method scored
    it (relative to the recommendation's score against itself, so 1.0 is the same words).

    Recomputed for a recommendation when it changes, for all by `rebuild_recurrence`.
    """

    recommendation_id = models.PositiveBigIntegerField()
    neighbour_id = models.PositiveBigIntegerField()
    score = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["recommendation_id", "score"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation_id", "neighbour_id"], name="one_score_per_neighbour"
            )
        ]

    def __str__(self):
        return f"{self.recommendation_id} ~ {self.neighbour_id} ({self.score:.2f})"
