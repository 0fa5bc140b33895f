"""CSV and XLSX exports: exactly what the filters show, and only what the user may see."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from learning.exports import HEADERS
from learning.models import AgencyAction

from .conftest import client_for
from .factories import AgencyActionFactory, AgencyFactory, RecommendationFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _rows(response):
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8"))))


@pytest.fixture
def actions(police, health, business_unit):
    review = ReviewPageFactory(title="LCSPR Child M", kind="lcspr")
    recommendation = RecommendationFactory(
        review=review, number="4", text="Agencies should ask about fathers."
    )
    slipped = AgencyActionFactory(
        recommendation=recommendation,
        agency=police,
        description="Brief officers on involving fathers",
        lead_officer="DI Shaw",
        status=AgencyAction.Status.IN_PROGRESS,
        rag=AgencyAction.RAG.AMBER,
        rag_set_by=business_unit,
        rag_set_at=timezone.now(),
        original_due_date=TODAY - 30 * DAY,
        current_due_date=TODAY + 15 * DAY,
    )
    assured = AgencyActionFactory(
        recommendation=recommendation,
        agency=health,
        description="Add fathers to the antenatal booking form",
        status=AgencyAction.Status.ASSURED,
    )
    other = AgencyActionFactory(
        agency=police,
        description="Review missing-from-home protocol",
        recommendation=RecommendationFactory(review=ReviewPageFactory(kind="scr")),
    )
    return {"slipped": slipped, "assured": assured, "other": other}


def test_csv_export_has_the_agreed_columns_and_values(scrutineer, actions, business_unit):
    response = client_for(scrutineer).get(reverse("learning:export_csv"), {"review_kind": "lcspr"})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _rows(response)
    assert list(rows[0]) == HEADERS
    by_id = {int(row["Action id"]): row for row in rows}
    assert set(by_id) == {actions["slipped"].pk, actions["assured"].pk}
    slipped = by_id[actions["slipped"].pk]
    assert slipped["Review"] == "LCSPR Child M"
    assert slipped["Recommendation number"] == "4"
    assert slipped["Recommendation"] == "Agencies should ask about fathers."
    assert slipped["Agency"] == "West Yorkshire Police"
    assert slipped["Lead officer"] == "DI Shaw"
    assert slipped["Slipped (days)"] == "45"
    assert slipped["Status"] == "In progress"
    assert slipped["RAG"] == "Amber"
    assert slipped["RAG set by"] == business_unit.username
    assert slipped["Assured"] == "no"
    assert by_id[actions["assured"].pk]["Assured"] == "yes"


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"category": "slipped"},
        {"review_kind": "scr"},
        {"status": "assured"},
        {"agency": "police"},
    ],
)
def test_export_rows_are_exactly_the_filtered_list(business_unit, actions, filters):
    client = client_for(business_unit)
    listed = client.get(reverse("learning:tracker_list"), filters).context["items"]
    exported = _rows(client.get(reverse("learning:export_csv"), filters))
    assert [int(row["Action id"]) for row in exported] == [action.pk for action in listed]


def test_xlsx_export_holds_the_same_rows(scrutineer, actions):
    client = client_for(scrutineer)
    response = client.get(reverse("learning:export_xlsx"), {"category": "outstanding"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = tablib.Dataset().load(response.getvalue(), format="xlsx")
    assert book.headers == HEADERS
    assert sorted(row[0] for row in book) == sorted([actions["slipped"].pk, actions["other"].pk])


def test_agency_lead_exports_only_their_own_agencys_actions(police_lead, actions, health):
    client = client_for(police_lead)
    rows = _rows(client.get(reverse("learning:export_csv")))
    assert {row["Agency"] for row in rows} == {"West Yorkshire Police"}
    assert "Add fathers to the antenatal booking form" not in str(rows)
    # Naming another agency is refused, never widened.
    response = client.get(reverse("learning:export_csv"), {"agency": health.slug})
    assert response.status_code == 400
    assert b"antenatal" not in response.content


def test_practitioner_cannot_export(practitioner, actions):
    assert client_for(practitioner).get(reverse("learning:export_csv")).status_code == 403
    assert client_for(practitioner).get(reverse("learning:export_xlsx")).status_code == 403


def test_bad_filter_gets_a_clear_message(scrutineer, actions):
    response = client_for(scrutineer).get(reverse("learning:export_csv"), {"due_from": "soon"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


@pytest.mark.parametrize("count", [2, 15])
def test_export_runs_a_fixed_number_of_queries(scrutineer, django_assert_max_num_queries, count):
    recommendation = RecommendationFactory()
    for _ in range(count):
        AgencyActionFactory(recommendation=recommendation, agency=AgencyFactory())
    client = client_for(scrutineer)
    with django_assert_max_num_queries(8):
        rows = _rows(client.get(reverse("learning:export_csv")))
    assert len(rows) == count


def test_xlsx_export_has_real_date_cells_and_a_readable_header(scrutineer, actions):
    response = client_for(scrutineer).get(reverse("learning:export_xlsx"), {"category": "slipped"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    headers = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(headers, sheet[2], strict=True)}
    assert row["Original due date"].is_date and row["Current due date"].is_date
    assert row["Original due date"].value.date() == TODAY - 30 * DAY
    assert row["Current due date"].value.date() == TODAY + 15 * DAY
    assert row["Slipped (days)"].value == 45
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_would_start_a_formula_stays_text_in_every_export(scrutineer, police, start):
    hostile = f'{start}HYPERLINK("http://evil.example/","Click")'
    recommendation = RecommendationFactory(text=hostile)
    AgencyActionFactory(recommendation=recommendation, agency=police, description=hostile)
    client = client_for(scrutineer)

    [row] = _rows(client.get(reverse("learning:export_csv")))
    assert row["Recommendation"] == "'" + hostile
    assert row["Description"] == "'" + hostile

    response = client.get(reverse("learning:export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    values = [
        cell for cell in sheet[2] if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert len(values) == 2
    assert all(cell.data_type == "s" and cell.value == "'" + hostile for cell in values)
