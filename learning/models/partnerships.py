"""The statutory partnerships a business unit serves, and the people who hold roles in each.

A deployment holds one or more partnerships (a children's safeguarding partnership, a safeguarding
adults board, a community safety partnership). Agencies and themes are shared between them; every
review, case, action and Section 11 cycle belongs to one, and a person holds roles per partnership.
"""

from django.conf import settings
from django.db import models

from ..roles import ROLE_GROUPS

DEFAULT_PARTNERSHIP_NAME = "Safeguarding Children Partnership"


class PartnershipQuerySet(models.QuerySet):
    def default(self):
        """The first partnership: the one a single-partnership deployment has, and the one whose
        section is the whole site. Content placed outside every partnership's section is its."""
        return self.order_by("sort_order", "pk").first()

    def for_page(self, page):
        """The partnership a page belongs to: the one whose section is the page itself or its
        nearest ancestor, else the default partnership. The one rule for pages' partnerships."""
        path = getattr(page, "path", "") or ""
        steplen = getattr(page, "steplen", 4)
        prefixes = [path[:end] for end in range(steplen, len(path) + 1, steplen)]
        nearest = (
            self.filter(section__path__in=prefixes).order_by("-section__depth", "pk").first()
            if prefixes
            else None
        )
        return nearest or self.default()


class Partnership(models.Model):
    """One statutory partnership served by the business unit."""

    class Framework(models.TextChoices):
        CHILDREN = "children", "Children's safeguarding partnership"
        ADULTS = "adults", "Safeguarding adults board"
        COMMUNITY_SAFETY = "community_safety", "Community safety partnership"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    framework = models.CharField(max_length=20, choices=Framework.choices)
    section = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The partnership's part of the site: reviews and briefings under this page "
        "belong to the partnership.",
    )
    shares_regionally = models.BooleanField(
        default=False,
        help_text="On a regional deployment, show this partnership's public and practitioner "
        "learning to the other business units' people too.",
    )
    sort_order = models.PositiveIntegerField(default=0)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name", "pk"]

    def __str__(self):
        return self.name


ROLE_CHOICES = [(name, name) for name in ROLE_GROUPS]


class PartnershipMembership(models.Model):
    """A person's role in one partnership. Their Django groups are the union of these roles
    (`sync_role_groups`), so Wagtail's admin permissions keep following the groups."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnership_memberships"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=40, choices=ROLE_CHOICES)

    class Meta:
        ordering = ["partnership__sort_order", "partnership__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership", "role"], name="one_role_per_person_per_partnership"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.role}, {self.partnership}"


def sync_role_groups(user):
    """The person's role groups become exactly the roles they hold in any partnership. Groups
    that are not roles are left alone, and so is a superuser (who needs no role to see all)."""
    from django.contrib.auth.models import Group

    if user.is_superuser:
        return
    roles = set(
        PartnershipMembership.objects.filter(user=user).values_list("role", flat=True).distinct()
    )
    held = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
    if roles - held:
        user.groups.add(*Group.objects.filter(name__in=roles - held))
    if held - roles:
        user.groups.remove(*Group.objects.filter(name__in=held - roles))
    for cached in ("_role_group_names", "_partnership_roles", "_partnership_slugs"):
        user.__dict__.pop(cached, None)
