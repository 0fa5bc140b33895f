"""The business unit imports published review documents as draft reviews with their
recommendations; bad files are refused with a clear message and leave nothing behind."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfWriter
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry

from learning.models import AgencyAction, Recommendation
from reviews.importer.create import IMPORT_LOG_ACTION
from reviews.models import ReviewPage

from .conftest import client_for
from .factories import AgencyFactory, ThemeFactory, agency_lead

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
KIRKLEES_2017 = CORPUS / "kirklees-commissioner-report-2017.txt"

CHILD_T_MARKDOWN = """\
# Serious case review: Child T

## 1. Introduction

The review considered the work of agencies with Child T between 2014 and 2016.
The panel agreed three principles for its work:

1. Learning, not blame.
2. Hear the family's view.
3. Look at the system, not only individuals.

## 2. Information sharing

Agencies held pieces of the picture but did not put them together.

### Recommendations

1. The Safeguarding Children Board should make sure agencies share information about
   risk at the point of referral (see paragraph 2.4).
2. Police should tell schools the next morning when a child was present at a domestic abuse
   incident.

## 3. Voice of the child

### Recommendations

3. The Director of Children's Services should ensure that social workers record what the
   child says in the child's own words:
   - at every statutory visit;
   - when the child is seen alone.

## 4. Options considered

The panel considered these options:

1. Commission a further independent review.
2. Ask each agency for an internal review.

## 5. Summary of recommendations

1. The Safeguarding Children Board should make sure agencies share information about risk at
   the point of referral (see paragraph 2.4).
2. Police should tell schools by 9am the next morning when a child was present at a domestic
   abuse incident.
3. The Director of Children's Services should ensure that social workers record what the child
   says in the child's own words:
   - at every statutory visit;
   - when the child is seen alone.
