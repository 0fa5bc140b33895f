"""The case log: every serious incident referred to the partnership, from referral to the
published review, with each statutory clock computed in working days (never typed in)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from learning.filters import date_out_of_range
from learning.models.actions import EvidenceStorage
from learning.stale_edits import RefusesStaleEdits

from ..deadlines import (
    DHR_COMPLETION_MONTHS,
    DHR_DECISION_MONTHS,
    NOTIFICATION_WORKING_DAYS,
    PUBLICATION_MONTHS,
    RAPID_REVIEW_WORKING_DAYS,
    SAR_COMPLETION_MONTHS,
    Deadline,
    add_months,
    add_working_days,
    dhr_decision_due,
    dhr_overview_report_due,
    notification_due,
    publication_due,
    rapid_review_due,
    sar_completion_due,
    subtract_working_days,
)
from .pages import ReviewIndexPage, ReviewPage

# The report goes to the Panel and the Secretary of State at least 7 working days before it is
# published, and stays on the website for at least a year.
REPORT_NOTICE_WORKING_DAYS = 7
KEPT_ONLINE_MONTHS = 12
# Agencies usually return chronologies between days 2 and 10 after the notification.
INFORMATION_REQUEST_WORKING_DAYS = 10

# The statement's own referral-reason table, as the business unit first finds the list.
REFERRAL_REASONS = [
    "Neglect",
    "Physical abuse",
    "Sexual abuse",
    "Fabricated or induced illness",
    "Murder or attempted murder",
    "Trafficking",
    "Honour-based violence / forced marriage",
    "Suicide",
    "Serious youth violence",
    "Other",
]


class ReferralReason(models.Model):
    """Why a serious incident was referred: a controlled list the business unit edits."""

    name = models.CharField(max_length=120, unique=True)
    sort_order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    panels = [FieldPanel("name"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Process(models.TextChoices):
    """The statutory review a case may become, and so its stages and clocks."""

    CHILD_SAFEGUARDING = "child_safeguarding", "Child safeguarding practice review"
    SAFEGUARDING_ADULTS = "safeguarding_adults", "Safeguarding adults review"
    DOMESTIC_HOMICIDE = "domestic_homicide", "Domestic homicide review"


# The process a partnership's cases follow, by the partnership's framework.
PROCESS_OF_FRAMEWORK = {
    "children": Process.CHILD_SAFEGUARDING,
    "adults": Process.SAFEGUARDING_ADULTS,
    "community_safety": Process.DOMESTIC_HOMICIDE,
}


def process_of(partnership):
    """The statutory review process of a partnership's cases: its framework's."""
    return PROCESS_OF_FRAMEWORK.get(partnership.framework, Process.CHILD_SAFEGUARDING)


def partnership_for(process, partnerships):
    """Of `partnerships`, the one whose log a case of `process` goes in when nothing else places
    it: the first whose framework runs that process, else the first of them."""
    frameworks = [key for key, value in PROCESS_OF_FRAMEWORK.items() if value == process]
    ordered = partnerships.order_by("sort_order", "pk")
    return ordered.filter(framework__in=frameworks).first() or ordered.first()


class Decision(models.TextChoices):
    """What the rapid review (or the partnership, for a case not notified) decided.
    The labels are the partnership's own words, used in the import and the yearly report."""

    LCSPR = "lcspr", "LCSPR"
    NATIONAL = "national_review", "National review"
    LEARNING = "learning_review", "Local learning review"
    NONE = "no_further_review", "No further review"


class SARDecision(models.TextChoices):
    """The safeguarding adults board's decision on a referral (Care Act 2014): a review it must
    arrange (section 44(1)-(3)), one it chose to arrange (44(4)), or none."""

    MANDATORY = "sar_mandatory", "SAR (mandatory, section 44(1)-(3))"
    DISCRETIONARY = "sar_discretionary", "SAR (discretionary, section 44(4))"
    NONE = "no_sar", "No SAR"


class DHRDecision(models.TextChoices):
    """The community safety partnership's decision whether to hold a domestic homicide review."""

    DHR = "dhr", "DHR"
    NONE = "no_dhr", "No DHR"


