"""Each partnership keeps its own case log and reads its own yearly report: the adults board's
SARs and the community safety partnership's DHRs, beside the children's partnership's cases."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from learning import permissions
from learning.models import Partnership
from reviews.case_import import import_case_log
from reviews.models import Case, Process

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    CaseFactory,
    PartnershipFactory,
    PartnershipMembershipFactory,
    RecommendationFactory,
    ReviewPageFactory,
    default_partnership,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db

PERIOD = "from=2021-04-01&to=2022-03-31"


def d(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def board():
    return PartnershipFactory(name="Kirklees Safeguarding Adults Board")


@pytest.fixture
def community_safety():
    return PartnershipFactory(
        name="Kirklees Community Safety Partnership",
        framework=Partnership.Framework.COMMUNITY_SAFETY,
    )


def _year_of_both(board):
    """One children's case and one SAR in 2021/22, each with an action of the police."""
    police = AgencyFactory(name="West Yorkshire Police", short_name="WYP")
    children = CaseFactory(
        reference="SI-21-01",
        referred_on=d("2021-05-04"),
        notified_on=d("2021-05-06"),
        decision="lcspr",
        decision_on=d("2021-06-01"),
    )
    sar_review = ReviewPageFactory(
        parent=review_index_of(board), kind="sar", publication_date=d("2022-02-01")
    )
    sar = CaseFactory(
        reference="SAR-21-01",
        process=Process.SAFEGUARDING_ADULTS,
        referred_on=d("2021-05-04"),
        decision="sar_mandatory",
        decision_on=d("2021-06-15"),
        decision_reason="Died of neglect; concern about how agencies worked together.",
        report_completed_on=d("2021-11-30"),
        published_on=d("2022-02-01"),
        review=sar_review,
    )
    during = timezone.make_aware(datetime.datetime(2021, 12, 1))
    AgencyActionFactory(
        recommendation=RecommendationFactory(review=sar_review), agency=police, created_at=during
    )
    AgencyActionFactory(agency=police, created_at=during)  # on a children's review
    return children, sar


def test_a_case_is_logged_in_the_partnership_whose_framework_runs_its_process(
    board, community_safety
):
    sar = CaseFactory(process=Process.SAFEGUARDING_ADULTS)
    dhr = CaseFactory(process=Process.DOMESTIC_HOMICIDE)
    children = CaseFactory()
    assert sar.partnership == board
    assert dhr.partnership == community_safety
    assert children.partnership == default_partnership()


def test_each_partnership_reads_its_own_yearly_report(board):
    _year_of_both(board)
    chair = member_of(board, permissions.SCRUTINEERS, username="chair")
    PartnershipMembershipFactory(
        user=chair, partnership=default_partnership(), role=permissions.SCRUTINEERS
    )
    client = client_for(chair)

    adults = client.get(f"/tracker/yearly-report/?{PERIOD}&partnership={board.slug}")
    page = adults.content.decode()
    assert adults.status_code == 200
    assert "Kirklees Safeguarding Adults Board, safeguarding adults reviews" in page
    # Choosing another period keeps to the board's report.
    assert f'<input type="hidden" name="partnership" value="{board.slug}">' in page
    assert f'process=safeguarding_adults&amp;partnership={board.slug}">Last financial year' in page
    figures = json.loads(
        client.get(f"/tracker/yearly-report/report.json?{PERIOD}&partnership={board.slug}").content
    )
    assert figures["sar_referrals"] == 1 and figures["sars_published"] == 1
    assert sum(figures["sar_actions"].values()) == 1  # the SAR's action, not the children's

    children = json.loads(
        client.get(
            f"/tracker/yearly-report/report.json?{PERIOD}&partnership={default_partnership().slug}"
        ).content
    )
    assert children["referrals"] == 1
    police = children["actions_by_agency"]["West Yorkshire Police"]
    assert sum(police.values()) == 1  # the children's review's action only


