"""The tracker's rules hold whichever way a change comes in: the action page, the API or a
spreadsheet return all go through the same service."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from learning import reminders, services
from learning.models import AgencyAction, Recommendation
from search.documents import recommendation_document

from .conftest import client_for
from .factories import AgencyActionFactory, RecommendationFactory, ReviewPageFactory

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


DAY = datetime.timedelta(days=1)


@pytest.fixture
def every_kind_of_action(police):
    """One action for each way an action can stand, each on its own recommendation of one review
    (an agency has one action per recommendation; every action belongs to a review's or a Section
    11 cycle's partnership, or no one would see it)."""
    today = timezone.localdate()
    review = ReviewPageFactory(title="LCSPR: Child K")

    def action(name, status, original, current=None):
        return AgencyActionFactory(
            recommendation=RecommendationFactory(review=review),
            agency=police,
            description=f"Action {name}",
            status=status,
            original_due_date=today + original * DAY,
            current_due_date=today + (original if current is None else current) * DAY,
        )

    status = AgencyAction.Status
    actions = {
        "late": action("late", status.IN_PROGRESS, -1),
        "due today": action("due today", status.NOT_STARTED, 0),
        "complete after its date": action("complete after its date", status.COMPLETE, -30),
        "moved later": action("moved later", status.IN_PROGRESS, -40, 10),
        "assured after moving": action("assured after moving", status.ASSURED, -60, -20),
        "late after moving": action("late after moving", status.NOT_STARTED, -20, -5),
        "closed": action("closed", status.CLOSED, -90),
    }
    return actions["late"].recommendation, actions


def test_every_surface_agrees_on_overdue_outstanding_slipped_and_complete_but_unassured(
    every_kind_of_action, police, police_lead, business_unit, mailoutbox
):
    recommendation, actions = every_kind_of_action
    today = timezone.localdate()
    by_name = {action.description.removeprefix("Action "): action.pk for action in actions.values()}
    expected = {
        "outstanding": {"late", "due today", "moved later", "late after moving"},
        "overdue": {"late", "late after moving"},
        "slipped": {"moved later", "assured after moving", "late after moving"},
        "complete_unassured": {"complete after its date"},
        "assured": {"assured after moving"},
    }
    expected = {key: {by_name[name] for name in names} for key, names in expected.items()}
    queryset = {
        "outstanding": AgencyAction.objects.outstanding(),
        "overdue": AgencyAction.objects.overdue(today),
        "slipped": AgencyAction.objects.slipped(),
        "complete_unassured": AgencyAction.objects.complete_unassured(),
        "assured": AgencyAction.objects.assured(),
    }
    assert {key: set(rows.values_list("pk", flat=True)) for key, rows in queryset.items()} == (
        expected
    )

    overseer = client_for(business_unit)
    dashboard = overseer.get("/tracker/dashboard/").context
    agency_page = overseer.get(f"/tracker/agencies/{police.slug}/").context
    digest = reminders.digest_context(today)
    for key, ids in expected.items():
        figures = {category["key"]: category for category in dashboard["categories"]}
        assert figures[key]["count"] == len(ids), key
        [shown] = [listed for listed in dashboard["lists"] if listed["key"] == key]
        assert {action.pk for action in shown["actions"]} == ids, key
        assert agency_page["counts"][key] == len(ids), key
        assert digest["counts"][key] == len(ids), key
        listed = overseer.get("/tracker/list/", {"category": key}).context["items"]
        assert {action.pk for action in listed} == ids, key
        exported = overseer.get("/tracker/export.csv", {"category": key}).getvalue().decode()
        assert {int(row["Action id"]) for row in csv.DictReader(io.StringIO(exported))} == ids

    # Row flags: every list, the API and the single action page read the same rule.
    flagged = {
        "overdue": expected["overdue"],
        "slipped": expected["slipped"],
    }
    rows = overseer.get("/tracker/list/").context["items"]
    my_rows = client_for(police_lead).get("/tracker/actions/").context["actions"]
    api = APIClient()
    api.force_authenticate(police_lead)
    api_rows = api.get("/api/learning/actions/").json()["results"]
    assert {
        row["id"] for row in api.get("/api/learning/actions/?overdue=true").json()["results"]
    } == (expected["overdue"])
    assert {
        row["id"] for row in api.get("/api/learning/actions/?overdue=false").json()["results"]
    } == set(by_name.values()) - expected["overdue"]
    for rows_seen in (rows, my_rows):
        assert {row.pk for row in rows_seen if row.is_overdue} == flagged["overdue"]
        assert {row.pk for row in rows_seen if row.has_slipped} == flagged["slipped"]
    assert {row["id"] for row in api_rows if row["is_overdue"]} == flagged["overdue"]
    assert {row["id"] for row in api_rows if row["has_slipped"]} == flagged["slipped"]
    single = {pk: AgencyAction.objects.get(pk=pk) for pk in by_name.values()}
    assert {pk for pk, action in single.items() if action.is_overdue} == flagged["overdue"]
    assert {pk for pk, action in single.items() if action.has_slipped} == flagged["slipped"]

    # Reminders: the overdue email lists exactly the overdue actions.
    assert reminders.send_overdue_reminders(today) == 1
    [email] = mailoutbox
    reminded = {name for name in by_name if f"Action {name}\n" in email.body + "\n"}
    assert {by_name[name] for name in reminded} == expected["overdue"]

    # Search takes a recommendation's status from the model's rule.
    assert recommendation.progress == Recommendation.Progress.OUTSTANDING
    assert recommendation_document(recommendation).status == recommendation.progress


BAD_FILTERS = [
    ({"agency": "²"}, "Agency: “²” is not one of the agencies you can see."),
    ({"review": "9" * 30}, f"Review: “{'9' * 30}” is not a review with tracked actions."),
    ({"review": "²"}, "Review: “²” is not a review with tracked actions."),
    ({"status": "finished"}, "Status: Select a valid choice."),
    ({"due_from": "soon"}, "Due from: Enter a valid date."),
    ({"overdue": "maybe"}, "Overdue: “maybe” is not true or false."),
]
PAGES = ["/tracker/actions/", "/tracker/list/", "/tracker/dashboard/", "/tracker/export.csv"]


@pytest.mark.parametrize(("params", "message"), BAD_FILTERS)
def test_a_bad_filter_gets_the_same_clear_answer_on_every_page_and_the_api(
    police, business_unit, params, message
):
    AgencyActionFactory(agency=police, description="Audit referrals for neglect")
    client = client_for(business_unit)

    for page in PAGES:
        response = client.get(page, params)
        html = response.content.decode()
        assert response.status_code == 400, page
        assert response["Content-Type"].startswith("text/html"), page
        assert "There is a problem with the filters" in html, page
        assert message in html, page
        assert "Audit referrals for neglect" not in html, page

    api = APIClient()
    api.force_authenticate(business_unit)
    response = api.get("/api/learning/actions/", params)
    assert response.status_code == 400
    [(field, [problem])] = response.json().items()
    assert field == next(iter(params))
    assert problem.startswith(message.split(": ", 1)[1])  # the same words as the pages


def test_the_leads_list_keeps_its_filters_from_page_to_page(police, police_lead):
    for number in range(55):
        AgencyActionFactory(agency=police, description=f"Train team {number}", status="in_progress")
    AgencyActionFactory(agency=police, description="Finished work", status="complete")
    client = client_for(police_lead)

    first = client.get("/tracker/actions/", {"status": "in_progress"})
    html = first.content.decode()
    assert 'href="?status=in_progress&amp;page=2"' in html
    second = client.get("/tracker/actions/", {"status": "in_progress", "page": 2})
    assert second.status_code == 200
    assert len(second.context["actions"]) == 5
    assert all(action.status == "in_progress" for action in second.context["actions"])
