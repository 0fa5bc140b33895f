"""Links the site hands out for use elsewhere (feed items, the sitemap, the page API's html_url)
name the address the site was reached at, and each one opens."""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from .factories import BriefingPageFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

HOST = "learning.example.org:8443"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def published(db):
    return [
        BriefingPageFactory(title="Safer sleeping after a house move"),
        ReviewPageFactory(title="LCSPR: Child M"),
    ]


def assert_each_opens(client, links, origin=f"http://{HOST}"):
    assert links
    for link in links:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == origin, link
        response = client.get(parts.path, HTTP_HOST=parts.netloc, secure=parts.scheme == "https")
        assert response.status_code == 200, link


def test_rss_feed_items_open_at_the_address_the_feed_was_read_at(client, published):
    feed = ET.fromstring(client.get("/feeds/latest/", HTTP_HOST=HOST).content)
    links = [item.findtext("link") for item in feed.iter("item")]
    assert len(links) == 2
    assert_each_opens(client, links)


def test_atom_feed_entries_open_at_the_address_the_feed_was_read_at(client, published):
    feed = ET.fromstring(client.get("/feeds/latest/atom/", HTTP_HOST=HOST).content)
    links = [entry.find(f"{ATOM}link").get("href") for entry in feed.iter(f"{ATOM}entry")]
    assert len(links) == 2
    assert_each_opens(client, links)


def test_sitemap_locations_open_at_the_address_and_scheme_it_was_read_at(client, published):
    sitemap = ET.fromstring(client.get("/sitemap.xml", HTTP_HOST=HOST, secure=True).content)
    links = [url.findtext(f"{SITEMAP}loc") for url in sitemap.iter(f"{SITEMAP}url")]
    assert len(links) == 5  # home, the two listings, the briefing and the review
    assert_each_opens(client, links, origin=f"https://{HOST}")


def test_page_api_html_urls_open_at_the_address_the_api_was_asked_at(client, published):
    answer = client.get("/api/v2/pages/", HTTP_HOST=HOST).json()
    links = [item["meta"]["html_url"] for item in answer["items"]]
    assert len(links) == 5
    assert_each_opens(client, links)
    detail = client.get(f"/api/v2/pages/{published[0].pk}/", HTTP_HOST=HOST).json()
    assert_each_opens(client, [detail["meta"]["html_url"]])
