"""One business unit, several partnerships: the children's partnership (the first, which the
site was made for), a safeguarding adults board and a community safety partnership. Agencies are
shared; partnership-only material is for the people of its own partnership alone."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from learning import people, permissions
from learning.models import AgencyAction, Invitation, Partnership, PartnershipMembership
from reviews.models import ReviewPage

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AuditCycleFactory,
    BriefingPageFactory,
    PartnershipFactory,
    ReviewDocumentFactory,
    ReviewPageFactory,
    Section11ReturnFactory,
    StandardAnswerFactory,
    UserFactory,
    briefing_index_of,
    default_partnership,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db

ACTIONS = "/api/learning/actions/"


@pytest.fixture
def childrens():
    return default_partnership()


@pytest.fixture
def adults_board():
    return PartnershipFactory(
        name="Kirklees Safeguarding Adults Board", framework=Partnership.Framework.ADULTS
    )


@pytest.fixture
def community_safety():
    return PartnershipFactory(
        name="Communities Board", framework=Partnership.Framework.COMMUNITY_SAFETY
    )


@pytest.fixture
def sab_business_unit(adults_board):
    return member_of(adults_board, permissions.BUSINESS_UNIT, "sab-business-unit")


@pytest.fixture
def childrens_rapid_review():
    return ReviewPageFactory(
        title="Rapid review: Child Q", kind="rapid_review", visibility="partnership"
    )


@pytest.fixture
def adults_sar(adults_board):
    return ReviewPageFactory(
        title="SAR: Adult K",
        visibility="partnership",
        parent=review_index_of(adults_board),
    )


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_first_partnership_is_the_childrens_and_holds_the_site(childrens):
    from home.models import HomePage

    assert childrens.framework == Partnership.Framework.CHILDREN
    assert childrens.section_id == HomePage.objects.get().pk
    assert ReviewPageFactory().partnership == childrens
    assert BriefingPageFactory().partnership == childrens


def test_a_review_under_the_adults_boards_section_belongs_to_the_board(adults_board, adults_sar):
    assert adults_sar.partnership == adults_board
    briefing = BriefingPageFactory(parent=briefing_index_of(adults_board))
    assert briefing.partnership == adults_board
    assert ReviewPage.objects.get(pk=adults_sar.pk).partnership_id == adults_board.pk


def test_a_review_moved_into_another_partnerships_section_moves_with_it(
    childrens, adults_board, childrens_rapid_review
):
    childrens_rapid_review.move(review_index_of(adults_board), pos="last-child")
    childrens_rapid_review.refresh_from_db()
    assert childrens_rapid_review.partnership == adults_board


def test_adults_board_officer_cannot_open_the_childrens_partnership_only_review(
    sab_business_unit, childrens_rapid_review, adults_sar
):
    client = client_for(sab_business_unit)
    assert client.get(childrens_rapid_review.url).status_code == 403
    assert client.get(adults_sar.url).status_code == 200


def test_childrens_business_unit_cannot_open_the_adults_boards_partnership_only_sar(
    business_unit, childrens_rapid_review, adults_sar
):
    client = client_for(business_unit)
    assert client.get(adults_sar.url).status_code == 403
    assert client.get(childrens_rapid_review.url).status_code == 200


def test_practitioners_material_of_every_partnership_is_open_to_anyone_signed_in(
    sab_business_unit, adults_board
):
    childrens_page = ReviewPageFactory(title="LCSPR: Child M", visibility="practitioners")
    assert client_for(sab_business_unit).get(childrens_page.url).status_code == 200


def test_adults_board_officer_is_not_told_of_the_childrens_review_in_listings_or_the_page_api(
    sab_business_unit, childrens_rapid_review, adults_sar
):
    client = client_for(sab_business_unit)
    listing = client.get(review_index_of(default_partnership()).url).content.decode()
    assert "Child Q" not in listing
    pages = client.get("/api/v2/pages/", {"type": "reviews.ReviewPage"}).json()
    titles = {item["title"] for item in pages["items"]}
    assert "Rapid review: Child Q" not in titles
    assert "SAR: Adult K" in titles
    assert pages["meta"]["total_count"] == 1
    assert client.get(f"/api/v2/pages/{childrens_rapid_review.pk}/").status_code == 404


def test_adults_board_officer_cannot_download_the_childrens_partnership_only_report(
    sab_business_unit, business_unit, childrens_rapid_review
):
    link = ReviewDocumentFactory(page=childrens_rapid_review)
    assert client_for(sab_business_unit).get(link.document.url).status_code == 403
    assert client_for(business_unit).get(link.document.url).status_code == 200


def test_the_one_rule_decides_each_partnership_only_page(
    sab_business_unit, business_unit, childrens_rapid_review, adults_sar
):
    visible = ReviewPage.objects.filter(permissions.visible_content(sab_business_unit))
    assert set(visible) == {adults_sar}
    assert not permissions.can_open(
        sab_business_unit, "partnership", childrens_rapid_review.partnership_id
    )
    assert permissions.can_open(business_unit, "partnership", childrens_rapid_review.partnership_id)
    superuser = UserFactory(username="root")
    superuser.is_superuser = True
    superuser.save()
    assert set(ReviewPage.objects.filter(permissions.visible_content(superuser))) == {
        adults_sar,
        childrens_rapid_review,
    }


# --- People and their roles in each partnership -------------------------------------------------


def test_a_persons_groups_are_the_roles_they_hold_in_any_partnership(adults_board, childrens):
    person = member_of(adults_board, permissions.SCRUTINEERS, "independent-chair")
    assert set(person.groups.values_list("name", flat=True)) == {permissions.SCRUTINEERS}
    PartnershipMembership.objects.create(
        user=person, partnership=childrens, role=permissions.PRACTITIONERS
    )
    assert set(person.groups.values_list("name", flat=True)) == {
        permissions.SCRUTINEERS,
        permissions.PRACTITIONERS,
    }
    PartnershipMembership.objects.filter(user=person, role=permissions.SCRUTINEERS).delete()
    assert set(person.groups.values_list("name", flat=True)) == {permissions.PRACTITIONERS}


def test_a_role_group_given_directly_is_a_role_in_the_first_partnership(childrens):
    person = UserFactory(username="old-style", role=permissions.BUSINESS_UNIT)
    assert set(
        PartnershipMembership.objects.filter(user=person).values_list("partnership", "role")
    ) == {(childrens.pk, permissions.BUSINESS_UNIT)}
    person.groups.remove(Group.objects.get(name=permissions.BUSINESS_UNIT))
    assert not PartnershipMembership.objects.filter(user=person).exists()


def test_the_boards_business_manager_gives_a_role_in_the_board_only(adults_board, childrens):
    manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    person = UserFactory(username="new-officer")
    people.set_partnership_roles(person, adults_board, [permissions.BUSINESS_UNIT], by=manager)
    assert permissions.visible_partnership_ids(person) == {adults_board.pk}
    assert person.groups.filter(name=permissions.BUSINESS_UNIT).exists()
    people.set_partnership_roles(person, adults_board, [], by=manager)
    person = type(person).objects.get(pk=person.pk)
    assert permissions.visible_partnership_ids(person) == set()
    assert not person.groups.filter(name=permissions.BUSINESS_UNIT).exists()


def test_another_partnerships_manager_or_an_officer_cannot_give_roles_in_the_board(
    business_manager, business_unit, adults_board
):
    person = UserFactory(username="someone")
    for by in (business_manager, business_unit):
        with pytest.raises(people.PeopleRuleError):
            people.set_partnership_roles(person, adults_board, [permissions.BUSINESS_UNIT], by=by)
    assert not PartnershipMembership.objects.filter(user=person).exists()


def test_the_people_page_sets_a_persons_roles_in_the_manager_own_partnership(business_manager):
    person = UserFactory(username="health-visitor")
    client = client_for(business_manager)
    page = client.get(f"/tracker/people/{person.pk}/")
    assert page.status_code == 200
    assert "Roles in each partnership" in page.content.decode()
    response = client.post(
        f"/tracker/people/{person.pk}/",
        {
            "action": "roles",
            "partnership": default_partnership().pk,
            "roles": [permissions.PRACTITIONERS],
        },
    )
    assert response.status_code == 302
    assert set(
        PartnershipMembership.objects.filter(user=person).values_list("role", flat=True)
    ) == {permissions.PRACTITIONERS}


# --- The tracker -------------------------------------------------------------------------------


@pytest.fixture
def police_actions(police, adults_board, community_safety):
    return {
        "childrens": AgencyActionFactory(agency=police, description="Children's action"),
        "adults": AgencyActionFactory(
            agency=police,
            description="Adults board action",
            recommendation__review__parent=review_index_of(adults_board),
        ),
        "community": AgencyActionFactory(
            agency=police,
            description="DHR action",
            recommendation__review__parent=review_index_of(community_safety),
        ),
    }


def test_an_actions_partnership_is_its_reviews_or_its_section11_cycles(
    police, adults_board, police_actions
):
    cycle = AuditCycleFactory(partnership=adults_board)
    answer = StandardAnswerFactory(section11_return=Section11ReturnFactory(cycle=cycle))
    gap = AgencyActionFactory(agency=police, recommendation=None, standard_answer=answer)
    names = dict(AgencyAction.objects.with_partnership().values_list("pk", "partnership_name"))
    assert names[gap.pk] == adults_board.name
    assert names[police_actions["adults"].pk] == adults_board.name
    assert names[police_actions["childrens"].pk] == default_partnership().name
    assert set(AgencyAction.objects.in_partnerships([adults_board.pk])) == {
        gap,
        police_actions["adults"],
    }


def test_police_lead_of_two_partnerships_sees_both_partnerships_police_actions_each_marked(
    police, adults_board, police_actions
):
    lead = member_of(default_partnership(), permissions.AGENCY_LEADS, "police-lead", [police])
    PartnershipMembership.objects.create(
        user=lead, partnership=adults_board, role=permissions.AGENCY_LEADS
    )
    rows = api_for(lead).get(ACTIONS).json()["results"]
    assert {(row["id"], row["partnership"]) for row in rows} == {
        (police_actions["childrens"].pk, default_partnership().name),
        (police_actions["adults"].pk, adults_board.name),
    }


def test_actions_filter_by_partnership_and_refuse_an_unknown_one(
    police, adults_board, police_actions, scrutineer
):
    lead = member_of(adults_board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    client = api_for(lead)
    rows = client.get(ACTIONS, {"partnership": adults_board.slug}).json()["results"]
    assert [row["id"] for row in rows] == [police_actions["adults"].pk]
    # The children's partnership exists but is not theirs: nothing, and no hint.
    response = client.get(ACTIONS, {"partnership": default_partnership().slug})
    assert response.status_code == 200 and response.json()["count"] == 0
    response = client.get(ACTIONS, {"partnership": "no-such-board"})
    assert response.status_code == 400
    assert "partnership" in response.json()


def test_adults_board_officer_sees_only_the_boards_actions(
    sab_business_unit, police_actions, adults_board
):
    rows = api_for(sab_business_unit).get(ACTIONS).json()["results"]
    assert [row["id"] for row in rows] == [police_actions["adults"].pk]
    childrens_action = police_actions["childrens"]
    assert not permissions.can_see_action(sab_business_unit, childrens_action)
    assert not permissions.can_update_action(sab_business_unit, childrens_action)
    response = api_for(sab_business_unit).post(
        f"{ACTIONS}{childrens_action.pk}/updates/",
        {"note": "x", "status": "in_progress", "version": childrens_action.version},
    )
    assert response.status_code == 403


def test_police_lead_of_the_childrens_partnership_only_does_not_see_the_boards_police_actions(
    police_lead, police_actions
):
    rows = api_for(police_lead).get(ACTIONS).json()["results"]
    assert [row["id"] for row in rows] == [police_actions["childrens"].pk]


# --- Approval ----------------------------------------------------------------------------------


def test_a_business_manager_approves_only_their_own_partnerships_pages(
    business_manager, adults_board
):
    from wagtail.models import TaskState

    from home.setup import WORKFLOW_NAME
    from reviews.models import PartnershipApprovalTask

    sab_manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    task = PartnershipApprovalTask.objects.get(name="Business manager approval")
    assert task.workflows.filter(name=WORKFLOW_NAME).exists()
    childrens_review = ReviewPageFactory(title="LCSPR: Child R", live=False)
    sab_review = ReviewPageFactory(
        title="SAR: Adult S", live=False, parent=review_index_of(adults_board)
    )
    for page in (childrens_review, sab_review):
        page.save_revision(user=business_manager)
        task.workflows.get().start(page, business_manager)
    assert task.get_actions(childrens_review, sab_manager) == []
    assert task.get_actions(sab_review, sab_manager) != []
    assert task.get_actions(childrens_review, business_manager) != []
    assert task.get_actions(sab_review, business_manager) == []
    waiting = {
        state.workflow_state.object_id for state in TaskState.objects.reviewable_by(sab_manager)
    }
    assert waiting == {str(sab_review.pk)}


def test_the_case_log_shows_each_reader_their_own_partnerships_cases(
    business_unit, sab_business_unit, adults_board
):
    from .factories import CaseFactory

    childrens_case = CaseFactory(reference="SI-2024-01")
    boards_case = CaseFactory(reference="SAR-2024-01", partnership=adults_board)
    assert childrens_case.partnership == default_partnership()
    assert set(permissions.visible_cases(sab_business_unit, type(boards_case).objects.all())) == {
        boards_case
    }
    page = client_for(sab_business_unit).get("/tracker/cases/").content.decode()
    assert "SAR-2024-01" in page and "SI-2024-01" not in page
    assert client_for(business_unit).get(f"/tracker/cases/{boards_case.pk}/").status_code == 404


def test_a_lead_of_the_boards_police_is_reminded_only_of_the_boards_police_actions(
    police, adults_board, mailoutbox
):
    import datetime

    from django.utils import timezone

    from learning.reminders import send_due_soon_reminders

    member_of(adults_board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    soon = timezone.localdate() + datetime.timedelta(days=5)
    AgencyActionFactory(agency=police, description="CHILDRENS-ONLY action", original_due_date=soon)
    AgencyActionFactory(
        agency=police,
        description="Board action on hoarding",
        original_due_date=soon,
        recommendation__review__parent=review_index_of(adults_board),
    )
    send_due_soon_reminders()
    to_lead = [mail for mail in mailoutbox if mail.to == ["sab-police-lead@example.org"]]
    assert len(to_lead) == 1
    assert "Board action on hoarding" in to_lead[0].body
    assert "CHILDRENS-ONLY" not in to_lead[0].body


def test_police_lead_of_two_partnerships_sees_both_in_my_work_each_marked(
    police, adults_board, police_actions
):
    lead = member_of(default_partnership(), permissions.AGENCY_LEADS, "police-lead", [police])
    PartnershipMembership.objects.create(
        user=lead, partnership=adults_board, role=permissions.AGENCY_LEADS
    )
    page = client_for(lead).get("/tracker/my-work/").content.decode()
    assert "Children&#x27;s action" in page or "Children's action" in page
    assert "Adults board action" in page
    assert adults_board.name in page
    assert "DHR action" not in page


# --- Invitations name a partnership -------------------------------------------------------------


def _invite(client, partnership, role="business_unit", email="new-officer@example.org"):
    return client.post(
        "/tracker/people/invite/", {"email": email, "role": role, "partnership": partnership.pk}
    )


def test_a_manager_of_two_partnerships_invites_an_officer_into_the_board_alone(
    childrens, adults_board, mailoutbox, django_capture_on_commit_callbacks
):
    manager = member_of(childrens, permissions.BUSINESS_MANAGERS, "joint-business-manager")
    PartnershipMembership.objects.create(
        user=manager, partnership=adults_board, role=permissions.BUSINESS_MANAGERS
    )
    client = client_for(manager)
    form = client.get("/tracker/people/invite/").context["form"]
    assert list(form.fields["partnership"].queryset) == [childrens, adults_board]

    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, adults_board).status_code == 302
    [email] = mailoutbox
    assert "business unit officer in Kirklees Safeguarding Adults Board" in email.body
    link = re.search(r"http://testserver(/\S+)", email.body).group(1)
    newcomer = Client()
    assert "in Kirklees Safeguarding Adults Board" in newcomer.get(link).content.decode()
    newcomer.post(
        link,
        {
            "username": "new-officer",
            "password1": "a long safe passphrase 42",
            "password2": "a long safe passphrase 42",
        },
    )
    officer = get_user_model().objects.get(username="new-officer")
    assert set(
        PartnershipMembership.objects.filter(user=officer).values_list("partnership", "role")
    ) == {(adults_board.pk, permissions.BUSINESS_UNIT)}
    assert permissions.tracker_partnership_ids(officer) == {adults_board.pk}


def test_the_childrens_manager_cannot_invite_anyone_into_the_board(
    childrens, adults_board, mailoutbox, django_capture_on_commit_callbacks
):
    manager = member_of(childrens, permissions.BUSINESS_MANAGERS, "business-manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(manager), adults_board)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(people.PeopleRuleError, match="Adults Board’s business manager"):
        people.invite(
            by=manager, email="someone@example.org", role="practitioner", partnership=adults_board
        )
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_a_manager_of_one_partnership_invites_into_it_without_choosing(
    childrens, adults_board, django_capture_on_commit_callbacks
):
    manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    client = client_for(manager)
    assert client.get("/tracker/people/invite/").context["form"]["partnership"].is_hidden
    response = client.post(
        "/tracker/people/invite/", {"email": "carer@example.org", "role": "practitioner"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().partnership == adults_board


# --- A region on one deployment --------------------------------------------------------------


@pytest.fixture
def boards_reviews(adults_board, committed):
    with committed():  # search indexes what a commit would
        return {
            level: ReviewPageFactory(
                title=f"Safeguarding adults review: Adult {name}",
                kind="sar",
                visibility=level,
                parent=review_index_of(adults_board),
            )
            for level, name in (("practitioners", "Lambda"), ("public", "Mu"))
        }


def _finds(client, word):
    return f"Adult {word}" in client.get(f"/api/learning/search/?q={word}").content.decode()


def _opens(client, page):
    response = client.get(page.url)
    return response.status_code == 200 and page.title in response.content.decode()


def test_on_a_regional_deployment_another_areas_practitioner_material_opens_only_if_shared(
    settings, childrens, adults_board, boards_reviews
):
    settings.REGIONAL_DEPLOYMENT = True
    practitioner = client_for(member_of(childrens, permissions.PRACTITIONERS, "practitioner"))
    own_practitioner = client_for(
        member_of(adults_board, permissions.PRACTITIONERS, "sab-practitioner")
    )
    anyone = client_for(None)
    practitioners_only, public = boards_reviews["practitioners"], boards_reviews["public"]

    assert not _opens(practitioner, practitioners_only)
    listing = review_index_of(adults_board).url
    assert public.title in practitioner.get(listing).content.decode()
    assert practitioners_only.title not in practitioner.get(listing).content.decode()
    assert not _finds(practitioner, "Lambda") and _finds(practitioner, "Mu")
    assert _finds(own_practitioner, "Lambda")
    assert _opens(own_practitioner, practitioners_only)
    for client in (practitioner, own_practitioner, anyone):
        assert _opens(client, public)

    adults_board.shares_regionally = True
    adults_board.save()
    assert _opens(practitioner, practitioners_only)
    assert practitioners_only.title in practitioner.get(listing).content.decode()
    assert _finds(practitioner, "Lambda")
    assert not _opens(anyone, practitioners_only)


def test_off_a_regional_deployment_practitioner_material_is_open_to_anyone_signed_in(
    settings, childrens, adults_board, boards_reviews
):
    settings.REGIONAL_DEPLOYMENT = False
    practitioner = client_for(member_of(childrens, permissions.PRACTITIONERS, "practitioner"))
    signed_in_without_a_role = client_for(UserFactory(username="visitor"))
    for client in (practitioner, signed_in_without_a_role):
        assert _opens(client, boards_reviews["practitioners"])
        assert _opens(client, boards_reviews["public"])
    assert not _opens(client_for(None), boards_reviews["practitioners"])


def test_a_manager_sees_and_withdraws_only_the_invitations_into_their_own_partnership(
    childrens, adults_board
):
    board_manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    childrens_manager = member_of(childrens, permissions.BUSINESS_MANAGERS, "business-manager")
    into_board = people.invite(
        by=board_manager,
        email="sab.officer@example.org",
        role="business_unit",
        partnership=adults_board,
    )
    client = client_for(childrens_manager)
    assert "sab.officer@example.org" not in client.get("/tracker/people/").content.decode()
    assert client.post(f"/tracker/people/invitations/{into_board.pk}/withdraw/").status_code == 404
    into_board.refresh_from_db()
    assert into_board.withdrawn_at is None
    assert "sab.officer@example.org" in (
        client_for(board_manager).get("/tracker/people/").content.decode()
    )
