"""Each recommendation the importer finds says why it was taken and how sure the reading is; the
ones it doubts are possible recommendations an editor must tick. The labelled set is scored in
its two parts, the one the rules were developed on and the one they were never tuned on."""

import io
import json

import pytest
from django.core.management import call_command

from reviews.importer.readers import read_document
from reviews.importer.recommendations import POSSIBLE_BELOW, find_recommendations

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
