"""The change log reads as the partnership speaks, filters by agency, person, kind and date,
keeps the filters from page to page and in its export, and the scrutineer may read it."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from learning import services
from learning.audit import acting_as
from learning.models import ChangeLog

from .conftest import client_for
from .factories import AgencyActionFactory, ChangeLogFactory, ThemeFactory

pytestmark = pytest.mark.django_db

MODEL_AND_FIELD_NAMES = re.compile(
    r"AgencyAction|Section11Return|StandardAnswer|current_due_date|object_type|_id\b"
)


def route(police):
    return AgencyActionFactory(
        agency=police, description="Agree a same-day information-sharing route"
    )


def test_a_status_change_reads_as_a_sentence_with_a_link_and_no_field_names(
    police, police_lead, scrutineer
):
    police_lead.first_name, police_lead.last_name = "Police", "lead"
    police_lead.save()
    action = route(police)
    services.post_update(action, police_lead, version=action.version, status="in_progress")
    services.post_update(action, police_lead, version=action.version, status="complete")

    html = client_for(scrutineer).get("/tracker/changes/").content.decode()
    assert (
        f'Police lead changed the status of <a href="/tracker/actions/{action.pk}/">'
        "<em>Agree a same-day information-sharing route</em></a> from In progress to Complete"
    ) in html
    main = html.split('<main id="main"', 1)[1]
    assert not MODEL_AND_FIELD_NAMES.search(main)


def test_filters_by_agency_person_kind_and_date_are_kept_on_every_page_and_in_the_export(
    police, health, police_lead, health_lead, business_unit
):
    police_action = route(police)
    health_action = AgencyActionFactory(agency=health, description="Record fathers")
    # Sixty RAG changes on the police action (more than a page), one on health's.
    ChangeLogFactory.create_batch(
        60,
        actor=police_lead,
        object_type="AgencyAction",
        object_id=str(police_action.pk),
        changes={"rag": ["red", "amber"]},
    )
    services.post_update(health_action, health_lead, version=health_action.version, rag="red")
    with acting_as(business_unit):
        ThemeFactory(name="Fathers")

    client = client_for(business_unit)
    filters = {
        "agency": police.slug,
        "person": "police-lead",
        "kind": "actions",
        "since": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "until": timezone.localdate().isoformat(),
    }
    first = client.get("/tracker/changes/", filters).content.decode()
    assert "60 changes" in first
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    for name, value in filters.items():
        assert f"{name}={value}" in next_link
    second = client.get(f"/tracker/changes/?{next_link}").content.decode()
    assert "Page 2 of 2" in second
    assert "Record fathers" not in first + second and "Fathers" not in first + second

    export = client.get("/tracker/changes.csv", filters)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["When", "Who", "What", "Link"]
    assert len(rows) == 61
    assert rows[1][2] == (
        "police-lead changed the RAG rating of Agree a same-day information-sharing route "
        "from Red to Amber"
    )
    assert rows[1][3] == f"http://testserver/tracker/actions/{police_action.pk}/"


def test_a_bad_date_filter_says_so_and_shows_nothing(business_unit):
    with acting_as(business_unit):
        ThemeFactory(name="Fathers")
    response = client_for(business_unit).get(
        "/tracker/changes/", {"since": "2026-12-01", "until": "2026-01-01"}
    )
    html = response.content.decode()
    assert "must not be after" in html and "No changes match." in html
    assert ChangeLog.objects.exists()


def test_a_name_that_reads_as_a_formula_stays_text_in_the_export(business_unit):
    business_unit.first_name, business_unit.last_name = "=HYPERLINK(\"http://x\")", ""
    business_unit.save()
    with acting_as(business_unit):
        ThemeFactory(name="Fathers")
    export = client_for(business_unit).get("/tracker/changes.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1][1].startswith("'=HYPERLINK(")
    assert rows[1][2].startswith("'=HYPERLINK(")
