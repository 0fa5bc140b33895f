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
        "scrutineer, admin\n"
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
