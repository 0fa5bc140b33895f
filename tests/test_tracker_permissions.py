"""Who may do what in the tracker: every role against every tracker page, export and API endpoint,
including an agency lead against another agency's actions, evidence and returns."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from learning import permissions, services
from learning.models import (
    AgencyAction,
    ApiToken,
    AuditCycle,
    Section11Return,
    Standard,
    StandardAnswer,
)

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    BriefingPageFactory,
    ChallengeNoteFactory,
    InvitationFactory,
    LearningEventFactory,
    StandardEvidenceFileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "practitioner",
    "police_lead",
    "health_lead",
    "business_unit",
    "business_manager",
    "scrutineer",
    "admin",
]
# Expected outcomes: OK (served or acted on: 2xx, 3xx other than to sign in, 400/409 for the empty
# forms posted here), NO (403), LOGIN (sent to sign in), UNAUTH (the API's 401).
OK, NO, LOGIN, UNAUTH = "ok", "forbidden", "login", "unauthorised"
# Marks what only the health agency owns: it must never reach the police lead.
HEALTH_ONLY = "Health visiting must record fathers HEALTH-ONLY"


def outcome(response):
    if response.status_code == 401:
        return UNAUTH
    if response.status_code == 403:
        return NO
    if response.status_code in (301, 302) and response["Location"].startswith("/login/"):
        return LOGIN
    if response.status_code < 500 and response.status_code != 404:
        return OK
    return f"status {response.status_code}"


def expect(**overrides):
    """Outcomes by role, starting from "every tracker role may"."""
    row = {role: OK for role in ROLES}
    row.update(anonymous=LOGIN, practitioner=NO)
    row.update(overrides)
    # A business manager is a business unit officer too, unless a page says otherwise.
    row.setdefault("business_manager", row["business_unit"])
    if "business_manager" not in overrides:
        row["business_manager"] = row["business_unit"]
    return row


ONLY_OWN_AGENCY = {"health_lead": NO}
OVERSEERS = {"police_lead": NO, "health_lead": NO}  # business unit, scrutineer and admin
BUSINESS_UNIT = {"police_lead": NO, "health_lead": NO, "scrutineer": NO}
CHANGES_POLICE_ACTION = {"health_lead": NO, "scrutineer": NO}
LEADS_AND_BUSINESS_UNIT = {"scrutineer": NO}
ONLY_LEADS = {"business_unit": NO, "scrutineer": NO, "admin": NO}
ONLY_POLICE_LEAD = {"health_lead": NO, "business_unit": NO, "scrutineer": NO, "admin": NO}
ONLY_SCRUTINEER = {"police_lead": NO, "health_lead": NO, "business_unit": NO}
ONLY_MANAGER = {
    "police_lead": NO,
    "health_lead": NO,
    "business_unit": NO,
    "business_manager": OK,
    "scrutineer": NO,
}


@pytest.fixture
def admin(db):
    return UserFactory(
        username="admin", is_superuser=True, is_staff=True, role=permissions.ADMINISTRATORS
    )


@pytest.fixture
def world(police, health, police_lead, health_lead, business_unit, scrutineer):
    """Police's objects, which the police lead may touch and the health lead (agency B) may not."""
    today = timezone.localdate()
    police_action = AgencyActionFactory(agency=police, description="Police action")
    AgencyActionFactory(agency=health, description=HEALTH_ONLY)
    update = services.post_update(
        police_action,
        police_lead,
        version=police_action.version,
        status=AgencyAction.Status.COMPLETE,
        rag="green",
        note="Done",
        evidence=[SimpleUploadedFile("audit.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    extension = services.request_extension(
        police_action,
        police_lead,
        new_due_date=police_action.current_due_date + datetime.timedelta(days=30),
        reason="Training moved.",
    )
    cycle = AuditCycle.objects.create(
        name="Section 11 2026", opens_on=today, closes_on=today + datetime.timedelta(days=90)
    )
    standard = Standard.objects.create(cycle=cycle, number="1", title="Accountability")
    answers = {}
    for agency, narrative in ((police, "Police narrative"), (health, HEALTH_ONLY)):
        section11_return = Section11Return.objects.create(agency=agency, cycle=cycle)
        answers[agency] = StandardAnswer.objects.create(
            section11_return=section11_return, standard=standard, narrative=narrative
        )
    section11_evidence = StandardEvidenceFileFactory(answer=answers[police])
    panel_note = ChallengeNoteFactory(
        section11_return=answers[police].section11_return, author=scrutineer
    )
    challenge = services.challenge_action(police_action, scrutineer, note="Show the audit.")
    police_action.refresh_from_db()
    invitation = InvitationFactory()
    token = ApiToken.objects.create(user=police_lead, name="Spreadsheet")
    return {
        "challenge": challenge,
        "event": LearningEventFactory(),
        "section11_evidence": section11_evidence,
        "panel_note": panel_note,
        "invitation": invitation,
        "token": token,
        "action": police_action,
        "evidence": update.evidence.get(),
        "extension": extension,
        "briefing": BriefingPageFactory(),
        "cycle": cycle,
        "police": police,
    }


def cases(world):
    """(URL name, method, url, data, expected outcome by role) for every tracker URL."""
    action, cycle, police = world["action"], world["cycle"], world["police"]
    learning = [
        # /tracker/ sends each signed-in person on to their own queue (home, for a practitioner).
        ("tracker_start", "get", {}, {}, expect(practitioner=OK)),
        ("my_actions", "get", {}, {}, expect()),
        ("action_detail", "get", {"pk": action.pk}, {}, expect(**ONLY_OWN_AGENCY)),
        ("action_detail", "post", {"pk": action.pk}, {}, expect(**CHANGES_POLICE_ACTION)),
        ("request_extension", "post", {"pk": action.pk}, {}, expect(**CHANGES_POLICE_ACTION)),
        (
            "assure_action",
            "post",
            {"pk": action.pk},
            {},
            expect(police_lead=NO, health_lead=NO, business_unit=NO),
        ),
        ("decide_extension", "post", {"pk": world["extension"].pk}, {}, expect(**BUSINESS_UNIT)),
        ("evidence_download", "get", {"pk": world["evidence"].pk}, {}, expect(**ONLY_OWN_AGENCY)),
        (
            "cascade_confirm",
            "get",
            {"page_id": world["briefing"].pk},
            {},
            expect(**LEADS_AND_BUSINESS_UNIT),
        ),
        ("changelog", "get", {}, {}, expect(**OVERSEERS)),
        ("changelog_csv", "get", {}, {}, expect(**OVERSEERS)),
        ("my_work", "get", {}, {}, expect(**ONLY_LEADS)),
        ("cascade_coverage", "get", {}, {}, expect(**OVERSEERS)),
        ("event_index", "get", {}, {}, expect(**OVERSEERS)),
        ("event_new", "get", {}, {}, expect(**BUSINESS_UNIT)),
        ("event_new", "post", {}, {}, expect(**BUSINESS_UNIT)),
        ("event_detail", "get", {"pk": world["event"].pk}, {}, expect(**OVERSEERS)),
        ("event_edit", "get", {"pk": world["event"].pk}, {}, expect(**BUSINESS_UNIT)),
        ("recommendation_reach", "get", {}, {}, expect(**OVERSEERS)),
        ("business_unit_queue", "get", {}, {}, expect(**BUSINESS_UNIT)),
        ("assurance_queue", "get", {}, {}, expect(**ONLY_SCRUTINEER)),
        ("assurance_queue", "post", {}, {}, expect(**ONLY_SCRUTINEER)),
        ("reply_to_challenge", "post", {"pk": action.pk}, {}, expect(**ONLY_POLICE_LEAD)),
        ("people", "get", {}, {}, expect(**ONLY_MANAGER)),
        ("invite", "get", {}, {}, expect(**ONLY_MANAGER)),
        ("invite", "post", {}, {}, expect(**ONLY_MANAGER)),
        ("person", "get", {"pk": world["token"].user_id}, {}, expect(**ONLY_MANAGER)),
        ("person", "post", {"pk": world["token"].user_id}, {}, expect(**ONLY_MANAGER)),
        (
            "withdraw_invitation",
            "post",
            {"pk": world["invitation"].pk},
            {},
            expect(**ONLY_MANAGER),
        ),
        ("dashboard", "get", {}, {}, expect(**OVERSEERS)),
        ("tracker_list", "get", {}, {}, expect()),
        ("export_csv", "get", {}, {}, expect()),
        ("export_xlsx", "get", {}, {}, expect()),
        ("agency_index", "get", {}, {}, expect()),
        ("agency_detail", "get", {"slug": police.slug}, {}, expect(**ONLY_OWN_AGENCY)),
        ("section11_index", "get", {}, {}, expect()),
        ("section11_index", "post", {}, {}, expect(**BUSINESS_UNIT)),
        ("section11_cycle", "get", {"cycle_id": cycle.pk}, {}, expect()),
        ("section11_standards", "get", {"cycle_id": cycle.pk}, {}, expect(**BUSINESS_UNIT)),
        (
            "section11_return",
            "get",
            {"cycle_id": cycle.pk, "slug": police.slug},
            {},
            expect(**ONLY_OWN_AGENCY),
        ),
        (
            "section11_return",
            "post",
            {"cycle_id": cycle.pk, "slug": police.slug},
            {"action": "save"},
            expect(**CHANGES_POLICE_ACTION),
        ),
        (
            "section11_return",
            "post",
            {"cycle_id": cycle.pk, "slug": police.slug},
            {"action": "challenge"},
            expect(police_lead=NO, health_lead=NO),
        ),
        ("section11_heatmap", "get", {"cycle_id": cycle.pk}, {}, expect(**OVERSEERS)),
        (
            "section11_evidence_download",
            "get",
            {"pk": world["section11_evidence"].pk},
            {},
            expect(**ONLY_OWN_AGENCY),
        ),
        (
            "section11_return",
            "post",
            {"cycle_id": cycle.pk, "slug": police.slug},
            {"action": "evidence"},
            expect(**CHANGES_POLICE_ACTION),
        ),
        (
            "section11_return",
            "post",
            {"cycle_id": cycle.pk, "slug": police.slug},
            {"action": "answer", "note_id": world["panel_note"].pk, "answer": ""},
            expect(**ONLY_POLICE_LEAD),
        ),
        ("returns_template_xlsx", "get", {}, {}, expect(**LEADS_AND_BUSINESS_UNIT)),
        ("returns_template_csv", "get", {}, {}, expect(**LEADS_AND_BUSINESS_UNIT)),
        ("returns_upload", "get", {}, {}, expect(**LEADS_AND_BUSINESS_UNIT)),
    ]
    api = [
        ("api_actions", "get", {}, {}, expect(anonymous=UNAUTH)),
        (
            "api_action_updates",
            "post",
            {"pk": action.pk},
            {},
            expect(anonymous=UNAUTH, **CHANGES_POLICE_ACTION),
        ),
    ]
    anyone_signed_in = expect(practitioner=OK)
    own_token_only = {role: "status 404" for role in ROLES}
    own_token_only.update(anonymous=LOGIN, police_lead=OK)
    account = [
        ("account:account", "get", {}, {}, anyone_signed_in),
        ("account:revoke_token", "post", {"pk": world["token"].pk}, {}, own_token_only),
    ]
    return [(f"learning:{name}", *rest) for name, *rest in learning] + api + account


def tracker_url_names():
    """Every named URL of the tracker and its API, as they exist now."""
    resolver = get_resolver()
    names = {
        f"learning:{name}"
        for name in resolver.namespace_dict["learning"][1].reverse_dict
        if isinstance(name, str)
    }
    # The account pages a signed-in person uses (the reset and invitation pages are public).
    account = {"account:account", "account:revoke_token"}
    return names | {"api_actions", "api_action_updates"} | account


def test_every_role_against_every_tracker_page_export_and_api_endpoint(world, request, admin):
    table = cases(world)
    assert {name for name, *_ in table} == tracker_url_names(), "a tracker URL is missing here"
    users = {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}
    clients = {}
    for role, user in users.items():
        clients[role] = client_for(user)
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        clients[role, "api"] = api

    wrong = []
    for name, method, kwargs, data, expected in table:
        url = reverse(name, kwargs=kwargs)
        for role in ROLES:
            client = clients[role, "api"] if url.startswith("/api/") else clients[role]
            response = getattr(client, method)(url, data)
            got = outcome(response)
            if got != expected[role]:
                wrong.append(f"{role} {method.upper()} {url}: expected {expected[role]}, got {got}")
            if role == "police_lead" and not getattr(response, "streaming", False):
                assert HEALTH_ONLY.encode() not in response.content, f"{url} leaks health's data"
            if expected[role] in (NO, LOGIN, UNAUTH) and not getattr(response, "streaming", False):
                assert b"Police action" not in response.content, f"{url} leaks to {role}"
    assert not wrong, "\n".join(wrong)


def test_nothing_changed_when_refused(world, health_lead, scrutineer):
    action = world["action"]
    before = (action.updates.count(), action.status, action.current_due_date)
    for user in (health_lead, scrutineer):
        client_for(user).post(
            f"/tracker/actions/{action.pk}/",
            {"note": "x", "status": "in_progress", "rag": "red", "version": action.version},
        )
        client_for(user).post(
            f"/tracker/extensions/{world['extension'].pk}/decision/", {"decision": "accept"}
        )
    action.refresh_from_db()
    assert (action.updates.count(), action.status, action.current_due_date) == before
    world["extension"].refresh_from_db()
    assert world["extension"].decision == "pending"
