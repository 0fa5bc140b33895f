"""The tracker's rules hold whichever way a change comes in: the action page, the API or a
spreadsheet return all go through the same service."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from learning import services
from learning.models import AgencyAction

from .conftest import client_for
from .factories import AgencyActionFactory

pytestmark = pytest.mark.django_db


def _post_on_page(user, action):
    return client_for(user).post(
        f"/tracker/actions/{action.pk}/",
        {"note": "Met the designated nurse.", "status": action.status, "version": action.version},
    )


def _post_by_api(user, action):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(
        f"/api/learning/actions/{action.pk}/updates/",
        {"note": "Met the designated nurse.", "status": action.status, "version": action.version},
        format="json",
    )


def _post_by_spreadsheet(user, action):
    client = client_for(user)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/tracker/returns/template.csv").content.decode("utf-8-sig"))
        )
    )
    for row in rows:
        row["Progress note"] = "Met the designated nurse."
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("return.csv", buffer.getvalue().encode())
    return client.post("/tracker/returns/upload/", {"file": upload})


@pytest.mark.parametrize("post", [_post_on_page, _post_by_api, _post_by_spreadsheet])
@pytest.mark.parametrize("rag", ["", "amber"])
def test_a_progress_update_that_does_not_pick_a_rag_leaves_it_as_it_was(
    police, police_lead, post, rag
):
    action = AgencyActionFactory(agency=police, status=AgencyAction.Status.IN_PROGRESS, rag=rag)

    response = post(police_lead, action)

    assert response.status_code in (200, 201, 302), response.content
    action.refresh_from_db()
    assert action.version == 2
    assert action.rag == rag
    assert action.updates.latest().rag == rag


def test_the_update_form_offers_to_leave_the_rag_unchanged_and_selects_that(police, police_lead):
    action = AgencyActionFactory(agency=police, rag="")

    html = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()

    assert '<option value="" selected>Leave unchanged (now not set)</option>' in html
    assert '<option value="red" selected>' not in html


def _return_with(client, changes):
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/tracker/returns/template.csv").content.decode("utf-8-sig"))
        )
    )
    for row in rows:
        row.update(changes.get(int(row["Action id"]), {}))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("return.csv", buffer.getvalue().encode())
    return client.post("/tracker/returns/upload/", {"file": upload})


def test_a_spreadsheet_due_date_is_a_request_the_business_unit_decides(
    police, police_lead, business_unit
):
    overdue = AgencyActionFactory(
        agency=police,
        original_due_date=datetime.date(2020, 1, 31),
        current_due_date=datetime.date(2020, 1, 31),
    )
    client = client_for(police_lead)

    response = _return_with(
        client, {overdue.pk: {"New due date": "2099-12-31", "Reason": "Staff shortages."}}
    )

    assert response.status_code == 200, response.content
    overdue.refresh_from_db()
    assert overdue.current_due_date == datetime.date(2020, 1, 31)
    assert AgencyAction.objects.overdue().filter(pk=overdue.pk).exists()
    assert not overdue.updates.exists() and overdue.version == 1
    page = client.get(f"/tracker/actions/{overdue.pk}/").content.decode()
    assert "Pending" in page and "31 December 2099" in page

    # A second date while the first waits is refused, as on the page, and nothing is written.
    again = _return_with(
        client, {overdue.pk: {"New due date": "2099-06-30", "Reason": "Still short."}}
    )
    assert again.status_code == 400
    assert "already has a request for more time waiting" in again.content.decode()
    assert overdue.extension_requests.count() == 1

    extension = overdue.extension_requests.get()
    services.decide_extension(extension, business_unit, accept=True, note="Agreed.")
    overdue.refresh_from_db()
    assert overdue.current_due_date == datetime.date(2099, 12, 31)
    assert overdue.original_due_date == datetime.date(2020, 1, 31)


def test_a_spreadsheet_cannot_bring_a_due_date_forward(police, police_lead):
    action = AgencyActionFactory(agency=police)
    earlier = action.current_due_date - datetime.timedelta(days=5)

    response = _return_with(
        client_for(police_lead),
        {action.pk: {"New due date": earlier.isoformat(), "Reason": "Sooner."}},
    )

    assert response.status_code == 400
    assert "must be later than the current one" in response.content.decode()
    assert not action.extension_requests.exists()
