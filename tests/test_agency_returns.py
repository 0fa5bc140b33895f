"""Agency leads send their returns as spreadsheets: they download a template of their open actions,
fill it in and upload it; every row is checked, then all are applied or none."""

import csv
import datetime
import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from learning import services
from learning.models import AgencyAction, ProgressUpdate
from learning.spreadsheets import stream_xlsx

from .conftest import client_for
from .factories import AgencyActionFactory

pytestmark = pytest.mark.django_db

TEMPLATE_XLSX = "/tracker/returns/template.xlsx"
TEMPLATE_CSV = "/tracker/returns/template.csv"
UPLOAD = "/tracker/returns/upload/"


@pytest.fixture
def police_actions(police):
    return [
        AgencyActionFactory(agency=police, description="Train call handlers on domestic abuse."),
        AgencyActionFactory(agency=police, description="Share missing episodes with social care."),
        AgencyActionFactory(agency=police, description="Audit return home interviews."),
    ]


@pytest.fixture
def health_action(health):
    return AgencyActionFactory(agency=health, description="Ask who lives in the household.")


def later(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return workbook, workbook.active


def xlsx_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload(client, name, data):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


def column(sheet, name):
    headers = [cell.value for cell in sheet[1]]
    return headers.index(name) + 1


def test_agency_lead_downloads_a_template_of_only_their_agencys_open_actions(
    police_lead, police_actions, health_action
):
    closed = AgencyActionFactory(
        agency=police_actions[0].agency, status=AgencyAction.Status.CLOSED, description="Closed."
    )

    rows = read_csv(client_for(police_lead).get(TEMPLATE_CSV))

    assert list(rows[0].keys()) == [
        "Action id",
        "Version",
        "Agency",
        "Recommendation",
        "Description",
        "Current due date",
        "Status",
        "RAG",
        "Progress note",
        "New due date",
        "Reason",
    ]
    assert sorted(int(row["Action id"]) for row in rows) == sorted(a.pk for a in police_actions)
    assert str(health_action.pk) not in {row["Action id"] for row in rows}
    assert str(closed.pk) not in {row["Action id"] for row in rows}
    assert rows[0]["Status"] == "Not started" and rows[0]["Version"] == "1"


def test_template_for_one_agency_and_refused_for_an_agency_the_lead_does_not_lead(
    police_lead, police_actions, health_action, police, health
):
    client = client_for(police_lead)
    response = client.get(TEMPLATE_XLSX, {"agency": police.slug})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="return-police-')
    _, sheet = read_xlsx(response)
    assert sheet.max_row == 1 + len(police_actions)

    assert client.get(TEMPLATE_XLSX, {"agency": health.slug}).status_code == 404


def test_round_trip_export_edit_import_gives_the_expected_history(police_lead, police_actions):
    client = client_for(police_lead)
    workbook, sheet = read_xlsx(client.get(TEMPLATE_XLSX))
    by_id = {sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1)}
    first, second, untouched = police_actions
    revised = later(120)
    row = by_id[first.pk]
    sheet.cell(row, column(sheet, "Status")).value = "In progress"
    sheet.cell(row, column(sheet, "RAG")).value = "Amber"
    sheet.cell(row, column(sheet, "Progress note")).value = "Half the call handlers trained."
    sheet.cell(row, column(sheet, "New due date")).value = revised.isoformat()
    sheet.cell(row, column(sheet, "Reason")).value = "Training venue cancelled in March."
    row = by_id[second.pk]
    sheet.cell(row, column(sheet, "Status")).value = "Complete"
    sheet.cell(row, column(sheet, "RAG")).value = "green"
    sheet.cell(row, column(sheet, "Progress note")).value = "Protocol signed by both agencies."

    response = upload(client, "return.xlsx", xlsx_bytes(workbook))

    assert response.status_code == 200, response.context["form"].errors
    html = response.content.decode()
    assert "2 progress updates applied." in html
    assert "1 request for more time sent to the business unit, pending its decision." in html
    assert "1 unchanged row skipped." in html
    first.refresh_from_db()
    second.refresh_from_db()
    untouched.refresh_from_db()
    due_before = first.original_due_date
    # The new due date waits for the business unit: nothing moves until it decides.
    assert (first.status, first.rag, first.current_due_date, first.version) == (
        "in_progress",
        "amber",
        due_before,
        2,
    )
    extension = first.extension_requests.get()
    assert (extension.new_due_date, extension.reason, extension.decision) == (
        revised,
        "Training venue cancelled in March.",
        "pending",
    )
    assert extension.requested_by == police_lead
    assert (second.status, second.rag, second.version) == ("complete", "green", 2)
    assert untouched.version == 1 and not untouched.updates.exists()
    update = first.updates.get()
    assert update.author == police_lead
    assert update.kind == ProgressUpdate.Kind.UPDATE
    assert update.note == "Half the call handlers trained."
    assert update.due_date == due_before
    assert first.rag_set_by == police_lead


