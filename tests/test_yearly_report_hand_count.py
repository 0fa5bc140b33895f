"""A year counted by hand: every figure of the yearly report page, its downloads, the command and
the lists behind the figures give the same counts, across the turn of the financial year, bank
holidays, a leap day and a briefing published late in the evening; material of another
partnership and drafts are never counted."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from learning.models import Partnership
from reviews.yearly_report import FIGURE_LABELS, HEADLINE_FIGURES, Period, YearlyReport

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingPageFactory,
    CaseFactory,
    PartnershipFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
    briefing_index_of,
    default_partnership,
    review_index_of,
)

YEAR = Period.financial_year(2024)
QUERY = "from=2024-04-01&to=2025-03-31"


def d(text):
    return datetime.date.fromisoformat(text)


def at(text):
    """A moment in the partnership's own time (Europe/London, British Summer Time in summer)."""
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


# Counted by hand from the records below (working days by the England and Wales bank holidays).
HAND_COUNT = {
    # C2, C3, C4, C6, C7; C1 and C5 were referred in 2023/24.
    "referrals": 5,
    # C1 (8 April), C2, C4, C7; C3 was notified on 2 April 2025, in the next year.
    "notifications": 4,
    # C1: referred Thursday 28 March 2024, Good Friday and Easter Monday skipped, due 8 April.
    # C2: referred Friday 20 December 2024, Christmas skipped, due and notified 31 December.
    # C4: referred on Easter Monday 2024, due 8 April, notified 9 April: late.
    "notified_within_5_working_days": 3,
    # C2 and C4 sent; C7 met but never sent.
    "rapid_reviews": 3,
    # C2: due 22 January 2025 over Christmas and New Year, sent that day; C4 due 30 April.
    "rapid_reviews_within_15_working_days": 2,
    "decisions": {
        "LCSPR": 2,
        "National review": 0,
        "Local learning review": 1,
        "No further review": 1,
    },
    "lcsprs_commissioned": 2,
    # C4, C5 (decided in 2023/24) and C7's learning review.
    "reviews_published": 3,
    # C5: decided 22 March 2024, published 20 September; C4 a day after its six months.
    "published_within_6_months": 1,
    # 129 (C4), 125 (C5), 138 (C7) working days.
    "median_working_days_to_publish": 129,
    "total_cost": 17000.5,
    "recommendations_by_theme": {
        "Domestic abuse": {"2024/25": 1, "2023/24": 1, "2022/23": 0},
        "Neglect": {"2024/25": 3, "2023/24": 0, "2022/23": 0},
    },
    "actions_by_agency": {
        "West Yorkshire Police": {
            "outstanding": 2,
            "overdue": 1,
            "complete_unassured": 1,
            "assured": 1,
        }
    },
    # 00:30 on 1 April 2024 and 23:30 on 31 March 2025 (both in the year, London time), and
    # the partnership-only one; not 00:15 on 1 April 2025, nor the neighbours'.
    "briefings_published": 3,
}


@pytest.fixture
def year(db):
    ours = default_partnership()
    neighbours = PartnershipFactory(
        name="Neighbouring Children's Partnership", framework=Partnership.Framework.CHILDREN
    )

    def case(reference, referred, **stages):
        dates = {name: d(value) for name, value in stages.items() if name.endswith("_on")}
        others = {name: value for name, value in stages.items() if not name.endswith("_on")}
        return CaseFactory(reference=reference, referred_on=d(referred), **dates, **others)

    case("C1", "2024-03-28", notified_on="2024-04-08")
    case(
        "C2",
        "2024-12-20",
        notified_on="2024-12-31",
        rapid_review_sent_on="2025-01-22",
        decision="lcspr",
        decision_on="2025-01-22",
    )
    case("C3", "2025-03-26", notified_on="2025-04-02")
    case(
        "C4",
        "2024-04-01",
        notified_on="2024-04-09",
        rapid_review_sent_on="2024-04-30",
        decision="lcspr",
        decision_on="2024-04-30",
        report_sent_on="2024-10-21",
        published_on="2024-10-31",
        cost=Decimal("10000"),
    )
    case(
        "C5",
        "2024-02-29",
        notified_on="2024-03-07",
        rapid_review_sent_on="2024-03-22",
        decision="lcspr",
        decision_on="2024-03-22",
        published_on="2024-09-20",
        cost=Decimal("5000.50"),
    )
    case(
        "C6",
        "2024-05-15",
        not_notified_reason="Below the threshold; agreed with the Panel.",
        decision="no_further_review",
        decision_on="2024-05-20",
    )
    case(
        "C7",
        "2024-06-10",
        notified_on="2024-06-12",
        rapid_review_meeting_on="2024-06-20",
        decision="learning_review",
        decision_on="2024-07-01",
        published_on="2025-01-15",
        cost=Decimal("2000"),
    )
    case("N1", "2024-06-10", partnership=neighbours, notified_on="2024-06-11")

    neglect, domestic_abuse = ThemeFactory(name="Neglect"), ThemeFactory(name="Domestic abuse")

    def recommendation(review, *themes):
        made = RecommendationFactory(review=review)
        made.themes.add(*themes)
        made.save()  # themes are parental: stored when the recommendation is saved
        return made

    published = ReviewPageFactory(publication_date=d("2024-06-01"))
    recommendation(published, neglect)
    recommendation(published, neglect, domestic_abuse)
    restricted = ReviewPageFactory(publication_date=d("2025-03-31"), visibility="partnership")
    recommendation(restricted, neglect)
    draft = ReviewPageFactory(publication_date=d("2024-07-01"), live=False)
    recommendation(draft, neglect)
    theirs = ReviewPageFactory(publication_date=d("2024-08-01"), parent=review_index_of(neighbours))
    their_recommendation = recommendation(theirs, neglect)
    recommendation(ReviewPageFactory(publication_date=d("2023-05-01")), domestic_abuse)

    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    agreed = at("2024-05-01T10:00")
    for status, due in [
        ("not_started", "2025-06-30"),
        ("in_progress", "2025-01-31"),
        ("complete", "2025-01-31"),
        ("assured", "2025-01-31"),
    ]:
        AgencyActionFactory(
            recommendation=RecommendationFactory(review=published),
            agency=police,
            status=status,
            original_due_date=d(due),
            created_at=agreed,
        )
    AgencyActionFactory(
        recommendation=their_recommendation,
        agency=police,
        status="in_progress",
        original_due_date=d("2025-01-31"),
        created_at=agreed,
    )
    AgencyActionFactory(
        recommendation=RecommendationFactory(review=published),
        agency=police,
        original_due_date=d("2025-06-30"),
        created_at=at("2025-04-02T10:00"),
    )

    BriefingPageFactory(first_published_at=at("2024-04-01T00:30"))
    BriefingPageFactory(first_published_at=at("2025-03-31T23:30"))
    BriefingPageFactory(first_published_at=at("2025-04-01T00:15"))
    BriefingPageFactory(first_published_at=at("2024-06-01T10:00"), visibility="partnership")
    BriefingPageFactory(
        first_published_at=at("2024-06-01T10:00"), parent=briefing_index_of(neighbours)
    )
    return ours