# The decisions open to each process, in the order the report lists them.
DECISIONS_OF_PROCESS = {
    Process.CHILD_SAFEGUARDING: Decision,
    Process.SAFEGUARDING_ADULTS: SARDecision,
    Process.DOMESTIC_HOMICIDE: DHRDecision,
}
DECISION_CHOICES = [*Decision.choices, *SARDecision.choices, *DHRDecision.choices]
DECISION_LABELS = dict(DECISION_CHOICES)
# The decisions that start a review (and its completion clock).
SAR_DECISIONS = [SARDecision.MANDATORY, SARDecision.DISCRETIONARY]

# The fields that belong to one process only: each is refused on a case of another process.
PROCESS_FIELDS = {
    Process.CHILD_SAFEGUARDING: [
        "notified_on",
        "not_notified_reason",
        "rapid_review_meeting_on",
        "rapid_review_sent_on",
        "panel_response_on",
        "panel_agreed",
        "terms_of_reference",
        "first_draft_on",
        "final_draft_on",
        "report_sent_on",
    ],
    Process.SAFEGUARDING_ADULTS: ["report_completed_on", "board_response_on"],
    Process.DOMESTIC_HOMICIDE: [
        "home_office_informed_on",
        "qa_panel_submitted_on",
        "qa_panel_response_on",
        "qa_panel_outcome",
    ],
}


class QualityAssuranceOutcome(models.TextChoices):
    """What the Home Office quality assurance panel said of a DHR overview report."""

    APPROVED = "approved", "Approved for publication"
    RESUBMIT = "resubmit", "Asked to revise and resubmit"


# The review page's own wording of each decision.
DECISION_ON_PAGE = {
    Decision.LCSPR: ReviewPage.Decision.LCSPR,
    Decision.NATIONAL: ReviewPage.Decision.NATIONAL,
    Decision.LEARNING: ReviewPage.Decision.LEARNING,
    Decision.NONE: ReviewPage.Decision.NONE,
}


# A stage cannot come before the one it follows: (later field, earlier field, the earlier's name).
DATE_ORDER = [
    ("notified_on", "referred_on", "the referral"),
    ("rapid_review_meeting_on", "referred_on", "the referral"),
    ("rapid_review_sent_on", "referred_on", "the referral"),
    ("decision_on", "referred_on", "the referral"),
    ("published_on", "decision_on", "the decision"),
    ("unpublished_on", "published_on", "publication"),
    ("home_office_informed_on", "referred_on", "the notification"),
    ("report_completed_on", "decision_on", "the decision"),
    ("board_response_on", "report_completed_on", "the report"),
    ("qa_panel_submitted_on", "decision_on", "the decision"),
    ("qa_panel_response_on", "qa_panel_submitted_on", "the submission to the panel"),
]


def between(field, start, end):
    """The condition "`field` falls in the period", inclusive at both ends."""
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


class CaseQuerySet(models.QuerySet):
    """The figures of the yearly report are these methods: a case counts in the period of its
    referral; a stage in the period in which it happened."""

    def with_rapid_review_on(self):
        # A rapid review happened when it was sent to the Panel (or met, if never sent).
        return self.annotate(
            rapid_review_held_on=Coalesce("rapid_review_sent_on", "rapid_review_meeting_on")
        )

    def referred_between(self, start, end):
        return self.filter(between("referred_on", start, end))

    def notified_between(self, start, end):
        return self.filter(between("notified_on", start, end))

    def notified_in_time(self):
        return self.filter(notified_on__lte=F("notification_due"))

    def rapid_reviews_between(self, start, end):
        return self.with_rapid_review_on().filter(between("rapid_review_held_on", start, end))

    def rapid_reviews_in_time(self):
        return self.filter(
            rapid_review_sent_on__isnull=False, rapid_review_sent_on__lte=F("rapid_review_due")
        )

    def decided_between(self, start, end):
        return self.exclude(decision="").filter(between("decision_on", start, end))

    def lcsprs_commissioned_between(self, start, end):
        return self.decided_between(start, end).filter(decision=Decision.LCSPR)

    def published_between(self, start, end):
        return self.filter(between("published_on", start, end))

    def happened_between(self, field, start, end):
        """The cases whose stage `field` happened in the period."""
        return self.filter(between(field, start, end))

    def of_process(self, process):
        return self.filter(process=process)

    def decided_in_time(self):
        return self.filter(decision_due__isnull=False, decision_on__lte=F("decision_due"))

    def home_office_informed_in_time(self):
        return self.filter(
            decision_due__isnull=False, home_office_informed_on__lte=F("decision_due")
        )

    def reports_in_time(self, done_field):
        return self.filter(report_due__isnull=False, **{f"{done_field}__lte": F("report_due")})

    def published_in_time(self):
        """Published within six months of the decision (only LCSPRs run to that clock)."""
        return self.filter(
            decision=Decision.LCSPR,
            publication_due__isnull=False,
            published_on__lte=F("publication_due"),
        )


