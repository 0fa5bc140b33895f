"""The case log for the adults board and the community safety partnership: a case is a child
safeguarding practice review, a safeguarding adults review (Care Act 2014, section 44) or a
domestic homicide review (Domestic Violence, Crime and Victims Act 2004, section 9), each with its
own decision, fields and clocks, computed from the dates entered once."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from reviews.case_import import import_case_log
from reviews.models import Case, Process

from .conftest import client_for
from .factories import CaseFactory


def d(text):
    return datetime.date.fromisoformat(text)


def sar_case(**fields):
    return CaseFactory(process=Process.SAFEGUARDING_ADULTS, **fields)


def dhr_case(**fields):
    return CaseFactory(process=Process.DOMESTIC_HOMICIDE, **fields)


# --- The board's decision ---------------------------------------------------------------------


def test_the_boards_decision_on_a_sar_referral_needs_its_reason(db):
    case = sar_case(reference="SAR-2024-01", referred_on=d("2024-05-01"))
    case.decision, case.decision_on = "sar_mandatory", d("2024-06-10")
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert refused.value.message_dict["decision_reason"] == [
        "The board's decision needs its reason."
    ]
    # A decision not to arrange a review needs its reason as much as one to arrange it.
    case.decision = "no_sar"
    with pytest.raises(ValidationError):
        case.full_clean()
    case.decision_reason = "Single-agency learning; no concern about how partners worked together."
    case.full_clean()


def test_a_sar_decision_is_mandatory_or_discretionary_and_never_a_childrens_decision(db):
    case = sar_case(reference="SAR-2024-02", referred_on=d("2024-05-01"))
    case.decision, case.decision_on, case.decision_reason = "lcspr", d("2024-06-10"), "x"
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert refused.value.message_dict["decision"] == [
        "LCSPR is not a decision of a safeguarding adults review: use one of "
        "SAR (mandatory, section 44(1)-(3)), SAR (discretionary, section 44(4)), No SAR."
    ]


def test_a_childrens_stage_on_an_adults_case_is_refused_by_name(db):
    case = sar_case(reference="SAR-2024-03", referred_on=d("2024-05-01"))
    case.notified_on = d("2024-05-03")
    case.home_office_informed_on = d("2024-05-20")
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    problems = refused.value.message_dict
    assert problems["notified_on"] == [
        "Notified to the Panel on belongs to a child safeguarding practice review, not a "
        "safeguarding adults review: leave it empty."
    ]
    assert "domestic homicide review" in problems["home_office_informed_on"][0]


# --- The clocks -------------------------------------------------------------------------------


def test_a_sar_report_is_due_six_months_after_the_boards_decision_and_the_decision_has_no_clock(
    db,
):
    case = sar_case(
        reference="SAR-2024-04",
        referred_on=d("2024-05-01"),
        decision="sar_discretionary",
        decision_on=d("2024-06-10"),
        decision_reason="Learning about self-neglect and hoarding across agencies.",
        report_completed_on=d("2025-01-15"),
    )
    assert case.report_due == d("2024-12-10")
    assert case.notification_due is None and case.rapid_review_due is None
    steps = {step.name: step for step in case.timeline()}
    decision = steps["Board's decision: SAR (discretionary, section 44(4))"]
    assert decision.state == "done" and decision.due is None
    assert decision.rule == "Learning about self-neglect and hoarding across agencies."
    report = steps["SAR report completed"]
    assert report.due == d("2024-12-10") and report.state == "missed"
    assert "Care and support statutory guidance, chapter 14" in report.rule
    assert steps["SAR published"].state == "no_clock"


def test_a_dhr_decision_and_the_home_office_being_told_are_due_a_month_after_notification(db):
    case = dhr_case(
        reference="DHR-2024-01",
        referred_on=d("2024-01-31"),
        decision="dhr",
        decision_on=d("2024-02-20"),
        home_office_informed_on=d("2024-03-04"),
    )
    assert case.decision_due == d("2024-02-29")  # a month on, in a leap year
    assert case.report_due == d("2024-08-20")  # overview report: six months from the decision
    steps = {step.name: step for step in case.timeline()}
    assert steps["Partnership's decision: DHR"].state == "met"
    told = steps["Home Office told of the decision"]
    assert told.due == d("2024-02-29") and told.state == "missed"
    assert "Home Office statutory guidance (2016), section 3" in told.rule
    assert "section 5" in steps["Overview report sent to the quality assurance panel"].rule


def test_a_decision_not_to_hold_a_dhr_needs_its_reason_and_starts_no_report_clock(db):
    case = dhr_case(reference="DHR-2024-02", referred_on=d("2024-01-10"))
    case.decision, case.decision_on = "no_dhr", d("2024-02-01")
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert "needs its reason" in refused.value.message_dict["decision_reason"][0]
    case.decision_reason = "The death was not the result of domestic abuse."
    case.full_clean()
    case.save()
    assert case.report_due is None
    assert [step.name for step in case.timeline()] == [
        "Partnership's decision: No DHR",
        "Home Office told of the decision",
    ]


def test_a_childrens_case_keeps_its_clocks_and_has_no_adults_or_homicide_clock(db):
    case = CaseFactory(reference="SI-2024-01", referred_on=d("2024-05-01"))
    assert case.process == Process.CHILD_SAFEGUARDING
    assert case.notification_due == d("2024-05-09")  # 5 working days, May bank holiday skipped
    assert case.decision_due is None and case.report_due is None


# --- The pages --------------------------------------------------------------------------------


def test_the_case_log_shows_one_process_when_asked_and_refuses_one_that_is_not(db, business_unit):
    sar_case(reference="SAR-2024-05", referred_on=d("2024-05-01"))
    dhr_case(reference="DHR-2024-03", referred_on=d("2024-05-02"))
    CaseFactory(reference="SI-2024-02", referred_on=d("2024-05-03"))
    office = client_for(business_unit)
    page = office.get("/tracker/cases/?process=safeguarding_adults").content.decode()
    assert "SAR-2024-05" in page and "DHR-2024-03" not in page and "SI-2024-02" not in page
    every = office.get("/tracker/cases/").content.decode()
    assert all(ref in every for ref in ("SAR-2024-05", "DHR-2024-03", "SI-2024-02"))
    refused = office.get("/tracker/cases/?process=burglary")
    assert refused.status_code == 400
    assert "Choose a process from the list" in refused.content.decode()


def test_a_dhr_case_page_shows_its_own_stages_and_a_publication_before_approval(db, business_unit):
    case = dhr_case(
        reference="DHR-2023-04",
        referred_on=d("2023-03-01"),
        decision="dhr",
        decision_on=d("2023-03-20"),
        home_office_informed_on=d("2023-03-22"),
        lead_reviewer="A. Chair",
        qa_panel_submitted_on=d("2023-09-15"),
        qa_panel_response_on=d("2023-12-01"),
        qa_panel_outcome="resubmit",
        published_on=d("2023-12-10"),
    )
    page = client_for(business_unit).get(f"/tracker/cases/{case.pk}/").content.decode()
    assert "Independent chair" in page and "A. Chair" in page
    assert "Overview report sent to the quality assurance panel" in page
    assert "Asked to revise and resubmit" in page
    assert "without the Home Office quality assurance panel's approval" in page
    assert "Safeguarding partners' sign-off" not in page
    assert "Rapid review sent to the Panel" not in page


def test_the_business_unit_records_a_sar_referral_in_the_editor(db, business_unit):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from reviews.models import ReferralReason

    data = nested_form_data(
        {
            "process": "safeguarding_adults",
            "reference": "SAR-2024-06",
            "referred_on": "2024-04-02",
            "referral_reason": ReferralReason.objects.get(name="Neglect").pk,
            "decision": "sar_mandatory",
            "decision_on": "2024-05-14",
            "decision_reason": "",
            "sign_offs": inline_formset([]),
            "information_requests": inline_formset([]),
        }
    )
    office = client_for(business_unit)
    refused = office.post("/admin/snippets/reviews/case/add/", data)
    assert refused.status_code == 200
    assert "The board&#x27;s decision needs its reason." in refused.content.decode()
    assert not Case.objects.filter(reference="SAR-2024-06").exists()
    data["decision_reason"] = "Died of neglect; concern about how the partners worked together."
    assert office.post("/admin/snippets/reviews/case/add/", data).status_code == 302
    case = Case.objects.get(reference="SAR-2024-06")
    assert case.process == Process.SAFEGUARDING_ADULTS
    assert case.report_due == d("2024-11-14")


# --- Import and export ------------------------------------------------------------------------

HEADINGS = (
    "Reference,Process,Referred on,Referral reason,Decision,Decision on,Decision reason,"
    "Reviewer or chair,SAR report completed on,Board response on,Home Office told on,"
    "Sent to quality assurance panel on,Quality assurance panel responded on,"
    "Quality assurance panel response,Published on"
)


def csv_bytes(*rows, headings=HEADINGS):
    return ("\n".join([headings, *rows]) + "\n").encode()


def test_the_import_reads_the_adults_boards_and_the_partnerships_columns(db):
    result = import_case_log(
        "log.csv",
        csv_bytes(
            "SAR-2023-01,SAR,03/04/2023,Neglect,Mandatory SAR,15/05/2023,Died of self-neglect,"
            "J. Reviewer,20/11/2023,15/01/2024,,,,,01/03/2024",
            "DHR-2023-01,Domestic homicide review,2023-06-01,Other,DHR,2023-06-20,,A. Chair,"
            ",,2023-06-28,2023-12-15,2024-03-01,Approved for publication,2024-05-01",
        ),
    )
    assert result.ok, [str(p) for p in result.problems]
    sar = Case.objects.get(reference="SAR-2023-01")
    assert sar.process == Process.SAFEGUARDING_ADULTS and sar.decision == "sar_mandatory"
    assert sar.lead_reviewer == "J. Reviewer" and sar.report_due == d("2023-11-15")
    dhr = Case.objects.get(reference="DHR-2023-01")
    assert dhr.decision_due == d("2023-07-01") and dhr.report_due == d("2023-12-20")
    assert dhr.qa_panel_outcome == "approved" and not dhr.published_before_panel_approved


def test_the_import_refuses_a_sar_decision_without_its_reason_even_with_no_reason_column(db):
    data = csv_bytes(
        "SAR-2023-02,SAR,03/04/2023,Neglect,Discretionary SAR,15/05/2023",
        "SAR-2023-03,Adults,03/04/2023,Neglect,,",
        "SI-2023-09,,03/04/2023,Neglect,No SAR,15/05/2023",
        headings="Reference,Process,Referred on,Referral reason,Decision,Decision on",
    )
    result = import_case_log("log.csv", data)
    assert not result.ok and Case.objects.count() == 0
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert reasons[(2, "Decision reason")] == "The board's decision needs its reason."
    assert reasons[(3, "Process")].startswith('"Adults" is not a process: use one of')
    assert reasons[(4, "Decision")] == (
        "No SAR is not a decision of a child safeguarding practice review: use one of LCSPR, "
        "National review, Local learning review, No further review."
    )


def test_a_reimport_without_the_process_column_keeps_a_sar_a_sar(db):
    sar_case(
        reference="SAR-2023-04",
        referred_on=d("2023-04-03"),
        decision="no_sar",
        decision_on=d("2023-05-01"),
        decision_reason="Below the threshold.",
    )
    result = import_case_log(
        "log.csv",
        csv_bytes(
            "SAR-2023-04,03/04/2023,Neglect,No SAR,01/05/2023",
            headings="Reference,Referred on,Referral reason,Decision,Decision on",
        ),
    )
    assert result.ok and len(result.unchanged) == 1


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_case_log_downloads_with_the_imports_columns_and_imports_back_unchanged(
    db, business_unit, format
):
    sar_case(
        reference="SAR-2023-05",
        referred_on=d("2023-04-03"),
        decision="sar_discretionary",
        decision_on=d("2023-05-01"),
        decision_reason="=Learning about hoarding",  # a formula-looking reason stays text
        lead_reviewer="J. Reviewer",
        report_completed_on=d("2023-10-02"),
        cost=4500,
    )
    dhr_case(
        reference="DHR-2023-05",
        referred_on=d("2023-06-01"),
        decision="dhr",
        decision_on=d("2023-06-20"),
        home_office_informed_on=d("2023-06-28"),
        qa_panel_submitted_on=d("2023-12-15"),
        qa_panel_response_on=d("2024-03-01"),
        qa_panel_outcome="approved",
    )
    CaseFactory(reference="SI-2023-05", referred_on=d("2023-07-03"), notified_on=d("2023-07-05"))
    office = client_for(business_unit)
    response = office.get(f"/tracker/cases/export.{format}?process=safeguarding_adults")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    if format == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        headings, (row,) = rows[0], rows[1:]
        sar = dict(zip(headings, row, strict=True))
        assert sar["Report due"].date() == d("2023-11-01")
    else:
        text = data.decode("utf-8-sig")
        assert "SAR-2023-05" in text and "DHR-2023-05" not in text and "SI-2023-05" not in text
        assert "Safeguarding adults review" in text and "'=Learning about hoarding" in text
    everything = b"".join(office.get(f"/tracker/cases/export.{format}").streaming_content)
    result = import_case_log(f"log.{format}", everything)
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.unchanged) == 3 and not result.updated and not result.created


def test_the_log_shows_each_cases_next_clock_and_an_overdue_one_as_missed(db, business_unit):
    dhr_case(reference="DHR-2020-09", referred_on=d("2020-01-06"))  # never decided
    sar_case(reference="SAR-2020-09", referred_on=d("2020-01-06"))  # no national clock
    page = client_for(business_unit).get("/tracker/cases/").content.decode()
    row = page[page.index("DHR-2020-09") :].split("</tr>")[0]
    assert "Partnership&#x27;s decision whether to hold a DHR, due 6 Feb 2020" in row
    assert "Missed" in row
    sar_row = page[page.index("SAR-2020-09") :].split("</tr>")[0]
    assert "Missed" not in sar_row and "Due" not in sar_row


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_an_agency_lead_cannot_download_the_case_log(db, police_lead, format):
    sar_case(reference="SAR-2020-10", referred_on=d("2020-01-06"))
    response = client_for(police_lead).get(f"/tracker/cases/export.{format}")
    assert response.status_code == 403
    assert b"SAR-2020-10" not in response.content


def test_a_download_in_another_format_is_not_found(db, business_unit):
    assert client_for(business_unit).get("/tracker/cases/export.pdf").status_code == 404
