"""The leak matrix: partnership × role × channel. Two partnerships of one business unit (the
children's partnership and a safeguarding adults board) each hold one secret of each kind (a
partnership-only review with its report and recommendation, and an action with the police's
note on it); there is a draft nobody may see on the site. Each role is held by someone in one
partnership only (and one police lead in both), and each asks every channel. A channel either
refuses or answers without what the person may not see; never a 500."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from learning import permissions, section11
from learning.models import AgencyAction, Partnership
from search.alerts import send_learning_alerts
from search.models import LearningAlert, SearchDocument

from ..conftest import client_for
from ..factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingPageFactory,
    LearningAlertFactory,
    PartnershipFactory,
    PartnershipMembershipFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    ReviewDocumentFactory,
    ReviewPageFactory,
    UserFactory,
    agency_lead,
    briefing_index_of,
    member_of,
    review_index_of,
)
from .conftest import body_of

pytestmark = pytest.mark.django_db

RAPID = (
    "Child Zeta"  # in the children's partnership-only rapid review, its report and recommendation
)
DRAFT = "Child Omega"  # in a draft nobody may see on the site
NOTE = "Sergeant Quill"  # in the police's note on the rapid review's action
SAR = "Adult Kappa"  # in the adults board's partnership-only SAR, its report and recommendation
SAR_NOTE = "Constable Wren"  # in the police's note on the SAR's action
S11 = "Inspector Vale"  # in the police's Section 11 return to the children's partnership
SAB_S11 = "Matron Birch"  # in the police's Section 11 return to the adults board
SECRETS = (RAPID, DRAFT, NOTE, SAR, SAR_NOTE, S11, SAB_S11)

# Who may see what: each partnership's people see its partnership-only review; only the police's
# leads there and its business unit and scrutineer see the police's note; nobody sees the draft
# outside the admin; an agency's Section 11 return is for its leads and the business unit and
# scrutineer of the cycle's partnership. A role in one partnership opens nothing of the other's.
ROLES = {
    "anonymous": set(),
    "practitioner": set(),
    "health-lead": {RAPID},
    "police-lead": {RAPID, NOTE, S11},
    "business-unit": {RAPID, NOTE, S11},
    "scrutineer": {RAPID, NOTE, S11},
    "sab-practitioner": set(),
    "sab-health-lead": {SAR},
    "sab-police-lead": {SAR, SAR_NOTE, SAB_S11},
    "sab-business-unit": {SAR, SAR_NOTE, SAB_S11},
    "sab-scrutineer": {SAR, SAR_NOTE, SAB_S11},
    "police-lead-in-both": {RAPID, NOTE, SAR, SAR_NOTE, S11, SAB_S11},
}
PAGES = [
    "/",
    "/reviews/",
    "/reviews/?kind=rapid_review",
    "/reviews/?kind=sar",
    "/briefings/",
    "/themes/",
    "/search/?q=Child",
    "/search/?q=Zeta",
    "/search/?q=Kappa",
    "/search/?q=referral",
    "/api/learning/search/?q=Zeta",
    "/api/learning/search/?q=Kappa",
    "/api/learning/search/?q=referral",
    "/api/learning/search/?q=Omega",
    "/api/learning/similar/?text=Share+referral+information+on+the+child",
    "/api/learning/similar/?text=Share+referral+information+on+the+adult",
    "/feeds/latest/",
    "/feeds/latest/atom/",
    "/sitemap.xml",
    "/api/v2/pages/?search=Zeta",
    "/api/v2/pages/?search=Kappa",
    "/api/v2/pages/?type=reviews.ReviewPage&fields=*",
]
TRACKER = [
    "/tracker/actions/",
    "/tracker/my-work/",
    "/tracker/business-unit/",
    "/tracker/assurance/",
    "/tracker/list/",
    "/tracker/dashboard/",
    "/tracker/export.csv",
    "/tracker/export.xlsx",
    "/tracker/changes/",
    "/tracker/changes.csv",
    "/tracker/recurrence/",
    "/tracker/recurrence/export.xlsx",
    "/tracker/briefings/coverage/",
    "/tracker/section11/",
    "/api/learning/actions/",
]


@pytest.fixture
def secrets(committed):
    with committed():  # search indexes what a commit would
        return _secrets()


def _secrets():
    childrens = Partnership.objects.default()
    adults = PartnershipFactory(
        name="Kirklees Safeguarding Adults Board", framework=Partnership.Framework.ADULTS
    )
    police = AgencyFactory(short_name="Police")
    health = AgencyFactory(short_name="CHFT")
    both = member_of(childrens, permissions.AGENCY_LEADS, "police-lead-in-both", [police])
    PartnershipMembershipFactory(user=both, partnership=adults, role=permissions.AGENCY_LEADS)
    people = {
        "anonymous": None,
        "practitioner": UserFactory(username="practitioner", role=permissions.PRACTITIONERS),
        "health-lead": agency_lead(health, "health-lead"),
        "police-lead": agency_lead(police, "police-lead"),
        "business-unit": UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT),
        "scrutineer": UserFactory(username="scrutineer", role=permissions.SCRUTINEERS),
        "sab-practitioner": member_of(adults, permissions.PRACTITIONERS, "sab-practitioner"),
        "sab-health-lead": member_of(adults, permissions.AGENCY_LEADS, "sab-health-lead", [health]),
        "sab-police-lead": member_of(adults, permissions.AGENCY_LEADS, "sab-police-lead", [police]),
        "sab-business-unit": member_of(adults, permissions.BUSINESS_UNIT, "sab-business-unit"),
        "sab-scrutineer": member_of(adults, permissions.SCRUTINEERS, "sab-scrutineer"),
        "police-lead-in-both": both,
    }

    public = ReviewPageFactory(
        title="Public review: Child Alpha", summary="Learning about neglect."
    )
    # Said before: the public review repeats what both secret reviews recommend.
    RecommendationFactory(review=public, text="Share referral information with the school.")
    rapid = ReviewPageFactory(
        title=f"Rapid review: {RAPID}",
        kind="rapid_review",
        visibility="partnership",
        findings=f"{RAPID} was not seen alone.",
    )
    sar = ReviewPageFactory(
        title=f"Safeguarding adults review: {SAR}",
        kind="sar",
        visibility="partnership",
        findings=f"{SAR} was not seen alone.",
        parent=review_index_of(adults),
    )
    ReviewPageFactory(title=f"Draft review: {DRAFT}", live=False)
    # Each partnership's partnership-only 7-minute briefing, waiting for the agencies to cascade.
    BriefingPageFactory(title=f"Briefing: {RAPID}", visibility="partnership")
    BriefingPageFactory(
        title=f"Briefing: {SAR}", visibility="partnership", parent=briefing_index_of(adults)
    )
    reports, actions = {}, {}
    for review, secret, note in ((rapid, RAPID, NOTE), (sar, SAR, SAR_NOTE)):
        recommendation = RecommendationFactory(
            review=review, text=f"Share referral information on {secret}."
        )
        reports[secret] = ReviewDocumentFactory(
            page=review,
            document__file__data=f"%PDF-1.4 overview report on {secret}".encode(),
        ).document.url
        action = AgencyActionFactory(agency=police, recommendation=recommendation)
        ProgressUpdateFactory(action=action, note=f"Briefed by {note}.")
        actions[secret] = action
    # Each partnership's Section 11 cycle of the same name, with the police's return to it.
    section11_urls = []
    for partnership, secret in ((childrens, S11), (adults, SAB_S11)):
        cycle = section11.open_cycle(
            "Section 11 audit 2026",
            datetime.date(2026, 4, 1),
            datetime.date(2027, 3, 31),
            partnership=partnership,
        )
        police_return = section11.start_return(police, cycle)
        answer = police_return.answers.first()
        section11.save_answers(
            police_return,
            {
                answer.pk: {
                    "rating": "partly_met",
                    "narrative": f"Signed off by {secret}.",
                    "evidence": "",
                }
            },
            police_return.version,
        )
        section11_urls += [
            reverse("learning:section11_cycle", args=[cycle.pk]),
            reverse("learning:section11_return", args=[cycle.pk, police.slug]),
            reverse("learning:section11_heatmap", args=[cycle.pk]),
        ]
    return {
        "people": people,
        "partnerships": {"childrens": childrens, "adults": adults},
        "reviews": {RAPID: rapid, SAR: sar},
        "public": public,
        "reports": reports,
        "actions": actions,
        "urls": [
            *PAGES,
            public.url,
            rapid.url,
            sar.url,
            *reports.values(),
            *TRACKER,
            *(action.get_absolute_url() for action in actions.values()),
            *section11_urls,
            reverse("learning:agency_detail", args=[police.slug]),
        ],
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_channel_shows_a_role_what_it_may_not_see(role, secrets):
    person = secrets["people"][role]
    client = client_for(person)
    may_see = ROLES[role]
    checked = 0
    for url in secrets["urls"]:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code >= 300:
            continue  # refused or sent to sign in: nothing shown
        body = body_of(response)
        for secret in SECRETS:
            if secret not in may_see:
                assert secret not in body, f"{role} sees {secret!r} at {url}"
        checked += 1
    assert checked >= 10  # most channels answered, so the matrix tested something

    if person is not None:
        token = Token.objects.create(user=person).key
        answer = client_for(None).get("/api/learning/actions/", HTTP_AUTHORIZATION=f"Token {token}")
        assert answer.status_code in (200, 403)
        for secret in set(SECRETS) - may_see:
            assert secret not in answer.content.decode(), f"{role}'s token sees {secret!r}"


@pytest.mark.parametrize("role", ROLES)
def test_each_partnerships_report_opens_to_its_own_people_alone(role, secrets):
    client = client_for(secrets["people"][role])
    for secret, url in secrets["reports"].items():
        opened = client.get(url).status_code == 200
        assert opened == (secret in ROLES[role]), (role, secret)


@pytest.mark.parametrize(
    "role", [role for role, seen in ROLES.items() if seen and not role.endswith("health-lead")]
)
def test_partnership_members_do_find_their_own_partnerships_secrets(role, secrets):
    # The other half of the matrix: the filter is not simply hiding everything.
    client = client_for(secrets["people"][role])
    for secret in ROLES[role] & {RAPID, SAR}:
        word = secret.split()[-1]
        assert secret in client.get(f"/api/learning/search/?q={word}").content.decode()
        assert secret in client.get(f"/search/?q={word}").content.decode()
        assert client.get(secrets["reviews"][secret].url).status_code == 200
    for secret, note in ((RAPID, NOTE), (SAR, SAR_NOTE)):
        if note in ROLES[role]:
            action = secrets["actions"][secret]
            assert note in client.get(action.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("role", "partnership"),
    [("business-unit", "childrens"), ("scrutineer", "childrens"), ("sab-business-unit", "adults")],
)
def test_the_tracker_counts_only_the_actions_of_the_persons_own_partnership(
    role, partnership, secrets
):
    own = secrets["partnerships"][partnership]
    client = client_for(secrets["people"][role])
    dashboard = client.get("/tracker/dashboard/")
    assert dashboard.status_code == 200
    assert dashboard.context["total"] == AgencyAction.objects.in_partnerships([own.pk]).count()
    assert dashboard.context["total"] == 1
    listed = client.get("/api/learning/actions/").json()
    assert listed["count"] == 1


def test_alert_emails_tell_each_person_only_of_their_own_partnerships_secrets(secrets):
    people = {role: user for role, user in secrets["people"].items() if user is not None}
    for user in people.values():
        for words in ("Zeta", "Kappa", "referral"):
            LearningAlertFactory(user=user, query=words)
    # The alerts were saved before the learning was published, so all of it is new to them.
    LearningAlert.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))
    SearchDocument.objects.update(first_indexed_at=timezone.now())
    mail.outbox = []
    send_learning_alerts()
    for role, user in people.items():
        told = "\n".join(email.body for email in mail.outbox if email.to == [user.email])
        for secret in set(SECRETS) - ROLES[role]:
            assert secret not in told, f"{role} is told of {secret!r}"
        for secret in ROLES[role] & {RAPID, SAR}:
            assert secret in told, f"{role} is not told of {secret!r}"


def test_cascade_reminders_ask_each_lead_only_about_their_own_partnerships_briefings(secrets):
    """Four weeks on, every agency lead who has not confirmed a briefing is reminded of it: of
    the briefings of the partnerships where they lead, and never of another's partnership-only
    one."""
    from learning.cascades import send_cascade_reminders
    from reviews.models import BriefingPage

    BriefingPage.objects.update(first_published_at=timezone.now() - datetime.timedelta(days=35))
    mail.outbox = []
    send_cascade_reminders()
    leads = {
        role: user
        for role, user in secrets["people"].items()
        if user is not None and permissions.led_agency_ids(user)
    }
    for role, user in leads.items():
        told = "\n".join(
            email.subject + email.body for email in mail.outbox if email.to == [user.email]
        )
        for secret in set(SECRETS) - ROLES[role]:
            assert secret not in told, f"{role} is reminded of {secret!r}"
        for secret in ROLES[role] & {RAPID, SAR}:
            assert f"Briefing: {secret}" in told, f"{role} is not reminded of {secret!r}"
