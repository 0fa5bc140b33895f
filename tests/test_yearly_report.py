"""The yearly report: every figure falls out of the case log and the tracker, reconciles with
the rows behind it, and reproduces the figures the partnership once typed by hand."""

import datetime
import io
import json
import re
import statistics
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from learning.models import AgencyAction
from reviews.case_import import import_case_log
from reviews.deadlines import add_months, add_working_days, working_days_between
from reviews.models import Case, Decision, ReferralReason
from reviews.report_exports import report_docx, report_sentences, report_xlsx
from reviews.yearly_report import Period, YearlyReport, yearly_report

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingCascadeFactory,
    CaseFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    ReviewPageFactory,
    StandardAnswerFactory,
    ThemeFactory,
)

FIXTURES = Path(__file__).parent / "fixtures"
STATEMENT = FIXTURES / "corpus" / "kirklees-kscp-annual-assurance-statement-2019-20.txt"
STATEMENT_LOG = FIXTURES / "case_logs" / "kirklees-2018-2020.csv"
YEAR = Period.financial_year(2021)
JSON_KEYS = {
    "period",
    "previous_period",
    "referrals",
    "referrals_by_reason",
    "notifications",
    "notified_within_5_working_days",
    "rapid_reviews",
    "rapid_reviews_within_15_working_days",
    "decisions",
    "lcsprs_commissioned",
    "reviews_published",
    "published_within_6_months",
    "median_working_days_to_publish",
    "total_cost",
    "recommendations_by_theme",
    "actions_by_agency",
    "briefings_published",
    "cascade_reach",
    "section11_returns_submitted",
    "section11_gaps_opened",
    "section11_gaps_closed",
}


def reason(name):
    return ReferralReason.objects.get(name=name)


def d(text):
    return datetime.date.fromisoformat(text)


