"""A review imported with its action plan keeps the agreed action all the way: the business unit
imports it and submits it for approval, the business manager approves it, and the lead agency's
action says what was agreed, due when the plan said."""

import re
from pathlib import Path

import pytest

from learning import permissions
from learning.models import AgencyAction
from reviews.models import ReviewPage

from ..factories import AgencyFactory, UserFactory, agency_lead
from .conftest import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "reviews" / "dhr-action-plan-tables.docx"


def _sign_in_to_admin(page, username):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def _press(page, button):
    """Press a button of the editor's action menu, opening the menu first where it is inside."""
    if not button.is_visible():
        page.get_by_role("button", name="More actions").click()
    button.click()


def test_an_imported_action_plan_reaches_the_lead_agency_after_approval(browser_page, settings):
    # No broker here: the web process's background catch-up reads the upload, as in production.
    settings.CATCH_UP_IN_PROCESS_SECONDS = 600
    police = AgencyFactory(name="Northshire Police", short_name="NP", sector="police")
    AgencyFactory(name="Integrated Care Board", short_name="ICB", sector="health")
    UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)
    UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    agency_lead(police, "police-lead")
    page = browser_page

    _sign_in_to_admin(page, "business-unit")
    page.goto("/admin/reviews/import/")
    page.get_by_label("Review document").set_input_files(str(PLAN))
    page.get_by_label("Kind").select_option("dhr")
    page.get_by_label("Title").fill("Domestic homicide review: Adult A")
    page.get_by_role("button", name="Find the recommendations").click()

    # The reading happens in the background; the page follows it and then shows what was found.
    page.get_by_role("heading", name="Check what was found").wait_for(timeout=60_000)
    first = page.locator("fieldset").first
    assert (
        first.get_by_label("Agreed action")
        .input_value()
        .startswith("Add questions about the children")
    )
    assert first.get_by_label("Target date").input_value() == "2023-12-31"
    assert first.get_by_text("the target date 31 December 2023 has already passed").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Create the draft review").first.click()
    page.wait_for_url("**/admin/pages/*/edit/")

    _press(page, page.get_by_role("button", name=re.compile("^Submit to")).first)
    page.wait_for_load_state()
    assert not AgencyAction.objects.exists()  # nothing is live yet

    _sign_in_to_admin(page, "business-manager")
    review_id = ReviewPage.objects.get(title="Domestic homicide review: Adult A").pk
    page.goto(f"/admin/pages/{review_id}/edit/")
    _press(page, page.locator('[data-workflow-action-name="approve"]').first)
    page.wait_for_url("**/admin/pages/*/")

    action = AgencyAction.objects.get(agency=police)
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill("police-lead")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"/tracker/actions/{action.pk}/")
    body = page.locator("main").inner_text()
    assert "Add questions about the children" in body
    assert "31 December 2023" in body or "31 Dec 2023" in body
