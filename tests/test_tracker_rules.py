"""The tracker's rules hold whichever way a change comes in: the action page, the API or a
spreadsheet return all go through the same service."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

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
        csv.DictReader(io.StringIO(client.get("/tracker/returns/template.csv").content.decode()))
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