def test_round_trip_with_csv(police_lead, police_actions):
    client = client_for(police_lead)
    response = client.get(TEMPLATE_CSV)
    rows = read_csv(response)
    headers = list(rows[0].keys())
    for row in rows:
        row["Progress note"] = f"Update on {row['Action id']}."
        row["RAG"] = "Green"

    result = upload(client, "return.csv", csv_bytes(rows, headers))

    assert "3 progress updates applied." in result.content.decode()
    assert ProgressUpdate.objects.filter(author=police_lead).count() == 3
    assert set(AgencyAction.objects.values_list("rag", flat=True)) == {"green"}


def test_semicolon_separated_csv_from_excel_is_read(police_lead, police_actions):
    client = client_for(police_lead)
    rows = read_csv(client.get(TEMPLATE_CSV))
    headers = list(rows[0].keys())
    rows[0]["Progress note"] = "Trained; next cohort in May."
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)

    response = upload(client, "return.csv", buffer.getvalue().encode("cp1252"))

    assert "1 progress update applied." in response.content.decode()
    assert ProgressUpdate.objects.get().note == "Trained; next cohort in May."


def test_template_download_runs_a_fixed_number_of_queries(
    police_lead, police, django_assert_max_num_queries
):
    AgencyActionFactory.create_batch(20, agency=police)
    client = client_for(police_lead)
    with django_assert_max_num_queries(8):
        response = client.get(TEMPLATE_CSV)
    assert len(read_csv(response)) == 20


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_applied(
    police_lead, police_actions, health_action
):
    client = client_for(police_lead)
    rows = read_csv(client.get(TEMPLATE_CSV))
    headers = list(rows[0].keys())
    good, bad_status, bad_date = rows
    good["Progress note"] = "All call handlers trained."
    bad_status["Status"] = "Assured"
    bad_status["RAG"] = "Purple"
    bad_status["Progress note"] = "Done."
    bad_date["Progress note"] = "Delayed."
    bad_date["New due date"] = later(200).isoformat()
    other_agency = dict(good, **{"Action id": str(health_action.pk), "Progress note": "Mine now."})
    repeated = dict(good, **{"Progress note": "Again."})
    not_a_date = dict(bad_date, **{"Action id": good["Action id"], "New due date": "next week"})
    upload_rows = [good, bad_status, bad_date, other_agency, repeated, not_a_date]

    response = upload(client, "return.csv", csv_bytes(upload_rows, headers))

    assert response.status_code == 400
    problems = {(problem.row, problem.column) for problem in response.context["result"].problems}
    assert problems == {
        (3, "Status"),
        (3, "RAG"),
        (4, "Reason"),
        (5, "Action id"),
        (6, "Action id"),
        (7, "Action id"),
        (7, "New due date"),
    }
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "You cannot set the status to “Assured”." in html
    assert "“Purple” is not a RAG rating" in html
    assert "A new due date later than the current one needs a reason." in html
    assert f"“{health_action.pk}” is not an action of an agency you can update." in html
    assert "“next week” is not a date" in html
    assert ProgressUpdate.objects.count() == 0
    assert set(AgencyAction.objects.values_list("version", flat=True)) == {1}


