"""The importer reads review documents in the layouts partnerships publish: each labelled
document in tests/fixtures/reviews gives exactly the recommendations written down beside it."""

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviews.importer.evaluate import labelled_documents
from reviews.importer.readers import read_document
from reviews.importer.recommendations import find_recommendations
from reviews.models import ReviewPage

from .factories import AgencyFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"
LABELLED = list(labelled_documents(FIXTURES))


def test_the_labelled_set_covers_ten_layouts_in_every_format():
    assert len(LABELLED) >= 10
    assert {path.suffix for path, _ in LABELLED} == {".txt", ".md", ".docx", ".pdf"}


@pytest.mark.parametrize(("path", "wanted"), LABELLED, ids=[p.name for p, _ in LABELLED])
def test_each_document_gives_the_recommendations_written_down_for_it(path, wanted):
    reading = find_recommendations(read_document(path.name, path.read_bytes()))

    found = [
        {
            "number": r.number,
            "section": r.section,
            "first_words": " ".join(r.text.splitlines()[0].split()[:4]),
            "last_words": " ".join(r.text.split()[-3:]),
            "lines": [" ".join(line.split()) for line in r.text.splitlines()],
            "notes": r.notes,
        }
        for r in reading.recommendations
    ]
    assert found == [
        {
            "number": expected["number"],
            "section": expected["section"],
            "first_words": expected["first_words"],
            "last_words": expected["last_words"],
            # The wording (after a title, if it has one), then each sub-item on a line of its own.
            "lines": [" ".join(line.split()) for line in expected["text"].splitlines()],
            "notes": expected["notes"],
        }
        for expected in wanted
    ]
    for recommendation, expected in zip(reading.recommendations, wanted, strict=True):
        if expected["sub_items"]:
            tail = recommendation.text.splitlines()[-len(expected["sub_items"]) :]
            assert tail == expected["sub_items"]


def test_evaluate_prints_precision_recall_and_exact_wording_per_document_and_overall():
    out = io.StringIO()
    call_command("import_review", str(FIXTURES), "--evaluate", stdout=out)
    lines = out.getvalue().splitlines()

    # The development part first (the documents the rules were worked out on), then the
    # held-out part, then each part's total and the whole set's.
    assert lines[0] == f"development part ({len(LABELLED)} documents)"
    assert lines[1].split() == ["document", "expected", "found", "precision", "recall", "exact",
                                "text"]  # fmt: skip
    assert any(line.startswith("commission-2009.txt") for line in lines)
    assert any(line.startswith("held-out part (") for line in lines)
    total = str(sum(len(wanted) for _, wanted in LABELLED))
    development_total = ["development", "total", total, total, "1.00", "1.00", "1.00"]
    assert lines[-3].split() == development_total
    assert lines[-2].split()[:2] == ["held-out", "total"]
    assert lines[-1].split()[0] == "overall"


def test_the_2009_commission_report_reconciles_chapter_and_final_lists():
    path = FIXTURES / "commission-2009.txt"
    reading = find_recommendations(read_document(path.name, path.read_bytes()))

    numbers = [r.number for r in reading.recommendations]
    assert numbers == [str(n) for n in range(1, 9)]  # no chapter heading taken for an item
    differing = [w for w in reading.warnings if "worded differently" in w]
    assert [w.split()[1] for w in differing] == ["2", "8"]
    assert not any("not in the final list" in w for w in reading.warnings)
    # The final list's wording is the record.
    second = reading.recommendations[1]
    assert "within 24 hours" in second.text
    # The options the Commission considered are not recommendations.
    assert not any("neighbouring authority" in r.text for r in reading.recommendations)


