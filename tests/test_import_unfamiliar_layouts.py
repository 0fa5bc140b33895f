"""Review layouts the importer first met in documents written to check it
(tests/fixtures/reviews/build_outsider.py): what the business unit gets back is each
recommendation with its own number and the document's own words, and nothing from the page
around it."""

from pathlib import Path

from reviews.importer.readers import read_document
from reviews.importer.recommendations import find_recommendations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"


def found_in(name, text=None):
    data = text.encode() if text is not None else (FIXTURES / name).read_bytes()
    return find_recommendations(read_document(name, data)).recommendations


def test_domestic_homicide_review_recommendations_marked_local_or_national_keep_their_numbers():
    report = (
        "# Domestic Homicide Review: Mr J\n\n"
        "## 9. Recommendations\n\n"
        "### Recommendation 1 (National)\n\n"
        "The Home Office should publish guidance on economic abuse by adult children.\n\n"
        "### Recommendation 2 (Local)\n\n"
        "The Community Safety Partnership should train GP receptionists to ask about abuse.\n\n"
        "Recommendation 3 (Single agency): The police should record the relationship between "
        "the victim and the suspect.\n"
    )

    found = found_in("mr-j.md", report)

    assert [(r.number, r.section, r.text.split()[:2], r.possible) for r in found] == [
        ("1", "9. Recommendations", ["The", "Home"], False),
        ("2", "9. Recommendations", ["The", "Community"], False),
        ("3", "9. Recommendations", ["The", "police"], False),
    ]


def test_a_two_page_reviews_running_header_stays_out_of_a_recommendation_over_the_page_break():
    found = found_in("cspr-lettered-page-break.pdf")

    over_the_break = next(r for r in found if r.number == "c")
    assert " ".join(over_the_break.text.split()).endswith(
        "and that the effectiveness of this is audited every year by the designated "
        "professionals, whose findings are reported to the safeguarding partners."
    )
    assert not any("Practice Review Panel" in r.text for r in found)


def test_words_broken_at_line_ends_of_a_text_file_are_joined_by_the_documents_own_words():
    report = (
        "Learning review: Child W\n\n"
        "Recommendations\n\n"
        "1. The Partnership should check that safe-\n"
        "guarding leads in schools know the multi-\n"
        "agency escalation policy.\n\n"
        "2. Agencies should use the multi-agency chronology template.\n"
    )

    found = found_in("child-w.txt", report)

    assert found[0].text == (
        "The Partnership should check that safeguarding leads in schools know the multi-agency "
        "escalation policy."
    )


def test_a_two_column_table_of_r_numbered_recommendations_gives_their_numbers_and_section():
    found = found_in("sar-r-numbered-table.pdf")

    # Not "Ref Recommendation": the table's header row is not a heading.
    assert [(r.number, r.section) for r in found] == [
        (str(n), "Recommendations") for n in range(1, 5)
    ]
    # The findings' "the Board should have been told" looks back: it is not a recommendation.
    assert not any("should have been told" in r.text for r in found)


def test_a_header_seen_once_at_a_page_break_in_a_text_file_neither_cuts_nor_hides_recommendations():
    report = (
        "Learning review: Child W\n\n"
        "Recommendations\n\n"
        "1. Schools should record every absence of a child subject to a plan,\n\n"
        "Learning review: Child W                                   OFFICIAL\n\n"
        "Page 4 of 7\n\n"
        "and tell the allocated social worker on the same day.\n\n"
        "2. Police should share domestic abuse notifications within one working day.\n"
    )

    found = found_in("child-w.txt", report)

    assert [(r.number, r.section, r.text) for r in found] == [
        ("1", "Recommendations", "Schools should record every absence of a child subject to a "
         "plan, and tell the allocated social worker on the same day."),
        ("2", "Recommendations", "Police should share domestic abuse notifications within one "
         "working day."),
    ]  # fmt: skip
