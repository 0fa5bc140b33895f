"""The yearly report's figures, computed from the records: the case log (reviews) and the
tracker (learning). Every figure comes from one queryset, and the same queryset lists the
records behind it, so a figure and its list can never disagree."""

import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from learning.models import (
    Agency,
    AgencyAction,
    BriefingCascade,
    Recommendation,
    Section11Return,
    Theme,
)

from .deadlines import (
    DHR_COMPLETION_MONTHS,
    DHR_DECISION_MONTHS,
    SAR_COMPLETION_MONTHS,
    working_days_between,
)
from .models import (
    DECISION_CHOICES,
    DECISIONS_OF_PROCESS,
    SAR_DECISIONS,
    BriefingPage,
    Case,
    DHRDecision,
    Process,
    QualityAssuranceOutcome,
    ReferralReason,
    SARDecision,
)

# The JSON keys of the report, in the order the report reads.
CASE_FIGURES = [
    "referrals",
    "referrals_by_reason",
    "notifications",
    "notified_within_5_working_days",
    "rapid_reviews",
    "rapid_reviews_within_15_working_days",
    "decisions",
    "lcsprs_commissioned",
    "reviews_published",
    "published_within_6_months",
    "median_working_days_to_publish",
    "total_cost",
]
LEARNING_FIGURES = [
    "recommendations_by_theme",
    "actions_by_agency",
    "briefings_published",
    "cascade_reach",
    "section11_returns_submitted",
    "section11_gaps_opened",
    "section11_gaps_closed",
]
FIGURE_LABELS = {
    "referrals": "Serious incident referrals",
    "referrals_by_reason": "Referrals by reason",
    "notifications": "Notifications to the national Panel",
    "notified_within_5_working_days": "Notified within 5 working days",
    "rapid_reviews": "Rapid reviews",
    "rapid_reviews_within_15_working_days": "Rapid reviews sent within 15 working days",
    "decisions": "Decisions",
    "lcsprs_commissioned": "LCSPRs commissioned",
    "reviews_published": "Reviews published",
    "published_within_6_months": "LCSPRs published within 6 months of the decision",
    "median_working_days_to_publish": "Median working days from decision to publication",
    "total_cost": "Total cost of reviews published",
    "recommendations_by_theme": "Recommendations by theme",
    "actions_by_agency": "Agency actions by agency",
    "briefings_published": "7-minute briefings published",
    "cascade_reach": "Briefing cascades: teams and staff reached",
    "section11_returns_submitted": "Section 11 returns submitted",
    "section11_gaps_opened": "Section 11 gaps opened",
    "section11_gaps_closed": "Section 11 gaps closed",
}
ACTION_CATEGORIES = {
    "outstanding": "Outstanding",
    "overdue": "Overdue",
    "complete_unassured": "Complete but not assured",
    "assured": "Assured",
}
# The safeguarding adults board's figures: what the Care Act 2014 (Schedule 2, paragraph 4) asks
# its annual report to include about SARs — the findings of those concluded in the year, those
# ongoing at its end, what was done to implement findings and the findings it decided not to
# implement — and how its referrals were decided.
SAR_FIGURE_LABELS = {
    "sar_referrals": "Referrals for a safeguarding adults review",
    "sar_decisions": "The board's decisions",
    "sars_arranged": "SARs arranged (mandatory and discretionary)",
    "sar_decisions_not_to_review": "Decisions not to arrange a SAR",
    "sar_reasons_not_to_review": "Reasons for not arranging a SAR",
    "sars_completed": "SARs concluded (report completed)",
    "sars_completed_in_time": (
        f"SARs completed within {SAR_COMPLETION_MONTHS} months of the decision"
    ),
    "sars_ongoing": "SARs ongoing at the end of the period",
    "sars_published": "SAR reports published",
    "sar_findings": "Recommendations of the SARs concluded in the period",
    "sar_actions": "Agencies' actions on SAR recommendations at the end of the period",
}
# The community safety partnership's figures, after the Home Office statutory guidance's stages.
DHR_FIGURE_LABELS = {
    "dhr_notifications": "Homicides notified to the partnership",
    "dhr_decisions": "The partnership's decisions",
    "dhr_decided_in_time": f"Decided within {DHR_DECISION_MONTHS} month of the notification",
    "dhr_decisions_not_to_review": "Decisions not to hold a DHR",
    "dhr_reasons_not_to_review": "Reasons for not holding a DHR",
    "dhr_home_office_informed": "Home Office told of a decision",
    "dhr_home_office_informed_in_time": (
        f"Home Office told within {DHR_DECISION_MONTHS} month of the notification"
    ),
    "dhr_overview_reports_submitted": "Overview reports sent to the quality assurance panel",
    "dhr_overview_reports_in_time": (
        f"Overview reports sent within {DHR_COMPLETION_MONTHS} months of the decision"
    ),
    "dhr_panel_responses": "Quality assurance panel's responses",
    "dhrs_published": "DHRs published",
    "dhrs_ongoing": "DHRs ongoing (not yet published) at the end of the period",
    "dhr_recommendations": "Recommendations of the DHRs published in the period",
    "dhr_actions": "Agencies' actions on DHR recommendations at the end of the period",
}
FIGURE_LABELS_OF_PROCESS = {
    Process.SAFEGUARDING_ADULTS: SAR_FIGURE_LABELS,
    Process.DOMESTIC_HOMICIDE: DHR_FIGURE_LABELS,
}
# Figures that are a table (label: count) rather than one count.
PROCESS_BREAKDOWNS = {
    "sar_decisions",
    "sar_reasons_not_to_review",
    "sar_actions",
    "dhr_decisions",
    "dhr_reasons_not_to_review",
    "dhr_panel_responses",
    "dhr_actions",
}
PROCESS_RECOMMENDATION_FIGURES = {"sar_findings", "dhr_recommendations"}
PROCESS_ACTION_FIGURES = {"sar_actions", "dhr_actions"}
# How far each finding has been implemented: the tracker's categories, and the actions closed
# as superseded or not accepted (the findings the board or partnership decided not to implement).
IMPLEMENTATION_CATEGORIES = {
    **ACTION_CATEGORIES,
    "not_implemented": "Closed: superseded or not accepted",
}