def test_a_chapter_recommendation_dropped_from_the_final_list_is_named(tmp_path):
    report = (
        "# Review: Child V\n\n## 2. Neglect\n\n### Recommendations\n\n"
        "1. Health visitors should use the neglect toolkit at every visit.\n"
        "2. Schools should record attendance concerns about siblings.\n\n"
        "## 4. Summary of recommendations\n\n"
        "1. Health visitors should use the neglect toolkit at every visit and home.\n"
    )
    reading = find_recommendations(read_document("v.md", report.encode()))

    assert [r.number for r in reading.recommendations] == ["1", "2"]
    assert reading.recommendations[0].text.endswith("at every visit and home.")
    assert any(
        "Recommendation 2 appears under “2. Neglect” but not in the final list" in w
        for w in reading.warnings
    )


@pytest.mark.django_db
def test_action_plan_rows_bring_their_lead_agency_action_and_due_date(tmp_path):
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")
    out = io.StringIO()
    call_command("import_review", str(FIXTURES / "action-plan.md"), "--json", stdout=out)
    result = json.loads(out.getvalue())

    first = result["recommendations"][0]
    assert first["agencies"] == [police.name]
    assert first["proposed_action"] == (
        "Roll out Operation Encompass to all schools\nReport take-up to the Partnership"
    )
    assert first["due_date"] == "2021-03-31"
    assert result["recommendations"][1]["due_date"] == "2021-06-30"
    page = ReviewPage.objects.get(pk=result["page_id"])
    assert str(page.recommendations.get(number="3").due_date) == "2021-09-30"


def _zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (100 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_word_file_whose_text_unpacks_to_100_mb_is_refused_quickly(tmp_path):
    bomb = tmp_path / "huge.docx"
    bomb.write_bytes(_zip_bomb())
    assert bomb.stat().st_size < 1024 * 1024

    started = time.perf_counter()
    with pytest.raises(CommandError, match=r"^huge\.docx: the Word document unpacks to more"):
        call_command("import_review", str(bomb))
    assert time.perf_counter() - started < 5  # it took 36 s and 467 MB before
    assert ReviewPage.objects.count() == 0


@pytest.mark.django_db
def test_plain_text_larger_than_a_report_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"The board met.\n" * 700_000)
    with pytest.raises(CommandError, match=r"^big\.txt: the text is too large"):
        call_command("import_review", str(big))


def test_a_pdf_with_an_absurd_page_count_is_refused_before_it_is_read(monkeypatch):
    from pypdf import PdfWriter

    from reviews.importer import ReviewImportError, readers

    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    monkeypatch.setattr(readers, "MAX_PDF_PAGES", 3)
    with pytest.raises(ReviewImportError, match="has 4 pages; the importer reads up to 3"):
        read_document("bundle.pdf", buffer.getvalue())


def test_a_page_number_left_in_extracted_text_does_not_split_or_join_recommendations():
    report = (
        "Review of Child N\n\nRecommendations\n\n"
        "1. Police should share notifications with schools within one day.\n"
        "2. Schools should tell the social worker about absences\n\n"
        "Page 7 of 12\n\n"
        "within two school days.\n"
        "3. The Partnership should audit the escalation policy.\n"
    )
    reading = find_recommendations(read_document("n.txt", report.encode()))

    assert [r.text for r in reading.recommendations] == [
        "Police should share notifications with schools within one day.",
        "Schools should tell the social worker about absences within two school days.",
        "The Partnership should audit the escalation policy.",
    ]


def test_hostile_documents_are_read_in_bounded_time():
    documents = {
        "long-line.md": "a" + " " * 200_000 + "x\n",
        "no-full-stops.md": "## Recommendations\n\n" + "the steps " * 100_000 + ":\n\n1. Go.\n",
        "thousands.md": "## Recommendations\n\n"
        + "".join(f"{n}. The board should act on item {n} and report.\n" for n in range(1, 999))
        * 4,
    }
    for name, text in documents.items():
        started = time.perf_counter()
        reading = find_recommendations(read_document(name, text.encode()))
        assert time.perf_counter() - started < 5, name
    assert len(reading.recommendations) == 998  # the four copies of one list are one list