"""


@pytest.fixture
def partnership():
    """The theme vocabulary and agencies the suggestions come from, as in the demo partnership."""
    themes = {
        name: ThemeFactory(name=name, description=description)
        for name, description in [
            ("Information sharing", "information exchange between agencies"),
            ("Voice of the child", "hearing and recording what the child says and shows"),
            ("Domestic abuse", ""),
            ("Thresholds", ""),
            ("Supervision and workforce", ""),
        ]
    }
    agencies = {
        "Children's Services": AgencyFactory(
            name="Kirklees Council Children's Services",
            short_name="Children's Services",
            sector="local_authority",
        ),
        "Police": AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police"),
        "KSCP": AgencyFactory(
            name="Kirklees Safeguarding Children Partnership",
            short_name="KSCP",
            sector="statutory_partner",
            aliases="LSCB\nthe Board",
        ),
        "Schools": AgencyFactory(
            name="Kirklees Learning Service (schools)", short_name="Schools", sector="education"
        ),
    }
    return {"themes": themes, "agencies": agencies}


def import_json(path, *args):
    out = io.StringIO()
    call_command("import_review", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def counts():
    return (
        ReviewPage.objects.count(),
        get_document_model().objects.count(),
        Recommendation.objects.count(),
    )


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_kirklees_report_gives_the_ofsted_and_commissioners_recommendations_only(partnership):
    result = import_json(KIRKLEES_2017, "--kind", "national_review")

    found = [(r["number"], r["text"].split()[0]) for r in result["recommendations"]]
    ofsted = [
        (str(n), word)
        for n, word in enumerate(
            [
                "Take",
                "Ensure",
                "Ensure",
                "Fully",
                "Ensure",
                "Ensure",
                "Ensure",
                "Ensure",
                "Ensure",
                "Ensure",
                "Review",
            ],
            start=1,
        )
    ]
    commissioner = [("1", "Kirklees"), ("2", "Both"), ("3", "A"), ("4", "The"), ("5", "If")]
    assert found == ofsted + commissioner
    sections = {r["section"] for r in result["recommendations"]}
    assert sections == {
        "Ofsted Inspection of Services for Children in Need of Help and Protection, Children "
        "Looked After and Care Leavers and Review of the Local Safeguarding Children Board",
        "Recommendations",
    }
    texts = " ".join(r["text"] for r in result["recommendations"])
    # The numbered "starting points", the options and the Commissioner's terms of reference.
    assert "wish to retain their own Director" not in texts
    assert "Partnership with a good local authority" not in texts
    assert "To review the Council's leadership" not in texts
    assert result["title"] == "Kirklees Children's Services: report to the Secretary of State"
    assert any("more than one list" in warning for warning in result["warnings"])


def test_kirklees_report_becomes_a_partnership_only_draft_with_the_report_attached(partnership):
    result = import_json(KIRKLEES_2017, "--title", "Ways Forward for Children's Services")

    page = ReviewPage.objects.get(pk=result["page_id"])
    assert page.title == result["title"] == "Ways Forward for Children's Services"
    assert not page.live
    assert page.visibility == "partnership"
    assert page.kind == "lcspr"
    assert page.get_latest_revision() is not None
    assert page.recommendations.count() == 16
    attached = page.documents.get()
    assert attached.document.file.name.endswith(".txt")
    assert attached.document.file.read() == KIRKLEES_2017.read_bytes()
    assert page.get_parent().specific_class.__name__ == "ReviewIndexPage"


def test_source_document_is_served_only_to_the_partnership(
    partnership, police_lead, practitioner, anonymous_client
):
    result = import_json(KIRKLEES_2017)

    document = ReviewPage.objects.get(pk=result["page_id"]).documents.get().document
    assert client_for(police_lead).get(document.url).status_code == 200
    assert anonymous_client.get(document.url).status_code == 302
    assert client_for(practitioner).get(document.url).status_code != 200


def test_suggested_themes_and_agencies_are_marked_for_an_editor_to_confirm(partnership):
    result = import_json(KIRKLEES_2017)

    seventh = result["recommendations"][6]
    assert seventh["themes"] == ["Information sharing", "Thresholds"]
    third_commissioner = result["recommendations"][13]
    assert third_commissioner["agencies"] == ["Kirklees Council Children's Services"]
    assert any("suggestions" in warning and "confirm" in warning for warning in result["warnings"])
    entry = PageLogEntry.objects.get(page_id=result["page_id"], action=IMPORT_LOG_ACTION)
    assert entry.data["confirmed_by_editor"] is False
    assert "not yet confirmed" in entry.message
    # A draft creates no actions: nobody has confirmed who the recommendations are addressed to.
    assert AgencyAction.objects.count() == 0


def test_chapter_and_final_lists_keep_one_copy_each_and_warn_where_wording_differs(
    tmp_path, partnership
):
    result = import_json(write(tmp_path, "child-t.md", CHILD_T_MARKDOWN))

    numbers = [r["number"] for r in result["recommendations"]]
    assert numbers == ["1", "2", "3"]
    first, second, third = result["recommendations"]
    # The final list's wording is kept, under the chapter it came from.
    assert "by 9am the next morning" in second["text"]
    assert first["section"] == "2. Information sharing"
    assert third["section"] == "3. Voice of the child"
    # Sub-items stay inside their recommendation; cross-references stay in the text.
    assert third["text"].splitlines()[1:] == [
        "- at every statutory visit;",
        "- when the child is seen alone.",
    ]
    assert "(see paragraph 2.4)" in first["text"]
    differing = [w for w in result["warnings"] if "worded differently" in w]
    assert len(differing) == 1 and "Recommendation 2" in differing[0]
    # Neither the panel's principles nor the options considered are recommendations.
    assert "Learning, not blame" not in json.dumps(result)
    assert "further independent review" not in json.dumps(result)
    assert result["title"] == "Serious case review: Child T"


def test_a_chapter_recommendation_missing_from_the_final_list_is_kept_with_a_warning(
    tmp_path, partnership
):
    report = (
        "# Serious case review: Child V\n\n"
        "## 2. Neglect\n\n### Recommendations\n\n"
        "1. Health visitors should use the neglect toolkit at every visit.\n"
        "2. Schools should record attendance concerns about siblings.\n\n"
        "## 3. Thresholds\n\n### Recommendations\n\n"
        "3. The Safeguarding Children Board should review its thresholds document.\n\n"
        "## 4. Recommendations\n\n"
        "1. Health visitors should use the neglect toolkit at every visit.\n"
        "2. The Safeguarding Children Board should review its thresholds document.\n"
    )
    result = import_json(write(tmp_path, "child-v.md", report))

    assert [(r["number"], r["section"]) for r in result["recommendations"]] == [
        ("1", "2. Neglect"),
        ("2", "2. Neglect"),
        ("2", "3. Thresholds"),
    ]
    assert any(
        "Recommendation 2 appears under “2. Neglect” but not in the final list" in warning
        for warning in result["warnings"]
    )


def test_markdown_recommendations_suggest_agencies_from_role_names_and_aliases(
    tmp_path, partnership
):
    result = import_json(write(tmp_path, "child-t.md", CHILD_T_MARKDOWN))

    first, second, third = result["recommendations"]
    assert first["agencies"] == ["Kirklees Safeguarding Children Partnership"]
    assert first["themes"] == ["Information sharing"]
    assert second["agencies"] == ["Kirklees Learning Service (schools)", "West Yorkshire Police"]
    assert second["themes"] == ["Domestic abuse"]
    assert third["agencies"] == ["Kirklees Council Children's Services"]
    assert third["themes"] == ["Voice of the child"]


def _docx_bytes():
    document = docx.Document()
    document.core_properties.title = "Learning review: Child W"
    document.add_heading("Learning review: Child W", level=1)
    document.add_paragraph("The review looked at six months of contact with the family.")
    document.add_heading("Recommendations", level=2)
    document.add_paragraph(
        "Police should share domestic abuse notifications with health visitors within one "
        "working day.",
        style="List Number",
    )
    document.add_paragraph(
        "The Safeguarding Children Partnership should audit the use of the escalation policy.",
        style="List Number",
    )
    document.add_paragraph("(a) in health visiting;")
    document.add_paragraph("(b) in early help.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_document_recommendations_with_automatic_numbering_and_sub_items(
    tmp_path, partnership
):
    result = import_json(
        write(tmp_path, "child-w.docx", _docx_bytes()), "--kind", "learning_review"
    )

    assert result["title"] == "Learning review: Child W"
    assert [r["number"] for r in result["recommendations"]] == ["1", "2"]
    first, second = result["recommendations"]
    assert first["text"].startswith("Police should share domestic abuse notifications")
    assert second["text"].splitlines() == [
        "The Safeguarding Children Partnership should audit the use of the escalation policy.",
        "(a) in health visiting;",
        "(b) in early help.",
    ]
    assert first["agencies"] == ["West Yorkshire Police"]
    assert ReviewPage.objects.get(pk=result["page_id"]).kind == "learning_review"


def _pdf_bytes(html):
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def test_pdf_text_layer_recommendations_under_a_heading(tmp_path, partnership):
    pdf = _pdf_bytes(
        "<html><body><h1>Rapid review: Child K</h1>"
        "<p>The panel met within fifteen working days of the notification.</p>"
        "<h2>Recommendations</h2><ol>"
        "<li>Police should record the presence of children at every domestic abuse call, "
        "and pass the record to the school nurse and the health visitor the same day.<ul>"
        "<li>including unborn children;</li><li>including visiting children.</li></ul></li>"
        "<li>Schools should share attendance concerns with the allocated social worker.</li>"
        "</ol><h2>Next steps</h2><p>The partnership will publish a briefing.</p>"
        "</body></html>"
    )
    result = import_json(write(tmp_path, "child-k.pdf", pdf))

    assert result["title"] == "Rapid review: Child K"
    assert [(r["number"], r["section"]) for r in result["recommendations"]] == [
        ("1", "Recommendations"),
        ("2", "Recommendations"),
    ]
    # Lines wrapped on the page are joined; sub-items stay inside their recommendation.
    assert result["recommendations"][0]["text"].splitlines() == [
        "Police should record the presence of children at every domestic abuse call, and pass "
        "the record to the school nurse and the health visitor the same day.",
        "- including unborn children;",
        "- including visiting children.",
    ]
    assert result["recommendations"][1]["agencies"] == ["Kirklees Learning Service (schools)"]


def test_plain_text_numbered_heading_and_dotted_recommendation_numbers(tmp_path, partnership):
    report = (
        "Serious case review: Baby L\n\n"
        "4. Findings\n\n"
        "4.1 Agencies did not share what they knew about the father.\n\n"
        "5. Recommendations\n\n"
        "5.1 Police should check the household members at every domestic abuse call.\n"
        "5.2 The Safeguarding Children Board should audit pre-birth assessments\n"
        "    (see finding 4.1).\n\n"
        "Signed by the independent author.\n"
    )
    result = import_json(write(tmp_path, "baby-l.txt", report))

    assert [(r["number"], r["section"]) for r in result["recommendations"]] == [
        ("5.1", "5. Recommendations"),
        ("5.2", "5. Recommendations"),
    ]
    assert result["recommendations"][1]["text"] == (
        "The Safeguarding Children Board should audit pre-birth assessments (see finding 4.1)."
    )


def test_recommendations_written_as_recommendation_n(tmp_path, partnership):
    report = (
        "# Learning review: Child P\n\n"
        "## What the review recommends\n\n"
        "Recommendation 1: Schools should record the child's own words.\n\n"
        "Recommendation 2: Police should share notifications within one working day.\n"
    )
    result = import_json(write(tmp_path, "child-p.md", report))

    assert [(r["number"], r["text"].split()[0]) for r in result["recommendations"]] == [
        ("1", "Schools"),
        ("2", "Police"),
    ]


def test_publish_makes_the_review_live_and_creates_actions_for_the_suggested_agencies(
    tmp_path, partnership
):
    result = import_json(write(tmp_path, "child-t.md", CHILD_T_MARKDOWN), "--publish")

    page = ReviewPage.objects.get(pk=result["page_id"])
    assert page.live
    assert AgencyAction.objects.filter(recommendation__review=page).count() == 4
    assert any("Published with the suggested" in warning for warning in result["warnings"])


def test_json_output_parses_while_agencies_leads_are_emailed(
    tmp_path, partnership, settings, capsys, committed
):
    """With the development email settings, the leads' emails go to files, not into the JSON."""
    from config.settings import base

    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.EMAIL_FILE_PATH = tmp_path / "sent-email"
    agency_lead(partnership["agencies"]["Police"], "police-lead")
    path = write(tmp_path, "child-t.md", CHILD_T_MARKDOWN)
    capsys.readouterr()

    with committed():
        call_command("import_review", str(path), "--json", "--publish")

    printed = capsys.readouterr().out
    result = json.loads(printed)
    assert ReviewPage.objects.get(pk=result["page_id"]).live
    sent = "".join(p.read_text() for p in (tmp_path / "sent-email").iterdir())
    assert "police-lead" in sent


