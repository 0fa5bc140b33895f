"""Nothing lost: publishing, unpublishing, deleting, moving, privacy changes and agencies' progress
keep the search documents current, and Elasticsearch follows once each change commits."""

import logging

import pytest
from django.core.management import call_command
from osmem_server import OsmemServer

from learning.models import AgencyAction
from learning.permissions import Visibility
from learning.services import post_update
from reviews.models import ReviewIndexPage
from search import tasks
from search.engines import elasticsearch as es_engine
from search.models import SearchDocument
from search.query import SearchRequest
from search.services import search
from tests.factories import AgencyActionFactory, RecommendationFactory, ReviewPageFactory

from .conftest import osmem_client

pytestmark = pytest.mark.django_db


def keys_of(page):
    return set(SearchDocument.objects.filter(page_id=page.pk).values_list("key", flat=True))


def found(q, user=None, **filters):
    request = SearchRequest(q=q, filters={k: [v] for k, v in filters.items()})
    return {result.title for result in search(request, user).results}


@pytest.fixture
def draft_review(db, committed):
    review = ReviewPageFactory(
        title="Child K: missing from care", live=False, findings="Children who go missing."
    )
    with committed():
        RecommendationFactory(review=review, number="1", text="Return home interviews every time.")
    return review


def test_publishing_a_review_makes_it_and_its_recommendations_findable(draft_review, committed):
    assert found("missing") == set()
    with committed():
        draft_review.save_revision().publish()
    assert keys_of(draft_review) == {
        f"review:{draft_review.pk}",
        f"recommendation:{draft_review.recommendations.get().pk}",
    }
    assert found("return home interviews") == {"Recommendation 1: Child K: missing from care"}


def test_unpublishing_a_review_removes_it_and_its_recommendations(draft_review, committed):
    with committed():
        draft_review.save_revision().publish()
    draft_review.refresh_from_db()
    with committed():
        draft_review.unpublish()
    assert keys_of(draft_review) == set()
    assert found("missing") == set()


def test_deleting_a_review_removes_its_documents(draft_review, committed):
    with committed():
        draft_review.save_revision().publish()
    assert SearchDocument.objects.filter(page_id=draft_review.pk).exists()
    page_id = draft_review.pk
    draft_review.delete()
    assert not SearchDocument.objects.filter(page_id=page_id).exists()


def test_moving_a_review_updates_the_links_in_search(draft_review, committed):
    with committed():
        draft_review.save_revision().publish()
    from home.models import HomePage

    archive = HomePage.objects.get().add_child(
        instance=ReviewIndexPage(title="Archive", slug="archive")
    )
    draft_review.refresh_from_db()
    with committed():
        draft_review.move(archive, pos="last-child")
    document = SearchDocument.objects.get(key=f"review:{draft_review.pk}")
    assert document.url.startswith("/archive/")


def test_making_a_review_partnership_only_hides_it_from_practitioners(
    draft_review, practitioner, committed
):
    with committed():
        draft_review.save_revision().publish()
    assert found("missing", practitioner, kind="review") == {"Child K: missing from care"}
    draft_review.refresh_from_db()
    draft_review.visibility = Visibility.PARTNERSHIP
    with committed():
        draft_review.save_revision().publish()
    documents = SearchDocument.objects.filter(page_id=draft_review.pk)
    assert set(documents.values_list("visibility", flat=True)) == {Visibility.PARTNERSHIP}
    assert found("missing", practitioner) == set()
    assert found("interviews", practitioner) == set()


def test_agency_progress_moves_the_recommendation_status(
    draft_review, scrutineer, police, committed
):
    with committed():
        draft_review.save_revision().publish()
    recommendation = draft_review.recommendations.get()
    key = f"recommendation:{recommendation.pk}"
    assert SearchDocument.objects.get(key=key).status == "no_actions"
    with committed():
        action = AgencyActionFactory(recommendation=recommendation, agency=police)
    assert SearchDocument.objects.get(key=key).status == "outstanding"
    with committed():
        post_update(action, scrutineer, version=action.version, status=AgencyAction.Status.COMPLETE)
    assert SearchDocument.objects.get(key=key).status == "complete"
    assert found("", scrutineer, status="complete") == {
        "Recommendation 1: Child K: missing from care"
    }


def test_rebuild_command_rebuilds_the_database_index(library, business_unit, committed):
    SearchDocument.objects.all().delete()
    assert found("neglect", business_unit) == set()
    call_command("rebuild_search_index", "--engine", "database", stdout=None)
    assert "Rapid review: Child P" in found("neglect", business_unit)
    library.sudi.summary = "Advice on co-sleeping on a sofa."
    with committed():
        library.sudi.save_revision().publish()
    assert found("sofa") == {"National review: sudden unexpected death in infancy"}
    assert found("neglect") == found("neglected")


