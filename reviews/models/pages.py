"""Review pages of every kind, 7-minute briefings, and the index pages that list them."""

import datetime
import uuid

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast, Length, Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import (
    GroupApprovalTask,
    Orderable,
    Page,
    PagePermissionTester,
    PageViewRestriction,
    Site,
)
from wagtail.search import index

from learning import permissions
from learning.markdown import markdown_to_text
from learning.permissions import Visibility

from ..deadlines import (
    NOTIFICATION_WORKING_DAYS,
    PUBLICATION_MONTHS,
    RAPID_REVIEW_WORKING_DAYS,
    Deadline,
    notification_due,
    publication_due,
    rapid_review_due,
)


class LinksFromTheRequest:
    """Absolute links to a page (feeds, the sitemap, the page API) name the address the visitor
    used: scheme, host and port from the request. Without a request they fall back to the
    configured Wagtail site. Wagtail's own `get_url_parts` would name the site's recorded hostname
    (`localhost`, port 80) whatever address the site is served on."""

    def get_url_parts(self, request=None):
        parts = super().get_url_parts(request)
        if not parts or parts[1] is None or not isinstance(request, HttpRequest):
            return parts
        site_id, root_url, page_path = parts
        site = Site.find_for_request(request)
        if site is not None and site.pk == site_id:
            root_url = f"{request.scheme}://{request.get_host()}"
        return site_id, root_url, page_path


class VisibilityPermissionTester(PagePermissionTester):
    """Wagtail's own privacy dialog stays closed: the page's `visibility` is the one control."""

    def can_set_view_restrictions(self):
        return False


class VisibilityControlledPrivacy(LinksFromTheRequest):
    """Hides and refuses Wagtail's privacy controls, so a view restriction set there can never
    disagree with the `visibility` field (or, on index pages, hide children behind it)."""

    private_page_options = []

    def permissions_for_user(self, user):
        return VisibilityPermissionTester(user, self)