def at(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def history(action, *entries):
    """An action's history of (when, status, due) entries; the action now stands at the last."""
    for when, status, due in entries:
        ProgressUpdateFactory(action=action, created_at=at(when), status=status, due_date=d(due))
    when, status, due = entries[-1]
    AgencyAction.objects.filter(pk=action.pk).update(
        status=status, current_due_date=d(due), updated_at=at(when)
    )


@pytest.fixture
def year_of_cases(db):
    """2021/22: twelve referrals through every path, and two outside the year on either side."""
    rows = [
        # reference, referred, reason, notified, sent, decision, decided, published, cost
        (
            "A1",
            "2021-04-06",
            "Neglect",
            "2021-04-09",
            "2021-04-28",
            "lcspr",
            "2021-04-28",
            "2021-10-20",
            "9000",
        ),
        (
            "A2",
            "2021-05-04",
            "Physical abuse",
            "2021-05-14",
            "2021-06-30",
            "lcspr",
            "2021-06-30",
            "2022-03-01",
            "11250.50",
        ),
        (
            "A3",
            "2021-06-01",
            "Physical abuse",
            "2021-06-03",
            "2021-06-22",
            "no_further_review",
            "2021-06-22",
            None,
            None,
        ),
        (
            "A4",
            "2021-07-12",
            "Sexual abuse",
            "2021-07-14",
            "2021-08-02",
            "learning_review",
            "2021-08-02",
            "2021-12-01",
            "1500",
        ),
        (
            "A5",
            "2021-09-06",
            "Suicide",
            "2021-09-08",
            "2021-09-27",
            "national_review",
            "2021-09-27",
            None,
            None,
        ),
        ("A6", "2021-10-04", "Neglect", None, None, "", None, None, None),
        ("A7", "2021-11-01", "Other", None, None, "", None, None, None),
        (
            "A8",
            "2021-12-20",
            "Serious youth violence",
            "2021-12-22",
            "2022-01-20",
            "no_further_review",
            "2022-01-20",
            None,
            None,
        ),
        ("A9", "2022-01-10", "Neglect", "2022-01-12", None, "", None, None, None),
        ("A10", "2022-02-07", "Trafficking", None, None, "", None, None, None),
        (
            "A11",
            "2022-03-07",
            "Murder or attempted murder",
            "2022-03-09",
            "2022-03-25",
            "lcspr",
            "2022-03-25",
            None,
            None,
        ),
        # Referred in the year; its rapid review went in the next year, so it counts there.
        (
            "A12",
            "2022-03-21",
            "Physical abuse",
            "2022-03-23",
            "2022-04-12",
            "no_further_review",
            "2022-04-12",
            None,
            None,
        ),
        # Referred the year before; its LCSPR was published in this year (a stage counts in
        # the period in which it happened).
        (
            "P1",
            "2020-11-02",
            "Neglect",
            "2020-11-04",
            "2020-11-24",
            "lcspr",
            "2020-11-24",
            "2021-07-05",
            "7000",
        ),
        ("N1", "2022-04-04", "Neglect", "2022-04-06", None, "", None, None, None),
    ]
    cases = []
    for ref, referred, why, notified, sent, decision, decided, published, cost in rows:
        cases.append(
            CaseFactory(
                reference=ref,
                referred_on=d(referred),
                referral_reason=reason(why),
                notified_on=notified and d(notified),
                not_notified_reason="" if notified else "Threshold not met",
                rapid_review_sent_on=sent and d(sent),
                decision=decision,
                decision_on=decided and d(decided),
                published_on=published and d(published),
                cost=cost and Decimal(cost),
            )
        )
    return cases


def _in(day, period=YEAR):
    return day is not None and period.start <= day <= period.end


def test_every_total_of_the_year_reconciles_with_the_rows_behind_it(year_of_cases):
    figures = YearlyReport(YEAR).figures()
    rows = year_of_cases

    referred = [c for c in rows if _in(c.referred_on)]
    assert figures["referrals"] == len(referred) == 12
    assert sum(figures["referrals_by_reason"].values()) == figures["referrals"]
    for name, count in figures["referrals_by_reason"].items():
        assert count == sum(1 for c in referred if c.referral_reason.name == name)

    notified = [c for c in rows if _in(c.notified_on)]
    assert figures["notifications"] == len(notified)
    in_time = [c for c in notified if c.notified_on <= add_working_days(c.referred_on, 5)]
    assert figures["notified_within_5_working_days"] == len(in_time)
    assert len(in_time) == len(notified) - 1  # A2 was notified late

    reviewed = [c for c in rows if _in(c.rapid_review_sent_on)]
    assert figures["rapid_reviews"] == len(reviewed) == 7
    assert figures["rapid_reviews_within_15_working_days"] == sum(
        1 for c in reviewed if c.rapid_review_sent_on <= add_working_days(c.notified_on, 15)
    )

    # Every decision of this year followed a rapid review, so the decisions add up to them.
    assert sum(figures["decisions"].values()) == figures["rapid_reviews"]
    assert figures["decisions"] == {
        label: sum(1 for c in rows if c.decision == value and _in(c.decision_on))
        for value, label in Decision.choices
    }
    assert figures["lcsprs_commissioned"] == figures["decisions"]["LCSPR"] == 3

    published = [c for c in rows if _in(c.published_on)]
    assert figures["reviews_published"] == len(published) == 4
    assert figures["published_within_6_months"] == sum(
        1
        for c in published
        if c.decision == Decision.LCSPR and c.published_on <= add_months(c.decision_on, 6)
    )
    assert figures["median_working_days_to_publish"] == statistics.median(
        working_days_between(c.decision_on, c.published_on) for c in published
    )
    assert figures["total_cost"] == float(sum(c.cost for c in published))


def test_each_figure_links_to_exactly_the_records_it_counts(year_of_cases, business_unit):
    report = YearlyReport(YEAR)
    figures = report.figures()
    client = client_for(business_unit)
    for key in ("referrals", "notifications", "rapid_reviews", "reviews_published"):
        response = client.get(report.link(key))
        assert response.status_code == 200
        assert f"The {figures[key]} record" in response.content.decode()
    response = client.get(report.link("referrals_by_reason", value="Neglect"))
    page = response.content.decode()
    assert f"The {figures['referrals_by_reason']['Neglect']} records" in page
    # The case references listed, read from the links (a bare "A3" could turn up in a token).
    listed = re.findall(r'<a href="/tracker/cases/\d+/">([^<]+)</a>', page)
    assert listed == ["A1", "A6", "A9"]


def test_the_previous_period_sits_beside_the_chosen_one(year_of_cases):
    report = yearly_report(YEAR)
    assert set(report) == JSON_KEYS
    assert report["period"] == {"from": "2021-04-01", "to": "2022-03-31", "label": "2021/22"}
    previous = report["previous_period"]
    assert previous["period"]["label"] == "2020/21"
    assert previous["referrals"] == 1
    assert previous["decisions"]["LCSPR"] == 1
    assert set(previous) == JSON_KEYS - {"previous_period"}


def test_learning_figures_come_from_the_tracker_as_at_the_end_of_the_year(db):
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    neglect = ThemeFactory(name="Neglect")
    review = ReviewPageFactory(publication_date=d("2021-09-01"))
    recommendation = RecommendationFactory(review=review)
    recommendation.themes.add(neglect)
    recommendation.save()  # themes are parental: stored when the recommendation is saved
    older = RecommendationFactory(review=ReviewPageFactory(publication_date=d("2019-06-01")))
    older.themes.add(neglect)
    older.save()
    during = timezone.make_aware(datetime.datetime(2021, 10, 1))
    AgencyActionFactory(
        recommendation=recommendation,
        agency=police,
        original_due_date=d("2022-01-31"),
        created_at=during,
    )
    AgencyActionFactory(
        recommendation=older,
        agency=police,
        original_due_date=d("2022-06-30"),
        status="complete",
        created_at=during,
    )
    # Agreed after the year ended: not in that year's figures.
    AgencyActionFactory(
        agency=police, created_at=timezone.make_aware(datetime.datetime(2023, 1, 5))
    )
    BriefingCascadeFactory(
        agency=police, cascaded_on=d("2021-11-15"), teams_reached=3, staff_reached=40
    )
    BriefingCascadeFactory(
        agency=police, cascaded_on=d("2022-02-01"), teams_reached=2, staff_reached=12
    )

    figures = YearlyReport(YEAR, today=d("2026-01-01")).figures()

    assert figures["recommendations_by_theme"] == {
        "Neglect": {"2021/22": 1, "2020/21": 0, "2019/20": 1}
    }
    assert figures["actions_by_agency"] == {
        "West Yorkshire Police": {
            "outstanding": 1,
            "overdue": 1,
            "complete_unassured": 1,
            "assured": 0,
        }
    }
    assert figures["cascade_reach"] == {"West Yorkshire Police": {"teams": 5, "staff": 52}}


def test_actions_are_counted_as_they_stood_at_the_end_of_the_year_from_their_history(
    db, business_unit
):
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")

    # Agreed in the year, due in it, finished only after it ended: outstanding and overdue then.
    late = AgencyActionFactory(
        agency=police,
        description="Train call handlers in the neglect toolkit",
        original_due_date=d("2022-02-28"),
        created_at=at("2021-06-01T10:00"),
    )
    history(
        late,
        ("2021-06-01T10:00", "not_started", "2022-02-28"),
        ("2021-09-01T10:00", "in_progress", "2022-02-28"),
        ("2022-05-03T10:00", "complete", "2022-02-28"),
        ("2022-07-01T10:00", "assured", "2022-02-28"),
    )
    # Complete before the year ended, assured after it: complete but not assured then.
    waiting = AgencyActionFactory(
        agency=police,
        description="Audit strategy discussions",
        original_due_date=d("2021-12-31"),
        created_at=at("2021-05-01T10:00"),
    )
    history(
        waiting,
        ("2021-05-01T10:00", "not_started", "2021-12-31"),
        ("2022-03-30T16:00", "complete", "2021-12-31"),
        ("2022-04-20T10:00", "assured", "2021-12-31"),
    )
    # Extended in the year to a date after it: outstanding, not overdue.
    extended = AgencyActionFactory(
        agency=police,
        description="Publish the escalation policy",
        original_due_date=d("2022-01-31"),
        created_at=at("2021-04-10T10:00"),
    )
    history(
        extended,
        ("2021-04-10T10:00", "not_started", "2022-01-31"),
        ("2022-01-20T10:00", "in_progress", "2022-06-30"),
        ("2022-08-01T10:00", "complete", "2022-06-30"),
    )

    report = YearlyReport(YEAR, today=d("2026-01-01"))
    assert report.figures()["actions_by_agency"] == {
        "West Yorkshire Police": {
            "outstanding": 2,
            "overdue": 1,
            "complete_unassured": 1,
            "assured": 0,
        }
    }
    # The next year sees each as it stood at its own end.
    assert YearlyReport(Period.financial_year(2022), today=d("2026-01-01")).figures()[
        "actions_by_agency"
    ] == {
        "West Yorkshire Police": {
            "outstanding": 0,
            "overdue": 0,
            "complete_unassured": 1,
            "assured": 2,
        }
    }
    # The list behind the figure shows each action as it was counted.
    page = client_for(business_unit).get(
        report.link("actions_by_agency", value="West Yorkshire Police", part="overdue")
    )
    listed = page.content.decode()
    assert "The 1 record behind this figure." in listed
    assert "Train call handlers in the neglect toolkit" in listed
    assert "Police, In progress, due 28/02/2022" in listed


def _statement_table():
    """The statement's own "Number 2018-19 2019-20" table and its 2019-20 reasons, as printed."""
    text = STATEMENT.read_text()
    numbers = dict(
        (label.strip(), (int(before), int(after)))
        for label, before, after in re.findall(r"^([^\t\n]+)\t(\d+)\t(\d+)$", text, re.M)
    )
    table_start = text.index("Referral reason\t2019 -20")
    reasons_block = text[table_start : text.index("Number\t2018-19", table_start)]
    reasons = {
        label.strip(): int(count)
        for label, count in re.findall(r"^([^\t\n]+)\t(\d+)$", reasons_block, re.M)
    }
    return numbers, reasons


# The statement's wording beside the report's figures.
STATEMENT_REASONS = {
    "Neglect": "Neglect",
    "Physical abuse": "Physical abuse",
    "Sexual abuse": "Sexual abuse",
    "Fabricated illness": "Fabricated or induced illness",
    "Murder/attempt (CSPR)": "Murder or attempted murder",
    "Trafficking": "Trafficking",
    "HBV/FM (CSPR)": "Honour-based violence / forced marriage",
    "Suicide (Local Review)": "Suicide",
    "Serious Youth Violence (Local Review)": "Serious youth violence",
}


def test_the_2019_20_statement_table_falls_out_of_a_case_log_written_to_match_it(db):
    result = import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes())
    assert result.ok, result.problems
    numbers, reasons = _statement_table()
    report = yearly_report(Period.financial_year(2019))
    previous = report["previous_period"]

    def both(key, label=None):
        if label:
            return previous[key][label], report[key][label]
        return previous[key], report[key]

    assert both("referrals") == numbers["Serious incident referrals to KSCP"] == (9, 9)
    assert both("rapid_reviews") == numbers["Rapid Reviews"] == (3, 4)
    assert (
        both("decisions", "Local learning review")
        == numbers["Local Case Reviews (not referred to the Panel)"]
    )
    assert both("lcsprs_commissioned") == numbers["SCRs / CSPR"] == (2, 2)
    assert {
        printed: report["referrals_by_reason"][ours] for printed, ours in STATEMENT_REASONS.items()
    } == reasons
    # The statement's reasons add up to 5 beside 9 referrals; the log holds the other four.
    assert sum(reasons.values()) == 5
    assert report["referrals_by_reason"]["Other"] == 4
    assert sum(report["referrals_by_reason"].values()) == report["referrals"]
    # "In the financial year 2019/2020 KSCP carried out 4 Rapid Reviews, and 2 CSPR."
    assert "carried out 4 Rapid Reviews, and 2 CSPR" in STATEMENT.read_text()


