"""The home page and the partnership's site settings (name, contact numbers)."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page

from learning.models import Theme
from reviews.listing import newest_first
from reviews.models import BriefingPage, ReviewPage, VisibilityControlledPrivacy, visible_to


@register_setting(icon="site")
class PartnershipSettings(BaseSiteSetting):
    partnership_name = models.CharField(max_length=200, default="Safeguarding Children Partnership")
    worried_heading = models.CharField(max_length=100, default="Worried about a child?")
    worried_text = models.TextField(
        default="If you think a child is in immediate danger, call 999. "
        "Otherwise contact children's social care."
    )
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
        FieldPanel("partnership_name"),
        MultiFieldPanel(
            [
                FieldPanel("worried_heading"),
                FieldPanel("worried_text"),
                FieldPanel("daytime_phone"),
                FieldPanel("out_of_hours_phone"),
                FieldPanel("police_phone"),
                FieldPanel("contact_email"),
            ],
            heading="Worried about a child?",
        ),
    ]

    class Meta:
        verbose_name = "partnership settings"


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