class CaseForm(RefusesStaleEdits, WagtailAdminModelForm):
    """The editor's case form: a case saved without a process (as before there were others) is
    a children's case; a save from a form opened before someone else's save is refused."""

    stale_edit_noun = "case"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "process" in self.fields:
            self.fields["process"].required = False

    def clean_process(self):
        return self.cleaned_data.get("process") or Process.CHILD_SAFEGUARDING

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "for_user", None)
        if self.instance.pk is None and user is not None:
            from learning import permissions

            # A new case goes in the log of a partnership its recorder keeps.
            kept = permissions.case_log_partnerships(user)
            partnership = partnership_for(cleaned.get("process"), kept)
            if partnership is None:
                raise ValidationError("You keep no partnership's case log.")
            self.instance.partnership = partnership
        return cleaned

    class Media:
        js = ["js/case-process.js"]


def _panel_of(process):
    """Marks a panel as one process's, for the editor to show only the case's own."""
    return {"data-case-process": process}


class Case(ClusterableModel):
    """One serious incident referred to the partnership, whether or not it was notified; or a
    referral to the safeguarding adults board, or a homicide notified to the community safety
    partnership."""

    process = models.CharField(
        max_length=30,
        choices=Process.choices,
        default=Process.CHILD_SAFEGUARDING,
        help_text="The statutory review this case may become: it decides the stages and clocks.",
    )
    reference = models.CharField(max_length=50, unique=True, help_text='e.g. "SI-2020-03".')
    partnership = models.ForeignKey(
        "learning.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text="The partnership whose case log this case is in.",
    )
    child_pseudonym = models.CharField(max_length=100, blank=True, help_text='e.g. "Child J".')
    age_band = models.CharField(max_length=10, choices=ReviewPage.AgeBand.choices, blank=True)
    incident_on = models.DateField("incident date", null=True, blank=True)
    referred_on = models.DateField(
        "referred on",
        help_text="The day the local authority learned of the incident: the 5 working days to "
        "notify start here.",
    )
    referring_agency = models.ForeignKey(
        "learning.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referral_reason = models.ForeignKey(
        ReferralReason, on_delete=models.PROTECT, related_name="cases"
    )
    # Notification, or the decision not to notify with its reason.
    notified_on = models.DateField("notified to the Panel on", null=True, blank=True)
    not_notified_reason = models.TextField(
        "reason for not notifying",
        blank=True,
        help_text="Fill in only when the partnership decided not to notify the Panel.",
    )
    # The rapid review.
    rapid_review_meeting_on = models.DateField(null=True, blank=True)
    rapid_review_sent_on = models.DateField(
        "rapid review sent to the Panel on", null=True, blank=True
    )
    panel_response_on = models.DateField("Panel responded on", null=True, blank=True)
    panel_agreed = models.BooleanField("Panel agreed", null=True, blank=True)
    # The decision.
    decision = models.CharField(max_length=30, choices=DECISION_CHOICES, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(
        "reason for the decision",
        blank=True,
        help_text="Safeguarding adults reviews: why the board decided as it did (always). "
        "Domestic homicide reviews: why the partnership decided not to hold one.",
    )
    # The review: the LCSPR's lead reviewer, the SAR's reviewer, the DHR's independent chair.
    lead_reviewer = models.CharField(
        "lead reviewer, reviewer or independent chair", max_length=200, blank=True
    )
    cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    terms_of_reference = models.TextField(blank=True)
    first_draft_on = models.DateField("first draft received on", null=True, blank=True)
    final_draft_on = models.DateField("final draft received on", null=True, blank=True)
    report_sent_on = models.DateField(
        "report sent to the Panel and the Secretary of State on", null=True, blank=True
    )
    published_on = models.DateField(null=True, blank=True)
    unpublished_on = models.DateField("taken off the website on", null=True, blank=True)
    # The safeguarding adults review.
    report_completed_on = models.DateField(
        "SAR report completed on", null=True, blank=True, help_text="Received by the board."
    )
    board_response_on = models.DateField("board's response agreed on", null=True, blank=True)
    # The domestic homicide review.
    home_office_informed_on = models.DateField(
        "Home Office told of the decision on", null=True, blank=True
    )
    qa_panel_submitted_on = models.DateField(
        "overview report sent to the Home Office quality assurance panel on",
        null=True,
        blank=True,
    )
    qa_panel_response_on = models.DateField(
        "quality assurance panel responded on", null=True, blank=True
    )
    qa_panel_outcome = models.CharField(
        "quality assurance panel's response",
        max_length=20,
        choices=QualityAssuranceOutcome.choices,
        blank=True,
    )
    review = models.OneToOneField(
        ReviewPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
        help_text="The review page of this case; its dates come from here.",
    )
    # Statutory due dates, derived on save so the report can count them in the database.
    notification_due = models.DateField(editable=False, null=True)
    rapid_review_due = models.DateField(editable=False, null=True)
    publication_due = models.DateField(editable=False, null=True)
    # A DHR's decision (and the Home Office being told); a SAR's report, a DHR's overview report.
    decision_due = models.DateField(editable=False, null=True)
    report_due = models.DateField(editable=False, null=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CaseQuerySet.as_manager()
    base_form_class = CaseForm

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("process"),
                FieldRowPanel([FieldPanel("reference"), FieldPanel("child_pseudonym")]),
                FieldRowPanel([FieldPanel("age_band"), FieldPanel("incident_on")]),
                FieldRowPanel([FieldPanel("referred_on"), FieldPanel("referring_agency")]),
                FieldPanel("referral_reason"),
            ],
            heading="The referral",
        ),
        MultiFieldPanel(
            [FieldPanel("notified_on"), FieldPanel("not_notified_reason")],
            heading="Notification to the national Panel (children's cases)",
            attrs=_panel_of(Process.CHILD_SAFEGUARDING),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("rapid_review_meeting_on"), FieldPanel("rapid_review_sent_on")]
                ),
                FieldRowPanel([FieldPanel("panel_response_on"), FieldPanel("panel_agreed")]),
                InlinePanel(
                    "sign_offs", heading="Safeguarding partners' sign-off", label="Sign-off"
                ),
            ],
            heading="Rapid review (children's cases)",
            attrs=_panel_of(Process.CHILD_SAFEGUARDING),
        ),
        InlinePanel(
            "information_requests",
            heading="Information requests to agencies",
            label="Request",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("decision"), FieldPanel("decision_on")]),
                FieldPanel("decision_reason"),
            ],
            heading="Decision",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("report_completed_on"), FieldPanel("board_response_on")])],
            heading="Safeguarding adults review: the report and the board's response",
            attrs=_panel_of(Process.SAFEGUARDING_ADULTS),
        ),
        MultiFieldPanel(
            [
                FieldPanel("home_office_informed_on"),
                FieldRowPanel(
                    [
                        FieldPanel("qa_panel_submitted_on"),
                        FieldPanel("qa_panel_response_on"),
                        FieldPanel("qa_panel_outcome"),
                    ]
                ),
            ],
            heading="Domestic homicide review: the Home Office and its quality assurance panel",
            attrs=_panel_of(Process.DOMESTIC_HOMICIDE),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("lead_reviewer"), FieldPanel("cost")]),
                FieldPanel("terms_of_reference"),
                FieldRowPanel([FieldPanel("first_draft_on"), FieldPanel("final_draft_on")]),
                FieldRowPanel(
                    [
                        FieldPanel("report_sent_on"),
                        FieldPanel("published_on"),
                        FieldPanel("unpublished_on"),
                    ]
                ),
                FieldPanel("review"),
            ],
            heading="The review and its publication",
        ),
    ]

    class Meta:
        ordering = ["-referred_on", "reference"]
        constraints = [
            # "si-2324-01" and "SI-2324-01" are one case, on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                Lower("reference"),
                name="case_reference_unique_whatever_its_case",
                violation_error_message="There is already a case with this reference.",
            )
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("case_detail", args=[self.pk])

    def clean(self):
        problems = self.date_problems()
        if problems:
            raise ValidationError(problems)

    def date_problems(self):
        """{field: reason} for dates that cannot be so: the editor and the importer both ask."""
        # A date the records cannot hold (year 1, year 9999) first: the clocks overflow on it.
        problems = {
            field.name: problem
            for field in self._meta.concrete_fields
            if isinstance(field, models.DateField)
            and field.editable
            and (day := getattr(self, field.name))
            and (problem := date_out_of_range(day))
        }
        for later, earlier, earlier_name in DATE_ORDER:
            later_day, earlier_day = getattr(self, later), getattr(self, earlier)
            if later in problems or earlier in problems:
                continue
            if later_day and earlier_day and later_day < earlier_day:
                problems[later] = (
                    f"{later_day:%d/%m/%Y} is before {earlier_name} ({earlier_day:%d/%m/%Y})."
                )
        if self.decision and not self.decision_on:
            problems["decision_on"] = "A decision needs the date it was made."
        if self.decision_on and not self.decision:
            problems["decision"] = "A decision date needs the decision."
        if self.notified_on and self.not_notified_reason.strip():
            problems["not_notified_reason"] = "The Panel was notified: leave this empty."
        problems.update(
            (name, reason)
            for name, reason in self.process_problems().items()
            if name not in problems
        )
        return problems

    def process_problems(self):
        """{field: reason} where the case's process and its fields disagree."""
        problems = {}
        process = self.process or Process.CHILD_SAFEGUARDING
        if process not in Process.values:
            return {"process": f'"{process}" is not a process.'}
        label = Process(process).label
        for other, names in PROCESS_FIELDS.items():
            if other == process:
                continue
            for name in names:
                if getattr(self, name) not in (None, ""):
                    field = self._meta.get_field(name)
                    problems[name] = (
                        f"{field.verbose_name[:1].upper()}{field.verbose_name[1:]} belongs to "
                        f"a {Process(other).label.lower()}, not a {label.lower()}: leave it empty."
                    )
        if self.decision and self.decision not in DECISIONS_OF_PROCESS[process]:
            allowed = ", ".join(DECISIONS_OF_PROCESS[process].labels)
            problems["decision"] = (
                f"{DECISION_LABELS.get(self.decision, self.decision)} is not a decision of a "
                f"{label.lower()}: use one of {allowed}."
            )
        reason_needed = (process == Process.SAFEGUARDING_ADULTS and self.decision) or (
            self.decision == DHRDecision.NONE
        )
        if reason_needed and not self.decision_reason.strip():
            problems["decision_reason"] = (
                "The board's decision needs its reason."
                if process == Process.SAFEGUARDING_ADULTS
                else "A decision not to hold a DHR needs its reason (the Home Office is told it)."
            )
        if self.qa_panel_outcome and not self.qa_panel_response_on:
            problems["qa_panel_response_on"] = "The panel's response needs the date it came."
        if self.qa_panel_response_on and not self.qa_panel_outcome:
            problems["qa_panel_outcome"] = "Say what the panel's response was."
        return problems

    def save(self, *args, **kwargs):
        if self.partnership_id is None:
            from learning.models import Partnership

            # A case of a review is in that review's partnership's log; any other where its
            # process places it.
            review_partnership = self.review.partnership_id if self.review_id else None
            self.partnership_id = review_partnership or getattr(
                partnership_for(self.process, Partnership.objects.all()), "pk", None
            )
        self.set_due_dates()
        super().save(*args, **kwargs)
        if self.review_id:
            self.copy_dates_to_review()

    def set_due_dates(self):
        """Store the statutory due dates so the report counts them in the database. Every save
        calls this (and the importer, which writes in bulk)."""
        self.notification_due = self.computed_notification_due
        self.rapid_review_due = self.computed_rapid_review_due
        self.publication_due = self.computed_publication_due
        self.decision_due = self.computed_decision_due
        self.report_due = self.computed_report_due
        self.updated_at = timezone.now()

    # --- Statutory clocks, from the dates entered once -----------------------------------
    @property
    def is_child_safeguarding(self):
        return self.process in ("", Process.CHILD_SAFEGUARDING)

    @property
    def is_safeguarding_adults(self):
        return self.process == Process.SAFEGUARDING_ADULTS

    @property
    def is_domestic_homicide(self):
        return self.process == Process.DOMESTIC_HOMICIDE

    @property
    def computed_notification_due(self):
        return notification_due(self.referred_on) if self.is_child_safeguarding else None

    @property
    def computed_rapid_review_due(self):
        return rapid_review_due(self.notified_on) if self.is_child_safeguarding else None

    @property
    def computed_publication_due(self):
        if self.decision != Decision.LCSPR:
            return None
        return publication_due(self.decision_on)

    @property
    def computed_decision_due(self):
        """A DHR's decision, and the Home Office being told of it: a month from notification.
        The Care Act sets no clock for a board's decision on a referral."""
        return dhr_decision_due(self.referred_on) if self.is_domestic_homicide else None

    @property
    def computed_report_due(self):
        if self.decision in SAR_DECISIONS:
            return sar_completion_due(self.decision_on)
        if self.decision == DHRDecision.DHR:
            return dhr_overview_report_due(self.decision_on)
        return None

    @property
    def is_review_held(self):
        """The decision was to hold a review (an LCSPR, a SAR, a DHR, or another review)."""
        return self.decision in (
            Decision.LCSPR,
            Decision.NATIONAL,
            Decision.LEARNING,
            *SAR_DECISIONS,
            DHRDecision.DHR,
        )

    @property
    def published_before_panel_approved(self):
        """A DHR is published once the Home Office quality assurance panel has approved it."""
        return bool(
            self.is_domestic_homicide
            and self.published_on
            and not (
                self.qa_panel_outcome == QualityAssuranceOutcome.APPROVED
                and self.qa_panel_response_on
                and self.qa_panel_response_on <= self.published_on
            )
        )

    @property
    def report_notice_due(self):
        """The last day to send the report to the Panel and the Secretary of State."""
        publication = self.published_on or self.computed_publication_due
        if not publication:
            return None
        return subtract_working_days(publication, REPORT_NOTICE_WORKING_DAYS)

    @property
    def kept_online_until(self):
        """The earliest day the published report may come off the website."""
        return add_months(self.published_on, KEPT_ONLINE_MONTHS) if self.published_on else None

    @property
    def unpublished_too_early(self):
        return bool(
            self.unpublished_on
            and self.kept_online_until
            and self.unpublished_on < self.kept_online_until
        )

    @property
    def is_notified(self):
        return self.notified_on is not None

    @property
    def decided_not_to_notify(self):
        return not self.notified_on and bool(self.not_notified_reason.strip())

    @property
    def rapid_review_on(self):
        return self.rapid_review_sent_on or self.rapid_review_meeting_on

    def timeline(self):
        """Each statutory step of the case's process with its clock: met, due, due soon or
        missed; a step the guidance sets no clock for is shown as done or not."""
        if self.is_safeguarding_adults:
            return self.safeguarding_adults_timeline()
        if self.is_domestic_homicide:
            return self.domestic_homicide_timeline()
        if self.decided_not_to_notify:
            notification = Deadline(
                "Notification to the national Panel: decided not to notify",
                None,
                None,
                self.not_notified_reason,
                required=False,
            )
        else:
            notification = Deadline(
                "Notification to the national Panel",
                self.computed_notification_due,
                self.notified_on,
                f"{NOTIFICATION_WORKING_DAYS} working days from learning of the incident",
            )
        steps = [
            notification,
            Deadline(
                "Rapid review sent to the Panel",
                self.computed_rapid_review_due,
                self.rapid_review_sent_on,
                f"{RAPID_REVIEW_WORKING_DAYS} working days from the notification",
                # The clock starts at a notification: with none to come, none will start.
                required=not (self.decided_not_to_notify and not self.rapid_review_on),
            ),
        ]
        if self.decision == Decision.LCSPR:
            steps += [
                Deadline(
                    "Report sent to the Panel and the Secretary of State",
                    self.report_notice_due,
                    self.report_sent_on,
                    f"at least {REPORT_NOTICE_WORKING_DAYS} working days before publication",
                ),
                Deadline(
                    "LCSPR published",
                    self.computed_publication_due,
                    self.published_on,
                    f"{PUBLICATION_MONTHS} months from the decision",
                ),
            ]
        return steps

    def next_open_deadline(self):
        """The next clocked step still to be taken (a missed one first), or None."""
        open_steps = [step for step in self.timeline() if step.clocked and step.is_open]
        return min(open_steps, key=lambda step: step.due) if open_steps else None

    def safeguarding_adults_timeline(self):
        no_clock = "no national clock (Care Act 2014, section 44)"
        steps = [
            Deadline("Referral received by the board", None, self.referred_on, no_clock, False),
            Deadline(
                f"Board's decision: {self.get_decision_display()}"
                if self.decision
                else "Board's decision",
                None,
                self.decision_on,
                self.decision_reason or no_clock,
                False,
            ),
        ]
        if self.decision in SAR_DECISIONS:
            steps += [
                Deadline(
                    "SAR report completed",
                    self.computed_report_due,
                    self.report_completed_on,
                    f"{SAR_COMPLETION_MONTHS} months from the decision, unless there are good "
                    "reasons for longer (Care and support statutory guidance, chapter 14)",
                ),
                Deadline("Board's response agreed", None, self.board_response_on, no_clock, False),
                Deadline(
                    "SAR published",
                    None,
                    self.published_on,
                    "no national clock; the board's annual report gives its findings",
                    False,
                ),
            ]
        return steps

    def domestic_homicide_timeline(self):
        guidance = "Home Office statutory guidance (2016), section"
        steps = [
            Deadline(
                f"Partnership's decision: {self.get_decision_display()}"
                if self.decision
                else "Partnership's decision whether to hold a DHR",
                self.computed_decision_due,
                self.decision_on,
                f"{DHR_DECISION_MONTHS} month from the notification ({guidance} 3)",
            ),
            Deadline(
                "Home Office told of the decision",
                self.computed_decision_due,
                self.home_office_informed_on,
                f"with the decision, {DHR_DECISION_MONTHS} month from the notification "
                f"({guidance} 3)",
            ),
        ]
        if self.decision == DHRDecision.DHR:
            steps += [
                Deadline(
                    "Overview report sent to the quality assurance panel",
                    self.computed_report_due,
                    self.qa_panel_submitted_on,
                    f"{DHR_COMPLETION_MONTHS} months from the decision ({guidance} 5)",
                ),
                Deadline(
                    "Quality assurance panel's response"
                    + (f": {self.get_qa_panel_outcome_display()}" if self.qa_panel_outcome else ""),
                    None,
                    self.qa_panel_response_on,
                    "no clock",
                    False,
                ),
                Deadline(
                    "DHR published",
                    None,
                    self.published_on,
                    "no clock; once the quality assurance panel has approved it",
                    False,
                ),
            ]
        return steps

    # --- The review page: its dates come from here -------------------------------------
    def review_dates(self):
        return {
            "reference": self.reference,
            "child_pseudonym": self.child_pseudonym,
            "age_band": self.age_band,
            "incident_date": self.incident_on,
            "aware_date": self.referred_on,
            "notification_date": self.notified_on,
            "rapid_review_meeting_date": self.rapid_review_meeting_on,
            "rapid_review_submitted_date": self.rapid_review_sent_on,
            "decision": DECISION_ON_PAGE.get(self.decision, ""),
            "decision_date": self.decision_on,
            "lead_reviewer": self.lead_reviewer,
            "publication_date": self.published_on,
        }

    def copy_dates_to_review(self):
        """Write the case's dates onto its review page and the page's latest and live revisions,
        so neither the page nor a later publish of a draft can disagree with the case."""
        page = ReviewPage.objects.filter(pk=self.review_id).first()
        if page is None:
            return
        dates = self.review_dates()
        ReviewPage.objects.filter(pk=page.pk).update(**dates)
        as_json = {
            name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in dates.items()
        }
        revision_ids = {page.latest_revision_id, page.live_revision_id} - {None}
        for revision in page.revisions.filter(pk__in=revision_ids):
            revision.content = {**revision.content, **as_json}
            revision.save(update_fields=["content"])

    @property
    def undecided_review_kind(self):
        return {
            Process.SAFEGUARDING_ADULTS: ReviewPage.Kind.SAR,
            Process.DOMESTIC_HOMICIDE: ReviewPage.Kind.DHR,
        }.get(self.process, ReviewPage.Kind.RAPID_REVIEW)

    def create_review_draft(self, parent=None, user=None):
        """A partnership-only draft review page for this case, its dates taken from the case."""
        if self.review_id:
            return self.review
        parent = parent or ReviewIndexPage.objects.first()
        kind = {
            Decision.LCSPR: ReviewPage.Kind.LCSPR,
            Decision.NATIONAL: ReviewPage.Kind.NATIONAL,
            Decision.LEARNING: ReviewPage.Kind.LEARNING,
            SARDecision.MANDATORY: ReviewPage.Kind.SAR,
            SARDecision.DISCRETIONARY: ReviewPage.Kind.SAR,
            DHRDecision.DHR: ReviewPage.Kind.DHR,
        }.get(self.decision, self.undecided_review_kind)
        title = f"{self.child_pseudonym or 'Case'} ({self.reference})"
        page = ReviewPage(title=title, kind=kind, visibility="partnership", live=False)
        for name, value in self.review_dates().items():
            setattr(page, name, value)
        parent.add_child(instance=page)
        page.save_revision(user=user)
        self.review = page
        self.save(update_fields=["review", "updated_at"])
        return page


