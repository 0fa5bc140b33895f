"""The tracker on a phone: every tracker page reflows at 390 px wide (WCAG 1.4.10) with no
sideways scrolling of the page, and the dashboard's bars stay wide enough to read."""

import datetime

import pytest
from django.utils import timezone

from learning import permissions, section11, services
from learning.models import ExtensionRequest

from ..factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingPageFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
    UserFactory,
    agency_lead,
)
from .conftest import blocking_violations, describe, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DAY = datetime.timedelta(days=1)
# Long words and long names are what push a narrow page sideways.
LONG_NAME = "Calderdale and Huddersfield NHS Foundation Trust Safeguarding Children Service"
LONG_TEXT = (
    "Review the multi-agency safeguarding hub's information-sharing arrangements for "
    "children-missing-education referrals and report to the partnership's executive group."
)


@pytest.fixture
def tracker():
    """A partnership's tracker with something on every page: actions in each state, a Section 11
    cycle with a submitted return, a briefing to cascade and an extension waiting."""
    today = timezone.localdate()
    neglect = ThemeFactory(name="Neglect and the voice of the child")
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    health = AgencyFactory(name=LONG_NAME, short_name="CHFT")
    lead = agency_lead(police, "police-lead")
    UserFactory(username="business-unit", role=permissions.BUSINESS_UNIT)
    UserFactory(username="scrutineer", role=permissions.SCRUTINEERS)
    review = ReviewPageFactory(title="Child J: local child safeguarding practice review")
    review.save_revision().publish()
    recommendation = RecommendationFactory(review=review, number="1", text=LONG_TEXT)
    recommendation.themes.add(neglect)
    actions = []
    for number, (agency, status, original, current) in enumerate(
        [
            (police, "in_progress", -30, -5),
            (police, "not_started", 10, 10),
            (police, "complete", -40, -40),
            (health, "assured", -60, -20),
            (health, "in_progress", -10, 30),
        ]
    ):
        actions.append(
            AgencyActionFactory(
                recommendation=recommendation if number == 0 else None,
                agency=agency,
                description=f"{LONG_TEXT} ({number})",
                lead_officer="Detective Inspector Safeguarding-Partnerships",
                status=status,
                rag="amber",
                original_due_date=today + original * DAY,
                current_due_date=today + current * DAY,
            )
        )
    services.post_update(actions[0], lead, version=1, note=LONG_TEXT, rag="red")
    ExtensionRequest.objects.create(
        action=actions[0], requested_by=lead, new_due_date=today + 60 * DAY, reason=LONG_TEXT
    )
    cycle = section11.open_cycle(
        "Section 11 audit 2026", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    )
    section11_return = section11.start_return(police, cycle)
    section11_return.answers.update(rating="met", narrative=LONG_TEXT, evidence=LONG_TEXT)
    section11_return.answers.filter(standard__number="3").update(rating="partly_met")
    section11.submit_return(section11_return, lead, section11_return.version)
    briefing = BriefingPageFactory(title="Child J: 7-minute briefing")
    briefing.save_revision().publish()
    return {
        "action": actions[0],
        "police": police,
        "cycle": cycle,
        "briefing": briefing,
    }


def _tracker_pages(tracker):
    action, police, cycle = tracker["action"], tracker["police"], tracker["cycle"]
    return {
        "police-lead": [
            "/tracker/actions/",
            f"/tracker/actions/{action.pk}/",
            "/tracker/list/",
            f"/tracker/agencies/{police.slug}/",
            "/tracker/returns/upload/",
            f"/tracker/section11/{cycle.pk}/agencies/{police.slug}/",
            f"/tracker/briefings/{tracker['briefing'].pk}/cascade/",
            "/tracker/my-work/",
            "/tracker/information-requests/",
        ],
        "business-unit": [
            "/tracker/dashboard/",
            "/tracker/list/",
            "/tracker/list/?category=overdue",
            "/tracker/list/?agency=police&status=in_progress",
            "/tracker/actions/",
            f"/tracker/actions/{action.pk}/",
            "/tracker/agencies/",
            f"/tracker/agencies/{police.slug}/",
            "/tracker/section11/",
            f"/tracker/section11/{cycle.pk}/",
            f"/tracker/section11/{cycle.pk}/standards/",
            f"/tracker/section11/{cycle.pk}/agencies/{police.slug}/",
            f"/tracker/section11/{cycle.pk}/heatmap/",
            "/tracker/returns/upload/",
            "/tracker/changes/",
            "/tracker/business-unit/",
            "/tracker/events/",
            "/tracker/briefings/coverage/",
            "/tracker/recommendations/",
            "/tracker/recurrence/",
            "/tracker/cases/",
            "/tracker/yearly-report/",
        ],
        "scrutineer": ["/tracker/assurance/", "/tracker/changes/"],
    }


def test_every_tracker_page_reflows_at_390_px_without_sideways_scrolling(browser_page, tracker):
    page = browser_page
    page.set_viewport_size(PHONE)
    too_wide, inaccessible = [], []
    for username, urls in _tracker_pages(tracker).items():
        page.context.clear_cookies()
        sign_in(page, username)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, f"{username} {url}: {response.status}"
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{username} {url}: {width} px")
            violations = blocking_violations(page)
            if violations:
                inaccessible.append(f"{username} {url}:\n{describe(violations)}")
    assert not too_wide, "These pages scroll sideways at 390 px:\n" + "\n".join(too_wide)
    assert not inaccessible, "axe-core found at 390 px:\n" + "\n".join(inaccessible)


def test_the_dashboard_bars_stay_readable_on_a_phone(browser_page, tracker):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "business-unit")
    page.goto("/tracker/dashboard/")

    tracks = page.locator(".bar-track").evaluate_all(
        "tracks => tracks.map(track => track.getBoundingClientRect().width)"
    )
    assert tracks and min(tracks) >= 200, tracks
    labels = page.locator(".bar-chart li > span:first-child").evaluate_all(
        "labels => labels.map(label => label.scrollWidth <= label.clientWidth + 1)"
    )
    assert all(labels)
