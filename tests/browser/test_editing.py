"""The business manager writes a 7-minute briefing in the Wagtail admin, publishes it, and
practitioners can read it on the public site."""

import pytest

from learning import permissions
from reviews.models import BriefingIndexPage, BriefingPage

from ..factories import UserFactory
from .conftest import assert_accessible

pytestmark = [
    pytest.mark.browser,
    # Serialized rollback puts back the site's root, home page and listings after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEVEN_PARTS = {
    "background": "Baby L was three months old when admitted to hospital with a head injury.",
    "why_it_matters": "Non-accidental injury in babies is rare but devastating.",
    "information": "Neither parent was asked about the father's history.",
    "learning": "Professionals focused on the mother and did not **involve the father**.",
    "questions": "- Do you know who lives in the home?\n- Have you met the father?",
    "what_to_do": "Ask about every adult in the household at each contact.",
    "further_information": "See the partnership's procedure on working with fathers.",
}


def test_business_manager_creates_and_publishes_a_briefing_in_the_admin(browser_page):
    UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    index = BriefingIndexPage.objects.get()
    page = browser_page

    page.goto("/admin/login/")
    page.locator("#id_username").fill("business-manager")
    page.locator("#id_password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")

    page.goto(f"/admin/pages/{index.pk}/")
    page.get_by_role("link", name="Add child page").first.click()
    page.wait_for_url("**/add/reviews/briefingpage/**")
    page.locator("#id_title").fill("Involving fathers: 7-minute briefing")
    page.locator("#id_summary").fill("Ask about every adult in the household.")
    for field, text in SEVEN_PARTS.items():
        page.locator(f"#id_{field}").fill(text)

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**/admin/pages/{index.pk}/")
    assert "created and published" in page.get_by_role("status").first.inner_text()

    briefing = BriefingPage.objects.get(title="Involving fathers: 7-minute briefing")
    assert briefing.live
    assert briefing.get_parent().pk == index.pk

    # A member of the public, not signed in, reads it on the site.
    page.context.clear_cookies()
    page.goto(briefing.url)
    assert page.get_by_role("heading", name="Involving fathers: 7-minute briefing").is_visible()
    assert page.locator("strong", has_text="involve the father").is_visible()
    assert page.get_by_text("Have you met the father?", exact=True).is_visible()
    assert_accessible(page)

    page.goto("/briefings/")
    assert page.get_by_role("link", name="Involving fathers: 7-minute briefing").is_visible()
