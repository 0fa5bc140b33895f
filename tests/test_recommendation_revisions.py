"""A recommendation keeps its identity, and agencies keep their actions against it, however the
review is edited in the editor: published straight away, saved as drafts first, reverted to an
older revision, or scheduled to go live later."""

import datetime
import io
import re
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from learning.models import AgencyAction, ProgressUpdate, Recommendation
from reviews.models import ReviewIndexPage, ReviewPage

from .conftest import client_for

pytestmark = pytest.mark.django_db

MULTIPLE_CHOICE = re.compile(r"^(recommendations-\d+-(?:themes|agencies))-\d+$")

REVIEW = {
    "title": "LCSPR: Child M",
    "slug": "lcspr-child-m",
    "kind": "lcspr",
    "visibility": "public",
    "summary": "Child M was not seen alone for six months.",
}


def as_post(data):
    """nested_form_data, with a multiple choice (themes, agencies) kept as one list of values."""
    flat = {}
    for name, value in nested_form_data(data).items():
        match = MULTIPLE_CHOICE.match(name)
        if match:
            flat.setdefault(match[1], []).append(value)
        else:
            flat[name] = value
    return flat


def _recommendation_form(recommendation):
    return {
        "id": recommendation.pk or "",
        "key": str(recommendation.key),
        "number": recommendation.number,
        "text": recommendation.text,
        "section": recommendation.section,
        "themes": [theme.pk for theme in recommendation.themes.all()],
        "agencies": [agency.pk for agency in recommendation.agencies.all()],
        "priority": recommendation.priority,
        "due_date": recommendation.due_date or "",
    }


def form_for(page, *, extra=(), delete=(), **changes):
    """The edit form as the editor's browser posts it for `page` (a revision's version of the
    review, as the editor shows it), with `extra` recommendations added and `delete` ticked."""
    existing = [_recommendation_form(r) for r in page.recommendations.all()]
    for item in existing:
        if item["number"] in delete:
            item["DELETE"] = "1"
    initial = sum(1 for item in existing if item["id"])
    data = {
        field: getattr(page, field) for field in ("title", "slug", "kind", "visibility", "summary")
    } | {
        "recommendations": inline_formset(existing + list(extra), initial=initial),
        "documents": inline_formset([]),
    }
    return as_post(data | changes)


def new_recommendation(number, text, *agencies):
    return {
        "number": number,
        "text": text,
        "section": "",
        "agencies": [agency.pk for agency in agencies],
        "priority": "medium",
        "due_date": "",
    }


def edit_url(review):
    return reverse("wagtailadmin_pages:edit", args=[review.pk])


def form_errors(response):
    form = response.context and response.context.get("form")
    if form is None:
        return response.content.decode()[:2000]
    errors = dict(form.errors)
    for name, formset in form.formsets.items():
        errors[name] = [e for e in formset.errors if e] + list(formset.non_form_errors())
    return errors


def add_review(client, *recommendations, action):
    index = ReviewIndexPage.objects.get()
    data = as_post(
        REVIEW
        | {
            "recommendations": inline_formset(list(recommendations)),
            "documents": inline_formset([]),
        }
    )
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["reviews", "reviewpage", index.pk]),
        data | {action: action},
    )
    assert response.status_code == 302, form_errors(response)
    return ReviewPage.objects.get(slug=REVIEW["slug"])


def post_edit(client, review, data, url=None):
    response = client.post(url or edit_url(review), data)
    assert response.status_code == 302, form_errors(response)


def rows(review):
    return dict(Recommendation.objects.filter(review=review).values_list("number", "pk"))


def draft(review):
    return ReviewPage.objects.get(pk=review.pk).get_latest_revision_as_object()


def test_editing_and_republishing_updates_the_same_recommendations(
    business_manager, police, health
):
    manager = client_for(business_manager)
    review = add_review(
        manager,
        new_recommendation("1", "See children alone at every visit.", police),
        new_recommendation("2", "Share health records at the strategy meeting.", health),
        action="action-publish",
    )
    first = rows(review)
    assert len(first) == 2
    editor = manager.get(edit_url(review)).content.decode()
    key = str(Recommendation.objects.get(pk=first["1"]).key)
    assert f'type="hidden" name="recommendations-0-key" value="{key}"' in editor
    actions = set(AgencyAction.objects.values_list("pk", flat=True))
    assert len(actions) == 2

    post_edit(
        manager,
        review,
        form_for(
            draft(review),
            extra=[new_recommendation("3", "Audit neglect referrals yearly.", police)],
            title="LCSPR: Child M (revised)",
        )
        | {"action-publish": "action-publish"},
    )

    after = rows(review)
    assert {number: after[number] for number in ("1", "2")} == first
    assert set(after) == {"1", "2", "3"}
    assert (
        set(
            AgencyAction.objects.filter(recommendation_id__in=first.values()).values_list(
                "pk", flat=True
            )
        )
        == actions
    )
    assert AgencyAction.objects.count() == 3


def test_drafts_of_a_live_review_publish_onto_the_same_rows(
    business_unit, business_manager, police, health
):
    manager = client_for(business_manager)
    review = add_review(
        manager, new_recommendation("1", "See children alone.", police), action="action-publish"
    )
    officer = client_for(business_unit)
    # Drafts of a live review are kept in revisions only: the new recommendation has no row yet.
    post_edit(
        officer,
        review,
        form_for(draft(review), extra=[new_recommendation("2", "Share records.", health)]),
    )
    first_draft = ReviewPage.objects.get(pk=review.pk).get_latest_revision()
    assert set(rows(review)) == {"1"}
    post_edit(officer, review, form_for(draft(review), summary="Revised after the panel."))
    post_edit(officer, review, form_for(draft(review)) | {"action-submit": "action-submit"})

    state = WorkflowState.objects.get(object_id=str(review.pk), status="in_progress")
    approve = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[review.pk, "approve", state.current_task_state.pk],
    )
    client_for(business_manager).post(approve, {"comment": "Approved."})
    published = rows(review)
    assert set(published) == {"1", "2"}
    action = AgencyAction.objects.get(recommendation_id=published["2"])

    # The first draft, saved before recommendation 2 had a row, still names the same row.
    first_draft.publish(user=business_manager)
    assert rows(review) == published
    action.refresh_from_db()
    assert action.recommendation_id == published["2"]
    assert AgencyAction.objects.count() == 2


