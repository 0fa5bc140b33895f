"""The admin report "Open reviews by next deadline": the business unit's view of the statutory
timeline of every open review, missed deadlines first, then the next one due."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from learning import permissions

from .deadlines import Deadline
from .models import ReviewPage

# Only these kinds run to the statutory timeline (see ReviewPage.timeline).
TIMED_KINDS = [ReviewPage.Kind.RAPID_REVIEW, ReviewPage.Kind.LCSPR]


@dataclass(frozen=True)
class OpenReview:
    """One row of the report: a review and the next statutory step it still has to take."""

    review: ReviewPage
    deadline: Deadline

    @property
    def pk(self):
        return self.review.pk

    @property
    def title(self):
        return self.review.title

    @property
    def kind(self):
        return self.review.get_kind_display()

    @property
    def reference(self):
        return self.review.reference

    @property
    def next_step(self):
        return self.deadline.name

    @property
    def due(self):
        return self.deadline.due

    @property
    def due_display(self):
        # An exact date: the admin's relative dates ("just now") mislead about a future deadline.
        return date_format(self.deadline.due, "j M Y")

    @property
    def state(self):
        return self.deadline.state_label

    @property
    def is_missed(self):
        return self.deadline.state == "missed"

    @property
    def days_overdue(self):
        return max((timezone.localdate() - self.deadline.due).days, 0)

    @property
    def visibility(self):
        return self.review.get_visibility_display()

    @property
    def publication_status(self):
        return "Live" if self.review.live else "Draft"


def open_reviews_by_next_deadline(reviews=None):
    """Every review with an open statutory deadline: missed ones first, then by next due date."""
    reviews = ReviewPage.objects.all() if reviews is None else reviews
    rows = []
    for review in reviews.filter(kind__in=TIMED_KINDS).select_related("case").order_by("pk"):
        deadline = review.next_open_deadline()
        if deadline is not None:
            rows.append(OpenReview(review, deadline))
    rows.sort(key=lambda row: (not row.is_missed, row.due, row.title))
    return rows


class OpenReviewsReportView(ReportView):
    page_title = "Open reviews by next deadline"
    header_icon = "time"
    index_url_name = "open_reviews_report"
    index_results_url_name = "open_reviews_report_results"
    paginate_by = 50
    verbose_name_plural = "open reviews"
    export_filename = "open-reviews-by-next-deadline"
    columns = [
        TitleColumn(
            "title",
            label="Review",
            get_url=lambda row: reverse("wagtailadmin_pages:edit", args=[row.pk]),
        ),
        Column("reference", label="Reference"),
        Column("kind", label="Kind"),
        Column("next_step", label="Next statutory step"),
        Column("due_display", label="Due"),
        Column("state", label="State"),
        Column("days_overdue", label="Days overdue"),
        Column("visibility", label="Visibility"),
        Column("publication_status", label="Status"),
    ]
    list_export = [
        "title",
        "reference",
        "kind",
        "next_step",
        "due",
        "state",
        "days_overdue",
        "visibility",
        "publication_status",
    ]
    export_headings = {
        "title": "Review",
        "reference": "Reference",
        "kind": "Kind",
        "next_step": "Next statutory step",
        "due": "Due",
        "state": "State",
        "days_overdue": "Days overdue",
        "visibility": "Visibility",
        "publication_status": "Status",
    }

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_business_unit(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # Only the reviews of the partnerships whose case log this person keeps.
        kept = permissions.case_log_partnerships(self.request.user)
        return open_reviews_by_next_deadline(ReviewPage.objects.filter(partnership__in=kept))