def test_chapter_names_inside_a_numbered_final_list_are_its_groups_not_items():
    report = (
        "Report of the Inquiry into Child Protection in Westshire\n\n"
        "12. Summary of Recommendations\n\n"
        "3. Information Sharing\n"
        "1. The Board should agree one information sharing protocol.\n"
        "2. Police should notify social care of domestic abuse within one working day.\n"
        "4. Child Protection Conference System and Protection Plans\n"
        "3. Conferences should be held within 15 working days.\n"
    )
    reading = find_recommendations(read_document("westshire.txt", report.encode()))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "3. Information Sharing"),
        ("2", "3. Information Sharing"),
        ("3", "4. Child Protection Conference System and Protection Plans"),
    ]


def test_short_recommendations_are_kept_and_lists_of_topics_are_not():
    report = (
        "# Rapid review: Child S\n\n## Recommendations\n\n"
        "1. Refresh neglect training.\n2. Audit strategy discussions.\n\n"
        "## Themes\n\nThe partnership's recommendations over three years were about:\n\n"
        "- Information exchange\n- The impact of neglect in families\n- Disguised compliance\n"
    )
    reading = find_recommendations(read_document("s.md", report.encode()))

    assert [r.text for r in reading.recommendations] == [
        "Refresh neglect training.",
        "Audit strategy discussions.",
    ]
    assert any("short phrases" in skipped for skipped in reading.skipped)


def test_an_action_plan_set_out_one_table_per_recommendation_brings_its_actions():
    path = FIXTURES / "dhr-action-plan-tables.docx"
    reading = find_recommendations(read_document(path.name, path.read_bytes()))

    first, second = reading.recommendations
    assert first.lead == "Northshire Police"
    assert str(first.due_date) == "2023-12-31"
    assert first.proposed_action.splitlines() == [
        "Add questions about the children to the risk assessment form",
        "Train MARAC representatives in the new questions",
    ]
    assert (second.lead, str(second.due_date)) == ("Integrated Care Board", "2024-06-30")


def test_lists_numbered_afresh_for_each_agency_are_not_taken_for_restatements():
    report = (
        "# Learning review: Child U\n\n## Recommendations\n\nFor the Police:\n\n"
        "1. Officers should see every child at a domestic abuse incident.\n"
        "2. Notifications should reach the school before the next school day.\n\n"
        "For health partners:\n\n"
        "1. Health visitors should ask about every adult in the household.\n"
    )
    reading = find_recommendations(read_document("u.md", report.encode()))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "For the Police"),
        ("2", "For the Police"),
        ("1", "For health partners"),
    ]


def test_should_paragraphs_are_not_recommendations_where_the_report_numbers_its_own():
    report = (
        "# Rapid review: Child Z\n\n## Conclusions and recommendations\n\n"
        "Professionals should be aware that Child Z was rarely seen alone.\n\n"
        "## Recommendations\n\n"
        "All agencies should share this review with their staff.\n\n"
        "1. The Partnership should audit strategy discussions.\n"
        "2. Schools should record the child's own words.\n"
    )
    reading = find_recommendations(read_document("z.md", report.encode()))

    assert [(r.number, r.text[:20]) for r in reading.recommendations] == [
        ("1", "The Partnership shou"),
        ("2", "Schools should recor"),
    ]


def test_an_initial_inside_a_wrapped_paragraph_is_not_a_lettered_recommendation():
    report = (
        "Serious Case Review: Child Y\n\nRecommendations\n\n"
        "A. The LSCB should ask the designated doctor, currently\n"
        "J. Smith, to review the bruising protocol.\n\n"
        "B. Schools should record the child's own words.\n"
    )
    reading = find_recommendations(read_document("y.txt", report.encode()))

    assert [r.number for r in reading.recommendations] == ["A", "B"]
    assert reading.recommendations[0].text.endswith("J. Smith, to review the bruising protocol.")


