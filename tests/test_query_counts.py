"""Pages render in a fixed number of queries, however many recommendations, themes, reviews or
briefings there are: measured with a few and with many, and pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.models import Recommendation

from .conftest import client_for
from .factories import AgencyFactory, BriefingPageFactory, ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

# Ceilings: the counts measured for a signed-in partnership user (review 29, briefing 23, home 16,
# listings 17, theme page 13; each reads the partnership whose settings the page shows) plus two,
# so a new query in the page chrome is noticed quickly. A review page reads one more: whether it
# has a case in the case log, whose clocks its timeline shows.
# Each test also checks that many rows cost exactly as many queries as a few.
REVIEW_PAGE_QUERIES = 32
HOME_PAGE_QUERIES = 18
LISTING_QUERIES = 19
THEME_PAGE_QUERIES = 15
BRIEFING_PAGE_QUERIES = 25


def _review_with(recommendations, themes=10, agencies=5, briefings=3):
    theme_rows = [ThemeFactory() for _ in range(themes)]
    agency_rows = [AgencyFactory() for _ in range(agencies)]
    review = ReviewPageFactory(kind="rapid_review", visibility="partnership")
    review.themes = theme_rows
    review.save_revision().publish()
    for position in range(recommendations):
        rec = Recommendation.objects.create(
            review=review,
            number=str(position + 1),
            text="Agencies should share information about risk at the point of referral.",
            sort_order=position,
        )
        rec.themes = theme_rows[position % themes : position % themes + 3]
        rec.agencies = agency_rows[position % agencies : position % agencies + 2]
        rec.save()
    for _ in range(briefings):
        briefing = BriefingPageFactory()
        briefing.reviews = [review]
        briefing.themes = theme_rows[:2]
        briefing.save_revision().publish()
    return review


def _publish_many(count, theme):
    for _ in range(count):
        review = ReviewPageFactory(visibility="public")
        review.themes = [theme]
        review.save_revision().publish()
        briefing = BriefingPageFactory(visibility="public")
        briefing.themes = [theme]
        briefing.reviews = [review]
        briefing.save_revision().publish()


def _count_queries(client, url):
    client.get(url)  # warm per-process caches (site root, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_review_page_with_30_recommendations_costs_the_same_as_with_3(police_lead):
    client = client_for(police_lead)
    few = _count_queries(client, _review_with(3).url)
    many_review = _review_with(30)
    many = _count_queries(client, many_review.url)
    assert many == few


def test_review_page_with_30_recommendations_and_10_themes_is_pinned(
    police_lead, django_assert_max_num_queries
):
    review = _review_with(30)
    client = client_for(police_lead)
    client.get(review.url)
    with django_assert_max_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(review.url)
    html = response.content.decode()
    assert html.count('id="recommendation-') == 30
    assert "Recommendation 30." in html
    assert html.count("Addressed to: ") == 30


def test_briefing_page_is_pinned(police_lead, django_assert_max_num_queries):
    review = _review_with(3)
    briefing = review.briefings.first()
    client = client_for(police_lead)
    few = _count_queries(client, briefing.url)
    for _ in range(10):
        other = ReviewPageFactory(visibility="public")
        briefing.reviews.add(other)
    briefing.save_revision().publish()
    many = _count_queries(client, briefing.url)
    assert many == few
    with django_assert_max_num_queries(BRIEFING_PAGE_QUERIES):
        client.get(briefing.url)


PAGES_AND_CEILINGS = {
    "/": HOME_PAGE_QUERIES,
    "/reviews/": LISTING_QUERIES,
    "/briefings/": LISTING_QUERIES,
    "/reviews/?theme=neglect&kind=lcspr&page=2": LISTING_QUERIES,
    "/themes/neglect/": THEME_PAGE_QUERIES,
}


def test_home_listings_and_theme_pages_cost_the_same_with_many_pages(
    practitioner, police_lead, django_assert_max_num_queries
):
    clients = {
        "anonymous": client_for(None),
        "practitioner": client_for(practitioner),
        "agency lead": client_for(police_lead),
    }
    theme = ThemeFactory(name="Neglect")
    for _ in range(15):
        ThemeFactory()
    _publish_many(13, theme)  # enough for a second page of the listings
    few = {
        (who, url): _count_queries(client, url)
        for who, client in clients.items()
        for url in PAGES_AND_CEILINGS
    }
    _publish_many(30, theme)
    many = {
        (who, url): _count_queries(client, url)
        for who, client in clients.items()
        for url in PAGES_AND_CEILINGS
    }
    assert many == few
    for who, client in clients.items():
        for url, ceiling in PAGES_AND_CEILINGS.items():
            with django_assert_max_num_queries(ceiling):
                response = client.get(url)
            assert 'class="card"' in response.content.decode(), (who, url)


def test_feed_costs_the_same_with_many_pages(client):
    theme = ThemeFactory(name="Neglect")
    _publish_many(2, theme)
    few = _count_queries(client, "/feeds/latest/")
    _publish_many(25, theme)
    assert _count_queries(client, "/feeds/latest/") == few


def test_wagtail_api_costs_the_same_with_many_restricted_pages(police_lead):
    clients = {"anonymous": client_for(None), "agency lead": client_for(police_lead)}
    for _ in range(3):
        ReviewPageFactory(visibility="partnership")
        ReviewPageFactory(visibility="practitioners")
    few = {who: _count_queries(client, "/api/v2/pages/") for who, client in clients.items()}
    for _ in range(30):
        ReviewPageFactory(visibility="partnership")
        ReviewPageFactory(visibility="practitioners")
    many = {who: _count_queries(client, "/api/v2/pages/") for who, client in clients.items()}
    assert many == few
