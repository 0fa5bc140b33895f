"""The editor and its emails speak of the partnership and of approving, sending back and
publishing, not of Wagtail, "moderation" or the host's name; the business manager's queue lists
what waits for their approval."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import WorkflowState

from learning import queues

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
    default_partnership,
)
from .test_publishing import BRIEFING_FORM, _officer_drafts_and_submits

pytestmark = pytest.mark.django_db

PARTNERSHIP = "Kirklees Safeguarding Children Partnership"


@pytest.fixture(autouse=True)
def partnership():
    first = default_partnership()
    first.name = PARTNERSHIP
    first.save()


def awaiting(user):
    built = {entry["section"].key: entry for entry in queues.build(queues.BUSINESS_UNIT, user)}
    return built.get("awaiting_approval")


def test_the_admin_dashboard_is_headed_with_the_partnerships_name(business_manager):
    html = client_for(business_manager).get("/admin/").content.decode()
    assert re.search(r"<h1[^>]*>\s*" + re.escape(PARTNERSHIP) + r"\s*</h1>", html)
    assert f"<title>Dashboard - {PARTNERSHIP}</title>" in html
    assert "localhost" not in html
    assert f"on the {PARTNERSHIP} site" in html


def test_the_editors_sign_in_page_names_the_partnership(client):
    html = client.get("/admin/login/").content.decode()
    assert f"- {PARTNERSHIP}</title>" in html


def test_the_approval_email_names_the_partnership_and_says_approve_not_moderation(
    business_unit, business_manager, settings
):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True  # so both parts are checked
    mail.outbox.clear()
    _officer_drafts_and_submits(business_unit, ThemeFactory())
    (email,) = [message for message in mail.outbox if business_manager.email in message.to]
    assert email.subject == f'Please approve: "{BRIEFING_FORM["title"]}" – {PARTNERSHIP}'
    (html,) = [body for body, kind in email.alternatives if kind == "text/html"]
    for text in (email.body, html):
        assert PARTNERSHIP in text
        assert "moderation" not in text.lower()
        assert "approve" in text and "send it back" in text


def test_sending_back_emails_the_officer_in_the_partnerships_words(business_unit, business_manager):
    page = _officer_drafts_and_submits(business_unit, ThemeFactory())
    mail.outbox.clear()
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "reject", task_state.pk])
    client_for(business_manager).post(url, {"comment": "Add the local procedure."})
    (email,) = [message for message in mail.outbox if business_unit.email in message.to]
    assert email.subject.startswith("Sent back for changes: ")
    assert "Add the local procedure." in email.body and PARTNERSHIP in email.body
    assert "moderation" not in email.body.lower() and "rejected" not in email.body.lower()


def test_approve_and_publish_in_the_editor_says_published(business_unit, business_manager):
    theme = ThemeFactory()
    page = _officer_drafts_and_submits(business_unit, theme)
    client = client_for(business_manager)
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    editor = client.get(edit).content.decode()
    assert "Approve and publish" in editor and "Send back for changes" in editor
    response = client.post(
        edit,
        BRIEFING_FORM
        | {
            "themes": [theme.pk],
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "has been approved and published" in html
    assert "has been updated" not in html
    page.refresh_from_db()
    assert page.live


def test_the_business_managers_queue_lists_each_review_waiting_for_their_approval(
    business_unit, business_manager, django_assert_max_num_queries
):
    reviews = []
    for title in ("LCSPR: Child J", "LCSPR: Child K"):
        review = ReviewPageFactory(title=title, live=False)
        review.save_revision(user=business_unit)
        review.get_workflow().start(review, business_unit)
        reviews.append(review)
    entry = awaiting(business_manager)
    assert [item.title for item in entry["items"]] == ["LCSPR: Child J", "LCSPR: Child K"]
    assert entry["items"][0].url == reverse("wagtailadmin_pages:edit", args=[reviews[0].pk])
    assert "sent for approval by business-unit" in entry["items"][0].detail

    client = client_for(business_manager)
    with django_assert_max_num_queries(60) as few:
        html = client.get("/tracker/business-unit/").content.decode()
    assert "Waiting for your approval" in html and "LCSPR: Child K" in html
    review = ReviewPageFactory(title="LCSPR: Child L", live=False)
    review.save_revision(user=business_unit)
    review.get_workflow().start(review, business_unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/tracker/business-unit/")


def test_an_officer_who_does_not_approve_has_no_approval_section(business_unit):
    assert awaiting(business_unit) is None
    html = client_for(business_unit).get("/tracker/business-unit/").content.decode()
    assert "Waiting for your approval" not in html


def test_each_action_page_names_its_recommendation_in_the_title(police, police_lead):
    review = ReviewPageFactory(title="LCSPR: Child J")
    titles = set()
    for number in ("1", "2"):
        recommendation = RecommendationFactory(review=review, number=number)
        action = AgencyActionFactory(agency=police, recommendation=recommendation)
        html = client_for(police_lead).get(action.get_absolute_url()).content.decode()
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert f"recommendation {number} of LCSPR: Child J" in title
        titles.add(title)
    assert len(titles) == 2


def test_approving_a_briefing_scheduled_for_later_says_when_it_will_be_published(
    business_unit, business_manager, client
):
    """Approval of a page with a go-live date publishes nothing yet: the approver and the officer
    are told the date, not "published" (nor "goes on to the next approval", as there is none)."""
    import datetime

    from django.utils import timezone

    from reviews.models import BriefingPage

    from .test_publishing import _add_briefing_url, _edit_url

    theme = ThemeFactory()
    later = timezone.localtime() + datetime.timedelta(days=10)
    later = later.replace(hour=9, minute=0, second=0, microsecond=0)
    form = BRIEFING_FORM | {"themes": [theme.pk], "go_live_at": f"{later:%Y-%m-%d %H:%M}"}
    officer = client_for(business_unit)
    assert officer.post(_add_briefing_url(), form).status_code == 302
    page = BriefingPage.objects.get(slug=BRIEFING_FORM["slug"])
    assert officer.post(_edit_url(page), form | {"action-submit": "Submit"}).status_code == 302
    mail.outbox.clear()

    response = client_for(business_manager).post(
        _edit_url(page),
        form | {"action-workflow-action": "true", "workflow-action-name": "approve"},
        follow=True,
    )

    when = f"{later:%-d %B %Y} at 09:00"
    html = response.content.decode()
    assert f"has been approved and will be published on {when}" in html
    assert "goes on to the next approval" not in html
    page.refresh_from_db()
    assert not page.live
    assert client.get("/briefings/safer-sleeping-after-a-house-move/").status_code == 404
    (email,) = [message for message in mail.outbox if business_unit.email in message.to]
    assert email.subject.startswith(f"Approved, to be published on {when}: ")
    assert f"has been approved and will be published on {when}" in email.body
    assert "has been approved and published" not in email.body
