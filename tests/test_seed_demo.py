"""`seed_demo` loads a realistic partnership, changes nothing when run again, and refuses to run
on a production configuration unless forced."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from learning import permissions
from learning.models import Agency, Recommendation, Theme
from reviews.models import BriefingPage, ReviewPage

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "kirklees-demo-2020"
DEMO_USERS = ["practitioner", "police-lead", "health-lead", "business-unit", "scrutineer", "admin"]
# Rows that signing in writes (sessions, login attempts) are not demo content.
NOT_CONTENT = {"sessions", "axes", "admin"}


@pytest.fixture
def seeded(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", verbosity=0)


def _row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in NOT_CONTENT
    }


def _rapid_review_states(rapid_reviews):
    states = set()
    for review in rapid_reviews:
        if all(step.state == "met" for step in review.timeline()):
            states.add("met")
        else:
            states.add(review.next_open_deadline().state)
    return states


def test_demo_partnership_has_the_agencies_themes_reviews_and_briefings_it_promises(seeded):
    assert Agency.objects.count() >= 10
    assert Theme.objects.count() >= 15
    assert Theme.objects.filter(name="Disguised compliance and resistant families").exists()
    reviews = ReviewPage.objects.live()
    assert reviews.count() >= 8
    assert len(set(reviews.values_list("kind", flat=True))) >= 4
    assert Recommendation.objects.count() >= 8
    assert BriefingPage.objects.live().count() >= 5

    rapid_reviews = reviews.filter(kind=ReviewPage.Kind.RAPID_REVIEW)
    assert rapid_reviews.count() >= 3
    assert set(rapid_reviews.values_list("visibility", flat=True)) == {
        permissions.Visibility.PARTNERSHIP
    }
    assert {"met", "due_soon", "missed"} <= _rapid_review_states(rapid_reviews)


def test_demo_users_sign_in_with_the_demo_password_and_have_their_roles(seeded):
    from django.contrib.auth import get_user_model

    for username in DEMO_USERS:
        client = Client()
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (username, response.content.decode()[:500])
        assert client.get("/").context["user"].username == username

    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERS)}
    assert permissions.has_role(users["practitioner"], permissions.PRACTITIONERS)
    assert not permissions.is_partnership_member(users["practitioner"])
    assert permissions.has_role(users["police-lead"], permissions.AGENCY_LEADS)
    assert permissions.led_agency_ids(users["police-lead"])
    assert permissions.is_business_unit(users["business-unit"])
    assert permissions.is_scrutineer(users["scrutineer"])
    assert users["admin"].is_superuser

    wrong = Client()
    assert wrong.post("/login/", {"username": "scrutineer", "password": "wrong"}).status_code == 200
    assert "_auth_user_id" not in wrong.session


def test_demo_rapid_reviews_are_hidden_from_the_public_and_practitioners(seeded):
    public = Client().get("/reviews/").content.decode()
    assert "Rapid review: Child" not in public
    assert "Local child safeguarding practice review: Child J" in public
    practitioner = Client()
    practitioner.post("/login/", {"username": "practitioner", "password": DEMO_PASSWORD})
    assert "Rapid review: Child" not in practitioner.get("/reviews/").content.decode()
    lead = Client()
    lead.post("/login/", {"username": "police-lead", "password": DEMO_PASSWORD})
    assert "Rapid review: Child" in lead.get("/reviews/").content.decode()


def test_second_run_changes_nothing(seeded):
    before = _row_counts()
    call_command("seed_demo", verbosity=0)
    after = _row_counts()
    changed = {
        label: (before[label], after[label]) for label in before if before[label] != after[label]
    }
    assert changed == {}


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert not ReviewPage.objects.exists()
    assert not Agency.objects.exists()


def test_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    assert ReviewPage.objects.live().count() >= 8


def test_demo_hangs_together_and_prints_who_to_sign_in_as(
    settings, monkeypatch, tmp_path, capsys, committed
):
    """Loaded as `make run` loads it (development email, the transaction committed): the output
    says who to sign in as and where the password comes from, every action answers its own recommendation, every note that says something is
    attached has a file, and each briefing carries its own date."""
    from config.settings import base
    from learning.models import AgencyAction, EvidenceFile, ProgressUpdate

    settings.DEBUG = True
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.EMAIL_FILE_PATH = tmp_path / "sent-email"
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    capsys.readouterr()

    with committed():
        call_command("seed_demo")

    assert capsys.readouterr().out == (
        "Demo partnership ready.\n"
        "Sign in as: practitioner, police-lead, health-lead, business-unit, business-manager, "
        "scrutineer, admin, sab-business-unit, sab-business-manager, sab-independent-chair, "
        "csp-business-manager, csp-independent-chair\n"
        "Password: the value of DEMO_PASSWORD in the environment.\n"
    )
    assert any((tmp_path / "sent-email").iterdir()), "the agencies' leads were emailed"
    actions = AgencyAction.objects.filter(recommendation__isnull=False).select_related(
        "recommendation", "agency"
    )
    assert actions.exists()
    for action in actions:
        recommendation = action.recommendation
        assert f"recommendation {recommendation.number}:" in action.description
        assert recommendation.text in action.description
    attached = ProgressUpdate.objects.filter(note__icontains="attached")
    assert attached.exists()
    for update in attached:
        assert EvidenceFile.objects.filter(update=update).exists(), update.note
    dates = list(BriefingPage.objects.live().values_list("first_published_at", flat=True))
    assert len(set(dates)) == len(dates)


def test_the_demo_yearly_report_opens_on_a_year_with_recommendations_actions_and_section_11(
    seeded,
):
    """The business unit opens the yearly report on the demo: its default year (the last
    financial year, whenever the demo is loaded) has the demo's learning in it."""
    from reviews.yearly_report import Period, yearly_report

    period = Period.last_financial_year()
    report = yearly_report(period)
    in_the_year = [counts[period.label] for counts in report["recommendations_by_theme"].values()]
    assert sum(in_the_year) > 0
    assert sum(sum(counts.values()) for counts in report["actions_by_agency"].values()) > 0
    section11 = [report[key] for key in ("section11_returns_submitted", "section11_gaps_opened")]
    assert any(section11)

    client = Client()
    client.post("/login/", {"username": "business-unit", "password": DEMO_PASSWORD})
    page = client.get("/tracker/yearly-report/").content.decode()
    assert "No recommendations published in these years" not in page
    assert period.label in page