class VisibilityMixin(VisibilityControlledPrivacy, models.Model):
    """A page's audience, enforced with Wagtail page privacy so every Wagtail route honours it."""

    visibility = models.CharField(
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text="Who may open this page. Partnership-only pages never appear to anyone else.",
    )
    # Derived from the page's place in the tree on every save (`Partnership.objects.for_page`)
    # and kept as a column so lists, search and counts filter on it in the database.
    partnership = models.ForeignKey(
        "learning.Partnership",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from learning.models import Partnership

        found = Partnership.objects.for_page(self)
        self.partnership_id = found.pk if found else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "partnership" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "partnership"]
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "visibility" in update_fields:
            self.sync_view_restriction()

    def sync_view_restriction(self):
        restrictions = PageViewRestriction.objects.filter(page=self)
        if self.visibility == Visibility.PUBLIC:
            restrictions.delete()
            return
        if self.visibility == Visibility.PRACTITIONERS:
            restrictions.exclude(restriction_type=PageViewRestriction.LOGIN).delete()
            PageViewRestriction.objects.get_or_create(
                page=self, restriction_type=PageViewRestriction.LOGIN
            )
            return
        restrictions.exclude(restriction_type=PageViewRestriction.GROUPS).delete()
        restriction, _ = PageViewRestriction.objects.get_or_create(
            page=self, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.set(Group.objects.filter(name__in=permissions.PARTNERSHIP_GROUPS))


def visible_to(queryset, user):
    """Only the live pages of `queryset` that this user may open."""
    return queryset.live().filter(permissions.visible_content(user))


def may_open_page(user, page):
    """Whether this person may open this review or briefing (or any page without a level)."""
    level = getattr(page, "visibility", None)
    if level is None:
        return True
    return permissions.can_open(user, level, page.partnership_id)


def place_pages_in_partnerships():
    """Every review and briefing page takes the partnership its place in the tree gives it (after
    a partnership's section changes or pages move): the rule of `Partnership.objects.for_page`,
    applied in a few updates. Sections are applied shallowest first, so the nearest wins."""
    from learning.models import Partnership

    default = Partnership.objects.default()
    sections = Partnership.objects.filter(section__isnull=False).select_related("section")
    sections = sorted(sections, key=lambda p: (p.section.depth, -p.pk))
    for model in (ReviewPage, BriefingPage):
        model.objects.update(partnership=default)
        for partnership in sections:
            model.objects.filter(path__startswith=partnership.section.path).update(
                partnership=partnership
            )


def failed_view_restrictions(request):
    """The Wagtail view restrictions this request does not pass, as one queryset."""
    user = request.user
    passed_passwords = request.session.get(
        PageViewRestriction.passed_view_restrictions_session_key, []
    )
    passed = Q(restriction_type=PageViewRestriction.PASSWORD, pk__in=passed_passwords)
    if user.is_authenticated:
        passed |= Q(restriction_type=PageViewRestriction.LOGIN)
        if user.is_superuser:
            passed |= Q(restriction_type=PageViewRestriction.GROUPS)
        else:
            passed |= Q(
                restriction_type=PageViewRestriction.GROUPS,
                groups__in=user.groups.values("pk"),
            )
    return PageViewRestriction.objects.exclude(
        pk__in=PageViewRestriction.objects.filter(passed).values("pk")
    )


def pages_the_request_may_open(queryset, request):
    """`queryset` without the pages behind a restriction (on them or an ancestor) that the request
    does not pass, found in one query where Wagtail's API spends two per restriction. The ids are
    listed, not subqueried, because Wagtail's search backends only accept simple filters."""
    behind_failed_restriction = failed_view_restrictions(request).filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    hidden = set(
        Page.objects.filter(Exists(behind_failed_restriction)).values_list("pk", flat=True)
    )
    # A group restriction lets in the people of every partnership; another partnership's
    # partnership-only pages stay hidden by the one rule of who may open what.
    allowed = permissions.visible_content(request.user)
    for model in (ReviewPage, BriefingPage):
        hidden.update(model.objects.exclude(allowed).values_list("pk", flat=True))
    return queryset.exclude(pk__in=list(hidden))


class ReviewPageForm(WagtailAdminPageForm):
    """Gives every recommendation its own key, and refuses to remove one that agencies have
    already acted on, whether by its delete button or by restoring a revision without it. A
    review that has a case in the case log takes its dates from there: shown, not edited here."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = self._with_distinct_recommendation_keys(data)
        super().__init__(data, *args, **kwargs)
        # The case log sits above the review pages (a case points at its review), so the page
        # reaches its case through that link rather than importing the case model.
        case = getattr(self.instance, "case", None) if self.instance.pk else None
        if case is None:
            return
        for name in case.review_dates():
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[
                    name
                ].help_text = f"From the case log ({case.reference}): edit it there."

    @staticmethod
    def _with_distinct_recommendation_keys(data):
        """The browser copies each new recommendation's form from one template, hidden key and
        all: every copy after the first gets a key of its own before the forms are checked."""
        data = data.copy()
        seen = set()
        total = data.get("recommendations-TOTAL_FORMS", "0")
        # No more forms than Django's formsets would ever read.
        # isdecimal() alone admits digits int() reads but a formset refuses ("٣"); isascii() keeps
        # superscripts ("²"), which isdigit() would pass and int() reject, out as well.
        total = str(total)
        total = min(int(total), 2000) if total.isascii() and total.isdecimal() else 0
        for position in range(total):
            name = f"recommendations-{position}-key"
            key = data.get(name)
            if key and key in seen:
                data[name] = str(uuid.uuid4())
            seen.add(data.get(name))
        return data

    def is_valid(self):
        valid = super().is_valid()
        formset = self.formsets.get("recommendations")
        if formset is None or not hasattr(formset, "cleaned_data"):
            return valid
        self._give_each_recommendation_its_own_key(formset)
        if self.instance.pk is None:
            return valid
        from learning.models import Recommendation

        deleted = set(formset.deleted_forms)
        kept = {f.instance.pk for f in formset.forms if f not in deleted and f.instance.pk}
        acted_on = (
            Recommendation.objects.filter(review_id=self.instance.pk, actions__isnull=False)
            .exclude(pk__in=kept)
            .distinct()
        )
        numbers = [recommendation.number for recommendation in acted_on]
        if numbers:
            self.add_error(
                None,
                ValidationError(
                    "Recommendation %(numbers)s cannot be removed: agencies have actions against "
                    "it. Close those actions as superseded instead.",
                    params={"numbers": ", ".join(numbers)},
                ),
            )
            return False
        return valid

    @staticmethod
    def _give_each_recommendation_its_own_key(formset):
        """A form that lost its key keeps its row's key, or gets a new one."""
        from learning.models import Recommendation

        stored = dict(
            Recommendation.objects.filter(
                pk__in=[f.instance.pk for f in formset.forms if f.instance.pk]
            ).values_list("pk", "key")
        )
        seen = set()
        for form in formset.forms:
            form.instance.key = form.instance.key or stored.get(form.instance.pk)
            if form.instance.key is None or form.instance.key in seen:
                form.instance.key = uuid.uuid4()
            seen.add(form.instance.key)


class ReviewPage(VisibilityMixin, Page):
    """A case review of any kind: rapid review, LCSPR, SCR, national review, learning review, …"""

    class Kind(models.TextChoices):
        RAPID_REVIEW = "rapid_review", "Rapid review"
        LCSPR = "lcspr", "Local child safeguarding practice review"
        SCR = "scr", "Serious case review"
        NATIONAL = "national_review", "National review"
        LEARNING = "learning_review", "Learning review"
        AUDIT = "multi_agency_audit", "Multi-agency audit"
        DHR = "dhr", "Domestic homicide review"
        SAR = "sar", "Safeguarding adults review"

    class Decision(models.TextChoices):
        LCSPR = "lcspr", "Local child safeguarding practice review"
        NATIONAL = "national_review", "National review by the Panel"
        LEARNING = "learning_review", "Local learning review"
        NONE = "no_further_review", "No further review"

    class AgeBand(models.TextChoices):
        UNBORN = "unborn", "Unborn"
        UNDER_ONE = "under_1", "Under 1"
        ONE_TO_FOUR = "1_4", "1–4"
        FIVE_TO_NINE = "5_9", "5–9"
        TEN_TO_FIFTEEN = "10_15", "10–15"
        SIXTEEN_PLUS = "16_17", "16–17"
        ADULT = "adult", "18 or over"

    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.LCSPR)
    reference = models.CharField(max_length=50, blank=True, help_text='e.g. "RR-2020-03".')
    child_pseudonym = models.CharField(max_length=100, blank=True, help_text='e.g. "Child J".')
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    incident_date = models.DateField(null=True, blank=True)
    aware_date = models.DateField(
        "date the local authority learned of the incident",
        null=True,
        blank=True,
        help_text="Starts the 5 working days for notification. The incident date if empty.",
    )
    notification_date = models.DateField("notified to the national Panel", null=True, blank=True)
    rapid_review_meeting_date = models.DateField(null=True, blank=True)
    rapid_review_submitted_date = models.DateField(
        "rapid review sent to the Panel", null=True, blank=True
    )
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    lead_reviewer = models.CharField(max_length=200, blank=True)
    publication_date = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="A short plain-text summary for listings.")
    findings = models.TextField(blank=True, help_text="Markdown.")
    themes = ParentalManyToManyField("learning.Theme", blank=True, related_name="reviews")

    base_form_class = ReviewPageForm
    parent_page_types = ["reviews.ReviewIndexPage"]
    subpage_types = []
    template = "reviews/review_page.html"

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("kind"), FieldPanel("reference")]),
                FieldRowPanel([FieldPanel("child_pseudonym"), FieldPanel("age_band")]),
                FieldPanel("visibility"),
            ],
            heading="The review",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("incident_date"), FieldPanel("aware_date")]),
                FieldRowPanel(
                    [
                        FieldPanel("notification_date"),
                        FieldPanel("rapid_review_meeting_date"),
                        FieldPanel("rapid_review_submitted_date"),
                    ]
                ),
                FieldRowPanel([FieldPanel("decision"), FieldPanel("decision_date")]),
                FieldRowPanel([FieldPanel("lead_reviewer"), FieldPanel("publication_date")]),
            ],
            heading="Timeline",
        ),
        FieldPanel("summary"),
        FieldPanel("findings"),
        FieldPanel("themes"),
        InlinePanel("recommendations", heading="Recommendations", label="Recommendation"),
        InlinePanel("documents", heading="Report documents", label="Document"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("reference"),
        index.SearchField("child_pseudonym"),
        index.SearchField("summary"),
        index.SearchField("findings"),
        index.FilterField("kind"),
        index.FilterField("visibility"),
    ]

    class Meta:
        verbose_name = "review"

    def save(self, *args, **kwargs):
        # The page and every recommendation saved with it in one transaction, whoever calls it
        # (Wagtail's "Publish" and scheduled publishing do not open one), so search indexes the
        # review once when it commits rather than once per recommendation.
        with transaction.atomic():
            return super().save(*args, **kwargs)

    def with_content_json(self, content):
        """Wagtail's override point for building the page from a revision (the editor, preview,
        publishing, scheduled publishing, reverting). Each recommendation is matched to its row by
        its key, so every revision updates the same rows; a recommendation that agencies have acted
        on is kept even if the revision predates it or removed it, so its actions keep their
        recommendation."""
        page = super().with_content_json(content)
        from learning.models import Recommendation

        rows = dict(Recommendation.objects.filter(review_id=self.pk).values_list("key", "pk"))
        kept = set()
        for recommendation in page.recommendations.all():
            row = rows.get(recommendation.key)
            row = None if row in kept else row
            recommendation.pk = recommendation.id = row
            kept.add(row)
        missing_with_actions = (
            Recommendation.objects.filter(review_id=self.pk, actions__isnull=False)
            .exclude(pk__in=kept - {None})
            .distinct()
        )
        if missing_with_actions:
            page.recommendations.add(*missing_with_actions)
        return page

    def publish(self, revision, user=None, **kwargs):
        # Wagtail's page_published signal does not say who published: keep it on the revision
        # so the actions this publication opens are attributed to the approver. The publication
        # and the actions it opens stand or fall together, and are indexed once.
        revision.published_by = user
        with transaction.atomic():
            return super().publish(revision, user=user, **kwargs)

    # Statutory deadlines, computed from the recorded dates (never typed in).
    @property
    def notification_due(self):
        return notification_due(self.aware_date or self.incident_date)

    @property
    def rapid_review_due(self):
        return rapid_review_due(self.notification_date)

    @property
    def publication_due(self):
        if self.decision != self.Decision.LCSPR:
            return None
        return publication_due(self.decision_date)

    def timeline(self):
        """The statutory steps for rapid reviews and LCSPRs; other kinds run to their own plans.
        A review kept in the case log shows its case's timeline, so the page, the case and the
        business unit's report never disagree about a clock (a decision not to notify, the
        report sent to the Panel before publication)."""
        # A page with no case (or not yet saved) has none: the reverse relation raises.
        case = getattr(self, "case", None)
        if case is not None:
            return case.timeline()
        if self.kind not in (self.Kind.RAPID_REVIEW, self.Kind.LCSPR):
            return []
        steps = [
            Deadline(
                "Notification to the national Panel",
                self.notification_due,
                self.notification_date,
                f"{NOTIFICATION_WORKING_DAYS} working days from learning of the incident",
            ),
            Deadline(
                "Rapid review sent to the Panel",
                self.rapid_review_due,
                self.rapid_review_submitted_date,
                f"{RAPID_REVIEW_WORKING_DAYS} working days from the notification",
            ),
        ]
        if self.decision == self.Decision.LCSPR:
            steps.append(
                Deadline(
                    "LCSPR published",
                    self.publication_due,
                    self.publication_date,
                    f"{PUBLICATION_MONTHS} months from the decision",
                )
            )
        return steps

    def next_open_deadline(self):
        open_steps = [d for d in self.timeline() if d.is_open]
        return min(open_steps, key=lambda d: d.due) if open_steps else None

    @property
    def year(self):
        day = self.publication_date or self.decision_date or self.incident_date
        return day.year if day else (self.first_published_at or datetime.datetime.now()).year

    @property
    def findings_text(self):
        return markdown_to_text(self.findings)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["recommendations"] = self.recommendations.all().prefetch_related(
            "themes", "agencies"
        )
        context["page_themes"] = self.themes.all()
        context["documents"] = self.documents.select_related("document")
        context["show_timeline"] = permissions.is_partnership_member(
            request.user, self.partnership_id
        )
        context["briefings"] = visible_to(
            BriefingPage.objects.filter(reviews=self), request.user
        ).specific()
        return context


