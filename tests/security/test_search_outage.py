"""Stale counts after a search outage: a review made partnership-only and a briefing unpublished
while Elasticsearch was down are never counted for anonymous visitors when it returns with its
old copy, before or after reconciliation; and reconciliation runs without a broker."""

import pytest
from osmem_server import OsmemServer

from config import catch_up
from search.engines import elasticsearch as es_engine
from search.models import IndexBacklog
from search.query import SearchRequest
from search.services import search

from ..factories import BriefingPageFactory, ReviewPageFactory
from ..search.conftest import osmem_client

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]


def anonymous_answer(client):
    body = client.get("/api/learning/search/", {"q": "Family S"}).json()
    kinds = {option["value"]: option["count"] for option in body["facets"]["kind"]}
    return body["count"], len(body["results"]), kinds


def test_counts_and_facets_never_count_what_changed_while_the_cluster_was_down(
    settings, monkeypatch, client, django_capture_on_commit_callbacks, business_unit
):
    partnership_user = business_unit
    settings.SEARCH_ENGINE = "elasticsearch"
    with django_capture_on_commit_callbacks(execute=True):
        review = ReviewPageFactory(title="Serious case review: Family S")
        briefing = BriefingPageFactory(title="7-minute briefing: Family S")
    with OsmemServer.start(japanese=False) as server:
        cluster = osmem_client(server.url)
        monkeypatch.setattr(es_engine, "client_factory", lambda: cluster)
        es_engine.rebuild(cluster)
        assert anonymous_answer(client) == (2, 2, {"review": 1, "briefing": 1})

        # The cluster stops answering; meanwhile the partnership restricts and unpublishes.
        down = osmem_client("http://127.0.0.1:9")
        monkeypatch.setattr(es_engine, "client_factory", lambda: down)
        with django_capture_on_commit_callbacks(execute=True):
            review.visibility = "partnership"
            review.save_revision().publish()
            briefing.unpublish()
        assert IndexBacklog.objects.exists()

        # It comes back with its old copy, before any reconciliation: nothing stale is counted.
        monkeypatch.setattr(es_engine, "client_factory", lambda: cluster)
        es_engine.outage.end()
        assert anonymous_answer(client) == (0, 0, {})

        # No broker: the web process's catch-up reconciles, and the cluster answers again.
        catch_up.catch_up()
        assert not IndexBacklog.objects.exists()
        assert anonymous_answer(client) == (0, 0, {})
        answer = search(SearchRequest(q="Family S", filters={}), None)
        assert (answer.engine, answer.count) == ("elasticsearch", 0)
        assert search(SearchRequest(q="Family S", filters={}), partnership_user).count == 1