# The single figures of the headline table, in the statement's order.
HEADLINE_FIGURES = [
    "referrals",
    "notifications",
    "notified_within_5_working_days",
    "rapid_reviews",
    "rapid_reviews_within_15_working_days",
    "lcsprs_commissioned",
    "reviews_published",
    "published_within_6_months",
    "median_working_days_to_publish",
    "total_cost",
    "briefings_published",
    "section11_returns_submitted",
    "section11_gaps_opened",
    "section11_gaps_closed",
]


def financial_year_start(day):
    return datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(start_year):
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def financial_year(cls, start_year):
        return cls(datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31))

    @classmethod
    def last_financial_year(cls, today=None):
        today = today or timezone.localdate()
        return cls.financial_year(financial_year_start(today).year - 1)

    @property
    def is_financial_year(self):
        return (
            self.start.month == 4
            and self.start.day == 1
            and self.end == datetime.date(self.start.year + 1, 3, 31)
        )

    @property
    def label(self):
        if self.is_financial_year:
            return financial_year_label(self.start.year)
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"

    def before(self):
        """The period of the same length just before this one (the previous financial year)."""
        if self.is_financial_year:
            return Period.financial_year(self.start.year - 1)
        length = self.end - self.start
        end = self.start - datetime.timedelta(days=1)
        return Period(end - length, end)

    def as_json(self):
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label}


def _day_after(day):
    """Midnight at the start of the next day, for comparing datetimes with a period's end."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def _whole(value):
    """A sum of money as JSON shows it: whole pounds as an integer, pence kept otherwise."""
    if value is None:
        return 0
    value = Decimal(value).quantize(Decimal("0.01"))
    return int(value) if value == value.to_integral_value() else float(value)


def figures_of(process):
    """The JSON keys of a process's report, in the order the report reads."""
    if process == Process.CHILD_SAFEGUARDING:
        return CASE_FIGURES + LEARNING_FIGURES
    return list(FIGURE_LABELS_OF_PROCESS[process])


def labels_of(process):
    if process == Process.CHILD_SAFEGUARDING:
        return FIGURE_LABELS
    return FIGURE_LABELS_OF_PROCESS[process]