def test_a_findings_narrative_is_not_read_as_recommendations_where_the_section_has_a_list():
    report = (
        "# LCSPR: Child R\n\n## Findings and recommendations\n\n### Finding 1: The household\n\n"
        "Agencies should be aware that the mother moved four times in a year.\n\n"
        "Recommendation 1: The Partnership should audit household checks.\n\n"
        "### Finding 2: Drift\n\n"
        "Practitioners should remember that the plan did not change for a year.\n\n"
        "## Next steps\n\nThe Partnership will publish a briefing.\n"
    )
    reading = find_recommendations(read_document("r.md", report.encode()))

    assert [r.text for r in reading.recommendations] == [
        "The Partnership should audit household checks."
    ]


def test_areas_for_improvement_that_ask_agencies_to_act_are_recommendations():
    report = (
        "# Learning review: Child K\n\n## Areas for improvement\n\n"
        "1. The Partnership should audit strategy discussions.\n"
        "2. Schools should record what children say.\n\n"
        "## What went well\n\n1. Health visitors were persistent.\n2. The school was curious.\n"
    )
    reading = find_recommendations(read_document("k.md", report.encode()))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "Areas for improvement"),
        ("2", "Areas for improvement"),
    ]


def _saved(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_numbering_that_prints_recommendation_n_gives_clean_wording():
    import docx
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_heading("Recommendations", level=1)
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {ns} w:abstractNumId="70"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="decimal"/><w:lvlText w:val="Recommendation %1:"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {ns} w:numId="71"><w:abstractNumId w:val="70"/></w:num>'))
    for text in ("The Partnership should audit strategy discussions.", "Schools should listen."):
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {ns}><w:ilvl w:val="0"/><w:numId w:val="71"/></w:numPr>')
        )
    reading = find_recommendations(read_document("w.docx", _saved(document)))

    assert [(r.number, r.text) for r in reading.recommendations] == [
        ("1", "The Partnership should audit strategy discussions."),
        ("2", "Schools should listen."),
    ]


def test_pdf_recommendations_carried_over_pages_with_footnotes_and_title_case_agencies():
    from weasyprint import HTML

    wording = (
        "Children's Social Care, Northshire Police, The Integrated Care Board and Schools should "
        "agree How They Share Information About Child {n} With The Partnership Before The Next "
        "Review Meeting."
    )
    items = "".join(f"<li>{wording.format(n=n)}</li>" for n in range(1, 6))
    html = (
        "<html><head><style>@page { size: A6; margin: 1.5cm;"
        " @bottom-center { content: 'Page ' counter(page) } } .note { float: footnote;"
        " font-size: 7pt }</style></head><body><h1>LCSPR: Child S</h1><h2>Recommendations</h2>"
        "<p>The review makes five recommendations.<span class='note'>Working Together to "
        f"Safeguard Children 2018.</span></p><ol>{items}</ol></body></html>"
    )
    reading = find_recommendations(read_document("s.pdf", HTML(string=html).write_pdf()))

    assert [(r.number, r.text) for r in reading.recommendations] == [
        (str(n), wording.format(n=n)) for n in range(1, 6)
    ]


def test_a_word_report_whose_headings_are_bold_paragraphs_gives_its_recommendations():
    import docx

    document = docx.Document()
    for text, bold in (
        ("Learning Review: Child D", True),
        ("Background", True),
        ("Child D lived with her grandmother. Agencies should have known this.", False),
        ("Recommendations", True),
        ("1. The Partnership should audit kinship care assessments.", False),
        ("2. Schools should ask who looks after the child.", False),
        ("Glossary", True),
        ("1. SGO: special guardianship order", False),
    ):
        document.add_paragraph().add_run(text).bold = bold
    reading = find_recommendations(read_document("d.docx", _saved(document)))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "Recommendations"),
        ("2", "Recommendations"),
    ]