class ReviewDocument(Orderable):
    page = ParentalKey(ReviewPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(
        max_length=255, blank=True, help_text="Shown instead of the file name."
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    @property
    def label(self):
        return self.title or self.document.title


BRIEFING_PARTS = [
    ("background", "Background"),
    ("why_it_matters", "Why it matters"),
    ("information", "Information"),
    ("learning", "Learning"),
    ("questions", "Questions for reflection"),
    ("what_to_do", "What to do"),
    ("further_information", "Further information"),
]


class BriefingPage(VisibilityMixin, RoutablePageMixin, Page):
    """A 7-minute briefing: seven numbered parts a team manager can read aloud in a team meeting."""

    summary = models.TextField(blank=True, help_text="One or two sentences for listings.")
    background = models.TextField(help_text="1. What happened, anonymised. Markdown.")
    why_it_matters = models.TextField(help_text="2. Markdown.")
    information = models.TextField(help_text="3. Information and key findings. Markdown.")
    learning = models.TextField(help_text="4. What the review found about practice. Markdown.")
    questions = models.TextField(help_text="5. Questions for reflection. Markdown.")
    what_to_do = models.TextField(help_text="6. Actions for practitioners. Markdown.")
    further_information = models.TextField(
        blank=True, help_text="7. Links, procedures, training. Markdown."
    )
    reviews = ParentalManyToManyField(ReviewPage, blank=True, related_name="briefings")
    themes = ParentalManyToManyField("learning.Theme", blank=True, related_name="briefings")

    parent_page_types = ["reviews.BriefingIndexPage"]
    subpage_types = []
    template = "reviews/briefing_page.html"

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("visibility"),
        *[FieldPanel(name) for name, _ in BRIEFING_PARTS],
        FieldPanel("reviews"),
        FieldPanel("themes"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        *[index.SearchField(name) for name, _ in BRIEFING_PARTS],
        index.FilterField("visibility"),
    ]

    class Meta:
        verbose_name = "7-minute briefing"

    def parts(self):
        return [
            {"number": n, "name": name, "label": label, "text": getattr(self, name)}
            for n, (name, label) in enumerate(BRIEFING_PARTS, start=1)
        ]

    @property
    def year(self):
        return (
            self.first_published_at or self.latest_revision_created_at or datetime.datetime.now()
        ).year

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page_themes"] = self.themes.all()
        context["page_reviews"] = visible_to(self.reviews.all(), request.user)
        return context

    @path("")
    def briefing(self, request):
        return self.render(request)

    @path("print/")
    def print_view(self, request):
        return render(request, "reviews/briefing_print.html", self.get_context(request))

    @path("pdf/")
    def pdf(self, request):
        from ..pdf import briefing_pdf

        response = HttpResponse(briefing_pdf(self, request), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self.slug}.pdf"'
        return response


class ListingMixin:
    """Index pages: list the children a visitor may open, with filters and pagination."""

    page_size = 12

    def get_context(self, request, *args, **kwargs):
        from ..listing import build_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(build_listing(self.listing_queryset(request), request, self.page_size))
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if (getattr(response, "context_data", None) or {}).get("listing_error"):
            response.status_code = 400  # the listing, with the message about the filter
        return response


class ReviewIndexPage(VisibilityControlledPrivacy, ListingMixin, Page):
    intro = models.TextField(blank=True)

    # One listing per part of the site: the home page's, and each partnership's section's.
    parent_page_types = ["home.HomePage", "home.PartnershipPage"]
    subpage_types = ["reviews.ReviewPage"]
    max_count_per_parent = 1
    template = "reviews/review_index_page.html"
    content_panels = Page.content_panels + [FieldPanel("intro")]

    def listing_queryset(self, request):
        return visible_to(ReviewPage.objects.child_of(self), request.user)

    @cached_property
    def kinds(self):
        return ReviewPage.Kind.choices


class BriefingIndexPage(VisibilityControlledPrivacy, ListingMixin, Page):
    intro = models.TextField(blank=True)

    # One listing per part of the site: the home page's, and each partnership's section's.
    parent_page_types = ["home.HomePage", "home.PartnershipPage"]
    subpage_types = ["reviews.BriefingPage"]
    max_count_per_parent = 1
    template = "reviews/briefing_index_page.html"
    content_panels = Page.content_panels + [FieldPanel("intro")]

    def listing_queryset(self, request):
        return visible_to(BriefingPage.objects.child_of(self), request.user)


def approves_for_partnership_of(user, page):
    """Whether this person may approve this page for publication: a business manager (or an
    administrator) of the page's own partnership."""
    if user.is_superuser:
        return True
    partnership_id = getattr(page, "partnership_id", None)
    if partnership_id is None:
        partnership_id = getattr(page.specific_deferred, "partnership_id", None)
    approvers = permissions.partnership_ids_with_role(
        user, permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS
    )
    return partnership_id in approvers if partnership_id is not None else bool(approvers)


class PartnershipApprovalTask(GroupApprovalTask):
    """The business manager's approval, partnership by partnership: a manager of the adults board
    does not approve the children's partnership's reviews, nor sees them waiting."""

    def get_actions(self, obj, user):
        if isinstance(obj, Page) and not approves_for_partnership_of(user, obj):
            return []
        return super().get_actions(obj, user)

    def user_can_access_editor(self, obj, user):
        if isinstance(obj, Page) and not approves_for_partnership_of(user, obj):
            return False
        return super().user_can_access_editor(obj, user)

    def locked_for_user(self, obj, user):
        if isinstance(obj, Page) and not approves_for_partnership_of(user, obj):
            return True
        return super().locked_for_user(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        if user.is_superuser:
            return states
        approvers = permissions.partnership_ids_with_role(
            user, permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS
        )
        for model in (ReviewPage, BriefingPage):
            others = (
                model.objects.exclude(partnership__in=approvers)
                .annotate(key=Cast("pk", output_field=models.CharField()))
                .values("key")
            )
            states = states.exclude(workflow_state__object_id__in=others)
        return states

    class Meta:
        verbose_name = "partnership approval"
