"""Page types render and are private to the right people."""

import datetime

import pytest

from learning.models import Recommendation
from reviews.models import BRIEFING_PARTS, BriefingIndexPage, ReviewIndexPage, ReviewPage

from .conftest import client_for
from .factories import (
    AgencyFactory,
    BriefingPageFactory,
    ReviewPageFactory,
    ThemeFactory,
    default_partnership,
)

pytestmark = pytest.mark.django_db


def test_home_page_shows_worried_box_and_latest_briefing(client):
    BriefingPageFactory(title="Safer sleeping briefing")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Worried about a child?" in html
    assert "Safer sleeping briefing" in html


@pytest.mark.parametrize(
    ("visibility", "anonymous", "practitioner_status", "lead_status"),
    [
        ("public", 200, 200, 200),
        ("practitioners", 302, 200, 200),
        ("partnership", 302, 403, 200),
    ],
)
def test_review_privacy_for_each_kind_of_visitor(
    visibility, anonymous, practitioner_status, lead_status, practitioner, police_lead
):
    review = ReviewPageFactory(title="Child Q", visibility=visibility)
    assert client_for(None).get(review.url).status_code == anonymous
    assert client_for(practitioner).get(review.url).status_code == practitioner_status
    assert client_for(police_lead).get(review.url).status_code == lead_status


def test_partnership_review_is_hidden_from_listing_feed_sitemap_and_api(client, practitioner):
    ReviewPageFactory(
        title="Public review of Child P", slug="public-review-child-p", visibility="public"
    )
    ReviewPageFactory(
        title="Rapid review of Child R",
        slug="rapid-review-child-r",
        visibility="partnership",
        kind="rapid_review",
    )
    for c in (client, client_for(practitioner)):
        for url in (
            "/reviews/",
            "/feeds/latest/",
            "/feeds/latest/atom/",
            "/sitemap.xml",
            "/api/v2/pages/",
        ):
            body = c.get(url).content.decode()
            assert "public-review-child-p" in body, url  # the surface does list reviews
            assert "Child R" not in body and "rapid-review-child-r" not in body, url


def test_recommendations_keep_their_ids_when_the_review_is_republished():
    theme = ThemeFactory(name="Neglect")
    police = AgencyFactory(short_name="Police")
    review = ReviewPageFactory()
    draft = review.get_latest_revision_as_object()
    rec = Recommendation(number="1", text="Share information.")
    rec.themes = [theme]
    rec.agencies = [police]
    draft.recommendations.add(rec)
    draft.save_revision().publish()
    first_ids = list(Recommendation.objects.filter(review=review).values_list("pk", flat=True))
    assert len(first_ids) == 1

    draft = review.get_latest_revision_as_object()
    draft.title = "Renamed"
    draft.save_revision().publish()

    rows = Recommendation.objects.filter(review=review)
    assert list(rows.values_list("pk", flat=True)) == first_ids
    assert list(rows.get().agencies.all()) == [police]


# Each page type: created, published, rendered, and private to the right people.

VISITOR_STATUS = {
    # visibility: (anonymous, practitioner, agency lead, business unit, scrutineer)
    "public": (200, 200, 200, 200, 200),
    "practitioners": (302, 200, 200, 200, 200),
    "partnership": (302, 403, 200, 200, 200),
}


def _visitors(practitioner, police_lead, business_unit, scrutineer):
    return [None, practitioner, police_lead, business_unit, scrutineer]