def test_the_command_prints_the_json_keys_named_in_the_issue(db, capsys):
    import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes())
    call_command("yearly_report", "--from", "2019-04-01", "--to", "2020-03-31", "--json")
    report = json.loads(capsys.readouterr().out)
    assert set(report) == JSON_KEYS
    assert report["referrals"] == 9
    assert report["decisions"] == {
        "LCSPR": 2,
        "National review": 0,
        "Local learning review": 3,
        "No further review": 2,
    }
    assert report["referrals_by_reason"]["Physical abuse"] == 1
    assert report["total_cost"] == 9500 + 12000 + 8000  # the three published in 2019/20
    assert report["previous_period"]["referrals"] == 9


def test_the_word_report_opens_and_holds_the_figures_charts_and_sentences(db, tmp_path):
    import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes())
    target = tmp_path / "report.docx"
    call_command(
        "yearly_report", "--from", "2019-04-01", "--to", "2020-03-31", "--docx", str(target)
    )
    document = Document(str(target))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert (
        "In 2019/20 the partnership received 9 serious incident referrals (9 in 2018/19)." in text
    )
    tables = {table.rows[0].cells[0].text: table for table in document.tables}
    headline = [[cell.text for cell in row.cells] for row in tables["Figure"].rows]
    assert ["Figure", "2018/19", "2019/20"] == headline[0]
    assert ["Rapid reviews", "3", "4"] in headline
    assert ["LCSPRs commissioned", "2", "2"] in headline
    reasons = [[cell.text for cell in row.cells] for row in tables["Referral reason"].rows]
    assert ["Murder or attempted murder", "0", "1"] in reasons
    assert ["Total", "9", "9"] in reasons
    # Each chart carries its data as alt text, and its table follows it.
    shapes = document.inline_shapes
    assert len(shapes) == 2
    alt_texts = [shape._inline.docPr.get("descr") for shape in shapes]
    assert "Murder or attempted murder: 2018/19 0, 2019/20 1" in alt_texts[0]