def test_plain_output_lists_what_was_found_and_the_warnings(partnership):
    out = io.StringIO()
    call_command("import_review", str(KIRKLEES_2017), stdout=out)
    text = out.getvalue()
    assert "Draft review “Kirklees Children's Services: report to the Secretary of State”" in text
    assert "with 16 recommendations" in text
    assert "Warning: Themes and agencies are suggestions" in text


def _encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _blank_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.md", b"   \n\n  ", "the file is empty"),
        ("scan.pdf", PNG, "this is not a PDF (it looks like a PNG image)"),
        ("report.exe", b"MZ\x90\x00", "unsupported file type (.exe)"),
        ("report.txt", b"MZ\x90\x00\x03\x00\x00\x00", "this is not a text file"),
        ("report.md", b"%PDF-1.7\n%binary\n", "this is not a text file (it looks like a PDF)"),
        ("report.docx", b"just some text", "this is not a Word .docx file"),
        ("locked.pdf", _encrypted_pdf(), "the PDF is encrypted"),
        ("scanned.pdf", _blank_pdf(), "no text layer; OCR is not supported"),
        (
            "minutes.txt",
            b"Minutes\n\nThe board met.\n\nActions\n\n1. Circulate the papers.\n",
            "no recommendations found",
        ),
    ],
)
def test_bad_file_gets_a_clear_message_and_creates_nothing(
    tmp_path, partnership, name, data, message
):
    before = counts()
    with pytest.raises(CommandError, match="^" + name.replace(".", r"\.") + ": ") as refused:
        call_command("import_review", str(write(tmp_path, name, data)))
    assert message in str(refused.value)
    assert counts() == before


