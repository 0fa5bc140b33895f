"""The home page, the partnerships' section pages and the site-wide contact settings each
partnership falls back to."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page, Site

from learning.models import Partnership, Theme
from learning.models.partnerships import CHILDREN_WORDS, CONTACT_FIELDS, DEFAULT_PARTNERSHIP_NAME
from reviews.listing import newest_first
from reviews.models import BriefingPage, ReviewPage, VisibilityControlledPrivacy, visible_to


@register_setting(icon="site")
class PartnershipSettings(BaseSiteSetting):
    """The "Worried about a child?" box of the site: what a partnership shows where it leaves its
    own settings blank (Snippets → Partnerships)."""

    worried_heading = models.CharField(max_length=100, default=CHILDREN_WORDS.worried_heading)
    worried_text = models.TextField(default=CHILDREN_WORDS.worried_text)
    daytime_phone = models.CharField(
        "daytime number",
        max_length=40,
        default="01484 456848",
        help_text="Children's social care, Monday to Friday.",
    )
    out_of_hours_phone = models.CharField(
        "out of hours number", max_length=40, default="01484 414933"
    )
    police_phone = models.CharField("police (non-emergency)", max_length=40, default="101")
    contact_email = models.EmailField(blank=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel(field) for field in CONTACT_FIELDS],
            heading="Worried about a child?",
            help_text="Every partnership shows these where it leaves its own blank (Snippets → "
            "Partnerships). The heading, text and numbers are the children's services': an adults "
            "board or a community safety partnership shows its own words instead.",
        ),
    ]

    class Meta:
        verbose_name = "site-wide contact settings"


def settings_in_force(page=None, request=None):
    """The settings of the partnership whose page is shown (its stored partnership, or the one
    whose section it is in), or of the first partnership for anything that is not one of its
    pages: what the header, footer, "Worried about…" box, print views and approval emails say.
    Read once per request and page."""
    cache = request.__dict__.setdefault("_settings_in_force", {}) if request is not None else {}
    key = page.pk if isinstance(page, Page) else None
    if key not in cache:
        cache[key] = _partnership_of(page).settings(_site_wide(request))
    return cache[key]


def _partnership_of(page):
    # With its section, whose address the header links to.
    partnerships = Partnership.objects.select_related("section")
    if isinstance(page, Page):
        partnership_id = getattr(page, "partnership_id", None)
        partnership = (
            partnerships.filter(pk=partnership_id).first()
            if partnership_id
            else partnerships.for_page(page)
        )
    else:
        partnership = partnerships.default()
    # Before migrate has made the first partnership there is only the name it will have.
    return partnership or Partnership(name=DEFAULT_PARTNERSHIP_NAME)


def _site_wide(request):
    if request is not None:
        return PartnershipSettings.for_request(request)
    site = Site.objects.filter(is_default_site=True).first()
    return PartnershipSettings.for_site(site) if site else PartnershipSettings()


class HomePage(VisibilityControlledPrivacy, Page):
    intro = models.TextField(blank=True)

    max_count = 1
    subpage_types = ["reviews.ReviewIndexPage", "reviews.BriefingIndexPage", "home.PartnershipPage"]
    template = "home/home_page.html"
    content_panels = Page.content_panels + [FieldPanel("intro")]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        context["latest_briefings"] = (
            visible_to(BriefingPage.objects.all(), user)
            .order_by("-first_published_at")
            .prefetch_related("themes")[:4]
        )
        context["latest_reviews"] = (
            visible_to(ReviewPage.objects.all(), user)
            .order_by(*newest_first(ReviewPage))
            .prefetch_related("themes")[:4]
        )
        context["all_themes"] = Theme.objects.filter(parent__isnull=True)
        return context


class PartnershipPage(VisibilityControlledPrivacy, Page):
    """A partnership's own section of the site (the adults board's, the community safety
    partnership's): its latest reviews and briefings, and its own listings beneath it. Make it
    the partnership's section (Snippets → Partnerships) and the pages under it are that
    partnership's."""

    intro = models.TextField(blank=True)

    parent_page_types = ["home.HomePage"]
    subpage_types = ["reviews.ReviewIndexPage", "reviews.BriefingIndexPage"]
    template = "home/partnership_page.html"
    content_panels = Page.content_panels + [FieldPanel("intro")]

    def get_context(self, request, *args, **kwargs):
        from reviews.models import BriefingIndexPage, ReviewIndexPage

        context = super().get_context(request, *args, **kwargs)
        user = request.user
        context["latest_briefings"] = (
            visible_to(BriefingPage.objects.descendant_of(self), user)
            .order_by("-first_published_at")
            .prefetch_related("themes")[:4]
        )
        context["latest_reviews"] = (
            visible_to(ReviewPage.objects.descendant_of(self), user)
            .order_by(*newest_first(ReviewPage))
            .prefetch_related("themes")[:4]
        )
        context["review_index"] = ReviewIndexPage.objects.child_of(self).live().first()
        context["briefing_index"] = BriefingIndexPage.objects.child_of(self).live().first()
        return context