def test_a_partnerships_report_is_not_found_by_people_of_another(board):
    _year_of_both(board)
    children_only = member_of(default_partnership(), permissions.SCRUTINEERS)
    client = client_for(children_only)
    for address in (
        f"/tracker/yearly-report/?{PERIOD}&partnership={board.slug}",
        f"/tracker/yearly-report/report.json?{PERIOD}&partnership={board.slug}",
        f"/tracker/yearly-report/records/?{PERIOD}&figure=sar_referrals&partnership={board.slug}",
    ):
        assert client.get(address).status_code == 404, address
    # Their own report, unasked, is the children's: the SAR is in none of its figures.
    own = json.loads(client.get(f"/tracker/yearly-report/report.json?{PERIOD}").content)
    assert own["referrals"] == 1 and "sar_referrals" not in own


def test_an_adults_board_officer_imports_into_the_boards_log_and_cannot_touch_the_childrens(
    board,
):
    CaseFactory(reference="SI-21-01", referred_on=d("2021-05-04"))
    officer = member_of(board, permissions.BUSINESS_UNIT, username="sab-officer")
    data = (
        b"Reference,Process,Referred on,Referral reason,Decision,Decision on,Decision reason\n"
        b"SAR-2023-01,SAR,03/04/2023,Neglect,Mandatory SAR,15/05/2023,Died of self-neglect\n"
        b"SI-21-01,,04/05/2021,Neglect,,,\n"
    )
    response = client_for(officer).post(
        "/admin/case-log/import/", {"file": SimpleUploadedFile("log.csv", data, "text/csv")}
    )
    page = response.content.decode()
    assert "SI-21-01 is a case of a partnership whose log you do not keep." in page
    assert not Case.objects.filter(reference="SAR-2023-01").exists()

    result = import_case_log("log.csv", data.replace(b"SI-21-01,,04/05/2021,Neglect,,,\n", b""))
    assert result.ok, [str(problem) for problem in result.problems]
    assert Case.objects.get(reference="SAR-2023-01").partnership == board


def test_the_command_prints_one_partnerships_report(board, capsys):
    _year_of_both(board)
    call_command(
        "yearly_report",
        "--from",
        "2021-04-01",
        "--to",
        "2022-03-31",
        "--json",
        "--partnership",
        board.slug,
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["process"] == "Safeguarding adults review"
    assert figures["sar_referrals"] == 1


def test_the_editor_opens_only_the_cases_of_the_logs_an_officer_keeps(board):
    children = CaseFactory(reference="SI-21-01", child_pseudonym="Child Zeta")
    sar = CaseFactory(reference="SAR-21-01", process=Process.SAFEGUARDING_ADULTS)
    officer = client_for(member_of(board, permissions.BUSINESS_UNIT, username="sab-officer"))

    listing = officer.get("/admin/snippets/reviews/case/").content.decode()
    assert "SAR-21-01" in listing and "SI-21-01" not in listing
    assert officer.get(f"/admin/snippets/reviews/case/edit/{sar.pk}/").status_code == 200
    for address in (
        f"/admin/snippets/reviews/case/edit/{children.pk}/",
        f"/admin/snippets/reviews/case/delete/{children.pk}/",
    ):
        assert officer.get(address).status_code in (302, 403), address
    assert officer.post(f"/admin/snippets/reviews/case/delete/{children.pk}/").status_code in (
        302,
        403,
    )
    assert Case.objects.filter(pk=children.pk).exists()


def test_a_case_recorded_in_the_editor_goes_in_its_recorders_log(board):
    officer = client_for(member_of(board, permissions.BUSINESS_UNIT, username="sab-officer"))
    reason = CaseFactory().referral_reason
    response = officer.post(
        "/admin/snippets/reviews/case/add/",
        {
            "process": "",
            "reference": "SI-2024-01",
            "referred_on": "2024-04-03",
            "referral_reason": reason.pk,
            "sign_offs-TOTAL_FORMS": "0",
            "sign_offs-INITIAL_FORMS": "0",
            "information_requests-TOTAL_FORMS": "0",
            "information_requests-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Case.objects.get(reference="SI-2024-01").partnership == board