def test_command_exits_non_zero_with_the_message_on_standard_error(tmp_path):
    empty = write(tmp_path, "empty.pdf", b"")
    finished = subprocess.run(
        [sys.executable, "manage.py", "import_review", str(empty), "--json"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode != 0
    assert "empty.pdf: the file is empty." in finished.stderr
    assert finished.stdout == ""


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_review", str(tmp_path / "missing.pdf"))


def test_unknown_kind_is_refused_before_anything_is_read(partnership):
    before = counts()
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_review", str(KIRKLEES_2017), "--kind", "inspection")
    assert counts() == before


ACTION_PLAN = Path(__file__).resolve().parent / "fixtures" / "reviews" / "action-plan.md"


def test_an_imported_draft_keeps_the_agreed_action_for_whoever_publishes_it_later(partnership):
    result = import_json(ACTION_PLAN)
    page = ReviewPage.objects.get(pk=result["page_id"])
    assert not page.live and not AgencyAction.objects.exists()
    first = page.recommendations.get(number="1")
    assert first.agreed_action.startswith("Roll out Operation Encompass to all schools")

    # Published later from its revision, with no person at hand (as scheduled publishing does).
    page.get_latest_revision().publish()

    action = AgencyAction.objects.get(agency=partnership["agencies"]["Police"])
    assert action.description.startswith("Roll out Operation Encompass to all schools")
    assert str(action.original_due_date) == "2021-03-31"
    # A recommendation without an agreed action still asks the agency to respond.
    others = AgencyAction.objects.exclude(recommendation__number="1")
    for other in others:
        assert other.description == (
            other.recommendation.agreed_action
            or f"Respond to recommendation {other.recommendation.number}."
        )


def test_publish_opens_the_lead_agencys_action_with_the_agreed_action(partnership):
    result = import_json(ACTION_PLAN, "--publish")

    action = AgencyAction.objects.get(
        recommendation__review_id=result["page_id"], agency=partnership["agencies"]["Police"]
    )
    assert action.description.startswith("Roll out Operation Encompass to all schools")
