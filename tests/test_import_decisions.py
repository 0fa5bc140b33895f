"""Each recommendation the importer finds says why it was taken and how sure the reading is; the
ones it doubts are possible recommendations an editor must tick. The labelled set is scored in
its two parts, the one the rules were developed on and the one they were never tuned on."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from reviews.importer.evaluate import labelled_documents
from reviews.importer.readers import read_document
from reviews.importer.recommendations import POSSIBLE_BELOW, find_recommendations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

REVIEW_WITH_A_DOUBTFUL_ITEM = """\
# Learning review: Child K

## Recommendations

1. The Partnership should audit referrals from schools within six months.
2. Health visitors should see fathers at the new birth visit.
3. Fathers in the household.
"""


def read(text, name="review.md"):
    return find_recommendations(read_document(name, text.encode()))


@pytest.mark.django_db
def test_import_json_says_why_each_recommendation_was_taken_and_how_sure_it_is(tmp_path):
    path = tmp_path / "child-k.md"
    path.write_text(REVIEW_WITH_A_DOUBTFUL_ITEM)
    out = io.StringIO()
    call_command("import_review", str(path), "--json", stdout=out)

    found = json.loads(out.getvalue())["recommendations"]
    assert [(r["number"], r["possible"]) for r in found] == [
        ("1", False),
        ("2", False),
        ("3", True),
    ]
    assert found[0]["reason"] == "numbered under “Recommendations”"
    assert found[0]["confidence"] >= POSSIBLE_BELOW > found[2]["confidence"]
    assert "asks nothing of anyone" in found[2]["reason"]


@pytest.mark.django_db
def test_a_possible_recommendation_is_left_out_of_a_review_imported_from_the_command_line(tmp_path):
    from learning.models import AgencyAction
    from reviews.models import ReviewPage

    path = tmp_path / "child-k.md"
    path.write_text(REVIEW_WITH_A_DOUBTFUL_ITEM)
    out = io.StringIO()
    call_command("import_review", str(path), "--json", "--publish", stdout=out)

    found = json.loads(out.getvalue())["recommendations"]
    assert [(r["number"], r["imported"]) for r in found] == [("1", True), ("2", True), ("3", False)]
    review = ReviewPage.objects.get(pk=json.loads(out.getvalue())["page_id"])
    assert [r.number for r in review.recommendations.all()] == ["1", "2"]
    assert not AgencyAction.objects.filter(recommendation__text__startswith="Fathers in").exists()


def test_a_labelled_recommendation_is_surer_than_a_should_paragraph():
    labelled = read("# Review\n\nRecommendation 1: The Board should audit referrals.\n")
    prose = read(
        "# Review\n\n## Recommendations\n\nThe Board should audit referrals from schools "
        "within six months.\n"
    )

    assert labelled.recommendations[0].reason == "labelled “Recommendation N”"
    assert "says who should act" in prose.recommendations[0].reason
    assert labelled.recommendations[0].confidence > prose.recommendations[0].confidence


def test_a_recommendation_stated_in_its_chapter_and_the_final_list_says_so():
    reading = read(
        "# Review\n\n## 2. Information sharing\n\n### Recommendations\n\n"
        "1. Police should tell schools the next morning about domestic abuse incidents.\n\n"
        "## 5. Summary of recommendations\n\n"
        "1. Police should tell schools by 9am the next morning about domestic abuse incidents.\n"
    )

    (only,) = reading.recommendations
    assert "also stated under “2. Information sharing”" in only.reason


def evaluate_json(directory):
    out = io.StringIO()
    call_command("import_review", str(directory), "--evaluate", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_evaluation_reports_the_development_and_held_out_parts_apart():
    result = evaluate_json(FIXTURES)

    assert list(result["parts"]) == ["development", "held-out"]
    development = result["parts"]["development"]["overall"]
    held_out = result["parts"]["held-out"]["overall"]
    assert development["documents"] == len(list(FIXTURES.glob("*.expected.json")))
    assert held_out["documents"] == len(list((FIXTURES / "held-out").glob("*.expected.json")))
    overall = result["overall"]
    assert overall["expected"] == development["expected"] + held_out["expected"]
    # The exact count and the exact share each have their own key.
    assert isinstance(overall["exact"], int)
    assert overall["exact_share"] == overall["exact"] / overall["expected"]


def test_a_document_the_importer_cannot_read_is_a_failure_not_a_perfect_score(tmp_path):
    (tmp_path / "briefing.pdf").write_bytes(b"%PDF-1.4 this is not a PDF at all")
    (tmp_path / "briefing.expected.json").write_text(
        json.dumps({"document": "briefing.pdf", "recommendations": []})
    )
    (tmp_path / "review.md").write_text(REVIEW_WITH_A_DOUBTFUL_ITEM)
    (tmp_path / "review.expected.json").write_text(
        json.dumps({"document": "review.md", "recommendations": []})
    )

    result = evaluate_json(tmp_path)["parts"]["development"]
    briefing, review = result["documents"]
    assert briefing["error"]
    assert (briefing["precision"], briefing["recall"], briefing["exact_share"]) == (0, 0, 0)
    assert result["overall"]["failed"] == 1
    assert result["overall"]["recall"] < 1.0

    out = io.StringIO()
    call_command("import_review", str(tmp_path), "--evaluate", stdout=out)
    assert "FAILED" in out.getvalue()
    assert "(1 failed)" in out.getvalue().splitlines()[-1]


def test_the_2009_commission_report_gives_its_54_recommendations_in_the_final_lists_wording():
    path = CORPUS / "kirklees-safeguarding-commission-2009.txt"
    reading = find_recommendations(read_document(path.name, path.read_bytes()))

    numbers = [r.number for r in reading.recommendations]
    assert numbers == [str(n) for n in range(1, 55)]  # no number twice, none missing
    # Findings, good practice and what the schools said are not recommendations.
    assert not any(r.text.startswith(("(i)", "+")) for r in reading.recommendations)
    # Chapter 8 and chapter 9 state 38 and 44 under their own headings; the final list's
    # wording and theme are the record.
    by_number = {r.number: r for r in reading.recommendations}
    assert by_number["44"].text.endswith("children being neglected.")
    assert by_number["44"].section == "Kirklees Safeguarding Children Board"
    # A footnote printed between 38 and 39 in chapter 8 is not part of either.
    assert "Further progress" not in by_number["38"].text
    assert by_number["23"].notes == ["Cross reference to recommendation 9 on page 54."]
    assert not any("not in the final list" in warning for warning in reading.warnings)


def test_a_titled_recommendation_keeps_its_long_title_its_wording_and_its_bullets():
    reading = read(
        "# Review\n\n## Recommendations\n\n"
        "Recommendation 2: Legislation on the definition of full-time education to protect "
        "children who are not in school\n\n"
        "The Partnership should ask the Department for Education to define full-time education "
        "so that:\n\n"
        "- part-time timetables are time-limited;\n- the local authority is told of each one.\n\n"
        "Recommendation 3: Training\n\nSchools should train governors on part-time timetables.\n"
    )

    assert [r.number for r in reading.recommendations] == ["2", "3"]
    assert reading.recommendations[0].text.splitlines() == [
        "Legislation on the definition of full-time education to protect children who are not "
        "in school",
        "The Partnership should ask the Department for Education to define full-time education "
        "so that:",
        "- part-time timetables are time-limited;",
        "- the local authority is told of each one.",
    ]


def test_a_list_inside_a_recommendation_stays_inside_it():
    reading = read(
        "Review of Child S\n\nRecommendations\n\n"
        "1. The Board should publish guidance on neglect, including:\n"
        "i) the graded care profile;\nii) when to escalate;\niii) who chairs the meeting.\n"
        "2. Police should share incident logs with schools the next day.\n",
        name="s.txt",
    )

    first, second = reading.recommendations
    assert first.text.splitlines() == [
        "The Board should publish guidance on neglect, including:",
        "(i) the graded care profile;",
        "(ii) when to escalate;",
        "(iii) who chairs the meeting.",
    ]
    assert second.number == "2"


def test_a_two_paragraph_recommendation_is_one_and_the_paragraph_numbering_after_is_not_taken():
    reading = read(
        "Review of Child T\n\n5. Recommendations\n\n"
        "5.1 The panel makes these recommendations:\n\n"
        "1. The Partnership should audit neglect referrals from schools.\n\n"
        "The audit should report within six months.\n\n"
        "2. GPs should record who lives in the household.\n\n"
        "5.2 The Partnership will monitor progress through its learning group.\n\n"
        "6. Glossary\n\nGP: general practitioner.\n",
        name="t.txt",
    )

    assert [(r.number, r.text) for r in reading.recommendations] == [
        ("1", "The Partnership should audit neglect referrals from schools.\n"
              "The audit should report within six months."),
        ("2", "GPs should record who lives in the household."),
    ]  # fmt: skip


def test_what_core_participants_proposed_is_not_the_reviews_recommendation():
    reading = read(
        "# Inquiry report\n\n## Recommendations\n\n"
        "1. The Department should fund independent advocates for every child in care.\n\n"
        "## Recommendations proposed by core participants\n\n"
        "1. A national register of foster carers.\n"
        "2. Mandatory reporting by all staff.\n"
    )

    assert [r.text for r in reading.recommendations] == [
        "The Department should fund independent advocates for every child in care."
    ]
    assert any("proposed by others" in skipped for skipped in reading.skipped)


def test_web_page_links_are_never_the_title_or_part_of_a_recommendation():
    reading = read(
        "Skip to main content\n\nBoard review of Mr V: recommendations\n\n"
        "Hoarding\n\nRecommendation\n\nThe Board should publish a hoarding protocol.\n\n"
        "Back to top\n\nCarers\n\nRecommendation\n\nAdult social care should offer every carer "
        "an assessment.\n\n- in writing;\n- within four weeks.\n\nBack to top\n",
        name="v.txt",
    )

    assert reading.title == "Board review of Mr V: recommendations"
    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "Hoarding"),
        ("2", "Carers"),
    ]
    assert reading.recommendations[1].text.splitlines()[-1] == "- within four weeks."


def test_what_a_service_has_achieved_is_not_a_recommendation_even_under_the_heading():
    reading = read(
        "# Review of Child U\n\n## Recommendations\n\n"
        "Since the incident the early help service has achieved:\n\n"
        "1. A single front door for referrals.\n2. Weekly triage with the police.\n\n"
        "The review makes these recommendations:\n\n"
        "1. The Partnership should evaluate the single front door within a year.\n"
    )

    assert [r.text for r in reading.recommendations] == [
        "The Partnership should evaluate the single front door within a year."
    ]


@pytest.mark.parametrize(
    ("path", "wanted"),
    list(labelled_documents(FIXTURES)),
    ids=lambda value: getattr(value, "name", ""),
)
def test_every_development_recommendation_is_above_the_possible_threshold(path, wanted):
    """The threshold was chosen on the development part: every recommendation labelled there is
    imported ticked; only doubtful finds are left for the editor to tick."""
    reading = find_recommendations(read_document(path.name, path.read_bytes()))

    assert not [r.number for r in reading.recommendations if r.possible]


def test_a_numbered_list_under_a_recommendation_heading_is_part_of_that_recommendation():
    reading = read(
        "# Review of Child R\n\n## Recommendations\n\n"
        "### Recommendation 1 – Escalation\n\n"
        "The Partnership should relaunch its escalation policy, with:\n\n"
        "1. a timescale for each stage;\n2. a named senior manager in each agency.\n\n"
        "### Recommendation 2 – Supervision\n\n"
        "Each agency should confirm that supervision happens every six weeks.\n"
    )

    assert [r.number for r in reading.recommendations] == ["1", "2"]
    assert reading.recommendations[0].text.splitlines()[-2:] == [
        "1. a timescale for each stage;",
        "2. a named senior manager in each agency.",
    ]


def test_the_last_recommendations_second_paragraph_is_kept():
    reading = read(
        "Review of Child Q\n\nRecommendations\n\n"
        "1. Schools should record every part-time timetable.\n\n"
        "2. The Partnership should train designated leads on part-time timetables.\n\n"
        "The training should be repeated every two years.\n\n"
        "Glossary\n\nDSL: designated safeguarding lead.\n",
        name="q.txt",
    )

    assert reading.recommendations[-1].text.splitlines() == [
        "The Partnership should train designated leads on part-time timetables.",
        "The training should be repeated every two years.",
    ]
