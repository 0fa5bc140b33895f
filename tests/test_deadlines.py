"""Statutory deadlines count working days, skipping weekends and England and Wales bank holidays."""

import datetime

import pytest

from reviews.deadlines import add_working_days, is_working_day
from reviews.models import ReviewPage

# Building a page (even unsaved) looks up its content type, so these tests need the database.
pytestmark = pytest.mark.django_db


def test_notification_due_over_christmas_and_new_year_skips_bank_holidays():
    # Learned of the incident on Monday 22 December 2025. 25 and 26 December and 1 January are
    # bank holidays, 27-28 December and 3-4 January weekends.
    review = ReviewPage(kind=ReviewPage.Kind.RAPID_REVIEW, aware_date=datetime.date(2025, 12, 22))
    # Working days: 23, 24, 29, 30, 31 December.
    assert review.notification_due == datetime.date(2025, 12, 31)


def test_rapid_review_due_fifteen_working_days_after_notification_across_new_year():
    review = ReviewPage(
        kind=ReviewPage.Kind.RAPID_REVIEW, notification_date=datetime.date(2025, 12, 19)
    )
    # 22, 23, 24, 29, 30, 31 Dec; 2, 5, 6, 7, 8, 9, 12, 13, 14 Jan.
    assert review.rapid_review_due == datetime.date(2026, 1, 14)


def test_easter_monday_and_good_friday_are_not_working_days():
    assert not is_working_day(datetime.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(datetime.date(2026, 4, 6))  # Easter Monday
    assert add_working_days(datetime.date(2026, 4, 2), 1) == datetime.date(2026, 4, 7)


def test_weekend_incident_counts_from_the_next_working_day():
    review = ReviewPage(
        kind=ReviewPage.Kind.RAPID_REVIEW, incident_date=datetime.date(2026, 11, 21)
    )
    assert review.notification_due == datetime.date(2026, 11, 27)


def test_lcspr_publication_is_due_six_months_after_the_decision():
    review = ReviewPage(
        kind=ReviewPage.Kind.LCSPR,
        decision=ReviewPage.Decision.LCSPR,
        decision_date=datetime.date(2026, 8, 31),
    )
    assert review.publication_due == datetime.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("submitted", "state"),
    [(datetime.date(2026, 1, 14), "met"), (datetime.date(2026, 1, 15), "missed")],
)
def test_timeline_says_whether_each_deadline_was_met(submitted, state):
    review = ReviewPage(
        kind=ReviewPage.Kind.RAPID_REVIEW,
        aware_date=datetime.date(2025, 12, 17),
        notification_date=datetime.date(2025, 12, 19),
        rapid_review_submitted_date=submitted,
    )
    notification, rapid_review = review.timeline()
    assert notification.state == "met"
    assert rapid_review.state == state


def test_open_deadline_in_the_past_is_missed_and_one_close_ahead_is_due_soon():
    today = datetime.date(2026, 1, 12)
    late = ReviewPage(kind=ReviewPage.Kind.RAPID_REVIEW, aware_date=datetime.date(2026, 1, 2))
    assert late.timeline()[0].state_on(today) == "missed"
    soon = ReviewPage(
        kind=ReviewPage.Kind.RAPID_REVIEW, notification_date=datetime.date(2025, 12, 19)
    )
    assert soon.timeline()[1].state_on(today) == "due_soon"
    assert soon.timeline()[1].state_on(datetime.date(2026, 1, 2)) == "due"