def test_the_workbook_holds_every_table(db):
    import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes())
    report = yearly_report(Period.financial_year(2019))
    workbook = load_workbook(io.BytesIO(report_xlsx(report)))
    assert workbook.sheetnames[:3] == ["The year in figures", "Referrals by reason", "Decisions"]
    # Readable names within Excel's 31 characters, not cut slugs.
    assert "Agency actions, end of 2019-20" in workbook.sheetnames
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    sheet = workbook["Referrals by reason"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == ["Referral reason", "2018/19", "2019/20"]
    assert ["Total", 9, 9] in values
    assert len(report_docx(report)) > 0


def test_the_report_page_shows_figures_for_the_chosen_period(
    db, scrutineer, django_assert_max_num_queries
):
    import_case_log(STATEMENT_LOG.name, STATEMENT_LOG.read_bytes())
    client = client_for(scrutineer)
    with django_assert_max_num_queries(70):
        response = client.get("/tracker/yearly-report/?from=2019-04-01&to=2020-03-31")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Yearly report 2019/20" in page
    assert "In 2019/20 the partnership received 9 serious incident referrals" in page
    link = YearlyReport(Period.financial_year(2019)).link("rapid_reviews").replace("&", "&amp;")
    assert link in page
    # Money in pounds with thousands separators, in the table and the sentences alike.
    assert ">£29,500</a>" in page
    assert "The reviews published cost £29,500 in total" in page
    docx = client.get("/tracker/yearly-report/report.docx?from=2019-04-01&to=2020-03-31")
    assert docx.status_code == 200
    assert Document(io.BytesIO(docx.content)).paragraphs


def test_a_count_of_briefings_reads_as_a_count_not_a_name(db):
    report = yearly_report(Period.financial_year(2019))
    report["briefings_published"] = 1
    sentences = report_sentences(report)
    assert "7-minute briefings published: 1." in sentences
    assert not any("1 7-minute" in sentence for sentence in sentences)


def test_the_report_page_defaults_to_the_last_financial_year(db, business_unit, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2020, 5, 10))
    response = client_for(business_unit).get("/tracker/yearly-report/")
    assert "Yearly report 2019/20" in response.content.decode()


