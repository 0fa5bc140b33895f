"""How the importer reads a review the way partnerships make it: Word documents exported to PDF
(tests/fixtures/reviews/build_office.py), their title pages, tables over page breaks, footnotes
and contents pages, and briefings with text set at an angle."""

import re
from pathlib import Path

from reviews.importer.document import HEADING, build_document
from reviews.importer.readers import read_document
from reviews.importer.recommendations import find_recommendations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"


def read(name):
    path = FIXTURES / name
    return read_document(path.name, path.read_bytes())


def test_lines_starting_with_a_narrow_letter_keep_it_in_a_pdf_set_in_an_arial_metric_font():
    text = read("sar-overview-liberation-sans.pdf").text

    lines = text.splitlines()
    # The wrapped lines of the recommendations start with "i" and "l" in this layout.
    assert (
        "including those living alone, within ten working days of a concern being identified."
        in lines
    )
    assert any(line.startswith("lack capacity to manage") for line in lines)
    for broken in ("nformation", "ncluding", "nvestigation", "ack capacity", "dentified"):
        assert not re.search(rf"(?<![\w-]){broken}", text), broken


def test_a_title_page_in_large_type_names_the_review_without_outranking_its_chapters():
    source = read("sar-overview-liberation-sans.pdf")
    headings = [block for block in build_document(source).blocks if block.kind == HEADING]

    assert source.title == "SAFEGUARDING ADULTS REVIEW OVERVIEW REPORT Mrs D"
    levels = {block.text: block.level for block in headings}
    assert levels["1. Introduction"] == levels["Recommendations"] == levels["3. Findings"] == 1
    assert "OVERVIEW REPORT" not in levels  # a cover line is not a chapter heading


def test_recommendations_under_a_plain_heading_after_a_cover_are_in_that_section():
    reading = find_recommendations(read("sar-overview-liberation-sans.pdf"))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        (str(n), "Recommendations") for n in range(1, 5)
    ]


def test_a_footnote_mark_and_the_note_at_the_page_foot_stay_out_of_the_wording():
    reading = find_recommendations(read("sar-overview-liberation-sans.pdf"))

    third = reading.recommendations[2].text
    assert "investigation of self-neglect, so that letters, visits" in " ".join(third.split())
    assert "Care Act 2014" not in third
    assert "Care Act 2014" not in reading.recommendations[3].text


def test_a_table_row_cut_by_the_page_break_is_one_row_with_its_agency_in_its_own_cell():
    text = read("lcspr-table-carlito.pdf").text

    assert (
        "| 3 | The Partnership should commission training on working with fathers and male "
        "carers who are not the child's parent, for every agency that visits families at home. "
        "The training should include the findings of this review and be evaluated after six "
        "months, with the evaluation reported to the Partnership's Quality Assurance group. "
        "| Westmoor Safeguarding Children Partnership |"
    ) in text.splitlines()


def test_rows_of_a_table_over_a_page_break_that_each_finish_stay_apart():
    text = read("improvement-plan-table.pdf").text

    rows = [line for line in text.splitlines() if line.startswith(("| 7 |", "| 8 |"))]
    assert len(rows) == 2


def test_word_contents_entries_with_dot_leaders_are_contents_not_numbered_items():
    source = read("sar-overview-liberation-sans.docx")
    document = build_document(source)

    assert {"introduction", "the review process", "findings"} <= document.contents
    items = [block.text for block in document.blocks if block.kind == "item"]
    assert not any(text.startswith(("Introduction", "The review process")) for text in items)


def _briefing_with_an_angled_banner():
    from weasyprint import HTML

    html = (
        "<html><body style=\"font-family: 'Liberation Sans'; font-size: 10pt\">"
        '<div style="position: absolute; right: 0; top: 20px; transform: rotate(-30deg); '
        'font-size: 20pt">7-minute briefing</div>'
        "<h1>Baby M: 7-minute briefing</h1>"
        '<div style="column-count: 2">'
        "<h2>What happened</h2>"
        f"<p>{'Baby M was seen by many professionals in the weeks before the injury. ' * 8}</p>"
        "<h2>What the review recommends</h2>"
        "<p>1. Practitioners should use professional curiosity and ask about injuries.</p>"
        "<p>2. Leaders should make sure that the bruising protocol is understood.</p>"
        "</div></body></html>"
    )
    return HTML(string=html).write_pdf()


def test_a_two_column_briefing_with_a_banner_at_an_angle_is_read_in_column_order():
    reading = find_recommendations(read_document("baby-m.pdf", _briefing_with_an_angled_banner()))

    assert [(r.number, r.section, r.text) for r in reading.recommendations] == [
        (
            "1",
            "What the review recommends",
            "Practitioners should use professional curiosity and ask about injuries.",
        ),
        (
            "2",
            "What the review recommends",
            "Leaders should make sure that the bruising protocol is understood.",
        ),
    ]
