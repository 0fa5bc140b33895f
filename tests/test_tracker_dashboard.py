"""The scrutineer's dashboard and the filtered list behind its figures."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.models import AgencyAction

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _action(agency, recommendation=None, **fields):
    return AgencyActionFactory(
        agency=agency,
        recommendation=recommendation or RecommendationFactory(),
        **fields,
    )


@pytest.fixture
def partnership(police, health):
    """Police: one overdue, one slipped; health: one complete, one assured, one not started."""
    neglect = ThemeFactory(name="Neglect")
    scr = ReviewPageFactory(title="SCR Child J", kind="scr")
    recommendation = RecommendationFactory(review=scr, number="3")
    recommendation.themes.add(neglect)
    recommendation.save()  # parental many-to-many: stored on save
    return {
        "overdue": _action(
            police,
            recommendation,
            description="Audit referrals for neglect",
            status=AgencyAction.Status.IN_PROGRESS,
            original_due_date=TODAY - 10 * DAY,
            current_due_date=TODAY - 10 * DAY,
        ),
        "slipped": _action(
            police,
            description="Train call handlers on escalation",
            status=AgencyAction.Status.IN_PROGRESS,
            original_due_date=TODAY + 5 * DAY,
            current_due_date=TODAY + 60 * DAY,
        ),
        "complete": _action(
            health,
            recommendation,
            description="Update the health visiting pathway",
            status=AgencyAction.Status.COMPLETE,
        ),
        "assured": _action(
            health, description="Safer sleeping leaflets", status=AgencyAction.Status.ASSURED
        ),
        "not_started": _action(health, description="Voice of the child in records"),
        "theme": neglect,
        "review": scr,
    }


def _link_for(html, label):
    """The href of the figure card whose label follows the count."""
    match = re.search(r'<a href="([^"]+)" aria-label="(\d+) ' + re.escape(label.lower()), html)
    assert match, f"no figure for {label}"
    return unescape(match.group(1)), int(match.group(2))


def test_scrutineer_sees_each_category_counted_with_a_link_to_its_list(scrutineer, partnership):
    client = client_for(scrutineer)
    html = client.get(reverse("learning:dashboard")).content.decode()

    # Outstanding is the agencies' own work still to do; the complete action waits for assurance.
    expected = {
        "Outstanding": 3,
        "Overdue": 1,
        "Slipped (revised date later than the original)": 1,
        "Complete but not assured": 1,
        "Assured": 1,
    }
    for label, count in expected.items():
        url, shown = _link_for(html, label)
        assert shown == count
        listed = client.get(url).content.decode()
        assert f"{count} action{'s' if count != 1 else ''}" in listed

    overdue_list = client.get(_link_for(html, "Overdue")[0]).content.decode()
    assert "Audit referrals for neglect" in overdue_list
    assert "Train call handlers" not in overdue_list


def test_business_unit_sees_agency_by_status_table_linking_to_each_cell(
    business_unit, partnership, police
):
    client = client_for(business_unit)
    response = client.get(reverse("learning:dashboard"))
    by_agency = response.context["by_agency"]
    police_row = next(row for row in by_agency if row["label"] == police.name)
    in_progress = AgencyAction.Status.choices.index(("in_progress", "In progress"))
    cell = police_row["cells"][in_progress]
    assert cell["count"] == 2
    assert police_row["overdue"]["count"] == 1
    listed = client.get(cell["url"]).content.decode()
    assert "Audit referrals for neglect" in listed
    assert "Train call handlers on escalation" in listed
    assert "Update the health visiting pathway" not in listed


def test_theme_table_counts_actions_through_their_recommendations_themes(scrutineer, partnership):
    client = client_for(scrutineer)
    by_theme = client.get(reverse("learning:dashboard")).context["by_theme"]
    assert [row["label"] for row in by_theme] == ["Neglect"]
    assert by_theme[0]["total"] == 2
    listed = client.get(by_theme[0]["url"]).content.decode()
    assert "Audit referrals for neglect" in listed
    assert "Update the health visiting pathway" in listed
    assert "Safer sleeping leaflets" not in listed


def test_age_bands_show_how_long_outstanding_actions_have_been_open(scrutineer, police):
    _action(police, description="Opened last week", created_at=timezone.now() - 7 * DAY)
    _action(police, description="Opened in spring", created_at=timezone.now() - 200 * DAY)
    _action(police, description="Opened two years ago", created_at=timezone.now() - 730 * DAY)
    client = client_for(scrutineer)
    ages = {band["key"]: band for band in client.get(reverse("learning:dashboard")).context["ages"]}
    assert [ages[key]["count"] for key in ("under_3", "3_6", "6_12", "over_12")] == [1, 0, 1, 1]
    listed = client.get(ages["6_12"]["url"]).content.decode()
    assert "Opened in spring" in listed
    assert "Opened last week" not in listed


def test_charts_come_with_their_data_tables(scrutineer, partnership):
    html = client_for(scrutineer).get(reverse("learning:dashboard")).content.decode()
    assert "<caption>Actions by category (the data behind the chart)</caption>" in html
    assert "<caption>Outstanding actions by time open (the data behind the chart)</caption>" in html
    assert 'class="bar-chart" aria-hidden="true"' in html


def test_dashboard_filters_carry_into_every_link(scrutineer, partnership, police):
    client = client_for(scrutineer)
    response = client.get(reverse("learning:dashboard"), {"agency": police.slug})
    categories = {row["key"]: row for row in response.context["categories"]}
    assert categories["outstanding"]["count"] == 2
    assert f"agency={police.slug}" in categories["overdue"]["url"]


@pytest.mark.parametrize("role", ["police_lead", "practitioner"])
def test_only_the_business_unit_and_scrutineer_open_the_dashboard(request, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get(reverse("learning:dashboard")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get(reverse("learning:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def _many_actions(count):
    agencies = [AgencyFactory() for _ in range(count)]
    theme = ThemeFactory(name="Information sharing")
    for number in range(2):
        recommendation = RecommendationFactory()
        recommendation.themes.add(theme)
        recommendation.save()
        for agency in agencies:
            _action(agency, recommendation, status=AgencyAction.Status.IN_PROGRESS)


@pytest.mark.parametrize("agencies", [2, 12])
def test_dashboard_runs_a_fixed_number_of_queries_whatever_the_number_of_actions(
    scrutineer, django_assert_max_num_queries, agencies
):
    _many_actions(agencies)
    client = client_for(scrutineer)
    client.get(reverse("learning:dashboard"))  # the first visit creates per-site settings rows
    # Two of these count and list the actions the scrutineer has challenged.
    with django_assert_max_num_queries(19):
        response = client.get(reverse("learning:dashboard"))
    assert response.context["total"] == agencies * 2


@pytest.mark.parametrize("agencies", [2, 12])
def test_filtered_list_runs_a_fixed_number_of_queries(
    business_unit, django_assert_max_num_queries, agencies
):
    _many_actions(agencies)
    client = client_for(business_unit)
    client.get(reverse("learning:tracker_list"))  # the first visit creates per-site settings rows
    with django_assert_max_num_queries(15):
        response = client.get(reverse("learning:tracker_list"), {"category": "outstanding"})
    assert response.context["items"].paginator.count == agencies * 2


def test_list_filters_by_review_kind_theme_and_due_dates(scrutineer, partnership):
    client = client_for(scrutineer)
    url = reverse("learning:tracker_list")

    by_kind = client.get(url, {"review_kind": "scr"}).content.decode()
    assert "Audit referrals for neglect" in by_kind
    assert "Safer sleeping leaflets" not in by_kind

    by_theme = client.get(url, {"theme": partnership["theme"].slug}).context["items"]
    assert {action.pk for action in by_theme} == {
        partnership["overdue"].pk,
        partnership["complete"].pk,
    }

    window = {"due_from": (TODAY - 20 * DAY).isoformat(), "due_to": TODAY.isoformat()}
    assert [action.pk for action in client.get(url, window).context["items"]] == [
        partnership["overdue"].pk
    ]


def test_list_puts_overdue_actions_first(scrutineer, partnership):
    items = client_for(scrutineer).get(reverse("learning:tracker_list")).context["items"]
    assert items[0].pk == partnership["overdue"].pk


def test_a_backwards_date_range_is_refused_with_a_message_and_lists_nothing(
    scrutineer, partnership
):
    response = client_for(scrutineer).get(
        reverse("learning:tracker_list"),
        {"due_from": TODAY.isoformat(), "due_to": (TODAY - DAY).isoformat()},
    )
    assert response.status_code == 400
    assert "must not be after" in response.content.decode()
    assert response.context["items"].paginator.count == 0


def test_agency_lead_lists_only_their_own_agencys_actions(police_lead, partnership, health):
    client = client_for(police_lead)
    listed = client.get(reverse("learning:tracker_list")).content.decode()
    assert "Audit referrals for neglect" in listed
    assert "Update the health visiting pathway" not in listed
    # Asking for another agency is an invalid choice, not a way in.
    response = client.get(reverse("learning:tracker_list"), {"agency": health.slug})
    assert response.context["items"].paginator.count == 0
    assert "Update the health visiting pathway" not in response.content.decode()


# --- The agency page -------------------------------------------------------------------------


def test_agency_page_brings_review_actions_section11_and_cascades_together(
    police_lead, police, partnership
):
    from learning import section11
    from learning.models import BriefingCascade

    from .factories import BriefingPageFactory

    cycle = section11.open_cycle("Section 11 audit 2026", TODAY - 30 * DAY, TODAY + 300 * DAY)
    police_return = section11.start_return(police, cycle)
    police_return.answers.update(rating="met")
    police_return.answers.filter(standard__number="5").update(rating="not_met")
    section11.submit_return(police_return, police_lead, police_return.version)
    briefing = BriefingPageFactory(title="7-minute briefing: Child J")
    BriefingCascade.objects.create(
        briefing=briefing,
        agency=police,
        confirmed_by=police_lead,
        cascaded_on=TODAY - 3 * DAY,
        teams_reached=4,
        staff_reached=37,
    )

    response = client_for(police_lead).get(reverse("learning:agency_detail", args=[police.slug]))
    html = response.content.decode()
    assert "Audit referrals for neglect" in html
    assert "Update the health visiting pathway" not in html
    assert "Section 11 standard 5 (not met)" in html
    assert "<strong>Submitted</strong>" in html
    assert "7-minute briefing: Child J" in html
    assert "<td>37</td>" in html


def test_agency_lead_cannot_open_another_agencys_page(police_lead, health):
    response = client_for(police_lead).get(reverse("learning:agency_detail", args=[health.slug]))
    assert response.status_code == 403


def test_agency_index_lists_all_agencies_for_the_scrutineer_and_own_for_a_lead(
    scrutineer, police_lead, police, health, partnership
):
    everyone = client_for(scrutineer).get(reverse("learning:agency_index")).context["agencies"]
    assert {agency.name for agency in everyone} == {police.name, health.name}
    police_row = next(agency for agency in everyone if agency == police)
    assert (police_row.outstanding, police_row.overdue) == (2, 1)
    own = client_for(police_lead).get(reverse("learning:agency_index")).context["agencies"]
    assert [agency.name for agency in own] == [police.name]


@pytest.mark.parametrize("agencies", [2, 12])
def test_agency_page_runs_a_fixed_number_of_queries(
    business_unit, django_assert_max_num_queries, agencies
):
    _many_actions(agencies)
    agency = AgencyAction.objects.first().agency
    client = client_for(business_unit)
    url = reverse("learning:agency_detail", args=[agency.slug])
    client.get(url)
    with django_assert_max_num_queries(17):
        client.get(url)