def test_a_reversed_period_is_refused_with_a_message(db, business_unit):
    response = client_for(business_unit).get(
        "/tracker/yearly-report/?from=2020-03-31&to=2019-04-01"
    )
    assert "The end date is before the start date." in response.content.decode()


def test_cases_count_in_the_year_of_their_referral_and_stages_in_their_own(db):
    CaseFactory(
        reference="X1",
        referred_on=d("2020-03-30"),
        notified_on=d("2020-04-02"),
        rapid_review_sent_on=d("2020-04-21"),
        decision="lcspr",
        decision_on=d("2020-04-21"),
    )
    before = YearlyReport(Period.financial_year(2019)).figures()
    after = YearlyReport(Period.financial_year(2020)).figures()
    assert (before["referrals"], after["referrals"]) == (1, 0)
    assert (before["notifications"], after["notifications"]) == (0, 1)
    assert (before["rapid_reviews"], after["rapid_reviews"]) == (0, 1)
    assert after["lcsprs_commissioned"] == 1
    assert Case.objects.get().publication_due == d("2020-10-21")


def test_a_date_that_is_not_a_date_is_named_and_the_last_year_shown(db, business_unit):
    response = client_for(business_unit).get(
        "/tracker/yearly-report/?from=2019-13-01&to=2020-03-31"
    )
    page = response.content.decode()
    assert "From: Enter a valid date." in page
    assert "Showing" in page


