"""Every hint and error is tied to its field: on each page with a form, opened by the person the
form is for (and sent back with errors where that is how the page is met), every
aria-describedby names an element that is on the page, so a screen reader reads it."""

import datetime
import hashlib
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from learning import permissions, section11
from tests.conftest import client_for
from tests.factories import (
    AgencyActionFactory,
    BriefingPageFactory,
    InvitationFactory,
    LearningAlertFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class Descriptions(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in (attrs.get("aria-describedby") or "").split():
            self.described.append((tag, attrs.get("name") or attrs.get("id"), name))


def missing_descriptions(html):
    parser = Descriptions()
    parser.feed(html)
    return [entry for entry in parser.described if entry[2] not in parser.ids], parser.described


@pytest.fixture
def pages(police, police_lead, business_unit, business_manager, scrutineer, practitioner):
    """(who, method, address, data) for every page of the hub with a form."""
    action = AgencyActionFactory(agency=police)
    complete = AgencyActionFactory(agency=police, status="complete")
    briefing = BriefingPageFactory(title="Fathers and hidden men")
    LearningAlertFactory(user=practitioner, query="neglect")
    token = "invitation-for-the-test"
    InvitationFactory(token_digest=hashlib.sha256(token.encode()).hexdigest())
    cycle = section11.open_cycle(
        "Section 11 audit", timezone.localdate(), timezone.localdate() + datetime.timedelta(90)
    )
    section11.start_return(police, cycle)
    admin = UserFactory(username="administrator", role=permissions.ADMINISTRATORS)
    action_page = f"/tracker/actions/{action.pk}/"
    return [
        (None, "get", "/login/", None),
        (None, "post", "/login/", {"username": "", "password": ""}),
        (None, "get", "/account/password/reset/", None),
        (None, "post", "/account/password/reset/", {"email": "not an address"}),
        (None, "get", f"/account/invitation/{token}/", None),
        (None, "post", f"/account/invitation/{token}/", {"username": ""}),
        (None, "get", "/search/?q=neglect", None),
        (practitioner, "get", "/alerts/", None),
        (practitioner, "post", "/alerts/", {"query": ""}),
        (practitioner, "get", "/account/", None),
        (police_lead, "get", "/account/", None),
        (police_lead, "post", "/account/", {"name": ""}),
        (police_lead, "get", action_page, None),
        (police_lead, "post", action_page, {"note": "", "status": "", "version": "1"}),
        (police_lead, "post", f"/tracker/actions/{action.pk}/extension/", {"reason": ""}),
        (police_lead, "get", "/tracker/returns/upload/", None),
        (police_lead, "post", "/tracker/returns/upload/", {}),
        (police_lead, "get", f"/tracker/section11/{cycle.pk}/agencies/{police.slug}/", None),
        (police_lead, "get", f"/tracker/briefings/{briefing.pk}/cascade/", None),
        (police_lead, "post", f"/tracker/briefings/{briefing.pk}/cascade/", {}),
        (scrutineer, "get", f"/tracker/actions/{complete.pk}/", None),
        (scrutineer, "post", f"/tracker/actions/{complete.pk}/assurance/", {"note": ""}),
        (scrutineer, "get", "/tracker/dashboard/", None),
        (scrutineer, "get", "/tracker/dashboard/?due_from=not-a-date", None),
        (business_manager, "get", "/tracker/people/invite/", None),
        (business_manager, "post", "/tracker/people/invite/", {"email": "nope"}),
        (business_unit, "get", "/tracker/events/new/", None),
        (business_unit, "post", "/tracker/events/new/", {"title": ""}),
        (business_unit, "get", "/tracker/section11/", None),
        (business_unit, "post", "/tracker/section11/", {"name": ""}),
        (business_unit, "get", f"/tracker/section11/{cycle.pk}/standards/", None),
        (business_unit, "get", "/tracker/cases/", None),
        (business_unit, "get", "/tracker/yearly-report/", None),
        (business_unit, "get", "/tracker/yearly-report/?from=2020-03-31&to=2019-04-01", None),
        (admin, "get", "/tracker/people/", None),
    ]


def test_every_hint_and_error_a_field_points_to_is_on_the_page(pages):
    problems, not_shown, checked = [], [], 0
    for who, method, address, data in pages:
        client = client_for(who)
        response = getattr(client, method)(address, data or {})
        if response.status_code not in (200, 400):
            not_shown.append((method, address, response.status_code))
            continue
        missing, described = missing_descriptions(response.content.decode())
        checked += len(described)
        problems += [(method, address, *entry) for entry in missing]
    assert not_shown == [], not_shown
    assert problems == [], "\n".join(" ".join(map(str, problem)) for problem in problems)
    assert checked > 20  # the pages were the forms, not error pages
