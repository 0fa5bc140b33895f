"""The leak matrix: one secret of each kind (a partnership-only rapid review with its report and
recommendation, a draft, another agency's action with its note) asked for by every role over
every channel. A channel either refuses or answers without the secret; never a 500."""

import pytest
from rest_framework.authtoken.models import Token

from learning import permissions

from ..conftest import client_for
from ..factories import (
    AgencyActionFactory,
    AgencyFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    ReviewDocumentFactory,
    ReviewPageFactory,
    UserFactory,
    agency_lead,
)

pytestmark = pytest.mark.django_db

RAPID = "Child Zeta"  # in a partnership-only rapid review's title, findings and recommendation
DRAFT = "Child Omega"  # in a draft nobody may see on the site
NOTE = "Sergeant Quill"  # in the police's progress note, for the police and the partnership only

# Who may see what: the partnership sees the rapid review; only the police and the business
# unit and scrutineer see the police's note; nobody sees the draft outside the admin.
ROLES = {
    "anonymous": set(),
    "practitioner": set(),
    "health-lead": {RAPID},
    "police-lead": {RAPID, NOTE},
    "business-unit": {RAPID, NOTE},
    "scrutineer": {RAPID, NOTE},
}
PAGES = [
    "/",
    "/reviews/",
    "/reviews/?kind=rapid_review",
    "/themes/",
    "/search/?q=Child",
    "/search/?q=Zeta",
    "/api/learning/search/?q=Zeta",
    "/api/learning/search/?q=Omega",
    "/api/learning/similar/?text=Child+Zeta+referral+information",
    "/feeds/latest/",
    "/feeds/latest/atom/",
    "/sitemap.xml",
    "/api/v2/pages/?search=Zeta",
    "/api/v2/pages/?type=reviews.ReviewPage&fields=*",
]


@pytest.fixture
def secrets(committed):
    with committed():  # search indexes what a commit would
        return _secrets()


def _secrets():
    police = AgencyFactory(short_name="Police")
    health = AgencyFactory(short_name="CHFT")
    people = {
        "anonymous": None,
        "practitioner": UserFactory(username="practitioner", role=permissions.PRACTITIONERS),
        "health-lead": agency_lead(health, "health-lead"),
        "police-lead": agency_lead(police, "police-lead"),
        "business-unit": UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT),
        "scrutineer": UserFactory(username="scrutineer", role=permissions.SCRUTINEERS),
    }
    ReviewPageFactory(title="Public review: Child Alpha", summary="Learning about neglect.")
    rapid = ReviewPageFactory(
        title=f"Rapid review: {RAPID}",
        kind="rapid_review",
        visibility="partnership",
        findings=f"{RAPID} was not seen alone.",
    )
    recommendation = RecommendationFactory(
        review=rapid, text=f"Share referral information on {RAPID}."
    )
    report = ReviewDocumentFactory(page=rapid)
    ReviewPageFactory(title=f"Draft review: {DRAFT}", live=False)
    action = AgencyActionFactory(agency=police, recommendation=recommendation)
    ProgressUpdateFactory(action=action, note=f"Briefed by {NOTE}.")
    return {
        "people": people,
        "rapid": rapid,
        "report": report.document.url,
        "action": action,
        "tracker": [
            action.get_absolute_url(),
            "/tracker/actions/",
            f"/api/learning/actions/{action.pk}/updates/",
            "/api/learning/actions/",
            "/tracker/list/",
            "/tracker/export.csv",
        ],
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_channel_shows_a_role_what_it_may_not_see(role, secrets):
    person = secrets["people"][role]
    client = client_for(person)
    may_see = ROLES[role]
    checked = 0
    for url in [*PAGES, secrets["rapid"].url, secrets["report"], *secrets["tracker"]]:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code >= 300:
            continue  # refused or sent to sign in: nothing shown
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode(errors="replace")
        for secret in (RAPID, DRAFT, NOTE):
            if secret not in may_see:
                assert secret not in body, f"{role} sees {secret!r} at {url}"
        checked += 1
    assert checked >= 10  # most channels answered, so the matrix tested something

    if person is not None:
        token = Token.objects.create(user=person).key
        answer = client_for(None).get("/api/learning/actions/", HTTP_AUTHORIZATION=f"Token {token}")
        assert answer.status_code in (200, 403)
        for secret in {RAPID, DRAFT, NOTE} - may_see:
            assert secret not in answer.content.decode(), f"{role}'s token sees {secret!r}"


@pytest.mark.parametrize("role", ["police-lead", "business-unit", "scrutineer", "health-lead"])
def test_partnership_members_do_find_the_rapid_review(role, secrets):
    # The other half of the matrix: the filter is not simply hiding everything.
    client = client_for(secrets["people"][role])
    assert RAPID in client.get("/api/learning/search/?q=Zeta").content.decode()
    assert client.get(secrets["report"]).status_code == 200