# --- The safeguarding adults board's and the community safety partnership's reports ----------


def _adults_board_year():
    """2021/22 for an adults board beside a children's partnership sharing the log."""
    from reviews.models import Process

    sar = {"process": Process.SAFEGUARDING_ADULTS}
    mandatory = CaseFactory(
        reference="SAR-21-01",
        referred_on=d("2021-05-04"),
        decision="sar_mandatory",
        decision_on=d("2021-06-15"),
        decision_reason="Died of neglect; concern about how agencies worked together.",
        report_completed_on=d("2021-11-30"),  # within six months of the decision
        published_on=d("2022-02-01"),
        review=ReviewPageFactory(kind="sar", publication_date=d("2022-02-01")),
        **sar,
    )
    CaseFactory(
        reference="SAR-21-02",
        referred_on=d("2021-08-02"),
        decision="sar_discretionary",
        decision_on=d("2021-09-01"),
        decision_reason="Self-neglect and hoarding: learning across housing and health.",
        **sar,  # still going at the year's end
    )
    for number, reason in enumerate(["Single-agency learning.", "Single-agency learning."]):
        CaseFactory(
            reference=f"SAR-21-1{number}",
            referred_on=d("2021-10-01"),
            decision="no_sar",
            decision_on=d("2021-11-01"),
            decision_reason=reason,
            **sar,
        )
    # Arranged the year before, concluded in this one, late.
    CaseFactory(
        reference="SAR-20-01",
        referred_on=d("2020-09-01"),
        decision="sar_mandatory",
        decision_on=d("2020-10-01"),
        decision_reason="Serious abuse in a care home.",
        report_completed_on=d("2021-07-01"),
        **sar,
    )
    # The children's partnership's cases of the same year: never in the board's figures.
    CaseFactory(
        reference="SI-21-01",
        referred_on=d("2021-05-04"),
        notified_on=d("2021-05-06"),
        decision="lcspr",
        decision_on=d("2021-06-01"),
    )
    return mandatory


def test_the_adults_boards_report_counts_its_sars_and_not_the_childrens_cases(db):
    from reviews.models import Process

    _adults_board_year()
    figures = YearlyReport(YEAR, process=Process.SAFEGUARDING_ADULTS).figures()
    assert figures["sar_referrals"] == 4
    assert figures["sar_decisions"] == {
        "SAR (mandatory, section 44(1)-(3))": 1,
        "SAR (discretionary, section 44(4))": 1,
        "No SAR": 2,
    }
    assert figures["sars_arranged"] == 2
    assert figures["sar_decisions_not_to_review"] == 2
    assert figures["sar_reasons_not_to_review"] == {"Single-agency learning.": 2}
    assert figures["sars_completed"] == 2  # SAR-21-01 and the late SAR-20-01
    assert figures["sars_completed_in_time"] == 1
    assert figures["sars_ongoing"] == 1  # SAR-21-02
    assert figures["sars_published"] == 1
    assert "referrals" not in figures and "notifications" not in figures
    # The children's report of the same year counts only the children's case.
    children = YearlyReport(YEAR).figures()
    assert children["referrals"] == 1 and sum(children["decisions"].values()) == 1


