"""A practitioner and a partnership member read the hub in Chromium; axe-core checks each page
against WCAG 2.2 AA and finds nothing serious or critical."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from learning import permissions
from learning.models import Recommendation

from ..factories import (
    AgencyFactory,
    BriefingPageFactory,
    ReviewPageFactory,
    ThemeFactory,
    UserFactory,
    agency_lead,
)
from .conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    # Serialized rollback puts back the site's root, home page and listings after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def partnership():
    """A small published partnership: themes, agencies, a rapid review, an LCSPR, a briefing."""
    neglect = ThemeFactory(name="Neglect")
    voice = ThemeFactory(name="Voice of the child")
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")
    health = AgencyFactory(
        name="Calderdale and Huddersfield NHS Foundation Trust", short_name="CHFT", sector="health"
    )
    lcspr = ReviewPageFactory(
        title="Child J: local child safeguarding practice review",
        kind="lcspr",
        child_pseudonym="Child J",
        summary="Learning about neglect and the voice of the child.",
        findings="Practitioners did not **see the child** on their own.",
    )
    lcspr.themes.set([neglect, voice])
    lcspr.save_revision().publish()
    rapid = ReviewPageFactory(
        title="Rapid review: Child K",
        kind="rapid_review",
        visibility="partnership",
        child_pseudonym="Child K",
        incident_date=datetime.date(2024, 12, 20),
        notification_date=datetime.date(2024, 12, 30),
        rapid_review_submitted_date=datetime.date(2025, 1, 17),
        decision="lcspr",
        decision_date=datetime.date(2025, 1, 17),
    )
    rapid.themes.set([neglect])
    rapid.save_revision().publish()
    for number, text, agency in [
        ("1", "Agencies should share information about risk at the point of referral.", police),
        ("2", "Health visitors should record the child's lived experience.", health),
    ]:
        recommendation = Recommendation(
            review=rapid, number=number, text=text, sort_order=int(number)
        )
        # Parental many-to-many fields are written when the recommendation is saved.
        recommendation.themes = [neglect]
        recommendation.agencies = [agency]
        recommendation.save()
    briefing = BriefingPageFactory(
        title="Child J: 7-minute briefing",
        summary="Seeing the child on their own.",
        background="Child J lived with **neglect** for years.",
        questions="- When did you last see a child alone?\n- Who speaks for the baby?",
    )
    briefing.themes.set([neglect])
    briefing.reviews.set([lcspr])
    briefing.save_revision().publish()
    return {"lcspr": lcspr, "rapid": rapid, "briefing": briefing, "police": police}


def test_home_page_shows_the_worried_box_and_latest_learning(browser_page, partnership):
    page = browser_page
    page.goto("/")
    assert page.get_by_role("heading", name="Worried about a child?").is_visible()
    assert page.get_by_role("link", name="Child J: 7-minute briefing").is_visible()
    assert page.get_by_role(
        "link", name="Child J: local child safeguarding practice review"
    ).is_visible()
    assert page.get_by_role("link", name="Rapid review: Child K").count() == 0
    assert page.get_by_role("searchbox", name="Search past learning").is_visible()
    assert_accessible(page)


def test_public_reviews_listing_filtered_to_rapid_reviews_shows_none_of_the_partnerships(
    browser_page, partnership
):
    page = browser_page
    page.goto("/reviews/")
    assert page.get_by_role("heading", name="Reviews", exact=True).is_visible()
    assert_accessible(page)
    page.get_by_label("Kind").select_option(label="Rapid review")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "0 reviews" in page.get_by_role("status").inner_text()
    assert_accessible(page)


def test_partnership_member_reads_a_rapid_review_with_its_timeline(browser_page, partnership):
    agency_lead(partnership["police"], "police-lead")
    page = browser_page
    sign_in(page, "police-lead")
    page.goto(partnership["rapid"].url)
    assert page.get_by_role("heading", name="Rapid review: Child K").is_visible()
    timeline = page.get_by_role("table", name="Statutory deadlines for this review")
    notification = timeline.get_by_role("row", name="Notification to the national Panel")
    # Learned of on Friday 20 December 2024: five working days skip a weekend, Christmas Day and
    # Boxing Day, so the notification sent on 30 December met its deadline of 31 December.
    cells = notification.get_by_role("cell").all_inner_texts()
    assert cells[1:] == ["31 Dec 2024", "30 Dec 2024", "Met"]
    sent_to_panel = timeline.get_by_role("row", name="Rapid review sent to the Panel")
    assert sent_to_panel.get_by_role("cell").all_inner_texts()[1:] == [
        "21 Jan 2025",
        "17 Jan 2025",
        "Met",
    ]
    recommendations = page.get_by_role("region", name="Recommendations")
    assert "Recommendation 1." in recommendations.inner_text()
    assert "West Yorkshire Police" in recommendations.inner_text()
    assert recommendations.get_by_role("link", name="Neglect").count() == 2
    assert_accessible(page)


def test_practitioner_cannot_open_a_partnership_only_review(browser_page, partnership):
    UserFactory(username="practitioner", role=permissions.PRACTITIONERS)
    page = browser_page
    sign_in(page, "practitioner")
    response = page.goto(partnership["rapid"].url)
    assert response.status == 403
    assert "Child K" not in page.content()


def test_practitioner_reads_a_briefing_and_its_print_view(browser_page, partnership):
    page = browser_page
    briefing = partnership["briefing"]
    page.goto(briefing.url)
    assert page.get_by_role("heading", name="Child J: 7-minute briefing", level=1).is_visible()
    parts = page.locator(".briefing-part h2").all_inner_texts()
    assert [text.split(" ", 1)[1] for text in parts] == [
        "Background",
        "Why it matters",
        "Information",
        "Learning",
        "Questions for reflection",
        "What to do",
        "Further information",
    ]
    assert page.get_by_text("Who speaks for the baby?", exact=True).is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Print view").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{briefing.url}print/")
    assert page.get_by_role("heading", name="Child J: 7-minute briefing").is_visible()
    assert page.get_by_role("heading", name="7 Further information").is_visible()
    assert_accessible(page)
    # The print layout fits one sheet of A4.
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert len(pdf.pages) == 1


def test_sign_in_themes_and_briefings_pages_are_accessible(browser_page, partnership):
    page = browser_page
    for url, heading in [
        ("/login/", "Sign in"),
        ("/briefings/", "7-minute briefings"),
        (reverse("theme_index"), "Themes"),
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        assert_accessible(page)


def test_practitioner_searches_and_narrows_by_theme_on_an_accessible_page(
    browser_page, partnership
):
    page = browser_page
    page.goto("/search/?q=neglected")
    assert page.get_by_role("heading", name="Search past learning", level=1).is_visible()
    results = page.locator("main").inner_text()
    assert "Child J: 7-minute briefing" in results
    assert "Child K" not in results  # partnership-only, never shown to an anonymous visitor
    assert_accessible(page)
    page.get_by_label("Neglect", exact=False).first.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "theme=neglect" in page.url
    assert_accessible(page)


def test_tracker_pages_are_accessible_to_the_scrutineer_and_an_agency_lead(
    browser_page, partnership
):
    from learning.models import AgencyAction

    from ..factories import AgencyActionFactory

    recommendation = Recommendation.objects.get(review=partnership["rapid"], number="1")
    action = AgencyActionFactory(
        recommendation=recommendation,
        agency=partnership["police"],
        description="Audit referrals for information about risk.",
        status=AgencyAction.Status.COMPLETE,
    )
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    agency_lead(partnership["police"], "police-lead")
    page = browser_page

    sign_in(page, "scrutineer")
    for url in (
        reverse("learning:dashboard"),
        reverse("learning:tracker_list"),
        reverse("recurrence_report"),
    ):
        assert page.goto(url).status == 200, url
        assert_accessible(page)
    assert page.goto(action.get_absolute_url()).status == 200
    assert page.get_by_text("Audit referrals for information about risk.").first.is_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, "police-lead")
    assert page.goto(reverse("learning:my_actions")).status == 200
    assert page.get_by_text("Audit referrals for information about risk.").first.is_visible()
    assert_accessible(page)


def test_practitioner_is_offered_a_respelling_and_saves_an_alert_on_accessible_pages(
    browser_page, partnership
):
    UserFactory(username="practitioner", role=permissions.PRACTITIONERS)
    page = browser_page
    sign_in(page, "practitioner")
    page.goto("/search/?q=neglet")
    assert page.get_by_text("Did you mean").is_visible()
    assert "Child J: 7-minute briefing" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Email me new learning for this search").click()
    page.wait_for_load_state()
    assert page.get_by_label("Words to search for").input_value() == "neglet"
    page.get_by_label("Words to search for").fill("neglect")
    page.get_by_label("As soon as it is published").check()
    page.get_by_role("button", name="Save the alert").click()
    page.wait_for_load_state()
    assert page.get_by_text("New learning for “neglect” · as soon as it is published").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= 390")


def test_a_visitor_reads_the_adults_boards_section_on_an_accessible_page(browser_page):
    from ..factories import PartnershipFactory, review_index_of

    board = PartnershipFactory(name="Kirklees Safeguarding Adults Board")
    ReviewPageFactory(
        parent=review_index_of(board),
        title="Safeguarding adults review: Adult D",
        kind="sar",
        summary="Self-neglect and hoarding.",
    ).save_revision().publish()
    page = browser_page
    page.goto(board.section.url)
    assert page.get_by_role("heading", name="Kirklees Safeguarding Adults Board").is_visible()
    assert page.get_by_role("heading", name="Worried about an adult?").is_visible()
    assert page.get_by_role("heading", name="Worried about a child?").count() == 0
    assert page.get_by_role("link", name="Safeguarding adults review: Adult D").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= 390")
