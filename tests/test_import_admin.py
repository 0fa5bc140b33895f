"""In the admin the business unit uploads a review document, sees what was found, corrects it and
confirms; only then is the draft review created."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry

from learning import permissions
from learning.models import AgencyAction, Recommendation
from reviews.importer.create import IMPORT_LOG_ACTION
from reviews.importer.tasks import pending_folder, read_json, read_waiting_imports, write_json
from reviews.models import ReviewImport, ReviewPage

from .conftest import client_for
from .factories import AgencyFactory, ThemeFactory, UserFactory

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


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"


@pytest.fixture
def dhr_agencies():
    return {
        "police": AgencyFactory(name="Northshire Police", short_name="NP", sector="police"),
        "icb": AgencyFactory(name="Integrated Care Board", short_name="ICB", sector="health"),
    }


def test_the_agreed_action_and_target_date_reach_the_lead_agency_when_the_manager_approves(
    business_unit, business_manager, dhr_agencies
):
    plan = (FIXTURES / "dhr-action-plan-tables.docx").read_bytes()
    client = client_for(business_unit)
    confirm_url = upload(client, content=plan, name="dhr-action-plan-tables.docx")["Location"]
    page = client.get(confirm_url)
    html = page.content.decode()

    first, second = page.context["formset"].forms
    assert first.initial["proposed_action"].startswith("Add questions about the children")
    assert str(first.initial["due_date"]) == "2023-12-31"
    assert str(second.initial["due_date"]) == "2024-06-30"
    # Both dates are past (today is later): kept, with a warning, not dropped.
    assert "Warning: the target date 31 December 2023 has already passed." in html
    assert "Warning: the target date 30 June 2024 has already passed." in html
    assert set(first.initial["agencies"]) == {dhr_agencies["police"].pk}

    client.post(confirm_url, _confirm_post(page))
    review = ReviewPage.objects.get()
    assert not AgencyAction.objects.exists()  # a draft opens no actions
    # The agreed action is kept in the draft's revision, which is what the approver publishes.
    drafted = review.get_latest_revision().as_object().recommendations.get(number="1")
    assert drafted.agreed_action.startswith("Add questions about the children")

    review.get_latest_revision().publish(user=business_manager)

    action = AgencyAction.objects.get(agency=dhr_agencies["police"])
    assert action.description.startswith("Add questions about the children")
    assert action.original_due_date == datetime.date(2023, 12, 31)
    assert action.recommendation.agreed_action == action.description


def test_an_upload_survives_signing_out_and_in_again(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client)["Location"]
    client.logout()

    elsewhere = client_for(business_unit)  # signed in again, in another browser
    page = elsewhere.get(confirm_url)

    assert page.status_code == 200
    assert "3 recommendations found" in page.content.decode()


def test_an_upload_is_kept_with_its_uploader_only_and_for_a_day(business_unit, vocabulary):
    colleague = UserFactory(username="business-unit-2", role=permissions.BUSINESS_UNIT)
    confirm_url = upload(client_for(business_unit))["Location"]

    refused = client_for(colleague).get(confirm_url, follow=True)
    assert "That upload has expired or was already imported" in refused.content.decode()

    ReviewImport.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    gone = client_for(business_unit).get(confirm_url, follow=True)
    assert "That upload has expired or was already imported" in gone.content.decode()
    # The catch-up clears it away, with the stored file.
    read_waiting_imports()
    assert not ReviewImport.objects.exists()


def test_a_possible_recommendation_arrives_unticked_with_its_reason_and_is_imported_if_ticked(
    business_unit, vocabulary
):
    client = client_for(business_unit)
    confirm_url = upload(client)["Location"]
    # What the reader records of an item it is unsure of: its reason and a low confidence.
    review_import = ReviewImport.objects.get()
    analysis = pending_folder(review_import.token) / "analysis.json"
    stored = read_json(analysis)
    stored["recommendations"][2].update(
        reason="“should” wording in a paragraph, not in a recommendations list", confidence=0.3
    )
    write_json(analysis, stored)

    page = client.get(confirm_url)
    html = page.content.decode()

    assert "Possible recommendation 3" in html
    assert (
        "Why it was taken: “should” wording in a paragraph, not in a recommendations list" in html
    )
    forms = page.context["formset"].forms
    assert [form.initial["include"] for form in forms] == [True, True, False]

    unticked = _confirm_post(page)
    del unticked["recommendations-2-include"]
    client.post(confirm_url, unticked)
    assert list(Recommendation.objects.values_list("number", flat=True)) == ["1", "2"]

    confirm_url = upload(client)["Location"]
    stored = read_json(pending_folder(ReviewImport.objects.get().token) / "analysis.json")
    stored["recommendations"][2].update(reason="a paragraph", confidence=0.3)
    write_json(pending_folder(ReviewImport.objects.get().token) / "analysis.json", stored)
    client.post(confirm_url, _confirm_post(client.get(confirm_url)))  # the editor ticks it
    assert ReviewPage.objects.order_by("pk").last().recommendations.count() == 3


def test_the_editor_merges_two_items_and_splits_one_on_the_check_page(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client)["Location"]

    merged = client.post(confirm_url, {**_confirm_post(client.get(confirm_url)), "merge": "1"})
    assert merged.status_code == 302 and merged["Location"] == f"{confirm_url}?page=1"
    page = client.get(confirm_url)
    texts = [form.initial["text"] for form in page.context["formset"].forms]
    assert len(texts) == 2
    assert texts[1] == (
        "Health visitors should ask who lives in the household at every contact.\n\n"
        "The Safeguarding Children Partnership should publish a 7-minute briefing on hidden men."
    )
    assert "Items 2 and 3 are now one: check its wording." in page.content.decode()

    # Without a blank line to split at, the editor is told where to put one.
    told = client.post(confirm_url, {**_confirm_post(page), "split": "0"}, follow=True)
    assert "put a blank line in its wording" in told.content.decode()

    client.post(confirm_url, {**_confirm_post(page), "split": "1"})
    page = client.get(confirm_url)
    rows = [
        (form.initial["number"], form.initial["text"]) for form in page.context["formset"].forms
    ]
    assert rows[1:] == [
        ("2", "Health visitors should ask who lives in the household at every contact."),
        (
            "2b",
            "The Safeguarding Children Partnership should publish a 7-minute briefing on hidden men.",
        ),
    ]

    client.post(confirm_url, _confirm_post(page, **{"recommendations-2-number": "3"}))
    assert list(Recommendation.objects.values_list("number", flat=True)) == ["1", "2", "3"]


def test_a_reading_that_never_starts_is_shown_as_failed_with_a_retry(business_unit, vocabulary):
    client = client_for(business_unit)
    confirm_url = upload(client, run=False)["Location"]  # no worker took it
    ReviewImport.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=10))

    html = client.get(confirm_url).content.decode()
    assert "could not be read: the reading never started" in html
    assert "Try reading it again" in html

    assert client.post(confirm_url, {"retry": "1"})["Location"] == confirm_url
    assert ReviewImport.objects.get().state == ReviewImport.State.QUEUED
    read_waiting_imports()  # the catch-up reads what is queued
    assert "3 recommendations found" in client.get(confirm_url).content.decode()


def test_a_long_list_is_checked_a_page_at_a_time_and_every_page_is_imported(
    business_unit, vocabulary
):
    report = "# Review\n\n## Recommendations\n\n" + "\n".join(
        f"{n}. Police should share information about incident {n} with children's social care."
        for n in range(1, 46)
    )
    client = client_for(business_unit)
    confirm_url = upload(client, content=report)["Location"]
    first = client.get(confirm_url)
    html = first.content.decode()
    assert "45 recommendations found" in html
    assert "Items 1 to 30 of 45 (page 1 of 2)" in html
    assert len(first.context["formset"].forms) == 30

    # The editor corrects item 2 and unticks item 3, then moves to page 2: the changes are kept.
    edited = _confirm_post(
        first,
        **{"recommendations-1-text": "Police should share information.", "go_to": "2"},
    )
    del edited["recommendations-2-include"]
    moved = client.post(confirm_url, edited)
    assert moved["Location"] == f"{confirm_url}?page=2"
    second = client.get(moved["Location"])
    assert "Items 31 to 45 of 45 (page 2 of 2)" in second.content.decode()
    assert second.context["formset"].forms[0].initial["number"] == "31"
    again = client.get(confirm_url).context["formset"].forms
    assert again[1].initial["text"] == "Police should share information."
    assert again[2].initial["include"] is False

    client.post(confirm_url, {**_confirm_post(second), "page": "2"})

    numbers = list(Recommendation.objects.values_list("number", flat=True))
    assert len(numbers) == 44 and "3" not in numbers
    assert Recommendation.objects.get(number="2").text == "Police should share information."