def test_the_boards_report_gives_its_findings_and_how_far_agencies_have_implemented_them(db):
    from reviews.models import Process

    sar = _adults_board_year()
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    trust = AgencyFactory(name="Mid Yorkshire NHS Trust", short_name="Trust")
    finding = RecommendationFactory(review=sar.review)
    during = timezone.make_aware(datetime.datetime(2021, 12, 1))
    AgencyActionFactory(recommendation=finding, agency=police, created_at=during)
    AgencyActionFactory(recommendation=finding, agency=trust, status="closed", created_at=during)
    # A children's review's action: not the board's.
    AgencyActionFactory(agency=police, created_at=during)

    report = YearlyReport(YEAR, today=d("2026-01-01"), process=Process.SAFEGUARDING_ADULTS)
    figures = report.figures()
    assert figures["sar_findings"] == 1
    assert figures["sar_actions"] == {
        "Outstanding": 1,
        "Overdue": 0,
        "Complete but not assured": 0,
        "Assured": 0,
        "Closed: superseded or not accepted": 1,
    }
    closed = report.records("sar_actions", part="not_implemented")
    assert [action.agency.name for action in closed] == ["Mid Yorkshire NHS Trust"]


def test_the_partnerships_report_counts_the_home_office_told_within_the_month(db):
    from reviews.models import Process

    dhr = {"process": Process.DOMESTIC_HOMICIDE}
    CaseFactory(
        reference="DHR-21-01",
        referred_on=d("2021-05-10"),
        decision="dhr",
        decision_on=d("2021-06-01"),
        home_office_informed_on=d("2021-06-03"),  # within the month
        qa_panel_submitted_on=d("2021-11-20"),  # within six months
        qa_panel_response_on=d("2022-02-10"),
        qa_panel_outcome="approved",
        published_on=d("2022-03-15"),
        **dhr,
    )
    CaseFactory(
        reference="DHR-21-02",
        referred_on=d("2021-07-01"),
        decision="no_dhr",
        decision_on=d("2021-08-16"),  # over a month
        decision_reason="Not a death from domestic abuse.",
        home_office_informed_on=d("2021-08-20"),
        **dhr,
    )
    CaseFactory(reference="SI-21-09", referred_on=d("2021-07-01"))
    figures = YearlyReport(YEAR, process=Process.DOMESTIC_HOMICIDE).figures()
    assert figures["dhr_notifications"] == 2
    assert figures["dhr_decisions"] == {"DHR": 1, "No DHR": 1}
    assert figures["dhr_decided_in_time"] == 1
    assert figures["dhr_home_office_informed"] == 2
    assert figures["dhr_home_office_informed_in_time"] == 1
    assert figures["dhr_reasons_not_to_review"] == {"Not a death from domestic abuse.": 1}
    assert figures["dhr_overview_reports_submitted"] == 1
    assert figures["dhr_overview_reports_in_time"] == 1
    assert figures["dhr_panel_responses"] == {
        "Approved for publication": 1,
        "Asked to revise and resubmit": 0,
    }
    assert figures["dhrs_published"] == 1 and figures["dhrs_ongoing"] == 0


def test_a_process_report_reads_only_the_cases_it_is_given(db):
    from reviews.models import Process

    _adults_board_year()
    only_one = Case.objects.filter(reference="SAR-21-02")
    report = yearly_report(YEAR, process=Process.SAFEGUARDING_ADULTS, cases=only_one)
    assert report["sar_referrals"] == 1 and report["sars_ongoing"] == 1
    assert report["process"] == "Safeguarding adults review"


def test_the_boards_report_page_shows_only_its_figures_each_linked_to_its_records(
    db, business_unit
):
    _adults_board_year()
    office = client_for(business_unit)
    query = "from=2021-04-01&to=2022-03-31&process=safeguarding_adults"
    page = office.get(f"/tracker/yearly-report/?{query}").content.decode()
    assert "Yearly report 2021/22: safeguarding adults reviews" in page
    assert "SARs ongoing at the end of the period" in page
    assert "Notifications to the national Panel" not in page
    assert "Referrals by reason" not in page
    assert "It arranged 2 SARs (1 mandatory under section 44(1)-(3) and 1 discretionary" in page
    records = office.get(
        "/tracker/yearly-report/records/?figure=sars_completed&" + query
    ).content.decode()
    assert "SAR-21-01" in records and "SAR-20-01" in records and "SAR-21-02" not in records
    reasons = office.get(
        "/tracker/yearly-report/records/?figure=sar_reasons_not_to_review"
        "&value=Single-agency+learning.&" + query
    ).content.decode()
    assert "SAR-21-10" in reasons and "SAR-21-11" in reasons
    # A children's figure is not one of the board's.
    wrong = office.get("/tracker/yearly-report/records/?figure=referrals&" + query)
    assert wrong.status_code == 404
    refused = office.get("/tracker/yearly-report/?process=sab")
    assert refused.status_code == 400
    assert "Choose a process from the list" in refused.content.decode()


