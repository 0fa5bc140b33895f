"""Statutory deadlines counted in working days: weekends and England and Wales bank holidays excluded."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.utils import timezone

# The statutory clocks of Working Together: the local authority notifies the national Panel within
# 5 working days of learning of the incident; the rapid review goes to the Panel within 15 working
# days of the notification; an LCSPR is expected to be published within 6 months of the decision.
# The review page and the case log both count from these, so they live below both.
NOTIFICATION_WORKING_DAYS = 5
RAPID_REVIEW_WORKING_DAYS = 15
PUBLICATION_MONTHS = 6

# Safeguarding adults reviews (Care Act 2014, section 44; Care and support statutory guidance,
# chapter 14): the Act and the guidance set no clock for the board's decision, its response or
# publication. The guidance expects a review to be completed within six months of the board
# initiating it, unless there are good reasons for longer.
SAR_COMPLETION_MONTHS = 6
# Domestic homicide reviews (Domestic Violence, Crime and Victims Act 2004, section 9; Home Office
# multi-agency statutory guidance, 2016): the community safety partnership decides within one
# month of the homicide coming to its attention and tells the Home Office of its decision; the
# review (its overview report) is completed within six months of the decision to hold it.
# No clock for the quality assurance panel's response or for publication.
DHR_DECISION_MONTHS = 1
DHR_COMPLETION_MONTHS = 6


@lru_cache(maxsize=256)
def _bank_holidays(year):
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day):
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start, days):
    """The date `days` working days after `start` (the start day itself is not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def subtract_working_days(end, days):
    """The date `days` working days before `end`."""
    day = end
    remaining = days
    while remaining > 0:
        day -= datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_months(start, months):
    return start + relativedelta(months=months)


def notification_due(learned_on):
    """When the notification to the national Panel is due, from the day the incident was learned of."""
    return add_working_days(learned_on, NOTIFICATION_WORKING_DAYS) if learned_on else None


def rapid_review_due(notified_on):
    """When the rapid review is due at the Panel, from the notification."""
    return add_working_days(notified_on, RAPID_REVIEW_WORKING_DAYS) if notified_on else None


def publication_due(decided_on):
    """When an LCSPR is expected to be published, from the decision to hold one."""
    return add_months(decided_on, PUBLICATION_MONTHS) if decided_on else None


def sar_completion_due(decided_on):
    """When a safeguarding adults review is expected to be complete, from the board's decision."""
    return add_months(decided_on, SAR_COMPLETION_MONTHS) if decided_on else None


def dhr_decision_due(notified_on):
    """When the community safety partnership's decision (and the Home Office being told of it)
    is due, from the day the homicide came to its attention."""
    return add_months(notified_on, DHR_DECISION_MONTHS) if notified_on else None


def dhr_overview_report_due(decided_on):
    """When a domestic homicide review's overview report is due, from the decision to hold it."""
    return add_months(decided_on, DHR_COMPLETION_MONTHS) if decided_on else None


@dataclass(frozen=True)
class Deadline:
    """One statutory step of a review: when it was due and when (if ever) it was done."""

    name: str
    due: datetime.date | None
    done: datetime.date | None
    rule: str
    # A step the guidance sets no clock for: shown as done or not, never as met or missed.
    clocked: bool = True
    # A step the case will never take (the partnership decided not to notify the Panel).
    required: bool = True

    @property
    def state(self):
        return self.state_on(timezone.localdate())

    def state_on(self, today):
        """Met, missed, due soon (within 7 days), due, or not yet applicable, as of `today`."""
        if not self.required:
            return "not_required"
        if not self.clocked:
            return "done" if self.done else "no_clock"
        if self.due is None:
            return "not_applicable"
        if self.done:
            return "met" if self.done <= self.due else "missed"
        if today > self.due:
            return "missed"
        if (self.due - today).days <= 7:
            return "due_soon"
        return "due"

    @property
    def state_label(self):
        return {
            "met": "Met",
            "missed": "Missed",
            "due_soon": "Due soon",
            "due": "Due",
            "not_applicable": "Not yet applicable",
            "not_required": "Not required",
            "done": "Done",
            "no_clock": "Not yet done (no national clock)",
        }[self.state]

    @property
    def is_open(self):
        return self.due is not None and self.done is None


# The holidays library lists no England and Wales bank holiday before the Bank Holidays Act 1871.
FIRST_BANK_HOLIDAY_YEAR = 1871


def _weekdays_to(day):
    """Monday to Friday days from 1 January of year 1 (a Monday) to `day`, inclusive."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def working_days_between(start, end):
    """How many working days after `start` `end` falls (0 on the same day; negative if before).

    Counted by arithmetic, not day by day, so a span of centuries costs what a week does."""
    if end < start:
        return -working_days_between(end, start)
    weekdays = _weekdays_to(end) - _weekdays_to(start)
    holidays_on_weekdays = sum(
        1
        for year in range(max(start.year, FIRST_BANK_HOLIDAY_YEAR), end.year + 1)
        for holiday in _bank_holidays(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return weekdays - holidays_on_weekdays