def test_a_stale_row_is_reported_not_applied(police_lead, police_actions, business_unit):
    client = client_for(police_lead)
    rows = read_csv(client.get(TEMPLATE_CSV))
    headers = list(rows[0].keys())
    for row in rows:
        row["Progress note"] = "Progress this quarter."
    # The business unit posts on the first action after the lead downloaded the template.
    first = police_actions[0]
    services.post_update(first, business_unit, version=1, note="Chased by the business unit.")

    response = upload(client, "return.csv", csv_bytes(rows, headers))

    assert response.status_code == 400
    [problem] = response.context["result"].problems
    assert problem.column == "Version"
    assert f"Action {first.pk} has changed since the template was downloaded" in problem.message
    assert ProgressUpdate.objects.filter(author=police_lead).count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("return.png", b"\x89PNG\r\n", "returns must be a .csv or .xlsx file"),
        ("return.xlsx", b"\x89PNG\r\n\x1a\n", "this is not an Excel .xlsx file"),
        ("return.csv", b"Action id,Status\n1,Complete\n", "the columns Version, RAG"),
        ("return.xlsx", b"PK\x03\x04not really a workbook", "the workbook could not be read"),
    ],
)
def test_wrong_kind_of_file_is_refused_and_changes_nothing(
    police_lead, police_actions, name, data, message
):
    response = upload(client_for(police_lead), name, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ProgressUpdate.objects.count() == 0


def test_agency_lead_uploading_a_return_with_the_status_column_twice_is_told_the_heading_and_nothing_is_saved(  # noqa: E501
    police_lead, police_actions
):
    client = client_for(police_lead)
    workbook, sheet = read_xlsx(client.get(TEMPLATE_XLSX))
    sheet.cell(2, column(sheet, "Progress note"), "Trained the first cohort.")
    sheet.cell(2, column(sheet, "Status"), "In progress")
    # A second "Status" column pasted at the end, saying something else.
    extra = sheet.max_column + 1
    sheet.cell(1, extra, "Status")
    sheet.cell(2, extra, "Complete")

    response = upload(client, "return.xlsx", xlsx_bytes(workbook))

    assert response.status_code == 400
    page = response.content.decode()
    assert "the heading “Status” is in more than one column (G and L)" in page
    assert ProgressUpdate.objects.count() == 0
    assert set(AgencyAction.objects.values_list("status", flat=True)) == {"not_started"}


def test_oversized_return_is_refused(police_lead, police_actions):
    response = upload(client_for(police_lead), "return.csv", b"x" * (2 * 1024 * 1024 + 1))

    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()


def test_upload_page_offers_the_templates_for_each_agency_the_lead_leads(
    police_lead, police_actions, police
):
    html = client_for(police_lead).get(UPLOAD).content.decode()
    assert f"{TEMPLATE_XLSX}?agency={police.slug}" in html
    assert '<label for="id_file">Filled-in return</label>' in html


def test_agency_leads_action_list_links_to_the_templates_and_the_upload(
    police_lead, police_actions
):
    html = client_for(police_lead).get("/tracker/actions/").content.decode()
    for url in (TEMPLATE_XLSX, TEMPLATE_CSV, UPLOAD):
        assert f'href="{url}"' in html


def test_only_agency_leads_and_the_business_unit_handle_returns(
    practitioner, scrutineer, anonymous_client
):
    for url in (TEMPLATE_CSV, TEMPLATE_XLSX, UPLOAD):
        assert anonymous_client.get(url).status_code == 302
        assert client_for(practitioner).get(url).status_code == 403
        assert client_for(scrutineer).get(url).status_code == 403


def test_business_unit_template_covers_every_agency(business_unit, police_actions, health_action):
    rows = read_csv(client_for(business_unit).get(TEMPLATE_CSV))
    assert len(rows) == len(police_actions) + 1


def recompressed(xlsx):
    """The same workbook packed as tightly as zip allows."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as packed,
    ):
        for member in source.namelist():
            packed.writestr(member, source.read(member))
    return buffer.getvalue()


def _time_and_memory(work):
    """(result, seconds, peak bytes allocated): timed on one run, memory traced on a second,
    since tracing slows the work it measures."""
    begin = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - begin
    tracemalloc.start()
    try:
        work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


def test_a_csv_of_200000_commas_and_2000_blank_lines_is_refused_quickly_in_little_memory(
    police_lead, police_actions
):
    hostile = b"," * 200_000 + b"\n" * 2000

    response, elapsed, peak = _time_and_memory(
        lambda: upload(client_for(police_lead), "return.csv", hostile)
    )

    assert response.status_code == 400
    assert "the columns Action id, Version, Status, RAG" in response.content.decode()
    assert "Download a new template" in response.content.decode()
    assert elapsed < 2 and peak < 60 * 1024 * 1024
    assert ProgressUpdate.objects.count() == 0


def test_a_csv_header_of_many_named_columns_is_refused(police_lead, police_actions):
    header = ",".join(f"Column {number}" for number in range(5000)).encode()
    response = upload(client_for(police_lead), "return.csv", header + b"\n1,2\n")
    assert response.status_code == 400
    assert "its first row has 5,000 columns; the template has 11." in response.content.decode()


def test_a_csv_with_an_oversized_cell_or_too_many_rows_is_refused(police_lead, police_actions):
    client = client_for(police_lead)
    header = b"Action id,Version,Status,RAG,Progress note,New due date,Reason\n"

    huge_cell = upload(client, "return.csv", header + b"1,1,,," + b"x" * 20_000 + b",,\n")
    many_rows = upload(client, "return.csv", header + b"1,1,,,,,\n" * 6000)

    assert "has a cell longer than 10,000 characters" in huge_cell.content.decode()
    assert "it has more than 5,000 rows" in many_rows.content.decode()
    assert ProgressUpdate.objects.count() == 0


def test_an_xlsx_of_300000_rows_is_refused_quickly(police_lead, police_actions):
    header = ["Action id", "Version", "Status", "RAG", "Progress note", "New due date", "Reason"]
    rows = ([1, "", "", "", "", "", ""] for _ in range(300_000))
    workbook = recompressed(b"".join(stream_xlsx("Agency return", header, rows)))
    assert len(workbook) < 2 * 1024 * 1024  # small enough to be accepted for reading

    response, elapsed, peak = _time_and_memory(
        lambda: upload(client_for(police_lead), "return.xlsx", workbook)
    )

    assert response.status_code == 400
    assert "it has more than 5,000 rows" in response.content.decode()
    assert elapsed < 5 and peak < 100 * 1024 * 1024
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("column", ["Action id", "Version"])
@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999999", "-1", "0"])
def test_a_row_with_an_odd_id_or_version_is_reported_not_a_server_error(
    police_lead, police_actions, column, value
):
    client = client_for(police_lead)
    rows = read_csv(client.get(TEMPLATE_CSV))
    rows[0]["Progress note"] = "Trained."
    rows[0][column] = value

    response = upload(client, "return.csv", csv_bytes(rows, list(rows[0])))

    assert response.status_code == 400
    [problem] = response.context["result"].problems
    assert problem.column == column
    assert ProgressUpdate.objects.count() == 0


def test_the_xlsx_template_helps_the_person_filling_it_in(police_lead, police_actions):
    workbook, sheet = read_xlsx(client_for(police_lead).get(TEMPLATE_XLSX))

    assert workbook.sheetnames == ["Agency return", "Instructions"]
    guide = " ".join(str(cell.value) for (cell,) in workbook["Instructions"].iter_rows())
    assert "Fill in only the yellow columns" in guide
    assert "sent to the business unit as a request" in guide
    headers = [cell.value for cell in sheet[1]]
    lists = {
        headers[sheet[str(validation.sqref).split(":")[0]].column - 1]: validation.formula1
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
    }
    assert lists == {"Status": '"Not started,In progress,Complete"', "RAG": '"Red,Amber,Green"'}
    editable = {cell.value for cell in sheet[1] if cell.fill.fgColor.rgb.endswith("FFF2CC")}
    assert editable == {"Status", "RAG", "Progress note", "New due date", "Reason"}
    assert all(cell.comment is not None for cell in sheet[1])
    due = sheet.cell(2, column(sheet, "Current due date"))
    assert due.is_date and due.value.date() == police_actions[0].current_due_date
    assert sheet.column_dimensions["E"].width >= 40  # the description can be read
    assert sheet.freeze_panes == "A2"


def test_templates_neutralise_text_that_would_start_a_formula(police_lead, police):
    hostile = '=HYPERLINK("http://evil.example/","Click")'
    AgencyActionFactory(agency=police, description=hostile)
    client = client_for(police_lead)

    [row] = read_csv(client.get(TEMPLATE_CSV))
    _, sheet = read_xlsx(client.get(TEMPLATE_XLSX))

    assert row["Description"] == "'" + hostile
    cell = sheet.cell(2, column(sheet, "Description"))
    assert cell.data_type == "s" and cell.value == "'" + hostile
