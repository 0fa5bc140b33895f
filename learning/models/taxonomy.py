"""The controlled vocabularies: themes of learning and the agencies of the partnership."""

from django.db import models
from django.utils.text import slugify
from wagtail.search import index


class Theme(index.Indexed, models.Model):
    """A theme of learning, e.g. "Neglect" or "Voice of the child". A controlled vocabulary."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True, blank=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("theme_detail", args=[self.slug])


class AgencyQuerySet(models.QuerySet):
    def led(self):
        """Agencies with a lead that emails about their actions reach."""
        from .people import AgencyMembership

        return self.filter(pk__in=AgencyMembership.objects.reachable().values("agency_id"))

    def without_lead(self, partnership_ids=None):
        """Active agencies nobody leads for: their actions would reach nobody. With
        `partnership_ids`, those nobody leads for in at least one of these partnerships."""
        agencies = self.filter(active=True)
        if partnership_ids is None:
            return agencies.exclude(pk__in=self.led().values("pk"))
        from .people import AgencyMembership

        unled_somewhere = models.Q(pk__in=[])
        for partnership_id in sorted(partnership_ids):
            unled_somewhere |= ~models.Exists(
                AgencyMembership.objects.reachable()
                .leading_in(partnership_id)
                .filter(agency_id=models.OuterRef("pk"))
            )
        return agencies.filter(unled_somewhere)


class Agency(index.Indexed, models.Model):
    """An organisation of the partnership that answers recommendations."""

    class Sector(models.TextChoices):
        STATUTORY_PARTNER = "statutory_partner", "Statutory partner"
        HEALTH = "health", "Health"
        POLICE = "police", "Police"
        EDUCATION = "education", "Education"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=60, unique=True, blank=True)
    sector = models.CharField(max_length=30, choices=Sector.choices, default=Sector.OTHER)
    active = models.BooleanField(default=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other names this agency goes by in review documents, one per line.",
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.short_name or self.name)[:60]
        super().save(*args, **kwargs)
