"""What a signed-in person opens is never kept by a shared cache or the browser's disk cache, and
an evidence file's name cannot pretend to be another (right-to-left overrides, control characters)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from learning import services
from learning.evidence import check_evidence
from learning.models import EvidenceFile
from learning.plain_text import has_control_characters
from tests.conftest import client_for
from tests.test_tracker_actions import PDF, action_for, upload

pytestmark = pytest.mark.django_db


def never_stored(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_private_pages_and_downloads_are_never_stored_by_a_cache(police, police_lead):
    action = action_for(police)
    update = services.post_update(
        action, police_lead, version=action.version, note="Audit", evidence=[upload("a.pdf", PDF)]
    )
    evidence = update.evidence.get()
    client = client_for(police_lead)
    for url in [
        f"/tracker/actions/{action.pk}/",
        f"/tracker/evidence/{evidence.pk}/",
        "/account/",
        "/api/learning/actions/",
        "/tracker/export.csv",
        "/tracker/my-work/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert never_stored(response), (url, response.get("Cache-Control"))
    created = client.post("/account/", {"name": "Spreadsheet"})
    assert created.status_code == 200 and never_stored(created)


def test_the_api_answered_by_token_is_never_stored_by_a_cache(police, police_lead):
    from learning.models import ApiToken

    token = ApiToken.objects.create(user=police_lead, name="Spreadsheet")
    response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/learning/actions/")
    assert response.status_code == 200 and never_stored(response)


NAMES_THAT_LIE = [
    "audit\u202efdp.exe.pdf",
    "audit\u2066.pdf",
    "audit\r\n.pdf",
    "audit\x07.pdf",
    "audit\u200f.pdf",
]


@pytest.mark.parametrize("name", NAMES_THAT_LIE)
def test_an_evidence_file_name_with_a_direction_override_is_cleaned_on_upload(
    police, police_lead, name
):
    action = action_for(police)
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "Audit attached.",
            "status": "in_progress",
            "rag": "green",
            "version": action.version,
            "evidence": [upload(name, PDF)],
        },
    )
    assert response.status_code in (302, 400)
    for stored in EvidenceFile.objects.values_list("original_name", flat=True):
        assert not has_control_characters(stored), repr(stored)
        assert stored.endswith(".pdf")


@pytest.mark.parametrize("name", NAMES_THAT_LIE)
def test_evidence_given_by_any_other_way_with_such_a_name_is_refused_with_words(name):
    with pytest.raises(ValidationError) as refused:
        check_evidence(upload(name, PDF))
    assert "its name has a hidden direction or control character" in refused.value.messages[0]
