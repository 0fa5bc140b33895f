"""The full reports attached to reviews are searched: a practitioner finds a passage with its page
number, never a passage of a report they may not open, and a report that cannot be read is the
business unit's to see, never a searcher's."""

from pathlib import Path

import pytest
import wagtail_factories
from weasyprint import HTML

from learning.permissions import Visibility
from search.models import ReportPassage, ReportText
from tests.conftest import client_for
from tests.factories import ReviewDocumentFactory, ReviewPageFactory

from .test_contract import api

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reviews"

pytestmark = pytest.mark.django_db

PAGES = [
    "Overview report. Introduction and terms of reference of the review.",
    "Chronology. The family moved house twice in the year before the incident.",
    "Analysis. The health visitor saw that the stairgate was broken and the home was cold; "
    "nobody followed this up with the family.",
]


def pdf_of(pages):
    html = "".join(f'<p style="page-break-after: always">{text}</p>' for text in pages)
    return HTML(string=html).write_pdf()


def attach(review, data, filename, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = wagtail_factories.DocumentFactory(
            file__data=data, file__filename=filename, title=filename
        )
        ReviewDocumentFactory(page=review, document=document, title="Overview report")
        review.save_revision().publish()
    return document


@pytest.fixture
def reviews_with_reports(db, django_capture_on_commit_callbacks):
    public = ReviewPageFactory(
        title="Serious case review: Child R", visibility=Visibility.PUBLIC, summary="A toddler."
    )
    attach(public, pdf_of(PAGES), "child-r-overview.pdf", django_capture_on_commit_callbacks)
    restricted = ReviewPageFactory(
        title="Rapid review: Baby Q", visibility=Visibility.PARTNERSHIP, summary="An infant."
    )
    attach(
        restricted,
        b"The probation officer knew of the cannabis grow in the loft.",
        "baby-q-notes.txt",
        django_capture_on_commit_callbacks,
    )
    return public, restricted


def test_a_practitioner_finds_a_passage_of_the_report_with_its_page_number(
    engine, reviews_with_reports, practitioner, anonymous_client
):
    engine.catch_up()
    answer = api(anonymous_client, q="stairgate broken")
    assert [r["title"] for r in answer["results"]] == ["Serious case review: Child R"]
    assert "<mark>stairgate</mark>" in answer["results"][0]["snippet"]
    page = client_for(practitioner).get("/search/", {"q": "stairgate"}).content.decode()
    assert "found in Overview report, page 3" in page


def test_a_passage_from_a_word_table_reads_as_the_rows_words_with_their_column_names(
    engine, db, practitioner, django_capture_on_commit_callbacks
):
    review = ReviewPageFactory(
        title="Domestic homicide review: Ms K", visibility=Visibility.PUBLIC, summary="A DHR."
    )
    # A DHR's action plan as Word tables: a caption row, a header row, then the actions.
    data = (FIXTURES / "dhr-action-plan-tables.docx").read_bytes()
    attach(review, data, "dhr-action-plan-tables.docx", django_capture_on_commit_callbacks)
    engine.catch_up()
    rows = {
        "IRIS training": "Deliver IRIS training to practices in the area · "
        "Lead agency: Integrated Care Board · Target date: 30 June 2024",
        "MARAC": "Train MARAC representatives in the new questions · "
        "Lead agency: Community Safety Partnership · Target date: 31/03/2024",
    }
    for query, row in rows.items():
        answer = api(client_for(practitioner), q=query)
        assert [r["title"] for r in answer["results"]] == ["Domestic homicide review: Ms K"]
        snippet = answer["results"][0]["snippet"]
        assert "|" not in snippet and "Outcome" not in snippet, query
        # The passage holds the row as labelled words; the snippet is the engine's own cut of
        # it (PostgreSQL's headline may start in the row before), labelled the same way.
        plain = snippet.replace("<mark>", "").replace("</mark>", "")
        assert "Lead agency: " in plain and query in plain, query
        assert ReportPassage.objects.filter(text__contains=row).exists(), query
    page = client_for(practitioner).get("/search/", {"q": "IRIS training"}).content.decode()
    assert "found in Overview report, under “Appendix B: Action plan”" in page
    assert "found of" not in page and "| Action |" not in page


def test_a_passage_of_a_report_the_visitor_may_not_open_is_never_found(
    engine, reviews_with_reports, practitioner, business_unit
):
    engine.catch_up()
    for query in ("cannabis loft", "cannabis", "probation officer"):
        answer = api(client_for(practitioner), q=query)
        assert answer["count"] == 0, query
        shown = str(answer)
        assert "cannabis" not in shown and "Baby Q" not in shown
    member = api(client_for(business_unit), q="cannabis loft")
    assert [r["title"] for r in member["results"]] == ["Rapid review: Baby Q"]


def test_an_unreadable_report_is_shown_to_the_business_unit_never_to_a_searcher(
    reviews_with_reports, django_capture_on_commit_callbacks, practitioner, business_unit
):
    public, _ = reviews_with_reports
    document = attach(
        public, b"%PDF-1.4 not really a pdf", "scan.pdf", django_capture_on_commit_callbacks
    )
    report = ReportText.objects.get(document=document)
    assert report.status == ReportText.Status.FAILED and "could not be read" in report.error
    # The review and its readable report are still found.
    assert api(client_for(practitioner), q="stairgate")["count"] == 1
    searched = client_for(practitioner).get("/search/", {"q": "scan"}).content.decode()
    assert "could not be read" not in searched
    listing = client_for(business_unit).get("/admin/snippets/learning_search/reporttext/")
    assert listing.status_code == 200
    assert "could not be read" in listing.content.decode()


def test_reading_the_same_report_twice_changes_nothing(reviews_with_reports):
    from search.tasks import extract_report_text

    public, _ = reviews_with_reports
    report = ReportText.objects.get(document__title="child-r-overview.pdf")
    before = list(report.passages.values_list("pk", "page_number"))
    extract_report_text(report.document_id)
    assert (
        list(report.passages.values_list("pk", "page_number"))
        == before
        == [
            (before[0][0], 1),
            (before[1][0], 2),
            (before[2][0], 3),
        ]
    )
