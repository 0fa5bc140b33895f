"""Case-log dates the records cannot hold (year 1, year 9999) are refused as row problems, and
the yearly report costs the same whatever the dates of the cases it counts."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from reviews.case_import import import_case_log
from reviews.deadlines import is_working_day, working_days_between
from reviews.models import Case
from reviews.yearly_report import Period, yearly_report
from tests.conftest import client_for
from tests.factories import CaseFactory
from tests.test_case_log_import import csv_bytes

pytestmark = pytest.mark.django_db

GOOD_ROW = (
    'RR-2020-01,02/03/2020,Neglect,05/03/2020,16/03/2020,24/03/2020,LCSPR,24/03/2020,,"£9,500"'
)
LAST_DAY = "RR-2020-02,31/12/9999,Neglect,,,,,,,"
YEAR_ONE = "RR-2020-03,02/03/2020,Neglect,05/03/2020,,,LCSPR,01/01/0001,,"


def test_a_row_dated_in_year_9999_or_year_1_is_a_row_problem_and_nothing_is_saved():
    result = import_case_log("log.csv", csv_bytes(GOOD_ROW, LAST_DAY, YEAR_ONE))
    assert not result.ok
    problems = {(p.row, p.column): p.reason for p in result.problems}
    assert "9999-12-31 is not between 1 January 1990 and" in problems[(3, "Referred on")]
    assert "0001-01-01 is not between 1 January 1990 and" in problems[(4, "Decision on")]
    assert Case.objects.count() == 0


def test_the_command_names_the_row_of_a_date_out_of_range(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_bytes(csv_bytes(GOOD_ROW, LAST_DAY))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_case_log", str(log))
    assert "Row 3, Referred on: 9999-12-31 is not between" in capsys.readouterr().err
    assert Case.objects.count() == 0


def test_the_admin_import_names_the_row_of_a_date_out_of_range(business_unit):
    upload = SimpleUploadedFile("log.csv", csv_bytes(GOOD_ROW, LAST_DAY))
    response = client_for(business_unit).post("/admin/case-log/import/", {"file": upload})
    assert response.status_code < 500
    page = response.content.decode()
    assert "nothing was imported" in page and "9999-12-31 is not between" in page
    assert Case.objects.count() == 0


def test_the_yearly_report_costs_the_same_whatever_the_cases_dates():
    """21 LCSPRs decided in year 1 (as a log imported before the check could hold) and
    published in the year took 16.5 s; the report's cost does not grow with a date's age."""
    for number in range(21):
        CaseFactory(
            reference=f"OLD-{number}",
            referred_on=datetime.date(1, 1, 1),
            decision="lcspr",
            decision_on=datetime.date(1, 1, 2),
            published_on=datetime.date(2024, 6, 3),
        )
    started = time.perf_counter()
    report = yearly_report(Period.financial_year(2024))
    elapsed = time.perf_counter() - started
    assert report["reviews_published"] == 21
    assert report["median_working_days_to_publish"] == working_days_between(
        datetime.date(1, 1, 2), datetime.date(2024, 6, 3)
    )
    assert elapsed < 3, f"the report took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2019, 12, 20), datetime.date(2020, 1, 6)),  # Christmas, a weekend
        (datetime.date(2020, 5, 1), datetime.date(2020, 5, 11)),  # VE day moved the May holiday
        (datetime.date(2022, 6, 1), datetime.date(2022, 6, 6)),  # the Platinum Jubilee
        (datetime.date(2023, 3, 31), datetime.date(2025, 4, 22)),
        (datetime.date(2024, 1, 6), datetime.date(2024, 1, 7)),  # a weekend only
        (datetime.date(2024, 1, 8), datetime.date(2024, 1, 8)),
    ],
)
def test_working_days_between_counts_as_the_calendar_does(start, end):
    by_the_calendar = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + datetime.timedelta(days=offset))
    )
    assert working_days_between(start, end) == by_the_calendar
    assert working_days_between(end, start) == -by_the_calendar