@pytest.mark.parametrize("kind", [value for value, _ in ReviewPage.Kind.choices])
def test_review_of_every_kind_is_created_published_and_rendered(kind, police_lead):
    theme = ThemeFactory(name="Voice of the child")
    review = ReviewPageFactory.build(
        title=f"Review of kind {kind}",
        slug=f"review-{kind.replace('_', '-')}",
        kind=kind,
        reference="REF-1",
        child_pseudonym="Child J",
        age_band="16_17",
        summary="What the review found.",
        findings="## Key finding\n\nInformation was **not shared**.",
        incident_date=datetime.date(2025, 12, 22),
        notification_date=datetime.date(2025, 12, 24),
        lead_reviewer="Independent lead reviewer",
    )
    review.themes = [theme]
    ReviewIndexPage.objects.get().add_child(instance=review)
    review.live = False
    review.save()
    assert client_for(police_lead).get("/reviews/").content.decode().count(review.title) == 0

    review.save_revision().publish()

    response = client_for(police_lead).get(review.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert review.get_kind_display() in html
    assert "REF-1" in html and "Child J" in html and "16–17" in html
    assert "<strong>not shared</strong>" in html
    assert "Voice of the child" in html
    assert review.title in client_for(police_lead).get("/reviews/").content.decode()


@pytest.mark.parametrize("visibility", ["public", "practitioners", "partnership"])
@pytest.mark.parametrize("factory", [ReviewPageFactory, BriefingPageFactory])
def test_each_page_type_opens_only_for_the_right_visitors(
    factory, visibility, practitioner, police_lead, business_unit, scrutineer
):
    page = factory(visibility=visibility)
    visitors = _visitors(practitioner, police_lead, business_unit, scrutineer)
    statuses = tuple(client_for(user).get(page.url).status_code for user in visitors)
    assert statuses == VISITOR_STATUS[visibility]


@pytest.mark.parametrize("url", ["/", "/reviews/", "/briefings/", "/themes/"])
def test_home_and_index_pages_are_open_to_everyone(
    url, practitioner, police_lead, business_unit, scrutineer
):
    for user in _visitors(practitioner, police_lead, business_unit, scrutineer):
        assert client_for(user).get(url).status_code == 200


def test_statutory_timeline_is_shown_to_the_partnership_only(practitioner, police_lead):
    review = ReviewPageFactory(
        kind="rapid_review",
        visibility="practitioners",
        aware_date=datetime.date(2025, 12, 22),
        notification_date=datetime.date(2025, 12, 30),
    )
    lead_html = client_for(police_lead).get(review.url).content.decode()
    assert "Notification to the national Panel" in lead_html
    assert "31 Dec 2025" in lead_html  # 5 working days over Christmas
    assert "Met" in lead_html
    practitioner_html = client_for(practitioner).get(review.url).content.decode()
    assert "Notification to the national Panel" not in practitioner_html


def test_review_page_lists_recommendations_with_their_agencies_and_themes(client):
    theme = ThemeFactory(name="Information sharing")
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    review = ReviewPageFactory()
    rec = Recommendation.objects.create(
        review=review,
        number="2",
        text="Police and Children's Services should review how information is shared.",
        sort_order=0,
    )
    rec.themes = [theme]
    rec.agencies = [police]
    rec.save()
    html = client.get(review.url).content.decode()
    assert "Recommendation 2." in html
    assert "Addressed to: West Yorkshire Police" in html
    assert 'id="recommendation-2"' in html, "the anchor is the report's number, not a row id"


def test_briefing_is_created_published_and_shows_its_seven_numbered_parts(client):
    review = ReviewPageFactory(title="Serious case review: Family S")
    briefing = BriefingPageFactory.build(
        title="Family S: disguised compliance",
        slug="family-s",
        summary="Spotting when co-operation hides a lack of change.",
        background="Three young children lived with chronic neglect.",
        why_it_matters="Disguised compliance delays protection.",
        information="Parents attended meetings.",
        learning="Judge progress by the child's lived experience.",
        questions="What evidence of change would you expect?",
        what_to_do="Use the neglect toolkit.",
        further_information="Escalation policy.",
    )
    briefing.reviews = [review]
    BriefingIndexPage.objects.get().add_child(instance=briefing)
    briefing.save_revision().publish()

    response = client.get(briefing.url)
    assert response.status_code == 200
    html = response.content.decode()
    for number, (_, label) in enumerate(BRIEFING_PARTS, start=1):
        assert f'<span class="part-number">{number}</span> {label}' in html
    assert "Judge progress by the child" in html
    assert "Serious case review: Family S" in html
    assert 'href="/briefings/family-s/print/"' in html
    assert 'href="/briefings/family-s/pdf/"' in html


def test_index_pages_filter_by_theme_kind_and_year_and_paginate(client):
    neglect = ThemeFactory(name="Neglect")
    for n in range(14):
        review = ReviewPageFactory(
            title=f"Learning review {n}", kind="learning_review", publication_date=None
        )
        review.themes = [neglect]
        review.save_revision().publish()
    ReviewPageFactory(title="Audit of thresholds", kind="multi_agency_audit")

    first = client.get("/reviews/", {"kind": "learning_review", "theme": "neglect"})
    html = first.content.decode()
    assert "14 reviews" in html
    assert "Audit of thresholds" not in html
    assert "Page 1 of 2" in html
    second = client.get("/reviews/", {"kind": "learning_review", "theme": "neglect", "page": 2})
    assert "Page 2 of 2" in second.content.decode()
    assert "0 reviews" in client.get("/reviews/", {"year": "1999"}).content.decode()
    odd = client.get("/reviews/", {"year": "nonsense", "page": "x"})
    assert odd.status_code == 400  # the listing, with what to change
    assert "Year must be a year such as 2019." in odd.content.decode()


def test_home_page_shows_partnership_name_contact_numbers_themes_and_search(client):
    from wagtail.models import Site

    from home.models import PartnershipSettings

    first = default_partnership()
    first.name = "Kirklees Safeguarding Children Partnership"
    first.save()
    settings = PartnershipSettings.for_site(Site.objects.get(is_default_site=True))
    settings.daytime_phone = "01484 456848"
    settings.save()
    ThemeFactory(name="Neglect")
    ReviewPageFactory(title="Serious case review: Family S")

    html = client.get("/").content.decode()
    assert "<h1>Kirklees Safeguarding Children Partnership</h1>" in html
    assert 'href="tel:01484456848"' in html
    assert "Neglect" in html
    assert 'role="search"' in html
    assert "Serious case review: Family S" in html


def test_theme_page_shows_everything_published_on_the_theme_the_visitor_may_open(practitioner):
    theme = ThemeFactory(name="Involvement of fathers")
    other = ThemeFactory(name="Neglect")
    on_theme = ReviewPageFactory(title="Fathers review", visibility="practitioners")
    on_theme.themes = [theme]
    on_theme.save_revision().publish()
    briefing = BriefingPageFactory(title="Hidden men briefing")
    briefing.themes = [theme]
    briefing.save_revision().publish()
    secret = ReviewPageFactory(title="Rapid review about fathers", visibility="partnership")
    secret.themes = [theme]
    secret.save_revision().publish()
    off_theme = ReviewPageFactory(title="Neglect review")
    off_theme.themes = [other]
    off_theme.save_revision().publish()

    html = client_for(practitioner).get("/themes/involvement-of-fathers/").content.decode()
    assert "Fathers review" in html and "Hidden men briefing" in html
    assert "Rapid review about fathers" not in html
    assert "Neglect review" not in html
    assert client_for(None).get("/themes/no-such-theme/").status_code == 404


@pytest.mark.parametrize(
    ("model", "url"),
    [
        ("home.HomePage", "/"),
        ("reviews.ReviewIndexPage", "/reviews/"),
        ("reviews.BriefingIndexPage", "/briefings/"),
    ],
)
def test_home_and_index_pages_are_created_live_and_republish_their_intro(model, url, client):
    from django.apps import apps

    page = apps.get_model(model).objects.get()
    assert page.live
    draft = page.get_latest_revision_as_object() if page.latest_revision else page
    draft.intro = "Learning from case reviews in Kirklees."
    draft.save_revision().publish()
    response = client.get(url)
    assert response.status_code == 200
    assert "Learning from case reviews in Kirklees." in response.content.decode()


def test_reviews_are_listed_by_report_publication_date_with_reviews_under_way_first(client):
    ReviewPageFactory(title="SCR Family S", publication_date=datetime.date(2016, 10, 5))
    ReviewPageFactory(title="Learning review Child Y", kind="learning_review")
    ReviewPageFactory(title="LCSPR Child J", publication_date=datetime.date(2020, 4, 20))

    for url in ("/reviews/", "/"):
        html = client.get(url).content.decode()
        positions = [
            html.index(title)
            for title in ("Learning review Child Y", "LCSPR Child J", "SCR Family S")
        ]
        assert positions == sorted(positions), url
        assert 'published <time datetime="2020-04-20">20 April 2020</time>' in html
