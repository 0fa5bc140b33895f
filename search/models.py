"""The search-document table: the source of truth both search engines index and answer from."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
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
    # The slug of the partnership whose page this is: partnership-only documents are found only
    # by that partnership's people.
    partnership = models.CharField(max_length=100, blank=True)
    review_kind = models.CharField(max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Elasticsearch stores the version it indexed, so reconciliation can spot stale copies.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    # When the item first appeared in search (kept through updates and rebuilds): what learning
    # alerts call new, whatever publication date the page gives itself.
    first_indexed_at = models.DateTimeField(default=timezone.now)
    number = models.CharField(max_length=12, blank=True)
    url = models.CharField(max_length=500)
    review = models.CharField(max_length=500, blank=True, help_text="The review's title.")
    title = models.CharField(max_length=500)
    keywords = models.TextField(blank=True, help_text="Reference, child pseudonym, number.")
    text = models.TextField(blank=True)
    reports = models.TextField(blank=True, help_text="Text of a review's attached reports.")

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


class RecurrenceBacklog(models.Model):
    """A recommendation whose similar recommendations are owed: noted with the change, cleared
    once its neighbours are recomputed (by the worker, or after the response by the web
    process's background catch-up), so publishing never waits for it and nothing is forgotten
    if the process stops first."""

    recommendation_id = models.PositiveBigIntegerField(unique=True)
    since = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Recommendation {self.recommendation_id} waiting since {self.since:%Y-%m-%d %H:%M}"

    @classmethod
    def note(cls, recommendation_ids):
        now = timezone.now()
        cls.objects.bulk_create(
            [cls(recommendation_id=pk, since=now) for pk in recommendation_ids],
            update_conflicts=True,
            unique_fields=["recommendation_id"],
            update_fields=["since"],
        )

    @classmethod
    def cleared(cls, started, recommendation_ids):
        """Forget what was noted before `started` and is now recomputed."""
        cls.objects.filter(since__lte=started, recommendation_id__in=recommendation_ids).delete()


class VocabularyGroup(models.Model):
    """Terms the business unit says mean the same thing (an abbreviation and its meaning, an old
    and a new name), added to the thesaurus that ships in search/data/thesaurus.txt."""

    terms = models.TextField(
        help_text="Comma-separated, the name to show first, e.g. "
        '"child in need, cin, section 17". Case does not matter.'
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why, or where it comes from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["terms"]
        verbose_name = "search vocabulary group"

    def __str__(self):
        return self.terms

    def clean(self):
        from django.core.exceptions import ValidationError

        from .terms import parse_groups

        if not parse_groups(self.terms.replace("\n", " ")):
            raise ValidationError(
                {"terms": "Give at least two different terms, separated by commas."}
            )


class ReportText(models.Model):
    """The text read out of one report document (a review's full SCR or LCSPR report), page by
    page, so search can find and quote it. Failures are kept for the business unit to see."""

    class Status(models.TextChoices):
        EXTRACTED = "extracted", "Text extracted"
        FAILED = "failed", "Could not be read"

    document = models.OneToOneField(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="search_text"
    )
    # The file's hash when it was read: a replaced file is read again.
    source_hash = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    error = models.TextField(blank=True, help_text="Why the text could not be read.")
    pages = models.PositiveIntegerField(default=0)
    extracted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "report text"
        ordering = ["-extracted_at"]

    def __str__(self):
        return f"{self.document.title}: {self.get_status_display()}"


class ReportPassage(models.Model):
    """One page of a report (a PDF page; a stretch of about 300 words of other documents, within
    one section: they have no pages, so the section's heading says where the passage is)."""

    report = models.ForeignKey(ReportText, on_delete=models.CASCADE, related_name="passages")
    page_number = models.PositiveIntegerField(null=True, blank=True)
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["report", "page_number", "pk"]

    def __str__(self):
        where = f"page {self.page_number}" if self.page_number else self.heading
        return f"{self.report.document.title}, {where}" if where else self.report.document.title


def _unsubscribe_token():
    import secrets

    return secrets.token_urlsafe(24)


class LearningAlert(models.Model):
    """A saved search or a followed theme: new learning that matches is emailed to its owner,
    once a week or at once, listing only what they may open."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Once a week"
        IMMEDIATE = "immediate", "As soon as it is published"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_alerts"
    )
    query = models.CharField(max_length=200, blank=True, help_text="The words searched for.")
    theme = models.ForeignKey(
        "learning.Theme", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY)
    # Lets the email's link unsubscribe without signing in; it opens nothing else.
    token = models.CharField(max_length=64, unique=True, default=_unsubscribe_token)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(query="") | models.Q(theme__isnull=False),
                name="alert_has_words_or_theme",
                violation_error_message="Give some words to search for, or choose a theme.",
            ),
            # One alert per person, words and theme, even for requests that arrive together;
            # "no theme" counts as a value (NULLs would all differ).
            models.UniqueConstraint(
                models.F("user"),
                models.F("query"),
                Coalesce(models.F("theme"), models.Value(0), output_field=models.BigIntegerField()),
                name="alert_once_per_person_words_and_theme",
                violation_error_message="You already have this alert.",
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def description(self):
        parts = []
        if self.query:
            parts.append(f"“{self.query}”")
        if self.theme_id:
            parts.append(f"theme {self.theme.name}")
        return " in ".join(parts)


class AlertItemSent(models.Model):
    """One item emailed for one alert: an item is never sent twice for the same alert."""

    alert = models.ForeignKey(LearningAlert, on_delete=models.CASCADE, related_name="sent_items")
    document_key = models.CharField(max_length=64)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "document_key"], name="alert_item_sent_once")
        ]

    def __str__(self):
        return f"{self.alert}: {self.document_key}"


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
