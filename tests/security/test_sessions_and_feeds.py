"""Signing out works for everyone, and the feed built for one visitor never carries another's view."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reviews.feeds import LatestLearningFeed

from ..conftest import client_for
from ..factories import ReviewPageFactory


@pytest.mark.django_db
def test_signing_out_from_the_header_button_lands_on_the_home_page(practitioner):
    client = client_for(practitioner)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_feed_readers_each_get_only_their_own_view(monkeypatch, business_unit):
    ReviewPageFactory(title="Public review of Child A")
    ReviewPageFactory(title="Partnership-only rapid review of Child R", visibility="partnership")
    original = LatestLearningFeed.get_object

    def slow_get_object(self, request, *args, **kwargs):
        # A slow database between reading the request and building the items, as under load.
        found = original(self, request, *args, **kwargs)
        time.sleep(0.02)
        return found

    monkeypatch.setattr(LatestLearningFeed, "get_object", slow_get_object)
    partnership = client_for(business_unit)
    start = threading.Barrier(8)

    def read(visitor):
        client = partnership if visitor == "partnership" else client_for(None)
        start.wait()
        return visitor, client.get("/feeds/latest/").content.decode()

    visitors = ["anonymous", "partnership"] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            results = list(pool.map(read, visitors))
            for visitor, body in results:
                assert "Public review of Child A" in body
                restricted_shown = "Child R" in body
                assert restricted_shown == (visitor == "partnership"), visitor
