"""Each recommendation the importer finds says why it was taken and how sure the reading is; the
ones it doubts are possible recommendations an editor must tick. The labelled set is scored in
its two parts, the one the rules were developed on and the one they were never tuned on."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

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
    assert found[0]["reason"] == "listed under “Recommendations”"
    assert found[0]["confidence"] >= POSSIBLE_BELOW > found[2]["confidence"]
    assert "asks nothing of anyone" in found[2]["reason"]


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