class PartnerSignOff(models.Model):
    """One of the three safeguarding partners signing off the rapid review."""

    class Partner(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        ICB = "icb", "Integrated care board"
        POLICE = "police", "Police"

    case = ParentalKey(Case, on_delete=models.CASCADE, related_name="sign_offs")
    partner = models.CharField(max_length=20, choices=Partner.choices)
    signed_by = models.CharField("name", max_length=200)
    signed_on = models.DateField()

    panels = [FieldPanel("partner"), FieldPanel("signed_by"), FieldPanel("signed_on")]

    class Meta:
        ordering = ["signed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "partner"], name="one_sign_off_per_partner")
        ]

    def __str__(self):
        return f"{self.get_partner_display()} signed off {self.case} on {self.signed_on}"


class InformationRequestQuerySet(models.QuerySet):
    def outstanding(self):
        """Asked and not yet returned."""
        return self.filter(returned_on__isnull=True)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.outstanding().filter(due_on__lt=today)

    def due_within(self, days, today=None):
        today = today or timezone.localdate()
        return self.outstanding().filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days)
        )

    def with_context(self):
        return self.select_related("case", "agency")


class InformationRequest(models.Model):
    """What the rapid review asks one agency for (a chronology or summary), and its return."""

    case = ParentalKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    agency = models.ForeignKey(
        "learning.Agency", on_delete=models.PROTECT, related_name="information_requests"
    )
    asked = models.TextField(
        "what is asked", default="A chronology of your agency's involvement and a summary."
    )
    requested_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField(
        blank=True, help_text="Empty: 10 working days from the notification (or the request)."
    )
    returned_on = models.DateField(null=True, blank=True)
    returned_file = models.FileField(
        "returned chronology or summary",
        upload_to="chronologies/%Y/%m/",
        storage=EvidenceStorage(),
        blank=True,
    )

    objects = InformationRequestQuerySet.as_manager()

    panels = [
        FieldPanel("agency"),
        FieldPanel("asked"),
        FieldRowPanel([FieldPanel("requested_on"), FieldPanel("due_on")]),
        FieldRowPanel([FieldPanel("returned_on"), FieldPanel("returned_file")]),
    ]

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="one_request_per_agency")
        ]

    def __str__(self):
        return f"{self.case}: {self.agency}"

    def save(self, *args, **kwargs):
        if not self.due_on:
            start = self.case.notified_on or self.requested_on
            self.due_on = add_working_days(start, INFORMATION_REQUEST_WORKING_DAYS)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("information_requests") + f"#request-{self.pk}"

    @property
    def deadline(self):
        return Deadline("Chronology returned", self.due_on, self.returned_on, "as asked")


class InformationRequestReminder(models.Model):
    """One reminder sent about an information request: at most once per request, period and
    recipient (the unique key makes a repeated run harmless)."""

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20)
    period = models.CharField(max_length=20)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "period", "recipient"],
                name="one_request_reminder_per_period",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.period} to {self.recipient}"


def seed_referral_reasons():
    for position, name in enumerate(REFERRAL_REASONS):
        ReferralReason.objects.get_or_create(name=name, defaults={"sort_order": position})


__all__ = [
    "Case",
    "CaseQuerySet",
    "Decision",
    "InformationRequest",
    "InformationRequestReminder",
    "DECISIONS_OF_PROCESS",
    "DECISION_CHOICES",
    "DECISION_LABELS",
    "DHRDecision",
    "PROCESS_FIELDS",
    "PROCESS_OF_FRAMEWORK",
    "SARDecision",
    "PartnerSignOff",
    "Process",
    "QualityAssuranceOutcome",
    "ReferralReason",
    "SAR_DECISIONS",
    "partnership_for",
    "process_of",
    "seed_referral_reasons",
]
