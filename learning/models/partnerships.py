"""The statutory partnerships a business unit serves, and the people who hold roles in each.

A deployment holds one or more partnerships (a children's safeguarding partnership, a safeguarding
adults board, a community safety partnership). Agencies and themes are shared between them; every
review, case, action and Section 11 cycle belongs to one, and a person holds roles per partnership.
"""

import dataclasses
import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..roles import ROLE_GROUPS

DEFAULT_PARTNERSHIP_NAME = "Safeguarding Children Partnership"


@dataclasses.dataclass(frozen=True)
class FrameworkWords:
    """What a partnership's public pages say to someone worried, in its framework's words, until
    the partnership writes its own. No telephone numbers: those are the partnership's to give."""

    worried_heading: str
    worried_text: str
    social_care: str  # whose number the daytime and out-of-hours numbers are
    in_danger: str


CHILDREN_WORDS = FrameworkWords(
    worried_heading="Worried about a child?",
    worried_text="If you think a child is in immediate danger, call 999. "
    "Otherwise contact children's social care.",
    social_care="Children's social care",
    in_danger="If a child is in immediate danger, call 999.",
)
ADULTS_WORDS = FrameworkWords(
    worried_heading="Worried about an adult?",
    worried_text="If you think an adult is in immediate danger, call 999. "
    "Otherwise contact adult social care.",
    social_care="Adult social care",
    in_danger="If an adult is in immediate danger, call 999.",
)
COMMUNITY_SAFETY_WORDS = FrameworkWords(
    worried_heading="Worried about domestic abuse?",
    worried_text="If you or someone else is in immediate danger, call 999. "
    "Otherwise speak to the police or a domestic abuse support service.",
    social_care="Domestic abuse support",
    in_danger="If someone is in immediate danger, call 999.",
)


# What a partnership tells a visitor who is worried, in the order its settings panels show it: a
# partnership's own fields and the site-wide ones share these names.
CONTACT_FIELDS = (
    "worried_heading",
    "worried_text",
    "daytime_phone",
    "out_of_hours_phone",
    "police_phone",
    "contact_email",
)


@dataclasses.dataclass(frozen=True)
class SettingsInForce:
    """A partnership's settings as its pages, emails and tracker use them: its own where it set
    them, else the site-wide ones (`Partnership.settings`). What needs a query of its own (the
    tracker's default, the section's address) is read only when asked for."""

    partnership: "Partnership"
    name: str
    framework: str
    worried_heading: str
    worried_text: str
    social_care: str
    daytime_phone: str
    out_of_hours_phone: str
    police_phone: str
    contact_email: str
    in_danger: str

    @functools.cached_property
    def default_action_days(self):
        from .settings import TrackerSettings

        own = self.partnership.default_action_days
        return own or TrackerSettings.load().default_action_days

    @functools.cached_property
    def front_page_url(self):
        """Its section's front page: the site's home page for the first partnership."""
        section = self.partnership.section if self.partnership.section_id else None
        return (section.url if section else None) or "/"

    @property
    def has_contacts(self):
        return any(
            (self.daytime_phone, self.out_of_hours_phone, self.police_phone, self.contact_email)
        )


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

    # The partnership's own settings. Blank means the site-wide one (Settings → Site-wide contact
    # settings, Settings → Tracker settings); `settings()` is the one rule that resolves them.
    worried_heading = models.CharField(
        "heading",
        max_length=100,
        blank=True,
        help_text='Left blank: "Worried about a child?" for a children\'s partnership, '
        '"Worried about an adult?" for an adults board, "Worried about domestic abuse?" for a '
        "community safety partnership.",
    )
    worried_text = models.TextField(
        "what to do",
        blank=True,
        help_text="Left blank: the framework's own words (the site-wide ones for a children's "
        "partnership).",
    )
    daytime_phone = models.CharField(
        "daytime number",
        max_length=40,
        blank=True,
        help_text="Social care (adult social care for an adults board). Left blank: a children's "
        "partnership shows the site-wide number; other partnerships show none.",
    )
    out_of_hours_phone = models.CharField(
        "out of hours number",
        max_length=40,
        blank=True,
        help_text="Left blank: as for the daytime number.",
    )
    police_phone = models.CharField(
        "police (non-emergency)",
        max_length=40,
        blank=True,
        help_text="Left blank: the site-wide number.",
    )
    contact_email = models.EmailField(blank=True, help_text="Left blank: the site-wide address.")
    default_action_days = models.PositiveIntegerField(
        "default time for an action (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="When one of this partnership's reviews is published or a Section 11 return is "
        "submitted with a gap, each new action is due this many days later unless its "
        "recommendation has a due date of its own. Left blank: the site-wide default (Settings → "
        "Tracker settings).",
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def words(self):
        return {
            self.Framework.ADULTS: ADULTS_WORDS,
            self.Framework.COMMUNITY_SAFETY: COMMUNITY_SAFETY_WORDS,
        }.get(self.framework, CHILDREN_WORDS)

    def settings(self, site_wide=None):
        """The partnership's settings as every page, email and the tracker use them: each of its
        own, else the site-wide one. `site_wide` is the site's contact settings (the home app's,
        which this app does not import); without it only the partnership's own and its
        framework's words are used.

        The site-wide heading, text and social care numbers are the children's services': a
        children's partnership falls back to them, an adults board or community safety
        partnership to its framework's words and to no number rather than another service's."""
        words = self.words
        site_wide_fields = {"police_phone", "contact_email"}
        if words is CHILDREN_WORDS:
            site_wide_fields |= {
                "worried_heading",
                "worried_text",
                "daytime_phone",
                "out_of_hours_phone",
            }

        def own_or_site_wide(field, framework_default=""):
            if getattr(self, field):
                return getattr(self, field)
            if field in site_wide_fields:
                return getattr(site_wide, field, "") or framework_default
            return framework_default

        return SettingsInForce(
            partnership=self,
            name=self.name,
            framework=self.framework,
            worried_heading=own_or_site_wide("worried_heading", words.worried_heading),
            worried_text=own_or_site_wide("worried_text", words.worried_text),
            social_care=words.social_care,
            daytime_phone=own_or_site_wide("daytime_phone"),
            out_of_hours_phone=own_or_site_wide("out_of_hours_phone"),
            police_phone=own_or_site_wide("police_phone"),
            contact_email=own_or_site_wide("contact_email"),
            in_danger=words.in_danger,
        )


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
