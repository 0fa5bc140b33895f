"""People: the business manager invites people to a role, sees who leads which agency, moves or
ends a membership and deactivates an account; everyone manages their own password and API tokens.
"""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from learning import permissions
from learning.models import AgencyMembership, ApiToken, ChangeLog, Invitation
from learning.permissions import Visibility

from .conftest import client_for, reset_emails_sent
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    InvitationFactory,
    ProgressUpdateFactory,
    ReviewPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/\S+)")


def signs_in(username, password):
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def link_in(message):
    return LINK.search(message.body).group(1)


def invite(client, **data):
    return client.post("/tracker/people/invite/", data)


@pytest.fixture
def manager_client(business_manager):
    return client_for(business_manager)


def test_business_manager_invites_a_police_lead_who_sets_up_their_account_and_lands_on_my_work(
    manager_client, police, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            manager_client, email="DS.Khan@Police.example", role="agency_lead", agencies=[police.pk]
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ds.khan@police.example"]
    assert "agency lead for West Yorkshire Police" in email.body

    newcomer = Client()
    link = link_in(email)
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "agency lead for West Yorkshire Police" in page.content.decode()
    response = newcomer.post(
        link,
        {
            "first_name": "Asha",
            "last_name": "Khan",
            "username": "asha.khan",
            "password1": "a long safe passphrase 42",
            "password2": "a long safe passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/tracker/my-work/"
    user = get_user_model().objects.get(username="asha.khan")
    assert user.email == "ds.khan@police.example"
    assert permissions.has_role(user, permissions.AGENCY_LEADS)
    assert permissions.led_agency_ids(user) == {police.pk}
    assert newcomer.get("/tracker/my-work/").status_code == 200

    # The link works once.
    assert Client().get(link).status_code == 404
    sentence = "Asha Khan joined the hub"
    assert sentence in manager_client.get("/tracker/changes/").content.decode()


def test_an_invitation_link_stops_working_after_seven_days(
    manager_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager_client, email="new@example.org", role="practitioner")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().get(link_in(mailoutbox[0]))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


def test_an_agency_lead_invitation_must_name_an_agency_and_nothing_is_sent(
    manager_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(manager_client, email="lead@example.org", role="agency_lead")
    assert response.status_code == 400
    assert "Choose the agency or agencies" in response.content.decode()
    assert not Invitation.objects.exists() and mailoutbox == []


def test_inviting_an_address_that_already_has_an_account_is_refused(
    manager_client, police_lead, mailoutbox
):
    response = invite(manager_client, email=police_lead.email, role="practitioner")
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()


def test_people_page_shows_who_leads_which_agency_and_flags_an_agency_without_a_lead(
    manager_client, police, police_lead
):
    AgencyFactory(name="Kirklees Children's Services", short_name="CSC")
    html = manager_client.get("/tracker/people/").content.decode()
    assert re.search(r"West Yorkshire Police</th>\s*<td><a [^>]*>police-lead</a>", html)
    assert re.search(r"Kirklees Children&#x27;s Services</th>\s*<td><strong>No lead</strong>", html)


def test_an_agency_whose_lead_is_invited_shows_the_invitation_not_no_lead(
    manager_client, business_manager
):
    probation = AgencyFactory(name="Probation Service", short_name="NPS")
    invitation = InvitationFactory(
        role=Invitation.Role.AGENCY_LEAD,
        invited_by=business_manager,
        created_at=timezone.make_aware(datetime.datetime(2026, 11, 30, 10)),
    )
    invitation.agencies.set([probation])
    html = manager_client.get("/tracker/people/").content.decode()
    assert re.search(r"Probation Service</th>\s*<td>Invited, 30 November 2026</td>", html)


def test_moving_and_ending_a_membership_reads_in_the_change_log(
    manager_client, business_manager, police, health, police_lead
):
    membership = AgencyMembership.objects.get(user=police_lead)
    url = f"/tracker/people/{police_lead.pk}/"
    manager_client.post(url, {"action": "move", "membership": membership.pk, "agency": health.pk})
    assert permissions.led_agency_ids(get_user_model().objects.get(pk=police_lead.pk)) == {
        health.pk
    }
    manager_client.post(url, {"action": "end", "membership": membership.pk})
    assert not AgencyMembership.objects.filter(user=police_lead).exists()
    html = manager_client.get("/tracker/changes/", {"kind": "leads"}).content.decode()
    assert (
        "business-manager moved <em>police-lead</em> from West Yorkshire Police to "
        "Calderdale and Huddersfield NHS Foundation Trust" in html
    )
    assert (
        "business-manager ended <em>police-lead&#x27;s lead role for "
        "Calderdale and Huddersfield NHS Foundation Trust</em>" in html
    )


def test_a_deactivated_lead_cannot_sign_in_their_tokens_stop_and_their_history_stays(
    manager_client, police, police_lead
):
    update = ProgressUpdateFactory(action=AgencyActionFactory(agency=police), author=police_lead)
    named = ApiToken.objects.create(user=police_lead, name="Spreadsheet")
    legacy = Token.objects.create(user=police_lead)
    for key in (named.key, legacy.key):
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/learning/actions/").status_code == 200

    response = manager_client.post(f"/tracker/people/{police_lead.pk}/", {"action": "deactivate"})
    assert response.status_code == 302

    for key in (named.key, legacy.key):
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/learning/actions/").status_code == 401
    assert not signs_in("police-lead", "password")
    update.refresh_from_db()
    assert update.author == police_lead
    assert ChangeLog.objects.filter(object_type="Person", object_id=str(police_lead.pk)).exists()


def test_the_business_manager_cannot_deactivate_themselves(manager_client, business_manager):
    manager_client.post(f"/tracker/people/{business_manager.pk}/", {"action": "deactivate"})
    business_manager.refresh_from_db()
    assert business_manager.is_active


@pytest.mark.parametrize("who", ["business_unit", "scrutineer", "police_lead", "practitioner"])
def test_only_the_business_manager_manages_people(who, request, police, mailoutbox):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/tracker/people/").status_code == 403
    assert invite(client, email="x@example.org", role="scrutineer").status_code == 403
    assert not Invitation.objects.exists()


# --- Self-service -------------------------------------------------------------------------------


def test_a_lead_creates_a_named_token_sees_when_it_was_last_used_and_revokes_it(police_lead):
    client = client_for(police_lead)
    page = client.post("/account/", {"name": "Performance spreadsheet"})
    html = page.content.decode()
    token = ApiToken.objects.get(user=police_lead)
    assert token.key in html  # shown once, on the page that made it
    assert "Never" in html

    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/learning/actions/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    html = client.get("/account/").content.decode()
    assert token.key not in html
    assert token.last_used_at.astimezone(timezone.get_current_timezone()).strftime("%H:%M") in html

    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/learning/actions/").status_code == 401


def test_nobody_revokes_another_persons_token(police_lead, health_lead):
    token = ApiToken.objects.create(user=police_lead, name="Spreadsheet")
    assert client_for(health_lead).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_account_page_shows_roles_and_agencies_and_a_practitioner_gets_no_tokens(
    police_lead, practitioner
):
    html = client_for(police_lead).get("/account/").content.decode()
    assert "Agency leads" in html and "West Yorkshire Police" in html
    assert "API tokens" in html
    html = client_for(practitioner).get("/account/").content.decode()
    assert "Practitioners" in html and "API tokens" not in html
    client_for(practitioner).post("/account/", {"name": "Sneaky"})
    assert not ApiToken.objects.exists()


def test_create_api_token_command_makes_a_named_token_the_person_sees(police_lead, capsys):
    call_command("create_api_token", "police-lead")
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(key=key).name == "Command line"
    assert "Command line" in client_for(police_lead).get("/account/").content.decode()


def test_forgot_password_sends_one_working_link_and_is_throttled(police_lead, mailoutbox):
    sign_in = Client().get("/login/").content.decode()
    assert 'href="/account/password/reset/"' in sign_in and "Forgot your password?" in sign_in

    visitor = Client()
    response = visitor.post("/account/password/reset/", {"email": police_lead.email})
    assert response.status_code == 302
    reset_emails_sent()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [police_lead.email]
    link = link_in(mailoutbox[0])
    form = visitor.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase 7", "new_password2": "a brand new passphrase 7"},
    )
    assert done.status_code == 302
    assert signs_in("police-lead", "a brand new passphrase 7")

    for _ in range(5):
        response = visitor.post("/account/password/reset/", {"email": police_lead.email})
        assert response.status_code == 302  # the same answer, so nothing is given away
    reset_emails_sent()
    assert len(mailoutbox) == 3  # the first and two more within the hour, then no more


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("police_lead", "/tracker/my-work/"),
        ("business_unit", "/tracker/business-unit/"),
        ("scrutineer", "/tracker/assurance/"),
        ("practitioner", "/"),
    ],
)
def test_signing_in_lands_each_person_on_their_work(who, lands_on, request):
    user = request.getfixturevalue(who)
    response = Client().post("/login/", {"username": user.username, "password": "password"})
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_signing_in_from_a_page_returns_to_it(police_lead):
    response = Client().post(
        "/login/", {"username": "police-lead", "password": "password", "next": "/reviews/"}
    )
    assert response["Location"] == "/reviews/"


def test_an_invited_business_manager_is_also_in_the_business_unit(
    manager_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager_client, email="bm@example.org", role="business_manager")
    Client().post(
        link_in(mailoutbox[0]),
        {
            "username": "new-manager",
            "password1": "a long safe passphrase 42",
            "password2": "a long safe passphrase 42",
        },
    )
    user = UserFactory._meta.model.objects.get(username="new-manager")
    assert permissions.can_manage_people(user) and permissions.is_business_unit(user)


def test_the_admin_menu_links_the_business_manager_to_people(business_manager, business_unit):
    manager_menu = client_for(business_manager).get("/admin/").content.decode()
    officer_menu = client_for(business_unit).get("/admin/").content.decode()
    assert "/tracker/people/" in manager_menu
    assert "/tracker/people/" not in officer_menu
    assert "/tracker/business-unit/" in manager_menu and "/tracker/business-unit/" in officer_menu


def test_the_people_page_runs_a_fixed_number_of_queries(
    manager_client, police, django_assert_max_num_queries
):
    from .factories import InvitationFactory, agency_lead

    agency_lead(police, "police-lead")
    InvitationFactory()
    manager_client.get("/tracker/people/")
    with django_assert_max_num_queries(30) as few:
        manager_client.get("/tracker/people/")
    for number in range(5):
        agency = AgencyFactory(name=f"Academy trust {number}", short_name=f"AT{number}")
        agency_lead(agency, f"trust-lead-{number}")
        InvitationFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        manager_client.get("/tracker/people/")


def test_a_lead_whose_last_membership_ends_no_longer_opens_partnership_learning_or_the_api(
    manager_client, police, police_lead, committed
):
    with committed():
        restricted = ReviewPageFactory(
            title="Rapid review: Baby Q", visibility=Visibility.PARTNERSHIP
        )
    named = ApiToken.objects.create(user=police_lead, name="Spreadsheet")
    lead = client_for(police_lead)
    assert lead.get(restricted.url).status_code == 200

    membership = AgencyMembership.objects.get(user=police_lead)
    manager_client.post(
        f"/tracker/people/{police_lead.pk}/", {"action": "end", "membership": membership.pk}
    )

    assert lead.get(restricted.url).status_code == 403
    assert lead.get("/tracker/actions/").status_code == 403
    assert "Baby Q" not in lead.get("/api/learning/search/", {"q": "Baby Q"}).content.decode()
    api = Client(HTTP_AUTHORIZATION=f"Token {named.key}")
    assert api.get("/api/learning/actions/").status_code in (401, 403)
    html = manager_client.get("/tracker/changes/").content.decode()
    assert (
        f'business-manager ended <a href="/tracker/people/{police_lead.pk}/"><em>police-lead&#x27;s '
        "agency lead role</em></a>" in html
    )


def test_a_boards_manager_sees_no_lead_for_an_agency_led_only_in_the_childrens_partnership(
    police, police_lead
):
    """The people page and the queue agree: the children's police lead never hears of the
    board's police actions, so the board's manager is told the police have no lead there."""
    from learning import permissions

    from .conftest import client_for
    from .factories import PartnershipFactory, member_of

    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_manager = member_of(board, permissions.BUSINESS_MANAGERS, "sab-manager")

    def police_row(person):
        html = client_for(person).get("/tracker/people/").content.decode()
        table = html.split('id="agencies-heading"')[1].split("</table>")[0]
        return next(row for row in table.split("<tr>") if f">{police.name}</th>" in row)

    lead_name = police_lead.get_full_name() or police_lead.username
    assert lead_name not in police_row(board_manager)
    assert "No lead" in police_row(board_manager)
    member_of(board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    assert "No lead" not in police_row(board_manager)


def test_a_boards_manager_sees_only_the_boards_people_and_cannot_open_or_switch_off_the_others(
    business_manager, police_lead
):
    """Another partnership's staff are its own manager's business: the board's manager neither
    lists nor opens the children's partnership's lead, and cannot deactivate someone who also
    holds a role in the children's partnership; the children's manager sees them all."""
    from learning import permissions

    from .conftest import client_for
    from .factories import PartnershipFactory, member_of

    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_manager = member_of(board, permissions.BUSINESS_MANAGERS, "sab-manager")
    board_officer = member_of(board, permissions.BUSINESS_UNIT, "sab-officer")
    board_client = client_for(board_manager)

    def listed(client):
        html = client.get("/tracker/people/").content.decode()
        return html.split('id="people-heading"')[1].split("</table>")[0]

    assert "sab-officer" in listed(board_client)
    assert "police-lead" not in listed(board_client)
    assert board_client.get(f"/tracker/people/{police_lead.pk}/").status_code == 404
    response = board_client.post(f"/tracker/people/{police_lead.pk}/", {"action": "deactivate"})
    assert response.status_code == 404
    police_lead.refresh_from_db()
    assert police_lead.is_active

    children = police_lead.partnership_memberships.first().partnership
    shared = member_of(board, permissions.PRACTITIONERS, "shared-person")
    member_of(children, permissions.PRACTITIONERS, "shared-person")
    response = board_client.post(
        f"/tracker/people/{shared.pk}/", {"action": "deactivate"}, follow=True
    )
    assert f"also holds a role in {children.name}" in response.content.decode()
    shared.refresh_from_db()
    assert shared.is_active

    children_listing = listed(client_for(business_manager))
    assert "police-lead" in children_listing and "shared-person" in children_listing
    assert "sab-officer" not in children_listing
    assert board_officer.is_active
