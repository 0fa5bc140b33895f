"""The scrutineer reads the case log and the yearly report, and an agency lead their information
requests, in Chromium: axe-core finds nothing serious, and no page scrolls sideways at 390 px."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from learning import permissions
from reviews.case_import import import_case_log
from reviews.models import Case

from ..factories import (
    AgencyFactory,
    InformationRequestFactory,
    ReferralReasonFactory,
    UserFactory,
    agency_lead,
)
from .conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STATEMENT_LOG = Path(__file__).parent.parent / "fixtures" / "case_logs" / "kirklees-2018-2020.csv"


def assert_no_sideways_scroll(page):
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide at 390px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_scrutineer_reads_the_yearly_report_and_the_records_behind_a_figure(browser_page):
    assert import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes()).ok
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    page = browser_page
    sign_in(page, "scrutineer")

    assert page.goto(f"{reverse('yearly_report')}?from=2019-04-01&to=2020-03-31").status == 200
    assert page.get_by_text("received 9 serious incident referrals").is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_role("row", name="Rapid reviews 3 4").get_by_role("link", name="4").click()
    page.wait_for_load_state()
    assert page.get_by_text("The 4 records behind this figure.").is_visible()
    assert_accessible(page)

    assert page.goto(reverse("case_list")).status == 200
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    case = Case.objects.get(reference="K19-02")
    assert page.goto(case.get_absolute_url()).status == 200
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_an_agency_lead_sees_their_information_requests_on_an_accessible_page(browser_page):
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    agency_lead(police, "police-lead")
    InformationRequestFactory(
        agency=police,
        case__reference="SI-2026-05",
        case__notified_on=datetime.date(2026, 11, 2),
        asked="A chronology of police contact with the household.",
    )
    page = browser_page
    sign_in(page, "police-lead")
    assert page.goto(reverse("information_requests")).status == 200
    assert page.get_by_text("A chronology of police contact with the household.").is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_the_scrutineer_reads_the_adults_boards_report_and_a_dhr_timeline(browser_page):
    Case.objects.create(
        reference="SAR-2021-01",
        process="safeguarding_adults",
        referred_on=datetime.date(2021, 5, 4),
        referral_reason=ReferralReasonFactory(),
        decision="sar_mandatory",
        decision_on=datetime.date(2021, 6, 15),
        decision_reason="Died of neglect; concern about how agencies worked together.",
    )
    dhr = Case.objects.create(
        reference="DHR-2021-01",
        process="domestic_homicide",
        referred_on=datetime.date(2021, 5, 10),
        referral_reason=ReferralReasonFactory(),
        decision="dhr",
        decision_on=datetime.date(2021, 6, 1),
        home_office_informed_on=datetime.date(2021, 6, 3),
    )
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    page = browser_page
    sign_in(page, "scrutineer")

    report = f"{reverse('yearly_report')}?from=2021-04-01&to=2022-03-31&process=safeguarding_adults"
    assert page.goto(report).status == 200
    assert page.get_by_role("heading", name="The board's decisions").is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    assert page.goto(reverse("case_detail", args=[dhr.pk])).status == 200
    assert page.get_by_text("Overview report sent to the quality assurance panel").is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    assert page.goto(f"{reverse('case_list')}?process=domestic_homicide").status == 200
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_the_case_editor_shows_the_panels_of_the_cases_own_process(browser_page):
    UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)
    page = browser_page
    sign_in(page, "business-unit")
    assert page.goto("/admin/snippets/reviews/case/add/").status == 200
    notification = page.locator("[data-case-process=child_safeguarding]").first
    adults = page.locator("[data-case-process=safeguarding_adults]")
    homicide = page.locator("[data-case-process=domestic_homicide]")
    assert notification.is_visible() and not adults.is_visible() and not homicide.is_visible()

    page.select_option("#id_process", "safeguarding_adults")
    assert adults.is_visible() and not homicide.is_visible() and not notification.is_visible()
    assert page.get_by_label("Reason for the decision").is_visible()

    page.select_option("#id_process", "domestic_homicide")
    assert homicide.is_visible() and not adults.is_visible()
    assert page.get_by_label("Home Office told of the decision on").is_visible()
