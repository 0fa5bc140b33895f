"""A new user's first jobs, in Chromium: new work reaches the agency lead at once, the business
manager finds what waits for their approval, a challenge gives a date to answer by, an empty alert
is refused in a person's words, the editor and its emails speak of the partnership, and a form
error takes the reader straight to the error summary."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import WorkflowState

from learning import permissions, services
from learning.models import AgencyAction, ProgressUpdate
from reviews.models import ReviewPage

from ..factories import (
    AgencyActionFactory,
    AgencyFactory,
    RecommendationFactory,
    ReviewPageFactory,
    UserFactory,
    agency_lead,
    default_partnership,
)
from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PARTNERSHIP = "Kirklees Safeguarding Children Partnership"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def due_in(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def police():
    return AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")


@pytest.fixture
def officer():
    return UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)


@pytest.fixture
def manager():
    from django.contrib.auth.models import Group

    user = UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    user.groups.add(Group.objects.get(name=permissions.BUSINESS_UNIT))
    return user


@pytest.fixture
def partnership():
    first = default_partnership()
    first.name = PARTNERSHIP
    first.save()
    return first


def sent_for_approval(title, officer, agencies=()):
    """A draft review an officer has sent for the business manager's approval."""
    review = ReviewPageFactory(title=title, live=False)
    if agencies:
        recommendation = RecommendationFactory(
            review=review, text="Police should hold strategy discussions the same day."
        )
        recommendation.agencies.set(agencies)
        recommendation.save()  # the agencies are the page's own relation, stored on save
    review.save_revision(user=officer)
    review.get_workflow().start(review, officer)
    return review


def section(page, key):
    return page.locator(f"#queue-{key}").locator("xpath=..")


def test_the_police_lead_sees_a_newly_approved_reviews_action_on_my_work_at_once(
    browser_page, police, officer, manager
):
    agency_lead(police, "police-lead")
    review = sent_for_approval("LCSPR: Child J", officer, agencies=[police])
    WorkflowState.objects.get(object_id=str(review.pk)).current_task_state.approve(user=manager)
    action = AgencyAction.objects.get(agency=police)
    assert action.current_due_date > due_in(14)  # not due soon: only "New to you" shows it

    page = browser_page
    sign_in(page, "police-lead")
    page.wait_for_url("**/tracker/my-work/")
    new = section(page, "new_to_you")
    assert new.get_by_role("link", name=action.description).is_visible()
    assert "LCSPR: Child J" in new.inner_text()


def test_the_business_managers_landing_page_lists_a_review_sent_for_approval(
    browser_page, officer, manager, partnership
):
    review = sent_for_approval("LCSPR: Child K", officer)
    page = browser_page
    sign_in(page, "business-manager")
    page.wait_for_url("**/tracker/business-unit/")
    waiting = section(page, "awaiting_approval")
    assert "Waiting for your approval" in waiting.inner_text()
    waiting.get_by_role("link", name="LCSPR: Child K").click()
    page.wait_for_url(f"**/admin/pages/{review.pk}/edit/")

    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/$"))
    said = page.get_by_role("status").first.inner_text()
    assert "has been approved and published" in said
    assert "updated" not in said
    assert ReviewPage.objects.get(pk=review.pk).live


def test_a_challenged_past_due_action_is_answer_due_not_overdue_and_the_answer_takes_a_file(
    browser_page, police
):
    lead = agency_lead(police, "police-lead")
    scrutineer = UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    action = AgencyActionFactory(
        agency=police,
        description="Audit strategy discussions",
        original_due_date=due_in(-10),
        current_due_date=due_in(-10),
    )
    services.post_update(action, lead, version=action.version, status="complete", note="Done.")
    services.challenge_action(action, scrutineer, note="Show what the audit found.")

    page = browser_page
    sign_in(page, "police-lead")
    page.wait_for_url("**/tracker/my-work/")
    answer_due = f"Challenged — answer due {due_in(28):%-d %B %Y}"
    assert answer_due in section(page, "challenged").inner_text()
    assert "Audit strategy discussions" not in section(page, "overdue").inner_text()
    assert "Overdue" not in section(page, "challenged").inner_text()

    section(page, "challenged").get_by_role("link", name="Audit strategy discussions").click()
    assert page.get_by_text(answer_due).is_visible()
    answer = page.locator("section", has=page.get_by_role("heading", name="Answer the scrutineer"))
    answer.get_by_label("Your answer to the challenge").fill("The audit's findings are attached.")
    answer.get_by_label("Evidence").set_input_files(
        files=[{"name": "audit-findings.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    answer.get_by_role("button", name="Send answer").click()
    assert page.get_by_text("Your answer is on the action").is_visible()
    reply = ProgressUpdate.objects.get(action=action, kind=ProgressUpdate.Kind.REPLY)
    assert [file.original_name for file in reply.evidence.all()] == ["audit-findings.pdf"]


def test_an_empty_alert_is_refused_in_a_persons_words(browser_page):
    UserFactory(username="practitioner", role=permissions.PRACTITIONERS)
    page = browser_page
    sign_in(page, "practitioner")
    page.goto("/alerts/")
    page.get_by_role("button", name="Save the alert").click()
    summary = page.locator(".error-summary")
    assert "Give some words to search for, or choose a theme." in summary.inner_text()
    body = page.locator("main").inner_text()
    assert "Constraint" not in body and "violated" not in body
    assert "alert_has_words_or_theme" not in page.content()


def test_the_admin_dashboard_and_the_approval_email_carry_the_partnerships_name(
    browser_page, officer, manager, partnership
):
    mail.outbox.clear()
    sent_for_approval("LCSPR: Child L", officer)
    (email,) = [message for message in mail.outbox if manager.email in message.to]
    for text in (email.subject, email.body, *[body for body, _ in email.alternatives]):
        assert PARTNERSHIP in text
        assert "moderation" not in text.lower()
    assert "approve" in email.body and "send it back" in email.body

    page = browser_page
    sign_in(page, "business-manager")
    page.goto("/admin/")
    assert page.get_by_role("heading", name=PARTNERSHIP, level=1).is_visible()
    assert PARTNERSHIP in page.title()
    main = page.locator("main").inner_text()
    assert "localhost" not in main and "localhost" not in page.title()


def test_a_form_error_moves_focus_to_the_error_summary_and_names_it_in_the_title(
    browser_page, police
):
    agency_lead(police, "police-lead")
    action = AgencyActionFactory(agency=police, description="Train MASH staff")
    page = browser_page
    sign_in(page, "police-lead")
    page.goto(action.get_absolute_url())
    title = page.title()
    assert not title.startswith("Error: ")
    page.get_by_role("button", name="Add update").click()
    page.wait_for_load_state()
    assert page.title() == f"Error: {title}"
    assert "error-summary" in page.evaluate("document.activeElement.className")
    focused_text = page.evaluate("document.activeElement.innerText")
    assert "There is a problem" in focused_text and "Note: This field is required." in focused_text