def _differences(figures):
    return {
        key: (value, figures[key]) for key, value in HAND_COUNT.items() if figures[key] != value
    }


def test_every_figure_of_a_hand_counted_year_agrees_on_the_page_downloads_and_command(
    year, business_unit, capsys
):
    client = client_for(business_unit)
    page = client.get(f"/tracker/yearly-report/?{QUERY}")
    assert page.status_code == 200
    assert _differences(page.context["report"]) == {}
    html = page.content.decode()
    assert "In 2024/25 the partnership received 5 serious incident referrals" in html
    assert "£17,000.50" in html

    download = json.loads(client.get(f"/tracker/yearly-report/report.json?{QUERY}").content)
    assert _differences(download) == {}

    workbook = load_workbook(
        io.BytesIO(client.get(f"/tracker/yearly-report/report.xlsx?{QUERY}").content)
    )
    in_figures = {row[0]: row[2] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    expected_cells = {
        FIGURE_LABELS[key]: HAND_COUNT[key]
        for key in HEADLINE_FIGURES
        if key in HAND_COUNT and key != "total_cost"
    }
    assert {label: in_figures[label] for label in expected_cells} == expected_cells
    assert in_figures[FIGURE_LABELS["total_cost"]] == "£17,000.50"

    call_command("yearly_report", "--from", "2024-04-01", "--to", "2025-03-31", "--json",
                 "--partnership", year.slug)  # fmt: skip
    assert _differences(json.loads(capsys.readouterr().out)) == {}


@pytest.mark.parametrize(
    ("figure", "value", "part", "count"),
    [
        ("referrals", None, None, 5),
        ("notifications", None, None, 4),
        ("notified_within_5_working_days", None, None, 3),
        ("rapid_reviews", None, None, 3),
        ("rapid_reviews_within_15_working_days", None, None, 2),
        ("decisions", "LCSPR", None, 2),
        ("reviews_published", None, None, 3),
        ("published_within_6_months", None, None, 1),
        ("recommendations_by_theme", "Neglect", None, 3),
        ("actions_by_agency", "West Yorkshire Police", "outstanding", 2),
        ("actions_by_agency", "West Yorkshire Police", "overdue", 1),
        ("actions_by_agency", "West Yorkshire Police", "complete_unassured", 1),
        ("actions_by_agency", "West Yorkshire Police", "assured", 1),
        ("briefings_published", None, None, 3),
    ],
)
def test_each_hand_counted_figure_lists_exactly_its_records(
    year, business_unit, figure, value, part, count
):
    link = YearlyReport(YEAR, partnership=year).link(figure, value=value, part=part)
    listed = client_for(business_unit).get(link).content.decode()
    records = "record" if count == 1 else "records"
    assert f"The {count} {records} behind this figure." in listed


def test_the_sentence_counts_only_lcsprs_as_published_within_six_months(db, business_unit):
    # A learning review published three months after its decision runs to no six-month clock;
    # the LCSPR was published a month late. The sentence must not read "0 of them" of both.
    CaseFactory(
        reference="L1",
        referred_on=d("2024-04-10"),
        decision="learning_review",
        decision_on=d("2024-05-01"),
        published_on=d("2024-08-01"),
    )
    CaseFactory(
        reference="L2",
        referred_on=d("2024-04-10"),
        decision="lcspr",
        decision_on=d("2024-05-01"),
        published_on=d("2024-12-02"),
    )
    html = client_for(business_unit).get(f"/tracker/yearly-report/?{QUERY}").content.decode()
    assert "2 reviews published, 0 LCSPRs within six months of the decision." in html
    assert "of them within six months" not in html