@pytest.mark.elasticsearch
def test_elasticsearch_follows_each_published_change_once_it_commits(
    es_client, draft_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        draft_review.save_revision().publish()
    assert callbacks, "the index task is enqueued on commit"
    assert found("return home interviews") == {"Recommendation 1: Child K: missing from care"}
    with django_capture_on_commit_callbacks(execute=True):
        draft_review.refresh_from_db()
        draft_review.unpublish()
    assert es_client.count(index=es_engine.alias_name())["count"] == 0


@pytest.mark.elasticsearch
def test_rebuild_command_fills_a_new_index_and_switches_the_alias(es_client, library):
    call_command("rebuild_search_index", "--engine", "elasticsearch", stdout=None)
    first = set(es_client.indices.get_alias(name=es_engine.alias_name()))
    call_command("rebuild_search_index", "--engine", "elasticsearch", stdout=None)
    second = set(es_client.indices.get_alias(name=es_engine.alias_name()))
    assert len(first) == len(second) == 1 and first != second
    assert not es_client.indices.exists(index=list(first))
    assert es_client.count(index=es_engine.alias_name())["count"] == SearchDocument.objects.count()


@pytest.mark.elasticsearch
def test_searches_fall_back_to_the_database_while_elasticsearch_is_down_and_the_index_catches_up(
    settings, monkeypatch, draft_review, library, django_capture_on_commit_callbacks, caplog
):
    settings.SEARCH_ENGINE = "elasticsearch"
    server = OsmemServer.start(japanese=False)
    client = osmem_client(server.clone().url)
    monkeypatch.setattr(es_engine, "client_factory", lambda: client)
    es_engine.rebuild(client)
    assert found("neglect") == {
        "Serious case review: Family S",
        "Recommendation 1: Serious case review: Family S",
        "Recommendation 3: Serious case review: Family S",
        "7-minute briefing: Family S",
    }

    server.close()  # the cluster goes down mid-run
    caplog.set_level(logging.WARNING)
    with django_capture_on_commit_callbacks(execute=True):
        draft_review.save_revision().publish()
    assert "left for reconciliation" in caplog.text
    assert found("return home interviews") == {"Recommendation 1: Child K: missing from care"}
    assert "answering from the database engine" in caplog.text

    with OsmemServer.start(japanese=False) as returned:  # the cluster comes back, empty
        client = osmem_client(returned.clone().url)
        monkeypatch.setattr(es_engine, "client_factory", lambda: client)
        outcome = tasks.reconcile_index()
        assert outcome == {"updated": SearchDocument.objects.count(), "removed": 0}
        caplog.clear()
        assert found("return home interviews") == {"Recommendation 1: Child K: missing from care"}
        assert "answering from the database engine" not in caplog.text
        assert tasks.reconcile_index() == {"updated": 0, "removed": 0}


def test_elasticsearch_chosen_without_an_address_answers_from_the_database(
    settings, library, caplog
):
    settings.SEARCH_ENGINE = "elasticsearch"
    settings.ELASTICSEARCH_URL = ""
    caplog.set_level(logging.WARNING)
    assert "Serious case review: Family S" in found("neglect")
    assert "answering from the database engine" in caplog.text


def test_a_public_briefing_stops_naming_a_review_made_partnership_only(
    library, anonymous_client, committed
):
    def briefing_result():
        answer = anonymous_client.get(
            "/api/learning/search/", {"q": "Family S", "kind": "briefing"}
        )
        return answer.json()["results"]

    assert briefing_result()[0]["review"] == "Serious case review: Family S"
    library.family_s.visibility = Visibility.PARTNERSHIP
    with committed():
        library.family_s.save_revision().publish()
    (result,) = briefing_result()
    assert result["title"] == "7-minute briefing: Family S"
    assert result["review"] is None


def test_publishing_a_long_review_indexes_it_once_whatever_its_length(
    police, health, committed, monkeypatch
):
    from search import documents

    writes = []
    write_documents = documents.write_documents
    monkeypatch.setattr(
        documents,
        "write_documents",
        lambda shapes: writes.append(shapes) or write_documents(shapes),
    )
    review = ReviewPageFactory(title="Child L: twelve recommendations", live=False)
    for number in range(1, 13):
        recommendation = RecommendationFactory(
            review=review, number=str(number), text=f"Recommendation {number} of twelve."
        )
        recommendation.agencies.set([police, health])
        recommendation.save()
    writes.clear()

    with committed():
        review.save_revision().publish()

    assert AgencyAction.objects.filter(recommendation__review=review).count() == 24
    assert len(writes) == 1, "one write for the review and its twelve recommendations"
    assert len(writes[0]) == 13
    assert found("twelve") >= {"Child L: twelve recommendations"}
