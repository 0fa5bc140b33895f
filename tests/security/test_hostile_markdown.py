"""A note written to hang the page: every stored Markdown field renders in well under a second,
and no way in stores a note longer than the tracker keeps."""

import time

import pytest
from rest_framework.test import APIClient

from learning import services
from learning.markdown import _render, render_markdown
from learning.models import ProgressUpdate
from reviews.models import BRIEFING_PARTS

from ..conftest import client_for
from ..factories import (
    AgencyActionFactory,
    BriefingPageFactory,
    ProgressUpdateFactory,
    ReviewPageFactory,
)

pytestmark = pytest.mark.django_db

# Each took seconds to minutes in Python-Markdown, or recursed until it failed.
PATHOLOGICAL = {
    "brackets": "[" * 20_000,
    "image brackets": "![" * 10_000,
    "footnote brackets": "[^" * 10_000,
    "open links": "[a](" * 5_000,
    "open tags": "<a " * 6_600,
    "blocks of brackets": "\n\n".join(["[" * 50] * 390),
    "nested quotes": "\n".join(">" * depth + " x" for depth in range(1, 200)),
    "nested lists": "1. " * 6_600,
    "indented lists": "\n".join("    " * depth + "- a" for depth in range(200)),
}
FAST = 0.5  # seconds: "well under a second", with room for a busy CI machine


def rendering_time(text):
    _render.cache_clear()
    started = time.perf_counter()
    html = render_markdown(text)
    return time.perf_counter() - started, html


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_markdown_renders_in_well_under_a_second(name):
    seconds, html = rendering_time(PATHOLOGICAL[name])
    assert seconds < FAST, f"{name}: {seconds:.2f} s"
    assert "<script" not in html


def test_ordinary_markdown_still_renders_as_markdown():
    html = render_markdown(
        "## What we did\n\n- trained **40** staff\n- see [the audit](https://example.org/a)\n\n"
        "> Quote from the lead"
    )
    assert "<h3>What we did</h3>" in html
    assert "<strong>40</strong>" in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer">the audit</a>' in html
    assert "<blockquote>" in html


def test_hostile_note_shown_as_its_text_not_lost():
    html = render_markdown("[" * 200 + " <script>alert(1)</script>")
    assert "[" * 200 in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_action_page_with_a_stored_note_of_brackets_still_opens_quickly(police, police_lead):
    # Stored before the limit existed: the page must still open for the scrutineer's form.
    update = ProgressUpdateFactory(note="[" * 20_000, action__agency=police)
    _render.cache_clear()
    started = time.perf_counter()
    response = client_for(police_lead).get(update.action.get_absolute_url())
    assert response.status_code == 200
    assert time.perf_counter() - started < 2


def test_review_findings_and_briefing_parts_use_the_safe_renderer(client):
    review = ReviewPageFactory(findings="[" * 20_000)
    briefing = BriefingPageFactory(**{name: "[" * 20_000 for name, _ in BRIEFING_PARTS})
    for url in (review.url, briefing.url, briefing.url + "print/"):
        _render.cache_clear()
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200
        assert time.perf_counter() - started < 3, url


def test_the_api_refuses_a_note_longer_than_the_tracker_keeps(police, police_lead):
    action = AgencyActionFactory(agency=police)
    api = APIClient()
    api.force_authenticate(police_lead)
    response = api.post(
        f"/api/learning/actions/{action.pk}/updates/",
        {
            "note": "x" * (services.NOTE_MAX_LENGTH + 1),
            "status": "in_progress",
            "rag": "green",
            "version": action.version,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "note" in response.json()
    assert not ProgressUpdate.objects.filter(action=action, kind="update").exists()


def test_the_form_refuses_a_note_longer_than_the_tracker_keeps(police, police_lead):
    action = AgencyActionFactory(agency=police)
    response = client_for(police_lead).post(
        action.get_absolute_url(),
        {
            "note": "[" * (services.NOTE_MAX_LENGTH + 1),
            "status": "in_progress",
            "rag": "green",
            "version": action.version,
        },
    )
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    assert not ProgressUpdate.objects.filter(action=action, kind="update").exists()


def test_every_way_in_meets_the_same_limit_in_the_service(police, police_lead):
    # The spreadsheet return, the page and the API all post through this service.
    action = AgencyActionFactory(agency=police)
    with pytest.raises(services.ActionRuleError, match="most the tracker keeps is 10,000"):
        services.post_update(
            action, police_lead, version=action.version, note="x" * (services.NOTE_MAX_LENGTH + 1)
        )
    with pytest.raises(services.ActionRuleError):
        services.request_extension(
            action,
            police_lead,
            new_due_date=action.current_due_date.replace(year=action.current_due_date.year + 1),
            reason="x" * (services.NOTE_MAX_LENGTH + 1),
        )
    assert not ProgressUpdate.objects.filter(action=action, kind="update").exists()
    assert not action.extension_requests.exists()
