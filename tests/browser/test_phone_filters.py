"""Filters on a phone: the search page's and the dashboard's filters fold into a "Filter"
disclosure above the results at 390 px, and are laid out open where there is room."""

import pytest

from learning import permissions

from ..factories import ReviewPageFactory, UserFactory
from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_results_come_before_the_folded_filters(browser_page):
    review = ReviewPageFactory(title="Serious case review: Family S", summary="Chronic neglect.")
    review.save_revision().publish()
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/search/?q=neglect")
    disclosure = page.locator("summary", has_text="Filter")
    assert disclosure.is_visible()
    assert not page.get_by_role("button", name="Apply filters").is_visible()
    result = page.get_by_role("link", name="Serious case review: Family S")
    # The first screen shows the result, not a column of checkboxes.
    assert result.bounding_box()["y"] < PHONE["height"]
    disclosure.click()
    assert page.get_by_role("button", name="Apply filters").is_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/search/?q=neglect")
    assert page.get_by_role("button", name="Apply filters").is_visible()
    assert not disclosure.is_visible()


def test_on_a_phone_the_dashboard_filter_folds_away(browser_page):
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "scrutineer")
    page.goto("/tracker/dashboard/")
    assert page.locator("summary", has_text="Filter").is_visible()
    assert not page.get_by_role("button", name="Apply filters").is_visible()
    page.locator("summary", has_text="Filter").click()
    assert page.get_by_role("button", name="Apply filters").is_visible()