def test_the_boards_report_downloads_as_json_word_and_excel(db, business_unit):
    _adults_board_year()
    office = client_for(business_unit)
    query = "from=2021-04-01&to=2022-03-31&process=safeguarding_adults"
    report = office.get(f"/tracker/yearly-report/report.json?{query}").json()
    assert report["sars_arranged"] == 2 and report["previous_period"]["sars_arranged"] == 1
    assert "referrals" not in report
    workbook = load_workbook(
        io.BytesIO(office.get(f"/tracker/yearly-report/report.xlsx?{query}").content)
    )
    assert "The board's decisions" in workbook.sheetnames
    document = Document(
        io.BytesIO(office.get(f"/tracker/yearly-report/report.docx?{query}").content)
    )
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Safeguarding adults reviews and learning, 2021/22" in text
    assert "decided not to arrange 2" in text


def test_the_command_prints_the_partnerships_dhr_report(db, capsys):
    CaseFactory(
        reference="DHR-21-03",
        process="domestic_homicide",
        referred_on=d("2021-05-10"),
        decision="dhr",
        decision_on=d("2021-06-01"),
    )
    call_command(
        "yearly_report",
        "--from",
        "2021-04-01",
        "--to",
        "2022-03-31",
        "--process",
        "domestic_homicide",
        "--json",
    )
    report = json.loads(capsys.readouterr().out)
    assert report["process"] == "Domestic homicide review"
    assert report["dhr_decisions"] == {"DHR": 1, "No DHR": 0}
    assert report["dhrs_ongoing"] == 1


def test_a_section11_gap_counts_as_closed_in_the_year_it_was_assured_though_a_note_came_later(
    db, business_unit
):
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")

    def gap(description, *entries):
        action = AgencyActionFactory(
            agency=police,
            recommendation=None,
            standard_answer=StandardAnswerFactory(section11_return__agency=police),
            description=description,
            original_due_date=d("2021-12-31"),
            created_at=at(entries[0][0]),
        )
        history(action, *[(when, status, "2021-12-31") for when, status in entries])

    # Assured in 2021/22; the business unit added a note on it in the next year.
    gap(
        "Publish the escalation policy to all staff",
        ("2021-05-01T10:00", "not_started"),
        ("2022-02-10T10:00", "assured"),
        ("2022-06-01T10:00", "assured"),
    )
    # Assured in 2021/22, then reopened in the next year and still in hand.
    gap(
        "Audit supervision records",
        ("2021-05-01T10:00", "not_started"),
        ("2022-03-01T10:00", "assured"),
        ("2022-05-01T10:00", "in_progress"),
    )
    # Opened in 2021/22 and still in hand at its end.
    gap("Train designated leads", ("2021-06-01T10:00", "not_started"))

    year, next_year = YearlyReport(YEAR), YearlyReport(Period.financial_year(2022))
    assert year.figures()["section11_gaps_opened"] == 3
    assert year.figures()["section11_gaps_closed"] == 2
    assert next_year.figures()["section11_gaps_closed"] == 0
    # The list behind each figure shows each gap as it stood at the end of the year.
    closed = client_for(business_unit).get(year.link("section11_gaps_closed"))
    assert closed.status_code == 200
    listed = closed.content.decode()
    assert "The 2 records behind this figure." in listed
    assert "Police, Assured, due 31/12/2021" in listed
    opened = client_for(business_unit).get(year.link("section11_gaps_opened")).content.decode()
    assert "Train designated leads" in opened
    assert "Police, Not started, due 31/12/2021" in opened