@pytest.mark.parametrize(
    "heading", ["RECOMMENDATIONS\n", "Recommendations:\n\n"], ids=["list-straight-after", "colon"]
)
def test_a_plain_text_recommendations_title_set_tight_above_its_list_is_a_heading(heading):
    report = (
        "Serious Case Review: Child F\n\nAnalysis\n\nThe family moved often.\n\n"
        f"{heading}1. The LSCB should audit strategy discussions.\n"
        "2. Schools should record what children say.\n\nCONCLUSION\n\nThe LSCB agreed.\n"
    )
    reading = find_recommendations(read_document("f.txt", report.encode()))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", heading.strip().rstrip(":")),
        ("2", heading.strip().rstrip(":")),
    ]


def test_a_ruled_pdf_table_whose_row_is_cut_by_the_page_break_gives_the_whole_row():
    from weasyprint import HTML

    topics = ["neglect", "bruising", "fathers", "escalation", "housing", "school absence",
              "mental health", "substance misuse", "exploitation", "missing episodes",
              "domestic abuse", "pre-birth work"]  # fmt: skip
    wording = (
        "The Partnership should seek assurance from each agency that its learning about {topic} "
        "has changed practice, with evidence from audit and from what children say, and report "
        "this to the executive group."
    )
    rows = "".join(
        f"<tr><td>{n}</td><td>{wording.format(topic=topic)}</td><td>Children's Services</td>"
        "<td>March 2025</td></tr>"
        for n, topic in enumerate(topics, start=1)
    )
    html = (
        "<html><head><style>@page { size: A4; margin: 2cm } td, th { border: 1px solid #000;"
        " padding: 4px; vertical-align: top } table { border-collapse: collapse }</style></head>"
        "<body><h1>Learning review: Child N</h1><h2>Recommendations</h2>"
        f"<p>{'The panel met twice. ' * 40}</p><table><thead><tr><th>No.</th>"
        "<th>Recommendation</th><th>Lead agency</th><th>Timescale</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
    reading = find_recommendations(read_document("n.pdf", HTML(string=html).write_pdf()))

    assert [(r.number, r.text, r.lead) for r in reading.recommendations] == [
        (str(n), wording.format(topic=topic), "Children's Services")
        for n, topic in enumerate(topics, start=1)
    ]


def test_a_word_report_whose_sections_sit_in_a_content_control_is_read():
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_heading("Learning review: Child T", level=0)
    moved = [
        document.add_heading("Recommendations", level=1)._p,
        document.add_paragraph("1. The Partnership should audit kinship care assessments.")._p,
        document.add_paragraph("2. Schools should ask who looks after the child.")._p,
    ]
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    control = parse_xml(f"<w:sdt {ns}><w:sdtPr/><w:sdtContent/></w:sdt>")
    for element in moved:
        control[1].append(element)  # moves it out of the body into the control
    document.element.body.insert(1, control)
    reading = find_recommendations(read_document("t.docx", _saved(document)))

    assert [r.text for r in reading.recommendations] == [
        "The Partnership should audit kinship care assessments.",
        "Schools should ask who looks after the child.",
    ]


def test_a_word_briefing_set_out_in_text_boxes_is_read_once():
    import docx
    from docx.oxml import parse_xml

    namespaces = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    document = docx.Document()
    document.add_heading("7-minute briefing: Child Q", level=0)
    for texts in (
        ["1. Background", "Child Q was four months old."],
        ["6. Recommendations", "The Partnership should publish bruising guidance for GPs.",
         "Health visitors should check the protocol at every contact."],
    ):  # fmt: skip
        content = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts)
        # Word writes each text box twice: as a shape and as its VML fallback.
        document.add_paragraph()._p.append(
            parse_xml(
                f'<w:r {namespaces}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
                f"<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx></w:drawing>"
                "</mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent>"
                f"{content}</w:txbxContent></v:textbox></w:pict></mc:Fallback>"
                "</mc:AlternateContent></w:r>"
            )
        )
    reading = find_recommendations(read_document("q.docx", _saved(document)))

    assert [(r.number, r.section) for r in reading.recommendations] == [
        ("1", "6. Recommendations"),
        ("2", "6. Recommendations"),
    ]
