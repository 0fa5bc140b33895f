"""Every change to recommendations, agencies, themes, actions and Section 11 returns is logged
(who, when, what changed) and the business unit can read the log."""

import datetime

import pytest
from django.utils import timezone

from learning import services
from learning.audit import acting_as
from learning.models import (
    AuditCycle,
    ChangeLog,
    Section11Return,
    Standard,
    StandardAnswer,
)

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    RecommendationFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def entries(object_type, operation=None):
    found = ChangeLog.objects.filter(object_type=object_type)
    return found.filter(operation=operation) if operation else found


def test_creating_changing_and_deleting_an_agency_is_logged_with_who_and_what(business_unit):
    with acting_as(business_unit):
        agency = AgencyFactory(name="Kirklees Council", short_name="KC")
        agency.name = "Kirklees Council Children's Services"
        agency.save()
        agency_id = agency.pk
        agency.delete()

    created, changed, deleted = (
        entries("Agency", op).get() for op in ("create", "update", "delete")
    )
    assert created.actor == changed.actor == deleted.actor == business_unit
    assert created.changes["name"] == [None, "Kirklees Council"]
    assert changed.changes == {"name": ["Kirklees Council", "Kirklees Council Children's Services"]}
    assert deleted.object_id == str(agency_id)


def test_saving_without_a_change_writes_no_entry(business_unit):
    with acting_as(business_unit):
        theme = ThemeFactory(name="Neglect")
        theme.save()
    assert entries("Theme").count() == 1


def test_recommendation_and_theme_changes_are_logged():
    ThemeFactory(name="Escalation")
    recommendation = RecommendationFactory(text="Agencies should escalate.")
    recommendation.text = "Agencies should escalate disagreements within five days."
    recommendation.save()
    assert entries("Theme", "create").get().object_repr == "Escalation"
    change = entries("Recommendation", "update").get()
    assert change.changes["text"][1].endswith("within five days.")
    assert change.actor is None  # made outside any request: shown as "System"


def test_changing_who_a_recommendation_is_addressed_to_is_logged(business_unit, police, health):
    recommendation = RecommendationFactory()
    recommendation.agencies.set([police])
    recommendation.save()
    with acting_as(business_unit):
        recommendation.agencies.set([police, health])
        recommendation.save()
    change = entries("Recommendation", "update").filter(changes__has_key="agencies").first()
    assert change.actor == business_unit
    assert change.changes["agencies"] == [
        ["West Yorkshire Police"],
        ["Calderdale and Huddersfield NHS Foundation Trust", "West Yorkshire Police"],
    ]
    html = client_for(business_unit).get("/tracker/changes/").content.decode()
    addressed_to = (
        "from West Yorkshire Police to Calderdale and Huddersfield NHS Foundation Trust, "
        "West Yorkshire Police"
    )
    assert "changed the agencies of" in html and addressed_to in html


def test_business_unit_editing_an_agency_in_the_admin_is_logged_against_them(business_unit, police):
    response = client_for(business_unit).post(
        f"/admin/snippets/learning/agency/edit/{police.pk}/",
        {
            "name": "West Yorkshire Police (Kirklees district)",
            "short_name": police.short_name,
            "slug": police.slug,
            "sector": police.sector,
            "active": "on",
            "aliases": "",
        },
    )
    assert response.status_code == 302
    change = entries("Agency", "update").get()
    assert change.actor == business_unit
    assert change.changes["name"] == [
        "West Yorkshire Police",
        "West Yorkshire Police (Kirklees district)",
    ]


def test_progress_update_through_the_page_logs_the_actions_change_by_its_author(
    police, police_lead
):
    action = AgencyActionFactory(agency=police)
    client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {"note": "Started.", "status": "in_progress", "rag": "amber", "version": action.version},
    )
    change = entries("AgencyAction", "update").get()
    assert change.actor == police_lead
    assert change.changes == {
        "status": ["not_started", "in_progress"],
        "rag": ["", "amber"],
    }


def test_extension_accepted_logs_the_due_date_moving(police, police_lead, business_unit):
    action = AgencyActionFactory(agency=police)
    extension = services.request_extension(
        action,
        police_lead,
        new_due_date=action.current_due_date + datetime.timedelta(days=14),
        reason="Staff sickness.",
    )
    services.decide_extension(extension, business_unit, accept=True)
    change = entries("AgencyAction", "update").get()
    assert change.actor == business_unit
    assert change.changes["current_due_date"] == [
        action.current_due_date.isoformat(),
        (action.current_due_date + datetime.timedelta(days=14)).isoformat(),
    ]


def test_section11_return_and_answers_are_logged(police, police_lead):
    today = timezone.localdate()
    cycle = AuditCycle.objects.create(
        name="2026 audit", opens_on=today, closes_on=today + datetime.timedelta(days=60)
    )
    standard = Standard.objects.create(cycle=cycle, number="1", title="Accountability")
    with acting_as(police_lead):
        section11_return = Section11Return.objects.create(agency=police, cycle=cycle)
        answer = StandardAnswer.objects.create(section11_return=section11_return, standard=standard)
        answer.rating = StandardAnswer.Rating.PARTLY_MET
        answer.save()
    assert entries("Section11Return", "create").get().actor == police_lead
    assert entries("StandardAnswer", "update").get().changes == {"rating": ["", "partly_met"]}


def test_business_unit_reads_the_change_log_filtered_by_type(business_unit):
    with acting_as(business_unit):
        AgencyFactory(name="Locala Community Partnerships", short_name="Locala")
        ThemeFactory(name="Voice of the child")
    client = client_for(business_unit)
    html = client.get("/tracker/changes/").content.decode()
    assert "Locala Community Partnerships" in html and "Voice of the child" in html
    assert "business-unit" in html
    filtered = client.get("/tracker/changes/", {"kind": "themes"}).content.decode()
    assert "Voice of the child" in filtered
    assert "the agency Locala Community Partnerships" not in filtered


@pytest.mark.parametrize("who", ["police_lead", "practitioner"])
def test_only_the_business_unit_and_scrutineer_read_the_change_log(who, request):
    user = request.getfixturevalue(who)
    assert client_for(user).get("/tracker/changes/").status_code == 403


def test_change_log_page_runs_a_fixed_number_of_queries(
    business_unit, django_assert_max_num_queries
):
    client = client_for(business_unit)
    client.get("/")
    with acting_as(business_unit):
        ThemeFactory.create_batch(3)
    with django_assert_max_num_queries(16) as few:
        client.get("/tracker/changes/")
    with acting_as(business_unit):
        ThemeFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/tracker/changes/")
