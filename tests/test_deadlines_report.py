"""The admin report "Open reviews by next deadline": the business unit sees every open review,
missed deadlines first, then by the next due date, and can export it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reviews.deadlines import add_working_days, subtract_working_days
from reviews.reports import open_reviews_by_next_deadline

from .conftest import client_for
from .factories import ReviewPageFactory

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