class YearlyReport:
    """The figures of one period for one process. `records(figure, value, part)` is the list
    behind a figure. `cases` is the case log it reads (every case unless a narrower queryset is
    given, e.g. one partnership's); only the process's cases in it count."""

    def __init__(
        self, period, today=None, process=Process.CHILD_SAFEGUARDING, cases=None, partnership=None
    ):
        self.period = period
        self.today = today or timezone.localdate()
        self.process = Process(process)
        # One partnership's report reads its own cases, reviews, briefings, actions and Section
        # 11 returns only; without one, the whole hub's (the command line's default).
        self.partnership = partnership
        cases = Case.objects.all() if cases is None else cases
        if partnership is not None:
            cases = cases.filter(partnership=partnership)
        self.case_log = cases.filter(process=self.process)

    def _own(self, queryset, field):
        """`queryset` narrowed to the report's partnership through `field`, if it has one."""
        if self.partnership is None:
            return queryset
        return queryset.filter(**{field: self.partnership})

    # --- The records behind each figure --------------------------------------------------
    def cases(self, figure, value=None):
        start, end = self.period.start, self.period.end
        cases = self.case_log.select_related("referral_reason")
        by_figure = {
            "referrals": lambda: cases.referred_between(start, end),
            "referrals_by_reason": lambda: cases.referred_between(start, end),
            "notifications": lambda: cases.notified_between(start, end),
            "notified_within_5_working_days": lambda: cases.notified_between(
                start, end
            ).notified_in_time(),
            "rapid_reviews": lambda: cases.rapid_reviews_between(start, end),
            "rapid_reviews_within_15_working_days": lambda: cases.rapid_reviews_between(
                start, end
            ).rapid_reviews_in_time(),
            "decisions": lambda: cases.decided_between(start, end),
            "lcsprs_commissioned": lambda: cases.lcsprs_commissioned_between(start, end),
            "reviews_published": lambda: cases.published_between(start, end),
            "published_within_6_months": lambda: cases.published_between(
                start, end
            ).published_in_time(),
            "median_working_days_to_publish": lambda: cases.published_between(start, end).filter(
                decision_on__isnull=False
            ),
            "total_cost": lambda: cases.published_between(start, end),
        }
        queryset = by_figure[figure]()
        if figure == "referrals_by_reason" and value:
            queryset = queryset.filter(referral_reason__name=value)
        if figure == "decisions" and value:
            queryset = queryset.filter(decision=_decision_value(value))
        return queryset.order_by("referred_on", "reference")

    def recommendations(self, theme=None, period=None):
        period = period or self.period
        published = Coalesce("review__publication_date", TruncDate("review__first_published_at"))
        recommendations = self._own(
            Recommendation.objects.filter(review__live=True), "review__partnership"
        ).alias(published_on=published)
        recommendations = recommendations.filter(
            published_on__gte=period.start, published_on__lte=period.end
        )
        if theme:
            recommendations = recommendations.filter(themes__name=theme)
        return recommendations.select_related("review").order_by("review__title", "sort_order")

    @property
    def as_at(self):
        """Actions are counted as they stood at the end of the period (or now, for a period not
        over): the day after its end, or today."""
        return min(self.period.end + datetime.timedelta(days=1), self.today)

    def actions(self, category=None, agency=None):
        """Actions agreed by the end of the period, each with its status and due date as they
        stood then, read from its history (`as_at_status`, `as_at_due`)."""
        moment = self._end_moment()
        actions = self._own_actions(AgencyAction.objects.all())
        if self.process != Process.CHILD_SAFEGUARDING:
            # Only the actions on this process's reviews (through each case's review page).
            actions = actions.filter(recommendation__review__case__in=self.case_log)
        if agency:
            actions = actions.filter(agency__name=agency)
        if category:
            actions = actions.category_as_at(category, moment, today=self.as_at)
        else:
            actions = actions.as_at(moment)
        return actions.with_context().order_by("agency__name", "as_at_due", "pk")

    def _end_moment(self):
        """The moment actions are read as at: the end of the period, or now if it is not over."""
        if self.as_at <= self.period.end:
            return timezone.now()
        return _day_after(self.period.end)

    def _own_actions(self, actions):
        if self.partnership is None:
            return actions
        return actions.in_partnerships([self.partnership.pk])

    def briefings(self):
        return (
            self._own(BriefingPage.objects.live(), "partnership")
            .filter(
                first_published_at__gte=_day_after(self.period.start - datetime.timedelta(days=1)),
                first_published_at__lt=_day_after(self.period.end),
            )
            .order_by("first_published_at")
        )

    def cascades(self, agency=None):
        cascades = self._own(BriefingCascade.objects, "briefing__partnership").filter(
            cascaded_on__gte=self.period.start, cascaded_on__lte=self.period.end
        )
        if agency:
            cascades = cascades.filter(agency__name=agency)
        return cascades.select_related("agency", "briefing").order_by("cascaded_on", "pk")

    def section11_returns(self):
        return (
            self._own(Section11Return.objects, "cycle__partnership")
            .filter(
                status=Section11Return.Status.SUBMITTED,
                submitted_at__gte=_day_after(self.period.start - datetime.timedelta(days=1)),
                submitted_at__lt=_day_after(self.period.end),
            )
            .select_related("agency", "cycle")
            .order_by("submitted_at")
        )

    def section11_gaps(self, figure):
        gaps = self._own_actions(AgencyAction.objects.filter(standard_answer__isnull=False))
        period = Q(created_at__gte=_day_after(self.period.start - datetime.timedelta(days=1)))
        period &= Q(created_at__lt=_day_after(self.period.end))
        finished = AgencyAction.Status.finished()
        # Each gap as it stood at the end of the period, read from its history as the actions'
        # figures are: a later note or a reopening never moves a closure into another year.
        at_end = gaps.as_at(self._end_moment())
        if figure == "section11_gaps_opened":
            gaps = at_end.filter(period)
        else:
            start = _day_after(self.period.start - datetime.timedelta(days=1))
            finished_before = AgencyAction.objects.as_at(start).filter(as_at_status__in=finished)
            gaps = at_end.filter(as_at_status__in=finished).exclude(
                pk__in=finished_before.values("pk")
            )
        return gaps.with_context().order_by("agency__name", "pk")

    def records(self, figure, value=None, part=None):
        """The records behind one figure (and one of its rows or cells), as a queryset."""
        if self.process != Process.CHILD_SAFEGUARDING:
            return self.process_records(figure, value, part)
        if figure in CASE_FIGURES:
            return self.cases(figure, value)
        if figure == "recommendations_by_theme":
            period = self._theme_periods().get(part, self.period)
            return self.recommendations(theme=value, period=period)
        if figure == "actions_by_agency":
            return self.actions(category=part, agency=value)
        if figure == "briefings_published":
            return self.briefings()
        if figure == "cascade_reach":
            return self.cascades(agency=value)
        if figure == "section11_returns_submitted":
            return self.section11_returns()
        if figure in ("section11_gaps_opened", "section11_gaps_closed"):
            return self.section11_gaps(figure)
        raise KeyError(figure)

    def link(self, figure, value=None, part=None):
        query = {
            "figure": figure,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
        }
        if self.process != Process.CHILD_SAFEGUARDING:
            query["process"] = self.process.value
        if self.partnership is not None:
            query["partnership"] = self.partnership.slug
        if value is not None:
            query["value"] = value
        if part is not None:
            query["part"] = part
        return f"{reverse('yearly_report_records')}?{urlencode(query)}"

    # --- The figures ---------------------------------------------------------------------
    def _theme_periods(self):
        periods, period = {}, self.period
        for _ in range(3):
            periods[period.label] = period
            period = period.before()
        return periods

    def _decisions(self, decided):
        """{decision's label: count} over the decisions open to the process."""
        counts = dict(
            decided.order_by()
            .values_list("decision")
            .annotate(count=Count("pk"))
            .values_list("decision", "count")
        )
        return {
            label: counts.get(value, 0)
            for value, label in DECISIONS_OF_PROCESS[self.process].choices
        }

    def figures(self):
        """Every figure of the period: labels as a person reads them, counts as integers."""
        if self.process != Process.CHILD_SAFEGUARDING:
            return self.process_figures()
        figures = {}
        figures["referrals"] = self.cases("referrals").count()
        by_reason = dict(
            self.cases("referrals")
            .order_by()
            .values_list("referral_reason__name")
            .annotate(count=Count("pk"))
            .values_list("referral_reason__name", "count")
        )
        figures["referrals_by_reason"] = {
            reason.name: by_reason.get(reason.name, 0)
            for reason in ReferralReason.objects.filter(Q(active=True) | Q(name__in=by_reason))
        }
        figures["notifications"] = self.cases("notifications").count()
        figures["notified_within_5_working_days"] = self.cases(
            "notified_within_5_working_days"
        ).count()
        figures["rapid_reviews"] = self.cases("rapid_reviews").count()
        figures["rapid_reviews_within_15_working_days"] = self.cases(
            "rapid_reviews_within_15_working_days"
        ).count()
        figures["decisions"] = self._decisions(self.cases("decisions"))
        figures["lcsprs_commissioned"] = self.cases("lcsprs_commissioned").count()
        figures["reviews_published"] = self.cases("reviews_published").count()
        figures["published_within_6_months"] = self.cases("published_within_6_months").count()
        spans = [
            working_days_between(decided_on, published_on)
            for decided_on, published_on in self.cases(
                "median_working_days_to_publish"
            ).values_list("decision_on", "published_on")
        ]
        median = statistics.median(spans) if spans else None
        figures["median_working_days_to_publish"] = (
            int(median) if median is not None and median == int(median) else median
        )
        figures["total_cost"] = _whole(
            self.cases("total_cost").aggregate(total=Sum("cost"))["total"]
        )
        figures.update(self._learning_figures())
        return figures

    def _learning_figures(self):
        figures = {}
        themes = {}
        for label, period in self._theme_periods().items():
            counts = (
                self.recommendations(period=period)
                .filter(themes__isnull=False)
                .order_by()
                .values_list("themes__name")
                .annotate(count=Count("pk", distinct=True))
                .values_list("themes__name", "count")
            )
            for theme, count in counts:
                themes.setdefault(theme, {})[label] = count
        labels = list(self._theme_periods())
        figures["recommendations_by_theme"] = {
            theme: {label: themes[theme].get(label, 0) for label in labels}
            for theme in Theme.objects.filter(name__in=themes).values_list("name", flat=True)
        }
        by_agency = {}
        for category in ACTION_CATEGORIES:
            counts = (
                self.actions(category)
                .order_by()
                .values_list("agency__name")
                .annotate(count=Count("pk"))
                .values_list("agency__name", "count")
            )
            for agency, count in counts:
                by_agency.setdefault(agency, dict.fromkeys(ACTION_CATEGORIES, 0))[category] = count
        figures["actions_by_agency"] = {
            name: by_agency[name]
            for name in Agency.objects.filter(name__in=by_agency).values_list("name", flat=True)
        }
        figures["briefings_published"] = self.briefings().count()
        reach = (
            self.cascades()
            .order_by()
            .values_list("agency__name")
            .annotate(teams=Sum("teams_reached"), staff=Sum("staff_reached"))
            .values_list("agency__name", "teams", "staff")
        )
        figures["cascade_reach"] = {
            agency: {"teams": teams or 0, "staff": staff or 0}
            for agency, teams, staff in sorted(reach)
        }
        figures["section11_returns_submitted"] = self.section11_returns().count()
        figures["section11_gaps_opened"] = self.section11_gaps("section11_gaps_opened").count()
        figures["section11_gaps_closed"] = self.section11_gaps("section11_gaps_closed").count()
        return figures

    # --- The adults board's and the community safety partnership's figures ---------------
    def process_cases(self, figure, value=None):
        """The cases behind one of a SAR or DHR report's figures."""
        start, end = self.period.start, self.period.end
        cases = self.case_log.select_related("referral_reason")
        decided = cases.decided_between(start, end)
        by_figure = {
            "sar_referrals": lambda: cases.referred_between(start, end),
            "sar_decisions": lambda: decided,
            "sars_arranged": lambda: decided.filter(decision__in=SAR_DECISIONS),
            "sar_decisions_not_to_review": lambda: decided.filter(decision=SARDecision.NONE),
            "sar_reasons_not_to_review": lambda: decided.filter(decision=SARDecision.NONE),
            "sars_completed": lambda: cases.happened_between("report_completed_on", start, end),
            "sars_completed_in_time": lambda: cases.happened_between(
                "report_completed_on", start, end
            ).reports_in_time("report_completed_on"),
            # Arranged by the period's end and not concluded by then, whenever they began.
            "sars_ongoing": lambda: cases.filter(
                decision__in=SAR_DECISIONS, decision_on__lte=end
            ).filter(Q(report_completed_on__isnull=True) | Q(report_completed_on__gt=end)),
            "sars_published": lambda: cases.published_between(start, end),
            "dhr_notifications": lambda: cases.referred_between(start, end),
            "dhr_decisions": lambda: decided,
            "dhr_decided_in_time": lambda: decided.decided_in_time(),
            "dhr_decisions_not_to_review": lambda: decided.filter(decision=DHRDecision.NONE),
            "dhr_reasons_not_to_review": lambda: decided.filter(decision=DHRDecision.NONE),
            "dhr_home_office_informed": lambda: cases.happened_between(
                "home_office_informed_on", start, end
            ),
            "dhr_home_office_informed_in_time": lambda: cases.happened_between(
                "home_office_informed_on", start, end
            ).home_office_informed_in_time(),
            "dhr_overview_reports_submitted": lambda: cases.happened_between(
                "qa_panel_submitted_on", start, end
            ),
            "dhr_overview_reports_in_time": lambda: cases.happened_between(
                "qa_panel_submitted_on", start, end
            ).reports_in_time("qa_panel_submitted_on"),
            "dhr_panel_responses": lambda: cases.happened_between(
                "qa_panel_response_on", start, end
            ).exclude(qa_panel_outcome=""),
            "dhrs_published": lambda: cases.published_between(start, end),
            "dhrs_ongoing": lambda: cases.filter(
                decision=DHRDecision.DHR, decision_on__lte=end
            ).filter(Q(published_on__isnull=True) | Q(published_on__gt=end)),
        }
        queryset = by_figure[figure]()
        if value and figure in ("sar_decisions", "dhr_decisions"):
            queryset = queryset.filter(decision=_decision_value(value))
        if value and figure in ("sar_reasons_not_to_review", "dhr_reasons_not_to_review"):
            queryset = queryset.filter(decision_reason=value)
        if value and figure == "dhr_panel_responses":
            queryset = queryset.filter(qa_panel_outcome=_outcome_value(value))
        return queryset.order_by("referred_on", "reference")

    def process_recommendations(self, figure):
        """The recommendations of the SARs concluded (DHRs published) in the period."""
        reviews = self.process_cases(
            "sars_completed" if figure == "sar_findings" else "dhrs_published"
        ).filter(review__isnull=False)
        return (
            Recommendation.objects.filter(review__case__in=reviews)
            .select_related("review")
            .order_by("review__title", "sort_order")
        )

    def process_actions(self, category=None):
        if category == "not_implemented":
            return self.actions().filter(as_at_status=AgencyAction.Status.CLOSED)
        return self.actions(category)

    def process_records(self, figure, value=None, part=None):
        if figure in PROCESS_RECOMMENDATION_FIGURES:
            return self.process_recommendations(figure)
        if figure in PROCESS_ACTION_FIGURES:
            return self.process_actions(part)
        return self.process_cases(figure, value)

    def process_figures(self):
        """The figures of a safeguarding adults board's or community safety partnership's
        report: counts as integers, tables as {label: count}."""
        figures = {}
        for figure in FIGURE_LABELS_OF_PROCESS[self.process]:
            if figure in ("sar_decisions", "dhr_decisions"):
                figures[figure] = self._decisions(self.process_cases(figure))
            elif figure in ("sar_reasons_not_to_review", "dhr_reasons_not_to_review"):
                reasons = (
                    self.process_cases(figure)
                    .order_by()
                    .values_list("decision_reason")
                    .annotate(count=Count("pk"))
                    .values_list("decision_reason", "count")
                )
                figures[figure] = dict(sorted(reasons, key=lambda pair: (-pair[1], pair[0])))
            elif figure == "dhr_panel_responses":
                outcomes = dict(
                    self.process_cases(figure)
                    .order_by()
                    .values_list("qa_panel_outcome")
                    .annotate(count=Count("pk"))
                    .values_list("qa_panel_outcome", "count")
                )
                figures[figure] = {
                    label: outcomes.get(value, 0)
                    for value, label in QualityAssuranceOutcome.choices
                }
            elif figure in PROCESS_ACTION_FIGURES:
                figures[figure] = {
                    label: self.process_actions(category).count()
                    for category, label in IMPLEMENTATION_CATEGORIES.items()
                }
            else:
                figures[figure] = self.process_records(figure).count()
        return figures


def _decision_value(label):
    for value, choice_label in DECISION_CHOICES:
        if label in (value, choice_label):
            return value
    return label


def _outcome_value(label):
    for value, choice_label in QualityAssuranceOutcome.choices:
        if label in (value, choice_label):
            return value
    return label


def yearly_report(
    period, today=None, process=Process.CHILD_SAFEGUARDING, cases=None, partnership=None
):
    """The report as JSON: the period's figures, and the previous period's beside them. A SAR or
    DHR report names its process; the children's keeps the keys it always had."""
    today = today or timezone.localdate()
    previous = period.before()
    if process != Process.CHILD_SAFEGUARDING:
        return {
            "period": period.as_json(),
            "process": Process(process).label,
            **YearlyReport(period, today, process, cases, partnership).figures(),
            "previous_period": {
                "period": previous.as_json(),
                **YearlyReport(previous, today, process, cases, partnership).figures(),
            },
        }
    return {
        "period": period.as_json(),
        **YearlyReport(period, today, process, cases, partnership).figures(),
        "previous_period": {
            "period": previous.as_json(),
            **YearlyReport(previous, today, process, cases, partnership).figures(),
        },
    }
