"""Learning reaching practice: briefing cascade coverage and its one reminder, learning events
with attendance and evaluation, and what each recommendation led to."""

import datetime
import re

import pytest
from django.utils import timezone

from learning import cascades, services
from learning.models import AgencyAction, LearningEvent
from learning.tasks import remind_cascades

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    BriefingCascadeFactory,
    BriefingPageFactory,
    EventAttendanceFactory,
    LearningEventFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LINK = re.compile(r"http://testserver(/\S+)")


def published(days_ago, **kwargs):
    briefing = BriefingPageFactory(**kwargs)
    type(briefing).objects.filter(pk=briefing.pk).update(
        first_published_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    briefing.refresh_from_db()
    return briefing


def test_cascade_coverage_shows_who_confirmed_with_teams_and_staff_and_who_has_not(
    police, health, scrutineer
):
    briefing = published(40, title="Involving fathers")
    BriefingCascadeFactory(briefing=briefing, agency=police, teams_reached=6, staff_reached=85)
    html = client_for(scrutineer).get("/tracker/briefings/coverage/").content.decode()
    assert "Involving fathers" in html
    assert "1 of 2 agencies (50%) · 6 teams · 85 staff" in html
    assert re.search(
        r"Not yet confirmed:</strong> Calderdale and Huddersfield NHS Foundation Trust", html
    )


def test_leads_who_have_not_confirmed_after_four_weeks_get_one_reminder(
    police, health, police_lead, health_lead, mailoutbox
):
    old = published(29, title="Involving fathers")
    published(10, title="Safer sleeping")  # too recent to chase
    BriefingCascadeFactory(briefing=old, agency=police)

    assert remind_cascades() == 1
    assert remind_cascades() == 0  # once, however often the task runs
    assert [m.to for m in mailoutbox] == [[health_lead.email]]
    assert "Involving fathers" in mailoutbox[0].subject
    confirm = LINK.findall(mailoutbox[0].body)[0]
    assert confirm == f"/tracker/briefings/{old.pk}/cascade/"
    assert client_for(health_lead).get(confirm).status_code == 200


def test_no_reminder_about_a_briefing_every_agency_has_confirmed(police, police_lead, mailoutbox):
    briefing = published(35)
    BriefingCascadeFactory(briefing=briefing, agency=police)
    assert cascades.send_cascade_reminders() == 0
    assert mailoutbox == []


def test_business_unit_records_a_learning_event_with_attendance_and_evaluation(
    police, health, business_unit
):
    review = ReviewPageFactory(title="LCSPR: Child J")
    recommendation = RecommendationFactory(review=review, number="3")
    response = client_for(business_unit).post(
        "/tracker/events/new/",
        {
            "title": "Child J: practice learning seminar",
            "kind": "seminar",
            "held_on": (TODAY - datetime.timedelta(days=50)).isoformat(),
            "review": review.pk,
            "recommendations": [recommendation.pk],
            f"attendance_{police.pk}": "14",
            f"attendance_{health.pk}": "22",
            "immediate_evaluation": "92% said they would change how they record fathers.",
            "follow_up_on": TODAY.isoformat(),
            "follow_up_evaluation": "Health visitors now ask who lives in the home at every visit.",
        },
    )
    assert response.status_code == 302
    event = LearningEvent.objects.get()
    assert {(row.agency, row.attendees) for row in event.attendance.all()} == {
        (police, 14),
        (health, 22),
    }
    page = client_for(business_unit).get(event.get_absolute_url()).content.decode()
    assert "Health visitors now ask who lives in the home" in page
    assert "LCSPR: Child J, recommendation 3" in page


def test_an_event_about_nothing_is_refused_and_nothing_saved(business_unit):
    response = client_for(business_unit).post(
        "/tracker/events/new/",
        {"title": "Seminar", "kind": "seminar", "held_on": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert "Say what the event was about" in response.content.decode()
    assert not LearningEvent.objects.exists()


def _event_as_opened(client, event, **changes):
    """The event's edit form as a browser posts it: the event as the page showed it."""
    page = client.get(f"/tracker/events/{event.pk}/edit/").content.decode()
    opened = re.search(r'name="edited_from" value="([^"]*)"', page)
    return {
        "title": event.title,
        "kind": event.kind,
        "held_on": event.held_on.isoformat(),
        "theme": event.theme_id,
        "immediate_evaluation": event.immediate_evaluation,
        "edited_from": opened.group(1) if opened else "",
    } | changes


def test_business_unit_saving_an_event_someone_saved_since_they_opened_it_is_told_and_the_first_save_stands(  # noqa: E501
    police, business_unit
):
    event = LearningEventFactory(theme=ThemeFactory(name="Neglect"))
    address = f"/tracker/events/{event.pk}/edit/"
    first, second = client_for(business_unit), client_for(business_unit)
    first_form = _event_as_opened(first, event, **{f"attendance_{police.pk}": "14"})
    second_form = _event_as_opened(second, event, title="Renamed seminar")

    assert first.post(address, first_form).status_code == 302
    refused = second.post(address, second_form)

    assert refused.status_code == 400
    assert "Someone else saved this event while you were editing it" in refused.content.decode()
    event.refresh_from_db()
    assert event.title != "Renamed seminar"
    assert {(row.agency, row.attendees) for row in event.attendance.all()} == {(police, 14)}


def test_scrutineer_sees_per_recommendation_actions_assured_briefing_cascaded_events_held(
    police, health, police_lead, scrutineer
):
    review = ReviewPageFactory(title="LCSPR: Child J")
    recommendation = RecommendationFactory(review=review, number="2")
    assured = AgencyActionFactory(recommendation=recommendation, agency=police)
    AgencyActionFactory(recommendation=recommendation, agency=health)
    services.post_update(assured, police_lead, version=assured.version, status="complete")
    services.assure_action(assured, scrutineer, note="Audit seen.")
    briefing = BriefingPageFactory(title="Child J: 7-minute briefing")
    briefing.reviews.set([review])
    briefing.save()
    BriefingCascadeFactory(briefing=briefing, agency=police, staff_reached=40)
    event = LearningEventFactory(title="Child J seminar", review=review)
    event.recommendations.set([recommendation])
    EventAttendanceFactory(event=event, agency=police, attendees=30)

    html = client_for(scrutineer).get("/tracker/recommendations/").content.decode()
    assert "LCSPR: Child J, recommendation 2" in html
    assert re.search(r"Actions assured</dt><dd>1 of 2</dd>", html)
    assert "Child J: 7-minute briefing</a>: 1 of 2 agencies, 40 staff" in html
    assert "Child J seminar</a> (" in html and "30 attended" in html
    assert AgencyAction.objects.filter(status="assured").count() == 1


def test_the_recommendations_page_runs_a_fixed_number_of_queries(
    scrutineer, police, django_assert_max_num_queries
):
    client = client_for(scrutineer)

    def add(count):
        for _ in range(count):
            review = ReviewPageFactory()
            recommendation = RecommendationFactory(review=review)
            AgencyActionFactory(recommendation=recommendation, agency=police)
            briefing = BriefingPageFactory()
            briefing.reviews.set([review])
            briefing.save()
            LearningEventFactory(review=review).recommendations.set([recommendation])

    add(1)
    client.get("/tracker/recommendations/")
    with django_assert_max_num_queries(40) as few:
        client.get("/tracker/recommendations/")
    add(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/tracker/recommendations/")
