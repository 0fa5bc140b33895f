"""The admin report "Open reviews by next deadline": the business unit sees every open review,
missed deadlines first, then by the next due date, and can export it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from learning import permissions
from learning.models import Partnership
from reviews.deadlines import add_months, add_working_days, subtract_working_days
from reviews.reports import open_reviews_by_next_deadline

from .conftest import client_for
from .factories import (
    CaseFactory,
    PartnershipFactory,
    ReviewPageFactory,
    default_partnership,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/reports/open-reviews/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def open_reviews(today):
    """Five rapid reviews and LCSPRs in every state of the timeline, plus two that are not open."""
    # Notified 12 working days ago: the rapid review is due in 3 working days.
    due_soon = ReviewPageFactory(
        title="Rapid review: Child B",
        kind="rapid_review",
        visibility="partnership",
        notification_date=subtract_working_days(today, 12),
        aware_date=subtract_working_days(today, 14),
    )
    # Learned of the incident 30 working days ago and never notified: missed long ago.
    missed_long_ago = ReviewPageFactory(
        title="Rapid review: Child C",
        kind="rapid_review",
        visibility="partnership",
        aware_date=subtract_working_days(today, 30),
    )
    # Notified 20 working days ago, rapid review never sent: missed 5 working days ago.
    missed_recently = ReviewPageFactory(
        title="Rapid review: Child D",
        kind="rapid_review",
        visibility="partnership",
        aware_date=subtract_working_days(today, 22),
        notification_date=subtract_working_days(today, 20),
    )
    # An LCSPR decided two months ago: publication due in about four months.
    due_later = ReviewPageFactory(
        title="LCSPR: Child E",
        kind="lcspr",
        aware_date=subtract_working_days(today, 80),
        notification_date=subtract_working_days(today, 78),
        rapid_review_submitted_date=subtract_working_days(today, 65),
        decision="lcspr",
        decision_date=today - datetime.timedelta(days=60),
        live=False,
    )
    # All steps done: not open.
    ReviewPageFactory(
        title="Rapid review: Child A",
        kind="rapid_review",
        aware_date=today - datetime.timedelta(days=80),
        notification_date=add_working_days(today - datetime.timedelta(days=80), 3),
        rapid_review_submitted_date=add_working_days(today - datetime.timedelta(days=80), 16),
        decision="learning_review",
    )
    # Not a kind with a statutory timeline.
    ReviewPageFactory(title="Multi-agency audit: neglect", kind="multi_agency_audit")
    return [missed_long_ago, missed_recently, due_soon, due_later]


def test_open_reviews_are_ordered_missed_first_then_by_next_due_date(open_reviews):
    rows = open_reviews_by_next_deadline()
    assert [row.review.pk for row in rows] == [page.pk for page in open_reviews]
    assert [row.state for row in rows] == ["Missed", "Missed", "Due soon", "Due"]
    assert [row.next_step for row in rows] == [
        "Notification to the national Panel",
        "Rapid review sent to the Panel",
        "Rapid review sent to the Panel",
        "LCSPR published",
    ]
    assert rows[0].days_overdue > rows[1].days_overdue > 0
    assert rows[2].days_overdue == 0


def test_business_unit_sees_the_report_in_deadline_order(open_reviews, business_unit):
    response = client_for(business_unit).get(REPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Open reviews by next deadline" in html
    positions = [html.index(page.title) for page in open_reviews]
    assert positions == sorted(positions)
    assert "Rapid review: Child A" not in html
    assert "Multi-agency audit" not in html
    assert reverse("wagtailadmin_pages:edit", args=[open_reviews[0].pk]) in html
    due = open_reviews_by_next_deadline()[2].due
    assert due.strftime("%-d %b %Y") in html  # an exact date, not "just now"


def test_draft_reviews_are_in_the_report_marked_as_drafts(open_reviews, business_unit):
    html = client_for(business_unit).get(REPORT_URL).content.decode()
    assert "LCSPR: Child E" in html
    assert "Draft" in html


def test_report_appears_in_the_reports_menu_for_the_business_unit(business_unit):
    html = client_for(business_unit).get("/admin/").content.decode()
    assert "Open reviews by next deadline" in html
    assert REPORT_URL in html


@pytest.mark.parametrize("who", ["practitioner", "police_lead", "scrutineer"])
def test_people_outside_the_business_unit_cannot_open_the_report(open_reviews, who, request):
    response = client_for(request.getfixturevalue(who)).get(REPORT_URL)
    assert response.status_code in (302, 403)
    assert b"Rapid review: Child C" not in response.content


def test_anonymous_visitor_is_sent_to_sign_in(open_reviews, client):
    response = client.get(REPORT_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_csv_export_lists_the_same_rows_in_the_same_order(open_reviews, business_unit):
    response = client_for(business_unit).get(REPORT_URL, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["Review"] for row in rows] == [page.title for page in open_reviews]
    assert rows[0]["State"] == "Missed"
    assert rows[0]["Next statutory step"] == "Notification to the national Panel"
    assert rows[3]["Status"] == "Draft"


def test_xlsx_export_opens_as_a_spreadsheet(open_reviews, business_unit):
    response = client_for(business_unit).get(REPORT_URL, {"export": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == [page.title for page in open_reviews]
    assert sheet.cell(row=1, column=5).value == "Due"


def test_report_with_no_open_reviews_says_so(business_unit):
    html = client_for(business_unit).get(REPORT_URL).content.decode()
    assert "There are no open reviews to display." in html


def test_a_review_whose_case_decided_not_to_notify_shows_no_missed_notification(
    today, business_unit
):
    # The partnership decided not to notify the Panel: no 5-day clock runs, so neither the
    # review's own timeline nor the business unit's report may call the notification missed.
    review = ReviewPageFactory(
        title="Rapid review: Child F", kind="rapid_review", visibility="partnership"
    )
    CaseFactory(
        reference="SI-F",
        referred_on=subtract_working_days(today, 30),
        not_notified_reason="Below the threshold for notification; agreed with the Panel.",
        review=review,
    )
    report = client_for(business_unit).get(REPORT_URL).content.decode()
    assert "Rapid review: Child F" not in report
    page = client_for(business_unit).get(review.url).content.decode()
    assert "Notification to the national Panel: decided not to notify" in page
    assert "Missed" not in page


def test_an_lcsprs_next_step_is_the_report_to_the_panel_as_its_case_says(today, business_unit):
    # Published within six months, and sent to the Panel and the Secretary of State at least
    # 7 working days before that: the report's next step is the sending, when the case says so.
    decided = today - datetime.timedelta(days=160)
    review = ReviewPageFactory(title="LCSPR: Child G", kind="lcspr", visibility="partnership")
    case = CaseFactory(
        reference="SI-G",
        referred_on=subtract_working_days(decided, 25),
        notified_on=subtract_working_days(decided, 22),
        rapid_review_sent_on=subtract_working_days(decided, 8),
        decision="lcspr",
        decision_on=decided,
        review=review,
    )
    sending_due = subtract_working_days(add_months(decided, 6), 7)
    assert case.next_open_deadline().due == sending_due

    [row] = open_reviews_by_next_deadline()
    assert row.next_step == "Report sent to the Panel and the Secretary of State"
    assert row.due == sending_due
    html = client_for(business_unit).get(REPORT_URL).content.decode()
    assert "Report sent to the Panel and the Secretary of State" in html
    assert sending_due.strftime("%-d %b %Y") in html


def test_one_partnerships_business_unit_sees_none_of_anothers_open_reviews(today):
    other = PartnershipFactory(
        name="Neighbouring Children's Partnership", framework=Partnership.Framework.CHILDREN
    )
    ReviewPageFactory(
        title="Rapid review: Child H of the neighbours",
        kind="rapid_review",
        visibility="partnership",
        aware_date=subtract_working_days(today, 30),
        parent=review_index_of(other),
    )
    ours = ReviewPageFactory(
        title="Rapid review: Child J",
        kind="rapid_review",
        visibility="partnership",
        aware_date=subtract_working_days(today, 30),
    )
    officer = member_of(default_partnership(), permissions.BUSINESS_UNIT)
    client = client_for(officer)
    html = client.get(REPORT_URL).content.decode()
    assert ours.title in html
    assert "Child H of the neighbours" not in html
    export = b"".join(client.get(REPORT_URL, {"export": "csv"}).streaming_content).decode()
    assert [row["Review"] for row in csv.DictReader(io.StringIO(export))] == [ours.title]