def test_actions_opened_on_approval_are_the_approvers_not_the_officers(
    business_unit, business_manager, police
):
    officer = client_for(business_unit)
    review = add_review(
        officer, new_recommendation("1", "See children alone.", police), action="action-submit"
    )
    state = WorkflowState.objects.get(object_id=str(review.pk))
    client_for(business_manager).post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[review.pk, "approve", state.current_task_state.pk],
        ),
        {"comment": "Approved."},
    )
    created = ProgressUpdate.objects.get(kind=ProgressUpdate.Kind.CREATED)
    assert created.author == business_manager


def test_reverting_to_an_older_revision_keeps_every_recommendation_and_its_actions(
    business_manager, police, health
):
    manager = client_for(business_manager)
    review = add_review(
        manager,
        new_recommendation("1", "See children alone at every visit.", police),
        action="action-publish",
    )
    older = review.get_latest_revision()
    post_edit(
        manager,
        review,
        form_for(
            draft(review),
            extra=[new_recommendation("2", "Share health records.", health)],
        )
        | {"action-publish": "action-publish"},
    )
    published = rows(review)
    assert AgencyAction.objects.count() == 2

    # The editor opens the older revision and publishes it as it is shown.
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=[review.pk, older.pk])
    shown = manager.get(revert_url)
    assert shown.status_code == 200
    assert "Share health records." in shown.content.decode(), "a recommendation with actions stays"
    post_edit(
        manager,
        review,
        form_for(older.as_object()) | {"action-publish": "action-publish"},
        url=reverse("wagtailadmin_pages:revisions_revert", args=[review.pk, older.pk]),
    )
    assert rows(review) == published
    assert set(AgencyAction.objects.values_list("recommendation_id", flat=True)) == set(
        published.values()
    )


def test_a_scheduled_publication_updates_the_same_recommendations(business_manager, police):
    manager = client_for(business_manager)
    review = add_review(
        manager,
        new_recommendation("1", "See children alone at every visit.", police),
        action="action-publish",
    )
    published = rows(review)
    go_live = timezone.localtime() + datetime.timedelta(hours=1)
    post_edit(
        manager,
        review,
        form_for(
            draft(review),
            extra=[new_recommendation("2", "Train staff on neglect.", police)],
            go_live_at=go_live.strftime("%Y-%m-%d %H:%M"),
        )
        | {"action-publish": "action-publish"},
    )
    scheduled = ReviewPage.objects.get(pk=review.pk).scheduled_revision
    assert scheduled is not None and set(rows(review)) == {"1"}

    # The hour passes (the schedule is moved back rather than the clock forward); the scheduler
    # runs.
    past = timezone.now() - datetime.timedelta(minutes=1)
    scheduled.content["go_live_at"] = past.isoformat()
    scheduled.approved_go_live_at = past
    scheduled.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled", stdout=io.StringIO())

    after = rows(review)
    assert set(after) == {"1", "2"}
    assert after["1"] == published["1"]
    assert AgencyAction.objects.get(recommendation_id=after["2"]).agency == police
    created = ProgressUpdate.objects.get(
        kind=ProgressUpdate.Kind.CREATED, action__recommendation_id=after["2"]
    )
    assert created.author == business_manager, "the person who scheduled it"


def test_removing_a_recommendation_with_actions_is_refused_by_name(
    business_manager, police, health
):
    manager = client_for(business_manager)
    review = add_review(
        manager,
        new_recommendation("1", "See children alone at every visit.", police),
        new_recommendation("2", "Share health records.", health),
        action="action-publish",
    )
    published = rows(review)

    response = manager.post(
        edit_url(review), form_for(draft(review), delete=["2"]) | {"action-publish": "1"}
    )

    assert response.status_code == 200
    assert "Recommendation 2 cannot be removed" in response.content.decode()
    assert rows(review) == published
    assert AgencyAction.objects.count() == 2


def test_recommendations_without_actions_can_be_removed(business_manager, police):
    manager = client_for(business_manager)
    review = add_review(
        manager,
        new_recommendation("1", "See children alone.", police),
        action="action-publish",
    )
    post_edit(
        manager,
        review,
        form_for(draft(review), extra=[new_recommendation("2", "A note for later.")])
        | {"action-publish": "action-publish"},
    )
    post_edit(
        manager,
        review,
        form_for(draft(review), delete=["2"]) | {"action-publish": "action-publish"},
    )
    assert set(rows(review)) == {"1"}


def test_recommendations_added_together_each_get_their_own_key(business_manager, police):
    """The editor's browser copies every new recommendation's form from one template, hidden key
    and all: each still becomes a recommendation of its own."""
    copied_key = str(uuid.uuid4())
    review = add_review(
        client_for(business_manager),
        new_recommendation("1", "See children alone.", police) | {"key": copied_key},
        new_recommendation("2", "Share health records.", police) | {"key": copied_key},
        action="action-publish",
    )
    keys = set(Recommendation.objects.filter(review=review).values_list("key", flat=True))
    assert len(keys) == 2
    assert AgencyAction.objects.filter(recommendation__review=review).count() == 2
