"""Publishing goes through the partnership's approval workflow: an officer submits, the business
manager approves, and only then does the briefing go live."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page, WorkflowState

from home.setup import WORKFLOW_NAME, ensure_partnership_setup
from learning import permissions
from reviews.models import BriefingIndexPage, BriefingPage, ReviewIndexPage, ReviewPage

from .conftest import client_for
from .factories import BriefingPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

BRIEFING_FORM = {
    "title": "Safer sleeping after a house move",
    "slug": "safer-sleeping-after-a-house-move",
    "summary": "Why out-of-routine nights are the riskiest.",
    "visibility": "public",
    "background": "A baby died after co-sleeping on a sofa on the night of a house move.",
    "why_it_matters": "Risk is highest when routines change.",
    "information": "- Advice was given once, at birth",
    "learning": "Plans must cover out-of-routine nights.",
    "questions": "When did you last ask where the baby sleeps tonight?",
    "what_to_do": "Give safer sleeping advice at every contact.",
    "further_information": "Safer sleeping tools.",
}


def _add_briefing_url():
    index = BriefingIndexPage.objects.get()
    return reverse("wagtailadmin_pages:add", args=["reviews", "briefingpage", index.pk])


def _edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def _approve(client, page):
    state = WorkflowState.objects.get(base_content_type__isnull=False, object_id=str(page.pk))
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    return client.post(url, {"comment": "Approved for publication."})


def _officer_drafts_and_submits(officer, theme):
    client = client_for(officer)
    response = client.post(_add_briefing_url(), BRIEFING_FORM | {"themes": [theme.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = BriefingPage.objects.get(slug=BRIEFING_FORM["slug"])
    response = client.post(
        _edit_url(page), BRIEFING_FORM | {"themes": [theme.pk], "action-submit": "Submit"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return page


def test_officer_submits_a_briefing_and_it_is_not_live_until_the_manager_approves(
    business_unit, business_manager, client
):
    theme = ThemeFactory(name="Safer sleeping and SUDI")
    page = _officer_drafts_and_submits(business_unit, theme)

    page.refresh_from_db()
    assert not page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == WORKFLOW_NAME
    assert state.current_task_state.task.name == "Business manager approval"
    assert client.get("/briefings/safer-sleeping-after-a-house-move/").status_code == 404
    assert "Safer sleeping after a house move" not in client.get("/briefings/").content.decode()

    response = _approve(client_for(business_manager), page)
    assert response.status_code == 302

    page.refresh_from_db()
    assert page.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    public = client.get(page.url)
    assert public.status_code == 200
    assert "Risk is highest when routines change." in public.content.decode()
    assert "Safer sleeping after a house move" in client.get("/briefings/").content.decode()


def test_officer_cannot_publish_directly(business_unit, client):
    theme = ThemeFactory(name="Neglect")
    officer = client_for(business_unit)
    officer.post(_add_briefing_url(), BRIEFING_FORM | {"themes": [theme.pk]})
    page = BriefingPage.objects.get(slug=BRIEFING_FORM["slug"])

    edit_page = officer.get(_edit_url(page)).content.decode()
    assert 'name="action-submit"' in edit_page
    assert 'name="action-publish"' not in edit_page

    officer.post(
        _edit_url(page), BRIEFING_FORM | {"themes": [theme.pk], "action-publish": "Publish"}
    )
    page.refresh_from_db()
    assert not page.live
    assert client.get("/briefings/safer-sleeping-after-a-house-move/").status_code == 404


def test_officer_cannot_approve_their_own_submission(business_unit):
    theme = ThemeFactory(name="Neglect")
    page = _officer_drafts_and_submits(business_unit, theme)

    _approve(client_for(business_unit), page)

    page.refresh_from_db()
    assert not page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def test_manager_can_reject_and_the_briefing_stays_unpublished(business_unit, business_manager):
    theme = ThemeFactory(name="Neglect")
    page = _officer_drafts_and_submits(business_unit, theme)
    state = WorkflowState.objects.get(object_id=str(page.pk))
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[page.pk, "reject", state.current_task_state.pk],
    )

    client_for(business_manager).post(url, {"comment": "Please anonymise the background."})

    page.refresh_from_db()
    state.refresh_from_db()
    assert not page.live
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_practitioner_cannot_open_the_admin(practitioner):
    assert client_for(practitioner).get("/admin/").status_code == 302


def test_approved_review_goes_live_with_its_view_restriction(business_unit, business_manager):
    index = ReviewIndexPage.objects.get()
    officer = client_for(business_unit)
    form = {
        "title": "Rapid review: Child K",
        "slug": "rapid-review-child-k",
        "kind": "rapid_review",
        "visibility": "partnership",
        "summary": "A child was admitted with unexplained bruising.",
        "recommendations-TOTAL_FORMS": "0",
        "recommendations-INITIAL_FORMS": "0",
        "recommendations-MIN_NUM_FORMS": "0",
        "recommendations-MAX_NUM_FORMS": "1000",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "action-submit": "Submit",
    }
    response = officer.post(
        reverse("wagtailadmin_pages:add", args=["reviews", "reviewpage", index.pk]), form
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ReviewPage.objects.get(slug="rapid-review-child-k")
    assert not page.live

    _approve(client_for(business_manager), page)

    page.refresh_from_db()
    assert page.live
    assert client_for(None).get(page.url).status_code == 302  # asked to sign in
    assert page.get_view_restrictions().get().groups.filter(name=permissions.SCRUTINEERS).exists()


@pytest.mark.parametrize("total", ["²", "many"])
def test_an_odd_count_of_recommendations_is_refused_not_a_server_error(business_unit, total):
    index = ReviewIndexPage.objects.get()
    form = {
        "title": "Rapid review: Child L",
        "slug": "rapid-review-child-l",
        "kind": "rapid_review",
        "visibility": "partnership",
        "recommendations-TOTAL_FORMS": total,
        "recommendations-INITIAL_FORMS": "0",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
    }
    response = client_for(business_unit).post(
        reverse("wagtailadmin_pages:add", args=["reviews", "reviewpage", index.pk]), form
    )
    assert response.status_code == 200
    assert "The page could not be created due to validation errors" in response.content.decode()
    assert not ReviewPage.objects.filter(slug="rapid-review-child-l").exists()


def _page_permissions(group_name):
    home = Page.objects.get(depth=2)
    return set(
        GroupPagePermission.objects.filter(group__name=group_name, page=home).values_list(
            "permission__codename", flat=True
        )
    )


def _model_permissions(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_setup_gives_officers_add_and_change_but_not_publish():
    assert _page_permissions(permissions.BUSINESS_UNIT) == {"add_page", "change_page"}


def test_setup_gives_managers_publish_as_well():
    assert _page_permissions(permissions.BUSINESS_MANAGERS) == {
        "add_page",
        "change_page",
        "publish_page",
        "delete_page",
    }


def test_setup_gives_officers_documents_snippets_the_case_log_and_search_vocabulary_only():
    expected = {("wagtailadmin", "access_admin")}
    expected |= {
        ("wagtaildocs", codename)
        for codename in ("add_document", "change_document", "choose_document")
    }
    expected |= {
        ("learning", f"{action}_{model}")
        for action in ("add", "change", "view")
        for model in ("theme", "agency")
    }
    expected.add(("learning", "change_trackersettings"))
    expected |= {
        ("reviews", f"{action}_{model}")
        for action in ("add", "change", "view")
        for model in ("case", "referralreason", "partnersignoff", "informationrequest")
    }
    # The search vocabulary they keep, and which attached reports search could not read.
    expected |= {
        ("learning_search", codename)
        for codename in (
            "add_vocabularygroup",
            "change_vocabularygroup",
            "delete_vocabularygroup",
            "view_reporttext",
        )
    }
    assert _model_permissions(permissions.BUSINESS_UNIT) == expected


def test_setup_lets_only_managers_delete_themes_and_agencies():
    deletes = {("learning", "delete_theme"), ("learning", "delete_agency")}
    assert deletes <= _model_permissions(permissions.BUSINESS_MANAGERS)
    assert not deletes & _model_permissions(permissions.BUSINESS_UNIT)


@pytest.mark.parametrize(
    "group_name",
    [permissions.PRACTITIONERS, permissions.AGENCY_LEADS, permissions.SCRUTINEERS],
)
def test_readers_have_no_editing_permissions(group_name):
    assert _page_permissions(group_name) == set()
    assert not Permission.objects.filter(group__name=group_name, codename="access_admin").exists()


def test_setup_run_twice_changes_nothing():
    before = (
        GroupPagePermission.objects.count(),
        Page.objects.count(),
        _model_permissions(permissions.BUSINESS_UNIT),
    )
    ensure_partnership_setup()
    after = (
        GroupPagePermission.objects.count(),
        Page.objects.count(),
        _model_permissions(permissions.BUSINESS_UNIT),
    )
    assert before == after


def test_editing_a_live_briefing_goes_back_through_approval(business_unit, client):
    page = BriefingPageFactory(title="Fathers and hidden men", slug="fathers")
    form = BRIEFING_FORM | {"title": "Fathers and hidden men", "slug": "fathers"}
    form |= {"learning": "Ask about every adult in the household.", "action-submit": "Submit"}

    client_for(business_unit).post(_edit_url(page), form)

    page.refresh_from_db()
    assert page.live
    assert page.has_unpublished_changes
    assert "Ask about every adult" not in client.get(page.url).content.decode()
