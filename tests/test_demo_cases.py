"""The demo's case log gives the yearly report something true to show, and building it twice
changes nothing."""

import datetime

from home.demo.cases import build_case_log
from reviews.cases import information_requests_for
from reviews.models import Case, InformationRequest
from reviews.yearly_report import Period, YearlyReport

from .factories import AgencyFactory

TODAY = datetime.date(2026, 11, 29)


def test_three_years_of_cases_through_every_path_and_no_duplicates(db, police_lead):
    for short in ("CHFT", "Locala", "Children's Services", "MYHT"):
        AgencyFactory(short_name=short, name=f"{short} (demo)")
    build_case_log(today=TODAY)
    counts = (Case.objects.count(), InformationRequest.objects.count())
    build_case_log(today=TODAY)
    assert (Case.objects.count(), InformationRequest.objects.count()) == counts

    last_year = YearlyReport(Period.last_financial_year(TODAY), today=TODAY).figures()
    assert last_year["referrals"] == 10
    assert last_year["notifications"] < last_year["referrals"]  # referrals not notified
    assert last_year["rapid_reviews_within_15_working_days"] < last_year["rapid_reviews"]
    overdue_lcspr = Case.objects.filter(
        decision="lcspr", published_on__isnull=True, publication_due__lt=TODAY
    )
    assert overdue_lcspr.exists()
    for year in (2023, 2024, 2025):
        assert YearlyReport(Period.financial_year(year), today=TODAY).figures()["referrals"] > 0

    # The open rapid review is waiting on the police's chronology, already late.
    police_requests = list(information_requests_for(police_lead))
    assert [r.case.reference for r in police_requests] == ["SI-2627-OPEN"]
    assert police_requests[0].due_on < TODAY
