"""In the admin the business unit uploads a review document, sees what was found, corrects it and
confirms; only then is the draft review created."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry

from learning.models import Recommendation
from reviews.importer.create import IMPORT_LOG_ACTION
from reviews.models import ReviewImport, ReviewPage

from .conftest import client_for
from .factories import AgencyFactory, ThemeFactory

pytestmark = pytest.mark.django_db

REPORT = """\
# Learning review: Child M

## Findings

Professionals did not ask about the men in the household.

## Recommendations

1. Police should share information about new partners with children's social care.
2. Health visitors should ask who lives in the household at every contact.
3. The Safeguarding Children Partnership should publish a 7-minute briefing on hidden men.
"""


@pytest.fixture
def vocabulary():
    return {
        "sharing": ThemeFactory(name="Information sharing"),
        "fathers": ThemeFactory(name="Involvement of fathers", description="hidden men"),
        "police": AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police"),
        "locala": AgencyFactory(
            name="Locala Community Partnerships",
            short_name="Locala",
            sector="health",
            aliases="health visitors\nhealth visiting",
        ),
    }


def upload(client, content=REPORT, name="child-m.md", kind="learning_review", title="", run=True):
    """Post the upload; reading it is queued on commit and read by the web process's catch-up
    (there is no broker here), run here as it runs it (`run=False`: it has not got to it yet)."""
    from django.db import connection

    from reviews.importer.tasks import read_waiting_imports

    data = content if isinstance(content, bytes) else content.encode()
    response = client.post(
        "/admin/reviews/import/",
        {"document": SimpleUploadedFile(name, data), "kind": kind, "title": title},
    )
    if run:
        for callback in list(connection.run_on_commit):
            callback[1]()
        connection.run_on_commit.clear()
        read_waiting_imports()
    return response


def _confirm_post(page, **changes):
    """The confirm form as the browser sends it when the editor accepts what is shown."""
    formset = page.context["formset"]
    review_form = page.context["review_form"]
    data = {
        "title": review_form.initial["title"],
        "kind": review_form.initial["kind"],
        "recommendations-TOTAL_FORMS": str(len(formset.forms)),
        "recommendations-INITIAL_FORMS": str(len(formset.forms)),
    }
    for index, form in enumerate(formset.forms):
        prefix = f"recommendations-{index}-"
        data[prefix + "include"] = "on"
        for name in ("number", "text", "section", "proposed_action"):
            data[prefix + name] = form.initial[name]
        data[prefix + "due_date"] = form.initial["due_date"] or ""
        data[prefix + "themes"] = [str(pk) for pk in form.initial["themes"]]
        data[prefix + "agencies"] = [str(pk) for pk in form.initial["agencies"]]
    data.update(changes)
    return data


def test_business_unit_sees_what_was_found_before_anything_is_saved(business_unit, vocabulary):
    client = client_for(business_unit)
    assert "import-review" in client.get("/admin/").content.decode()  # the menu item
    assert "Import a review" in client.get("/admin/reviews/import/").content.decode()

    response = upload(client)
    assert response.status_code == 302
    assert ReviewPage.objects.count() == 0 and Recommendation.objects.count() == 0

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 recommendations found" in html
    assert "Police should share information about new partners" in html
    assert (
        "Suggested themes: Information sharing. Suggested agencies: West Yorkshire Police." in html
    )
    # Suggestions arrive ticked for the editor to confirm.
    form = page.context["formset"].forms[0]
    assert set(form.initial["themes"]) == {vocabulary["sharing"].pk}
    assert set(form.initial["agencies"]) == {vocabulary["police"].pk}


def test_business_unit_corrects_and_confirms_and_gets_a_draft_review(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client)["Location"]
    data = _confirm_post(
        client.get(confirm_url),
        **{
            "title": "Learning review: Child M (2021)",
            "kind": "learning_review",
            "recommendations-0-include": "on",
            "recommendations-0-themes": [str(vocabulary["sharing"].pk)],
            "recommendations-0-agencies": [str(vocabulary["police"].pk)],
            "recommendations-1-include": "on",
            "recommendations-1-number": "2a",
            "recommendations-1-text": "Health visitors should ask who lives in the household.",
            "recommendations-1-themes": [str(vocabulary["fathers"].pk)],
            "recommendations-1-agencies": [str(vocabulary["locala"].pk)],
        },
    )
    del data["recommendations-2-include"]  # the editor unticks the third

    response = client.post(confirm_url, data)

    review = ReviewPage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{review.pk}/edit/"
    assert review.title == "Learning review: Child M (2021)"
    assert not review.live and review.visibility == "partnership"
    assert review.kind == "learning_review"
    rows = list(review.recommendations.order_by("sort_order"))
    assert [(r.number, r.text) for r in rows] == [
        ("1", "Police should share information about new partners with children's social care."),
        ("2a", "Health visitors should ask who lives in the household."),
    ]
    assert list(rows[1].themes.all()) == [vocabulary["fathers"]]
    assert list(rows[1].agencies.all()) == [vocabulary["locala"]]
    assert review.documents.get().document.title.endswith("(source document)")
    entry = PageLogEntry.objects.get(page=review, action=IMPORT_LOG_ACTION)
    assert entry.data["confirmed_by_editor"] is True
    assert entry.user == business_unit
    # The upload was used once: going back to it does not create a second review.
    again = client.post(confirm_url, data)
    assert again.status_code == 302 and again["Location"] == "/admin/reviews/import/"
    assert ReviewPage.objects.count() == 1


def test_confirming_nothing_is_refused_with_a_message(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client)["Location"]
    data = _confirm_post(client.get(confirm_url))
    for index in range(3):
        data.pop(f"recommendations-{index}-include", None)

    response = client.post(confirm_url, data)

    assert response.status_code == 200
    assert "Choose at least one recommendation to import." in response.content.decode()
    assert ReviewPage.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", "", "The submitted file is empty."),
        ("notes.md", "# Notes\n\nNothing numbered here.\n", "no recommendations found"),
        ("virus.exe", "MZ", "Unsupported file type"),
    ],
)
def test_bad_upload_is_explained_and_creates_nothing(
    business_unit, vocabulary, name, content, message
):
    client = client_for(business_unit)

    response = upload(client, content=content, name=name)

    if response.status_code == 302:  # refused by the reading task: shown on the upload page
        response = client.get(response["Location"], follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ReviewPage.objects.count() == 0
    assert get_document_model().objects.count() == 0


def test_agency_lead_and_practitioner_cannot_import(police_lead, practitioner, vocabulary):
    for user in (police_lead, practitioner):
        client = client_for(user)
        assert client.get("/admin/reviews/import/").status_code in (302, 403)
        upload(client)
    assert ReviewPage.objects.count() == 0


def test_the_upload_never_waits_for_the_reading_and_the_check_page_shows_progress(
    business_unit, vocabulary
):
    client = client_for(business_unit)

    response = upload(client, run=False)
    waiting = client.get(response["Location"])

    assert waiting.status_code == 200
    assert "is waiting to be read" in waiting.content.decode()
    assert 'id="import-progress" role="status"' in waiting.content.decode()
    assert "js/import-progress" in waiting.content.decode()  # it asks again by itself
    assert ReviewPage.objects.count() == 0


def test_a_long_pdf_reports_the_pages_read_while_it_is_read(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client, run=False)["Location"]
    ReviewImport.objects.get().move(ReviewImport.State.READING, pages_read=40, pages=300)

    html = client.get(confirm_url).content.decode()

    assert "page 40 of 300" in html
    assert '<progress max="300" value="40"' in html


def test_the_check_page_shows_the_sections_and_the_lists_that_were_not_recommendations(
    business_unit, vocabulary
):
    report = REPORT.replace(
        "## Recommendations",
        "## Options considered\n\n1. Do nothing.\n2. Commission a review.\n\n## Recommendations",
    )
    client = client_for(business_unit)

    html = client.get(upload(client, content=report)["Location"]).content.decode()

    assert "What the importer found" in html
    assert "<td>Recommendations</td><td>1, 2, 3</td>" in html
    assert "2 numbered items under “Options considered”" in html


def test_an_action_plan_upload_offers_its_actions_and_due_dates_to_confirm(
    business_unit, vocabulary
):
    from pathlib import Path

    plan = Path(__file__).resolve().parent / "fixtures" / "reviews" / "action-plan.md"
    client = client_for(business_unit)
    confirm_url = upload(client, content=plan.read_bytes(), name="action-plan.md")["Location"]
    page = client.get(confirm_url)

    first = page.context["formset"].forms[0]
    assert first.initial["proposed_action"].startswith("Roll out Operation Encompass")
    assert str(first.initial["due_date"]) == "2021-03-31"
    assert set(first.initial["agencies"]) == {vocabulary["police"].pk}

    response = client.post(confirm_url, _confirm_post(page))

    review = ReviewPage.objects.get()
    assert response.status_code == 302
    assert str(review.recommendations.get(number="1").due_date) == "2021-03-31"
