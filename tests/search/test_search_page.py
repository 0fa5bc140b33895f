"""The search page a practitioner uses (no JavaScript needed), the JSON API beside it, and the
related learning on review and briefing pages."""

import re

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_search_page_shows_results_with_kind_review_themes_and_highlight(library, anonymous_client):
    response = anonymous_client.get("/search/", {"q": "neglect"})
    page = text_of(response)
    assert response.status_code == 200
    assert "4 results for “neglect”" in page
    assert "Recommendation 1: Serious case review: Family S" in page
    assert "<mark>neglect</mark>" in page
    assert 'class="tags" aria-label="Themes"' in page
    assert "<legend>Theme</legend>" in page and "<legend>Recommendation status</legend>" in page
    assert re.search(r'<label for="facet-theme-\d+">Neglect \(4', page)


def test_search_state_lives_in_the_url_and_filters_can_be_removed(library, anonymous_client):
    response = anonymous_client.get(
        "/search/", {"q": "neglect", "kind": "recommendation", "theme": "neglect"}
    )
    page = text_of(response)
    assert "2 results" in page
    assert 'value="recommendation" id="facet-kind-' in page and "checked" in page
    assert 'href="?q=neglect&amp;theme=neglect">Remove type: Recommendation' in page
    assert 'href="?q=neglect&amp;kind=recommendation">Remove theme: Neglect' in page
    assert 'href="?q=neglect">Remove all filters' in page


def test_no_results_says_so_and_offers_to_drop_filters_and_related_themes(
    library, anonymous_client
):
    response = anonymous_client.get(
        "/search/", {"q": "neglect", "kind": "briefing", "year": "1999"}
    )
    page = text_of(response)
    assert "Nothing found" in page
    assert "Search again without filters" in page
    assert 'href="?theme=neglect">Neglect</a>' in page


def test_newest_sort_and_next_page_links_keep_the_search(library, anonymous_client):
    response = anonymous_client.get("/search/", {"q": "neglect", "sort": "newest"})
    page = text_of(response)
    assert "<strong>newest first</strong>" in page
    assert 'href="?q=neglect">relevance</a>' in page


def test_bad_input_gets_a_clear_message(library, anonymous_client):
    response = anonymous_client.get("/search/", {"q": "neglect", "page": "two"})
    assert response.status_code == 400
    assert "Page must be a whole number, 1 or more." in text_of(response)
    api = anonymous_client.get("/api/learning/search/", {"year": "last year"})
    assert api.status_code == 400
    assert api.json() == {"error": "Year must be a year such as 2019."}


def test_api_gives_the_same_answer_as_the_page(library, practitioner):
    client = client_for(practitioner)
    answer = client.get("/api/learning/search/", {"q": "voice", "kind": "recommendation"}).json()
    assert answer["count"] == 1
    (result,) = answer["results"]
    assert result == {
        "kind": "recommendation",
        "title": "Recommendation 2: Child J: information exchange",
        "url": result["url"],
        "review": "Child J: information exchange",
        "number": "2",
        "themes": ["Voice of the child"],
        "partnership": "Safeguarding Children Partnership",
        "snippet": result["snippet"],
    }
    assert result["url"] == f"{library.child_j.url}#recommendation-2"
    assert "<mark>voice</mark>" in result["snippet"]
    assert set(answer["facets"]) == {"kind", "theme", "review_kind", "agency", "year", "status"}
    page = text_of(client.get("/search/", {"q": "voice", "kind": "recommendation"}))
    assert "1 result for “voice”" in page and result["title"] in page


def test_anonymous_api_callers_get_public_learning_only(library, anonymous_client):
    answer = anonymous_client.get("/api/learning/search/", {"q": ""}).json()
    kinds = {option["value"]: option["count"] for option in answer["facets"]["review_kind"]}
    assert kinds == {"scr": 4, "national_review": 2, "learning_review": 1}


def test_review_page_shows_related_learning_the_visitor_may_open(
    library, anonymous_client, business_unit
):
    page = text_of(anonymous_client.get(library.family_s.url))
    related = page.split('id="related-heading"')[1]
    assert "7-minute briefing: Family S" in related
    assert "Child P" not in related
    member_page = text_of(client_for(business_unit).get(library.family_s.url))
    assert "Rapid review: Child P" in member_page.split('id="related-heading"')[1]


def test_briefing_page_shows_related_learning(library, practitioner):
    page = text_of(client_for(practitioner).get(library.briefing_j.url))
    related = page.split('id="related-heading"')[1]
    assert "Child J: information exchange" in related
    assert "Child P" not in related


def test_a_page_past_the_last_says_how_many_pages_there_are(library, anonymous_client):
    page = text_of(anonymous_client.get("/search/", {"q": "neglect", "page": "9"}))
    assert "There is only 1 page of results." in page
    assert 'href="?q=neglect">Go to the first page' in page


def test_nothing_found_offers_only_themes_of_learning_the_visitor_may_open(
    library, anonymous_client, practitioner
):
    # Serious youth violence tags partnership-only learning alone; children's mental health a
    # practitioners-only recommendation.
    page = text_of(anonymous_client.get("/search/", {"q": "youth violence at the fair"}))
    assert "Nothing found" in page
    assert "Serious youth violence" not in page
    page = text_of(anonymous_client.get("/search/", {"q": "zzqx"}))
    assert "Nothing found" in page and 'href="?theme=neglect">Neglect</a>' in page
    assert "Serious youth violence" not in page
    assert "mental health" not in page
    page = text_of(client_for(practitioner).get("/search/", {"q": "zzqx"}))
    assert "mental health and emotional wellbeing</a>" in page
    assert "Serious youth violence" not in page