# The business unit's three partnerships.

CHILDRENS_SECRETS = ["Rapid review: Child A", "Fathers and hidden men", "Child B", "Child C"]
ADULTS_SECRET = "Safeguarding adults review: Adult E"


@pytest.fixture
def business_unit_demo(settings, monkeypatch, committed):
    """The demo as `make run` leaves it: committed, so search has indexed it. A saved search made
    before the demo was loaded waits to tell `sab-business-unit` of new learning."""
    from django.contrib.auth import get_user_model

    from search.models import LearningAlert

    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    reader = get_user_model().objects.create_user(
        "sab-business-unit", email="sab-business-unit@example.org"
    )
    LearningAlert.objects.create(user=reader, query="hospital")
    with committed():
        call_command("seed_demo", verbosity=0)
    return {user.username: user for user in get_user_model().objects.all()}


def _body(response):
    return (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode(errors="replace")


def test_the_business_unit_runs_three_partnerships_each_with_its_own_section_and_people(seeded):
    from learning.models import Partnership

    partnerships = {p.framework: p for p in Partnership.objects.all()}
    assert set(partnerships) == {"children", "adults", "community_safety"}
    assert partnerships["children"] == Partnership.objects.default()
    assert partnerships["children"].name == "Kirklees Safeguarding Children Partnership"
    for framework in ("adults", "community_safety"):
        section = partnerships[framework].section
        index = Client().get(section.url + "reviews/")
        assert index.status_code == 200
        assert Client().get(section.url + "briefings/").status_code == 200
        people = partnerships[framework].memberships.values_list("role", flat=True)
        assert {permissions.BUSINESS_MANAGERS, permissions.SCRUTINEERS} <= set(people)

    sars = ReviewPage.objects.live().filter(kind="sar")
    assert {(r.partnership.framework, r.visibility) for r in sars} == {
        ("adults", "public"),
        ("adults", "partnership"),
    }
    dhr = ReviewPage.objects.live().get(slug="dhr-adult-p")
    assert dhr.partnership == partnerships["community_safety"]
    for review in [*sars, dhr]:
        agencies = set(
            Recommendation.objects.filter(review=review).values_list(
                "agencies__short_name", flat=True
            )
        )
        assert "Police" in agencies
    # The children's partnership keeps its own reviews, the public DHR about Adult M among them.
    children_reviews = ReviewPage.objects.live().filter(partnership=partnerships["children"])
    assert children_reviews.count() == 9
    assert children_reviews.filter(slug="dhr-adult-m").exists()

    sab = get_user_model_named("sab-business-unit")
    assert permissions.visible_partnership_ids(sab) == {partnerships["adults"].pk}
    assert permissions.is_business_unit(sab)
    lead = get_user_model_named("police-lead")
    assert permissions.partnership_ids_with_role(lead, permissions.AGENCY_LEADS) == {
        p.pk for p in partnerships.values()
    }


def get_user_model_named(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_sab_business_unit_opens_the_boards_partnership_only_sar(business_unit_demo):
    client = client_for_demo("sab-business-unit")
    sar = ReviewPage.objects.get(slug="sar-adult-e")
    page = client.get(sar.url)
    assert page.status_code == 200
    assert "cuckooing" in page.content.decode()
    assert ADULTS_SECRET in _body(client.get("/api/learning/search/?q=cuckooing"))
    assert ADULTS_SECRET in _body(client.get("/search/?q=cuckooing"))


def test_sab_business_unit_cannot_open_find_count_or_hear_of_the_childrens_partnership_only_learning(
    business_unit_demo,
):
    from django.core import mail

    from learning.models import AgencyAction, Partnership
    from search.alerts import send_learning_alerts

    client = client_for_demo("sab-business-unit")
    for slug in ("rapid-review-child-a", "rapid-review-child-b", "rapid-review-child-c"):
        assert client.get(ReviewPage.objects.get(slug=slug).url).status_code in (403, 404)
    assert client.get(BriefingPage.objects.get(slug="fathers-and-hidden-men").url).status_code in (
        403,
        404,
    )
    for url in [
        "/",
        "/reviews/",
        "/reviews/?kind=rapid_review",
        "/search/?q=Child",
        "/search/?q=hospital",
        "/search/?q=fathers",
        "/api/learning/search/?q=Child",
        "/api/learning/search/?q=hospital",
        "/api/learning/search/?q=fathers",
        "/feeds/latest/",
        "/feeds/latest/atom/",
        "/sitemap.xml",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        for secret in CHILDRENS_SECRETS:
            assert secret not in _body(response), f"{secret!r} at {url}"

    # Counted: the dashboard's figures are the adults board's actions only.
    adults = Partnership.objects.get(framework="adults")
    dashboard = client.get("/tracker/dashboard/")
    assert dashboard.context["total"] == AgencyAction.objects.in_partnerships([adults.pk]).count()
    assert dashboard.context["total"] < AgencyAction.objects.count()
    # Told of: the saved search about hospitals brings the board's SAR, never the rapid review.
    mail.outbox = []
    assert send_learning_alerts() >= 1
    told = "\n".join(
        email.body for email in mail.outbox if email.to == ["sab-business-unit@example.org"]
    )
    assert ADULTS_SECRET in told
    for secret in CHILDRENS_SECRETS:
        assert secret not in told


def test_police_lead_sees_the_actions_of_all_three_partnerships(business_unit_demo):
    from learning.models import AgencyAction, Partnership

    client = client_for_demo("police-lead")
    police_actions = AgencyAction.objects.filter(agency__short_name="Police")
    by_partnership = {
        partnership.name: police_actions.in_partnerships([partnership.pk])
        for partnership in Partnership.objects.all()
    }
    assert len(by_partnership) == 3 and all(qs.exists() for qs in by_partnership.values())

    my_work = _body(client.get("/tracker/my-work/"))
    for actions in by_partnership.values():
        titles = actions.values_list("recommendation__review__title", flat=True)
        assert any(title in my_work for title in titles), list(titles)

    answer = client.get("/api/learning/actions/?page_size=200").json()
    rows = answer["results"] if isinstance(answer, dict) else answer
    seen = {row["id"] for row in rows}
    for actions in by_partnership.values():
        assert set(actions.values_list("pk", flat=True)) & seen
    assert {row["partnership"] for row in rows} == set(by_partnership)


def client_for_demo(username):
    from .conftest import client_for

    return client_for(get_user_model_named(username))
