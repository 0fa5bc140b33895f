"""Each role signs in, lands on its own queue and does the first job on it, in Chromium. axe-core
finds nothing serious or critical on each page, and no page scrolls sideways at 390 px wide."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from learning import permissions, services
from learning.models import AgencyAction, Assurance, ExtensionRequest, Invitation

from ..factories import AgencyActionFactory, AgencyFactory, UserFactory, agency_lead
from .conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE_WIDTH = 390
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def due_in(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def check_page(page):
    """Accessible, and no sideways scroll on a phone."""
    assert_accessible(page)
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {PHONE_WIDTH}px"
    page.set_viewport_size(size)


@pytest.fixture
def police():
    return AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")


def test_agency_lead_lands_on_my_work_and_updates_an_overdue_action(browser_page, police):
    lead = agency_lead(police, "police-lead")
    AgencyActionFactory(
        agency=police,
        description="Agree a same-day information-sharing route",
        original_due_date=due_in(-5),
        current_due_date=due_in(-5),
    )
    page = browser_page
    sign_in(page, "police-lead")
    page.wait_for_url("**/tracker/my-work/")
    assert page.get_by_role("heading", name="My work", level=1).is_visible()
    check_page(page)

    page.locator("#queue-overdue").locator("xpath=..").get_by_role(
        "link", name="Agree a same-day information-sharing route"
    ).click()
    page.get_by_label("Note").fill("MASH manager has agreed the route; first calls made.")
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Add update").click()
    assert page.get_by_text("Your progress update has been added").is_visible()
    assert AgencyAction.objects.get().updates.filter(author=lead).exists()


def test_business_unit_lands_on_its_queue_and_decides_an_extension(browser_page, police):
    UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)
    lead = agency_lead(police, "police-lead")
    action = AgencyActionFactory(agency=police, description="Train MASH staff")
    services.request_extension(
        action,
        lead,
        new_due_date=action.current_due_date + datetime.timedelta(days=30),
        reason="Trainer off sick until next month.",
    )
    page = browser_page
    sign_in(page, "business-unit")
    page.wait_for_url("**/tracker/business-unit/")
    assert page.get_by_text("Trainer off sick until next month.").is_visible()
    check_page(page)

    page.get_by_role("link", name="Train MASH staff").click()
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Record decision").click()
    assert page.get_by_text("The extension request has been decided").is_visible()
    assert ExtensionRequest.objects.get().decision == "accepted"


def test_scrutineer_lands_on_waiting_for_assurance_and_assures_with_one_note(browser_page, police):
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    lead = agency_lead(police, "police-lead")
    for description in ("Route agreed", "Staff trained"):
        action = AgencyActionFactory(agency=police, description=description)
        services.post_update(
            action,
            lead,
            version=action.version,
            status="complete",
            note="Done.",
            evidence=[SimpleUploadedFile(f"{description}.pdf", PDF)],
        )
    page = browser_page
    sign_in(page, "scrutineer")
    page.wait_for_url("**/tracker/assurance/")
    check_page(page)

    page.get_by_label("Police: Route agreed").check()
    page.get_by_label("Police: Staff trained").check()
    page.get_by_label("Note").fill("Audit of twenty referrals seen at the subgroup.")
    page.get_by_role("button", name="Assure the ticked actions").click()
    assert page.get_by_text("2 actions assured.").is_visible()
    assert Assurance.objects.filter(decision="assured").count() == 2


def test_business_manager_invites_a_lead_for_an_agency_that_has_none(browser_page, police):
    manager = UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    manager.groups.add(Group.objects.get(name=permissions.BUSINESS_UNIT))
    page = browser_page
    sign_in(page, "business-manager")
    page.wait_for_url("**/tracker/business-unit/")
    page.get_by_role("link", name="West Yorkshire Police").click()  # "Agencies without a lead"
    page.wait_for_url("**/tracker/people/invite/**")
    check_page(page)
    page.get_by_label("Email address").fill("ds.khan@police.example")
    page.get_by_role("button", name="Send the invitation").click()
    assert page.get_by_text("An invitation has been sent to ds.khan@police.example").is_visible()
    invitation = Invitation.objects.get()
    assert invitation.role == "agency_lead"
    assert list(invitation.agencies.all()) == [police]
    check_page(page)

    # A lead's page, with agencies whose long names fill the "move to" list, fits a phone too.
    trust = AgencyFactory(
        name="Calderdale and Huddersfield NHS Foundation Trust", short_name="CHFT"
    )
    lead = agency_lead(trust, "health-lead")
    page.goto(f"/tracker/people/{lead.pk}/")
    assert page.get_by_role("heading", name="health-lead", level=1).is_visible()
    check_page(page)


def test_practitioner_signs_in_and_sees_their_account(browser_page):
    UserFactory(username="practitioner", role=permissions.PRACTITIONERS)
    page = browser_page
    sign_in(page, "practitioner")
    page.get_by_role("link", name="Your account").click()
    assert page.get_by_text("Practitioners").is_visible()
    check_page(page)


def test_scrutineer_reads_the_change_log_and_what_each_recommendation_led_to(browser_page, police):
    from ..factories import BriefingPageFactory, LearningEventFactory, RecommendationFactory

    scrutineer = UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    lead = agency_lead(police, "police-lead")
    recommendation = RecommendationFactory()
    action = AgencyActionFactory(
        agency=police,
        recommendation=recommendation,
        description="Agree a same-day information-sharing route",
    )
    services.post_update(action, lead, version=action.version, status="complete")
    services.challenge_action(action, scrutineer, note="Show the audit.")
    BriefingPageFactory(title="Involving fathers")
    LearningEventFactory(title="Child J seminar", review=recommendation.review)
    page = browser_page
    sign_in(page, "scrutineer")
    for url, heading in (
        ("/tracker/changes/", "Change log"),
        ("/tracker/recommendations/", "What each recommendation led to"),
        ("/tracker/briefings/coverage/", "Have the briefings reached practice?"),
        ("/tracker/events/", "Learning events"),
        (action.get_absolute_url(), "Agree a same-day information-sharing route"),
    ):
        page.goto(url)
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        check_page(page)
