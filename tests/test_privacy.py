"""Nothing restricted reaches someone who may not open it: not in listings, theme pages, the home
page, counts, feeds, the sitemap or the Wagtail API."""

import json

import pytest
from django.urls import reverse
from wagtail.models import PageViewRestriction

from learning import permissions
from learning.models import Recommendation

from .conftest import client_for
from .factories import BriefingPageFactory, ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

VISITORS = ["anonymous", "practitioner", "police_lead", "business_unit", "scrutineer"]
# Which visibility levels each kind of visitor may open.
MAY_OPEN = {
    "anonymous": {"public"},
    "practitioner": {"public", "practitioners"},
    "police_lead": {"public", "practitioners", "partnership"},
    "business_unit": {"public", "practitioners", "partnership"},
    "scrutineer": {"public", "practitioners", "partnership"},
}
TITLES = {
    "public": "Zebra public learning",
    "practitioners": "Yak practitioners learning",
    "partnership": "Xerus partnership learning",
}


@pytest.fixture
def visitor(request):
    if request.param == "anonymous":
        return request.param, client_for(None)
    return request.param, client_for(request.getfixturevalue(request.param))


@pytest.fixture
def theme():
    return ThemeFactory(name="Disguised compliance and resistant families")


@pytest.fixture
def published(theme):
    """One review and one briefing at each visibility, all on the same theme."""
    pages = {}
    for level, title in TITLES.items():
        review = ReviewPageFactory(title=f"Review: {title}", visibility=level, kind="rapid_review")
        review.themes = [theme]
        review.save_revision().publish()
        Recommendation.objects.create(
            review=review, number="1", text=f"Recommendation of {title}", sort_order=0
        )
        briefing = BriefingPageFactory(title=f"Briefing: {title}", visibility=level)
        briefing.themes = [theme]
        briefing.save_revision().publish()
        pages[level] = (review, briefing)
    return pages


def _assert_shows_only_what_may_be_opened(body, who, where):
    for level, title in TITLES.items():
        if level in MAY_OPEN[who]:
            assert title in body, f"{who} should see the {level} page in {where}"
        else:
            assert title not in body, f"{who} must not see the {level} page in {where}"


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
@pytest.mark.parametrize(
    "url",
    ["/", "/reviews/", "/briefings/", "/themes/disguised-compliance-and-resistant-families/"],
)
def test_listings_show_each_visitor_only_what_they_may_open(visitor, url, published):
    who, client = visitor
    response = client.get(url)
    assert response.status_code == 200
    _assert_shows_only_what_may_be_opened(response.content.decode(), who, url)


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_listing_counts_only_count_what_the_visitor_may_open(visitor, published):
    who, client = visitor
    expected = len(MAY_OPEN[who])
    noun = "review" if expected == 1 else "reviews"
    assert f"{expected} {noun}" in client.get("/reviews/").content.decode()
    noun = "briefing" if expected == 1 else "briefings"
    assert f"{expected} {noun}" in client.get("/briefings/").content.decode()


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_filtered_listing_never_reveals_a_restricted_page(visitor, published):
    who, client = visitor
    filters = {"kind": "rapid_review", "theme": "disguised-compliance-and-resistant-families"}
    body = client.get("/reviews/", filters).content.decode()
    _assert_shows_only_what_may_be_opened(body, who, "the filtered listing")


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/"])
def test_feeds_show_each_visitor_only_what_they_may_open(visitor, url, published):
    who, client = visitor
    response = client.get(url)
    assert response.status_code == 200
    _assert_shows_only_what_may_be_opened(response.content.decode(), who, url)


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_sitemap_lists_public_pages_only(visitor, published):
    _, client = visitor
    body = client.get("/sitemap.xml").content.decode()
    public_review, public_briefing = published["public"]
    assert public_review.slug in body and public_briefing.slug in body
    for level in ("practitioners", "partnership"):
        review, briefing = published[level]
        assert f"/{review.slug}/" not in body
        assert f"/{briefing.slug}/" not in body


def _api_titles(client, **params):
    response = client.get("/api/v2/pages/", params | {"limit": 100})
    assert response.status_code == 200, response.content
    data = response.json()
    return data["meta"]["total_count"], {item["title"] for item in data["items"]}


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_wagtail_api_lists_only_pages_the_visitor_may_open(visitor, published):
    who, client = visitor
    count, titles = _api_titles(client)
    body = " ".join(titles)
    _assert_shows_only_what_may_be_opened(body, who, "the API listing")
    assert count == len(titles)


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_wagtail_api_search_finds_only_pages_the_visitor_may_open(visitor, published):
    who, client = visitor
    for word in ("Zebra", "Yak", "Xerus"):
        _, titles = _api_titles(client, search=word)
        level = {"Zebra": "public", "Yak": "practitioners", "Xerus": "partnership"}[word]
        if level in MAY_OPEN[who]:
            assert titles, f"{who} should find {word}"
        else:
            assert titles == set(), f"{who} must not find {word}"


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_wagtail_api_detail_refuses_pages_the_visitor_may_not_open(visitor, published):
    who, client = visitor
    for level, (review, briefing) in published.items():
        for page in (review, briefing):
            status = client.get(f"/api/v2/pages/{page.pk}/").status_code
            assert status == (200 if level in MAY_OPEN[who] else 404), (who, level)


def test_wagtail_api_never_exposes_recommendations(published, police_lead):
    client = client_for(police_lead)
    partnership_review, _ = published["partnership"]
    public_review, _ = published["public"]
    everything = client.get(
        "/api/v2/pages/", {"type": "reviews.ReviewPage", "fields": "*", "limit": 100}
    )
    assert "Recommendation of" not in everything.content.decode()
    for page in (public_review, partnership_review):
        detail = client.get(f"/api/v2/pages/{page.pk}/").content.decode()
        assert "Recommendation of" not in detail
    asked = client.get("/api/v2/pages/", {"fields": "recommendations"})
    assert asked.status_code == 400
    anonymous = client_for(None).get(
        "/api/v2/pages/", {"type": "reviews.ReviewPage", "fields": "*"}
    )
    assert "Xerus" not in anonymous.content.decode()


def test_wagtail_api_has_no_documents_or_images_endpoint(client):
    assert client.get("/api/v2/documents/").status_code == 404
    assert client.get("/api/v2/images/").status_code == 404


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_review_and_briefing_pages_open_only_for_those_allowed(visitor, published):
    who, client = visitor
    for level, (review, briefing) in published.items():
        for page in (review, briefing):
            response = client.get(page.url)
            if level in MAY_OPEN[who]:
                assert response.status_code == 200, (who, level)
            elif who == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith("/login/")
            else:
                assert response.status_code == 403, (who, level)
                assert TITLES[level] not in response.content.decode()


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_print_view_and_pdf_are_private_too(visitor, published):
    who, client = visitor
    _, briefing = published["partnership"]
    for suffix in ("print/", "pdf/"):
        response = client.get(briefing.url + suffix)
        if "partnership" in MAY_OPEN[who]:
            assert response.status_code == 200
        else:
            assert response.status_code in (302, 403)
            assert TITLES["partnership"].encode() not in response.content


def test_review_page_lists_only_the_briefings_the_visitor_may_open(practitioner, police_lead):
    review = ReviewPageFactory(title="Child J", visibility="public")
    for level, title in TITLES.items():
        briefing = BriefingPageFactory(title=f"Briefing: {title}", visibility=level)
        briefing.reviews = [review]
        briefing.save_revision().publish()
    _assert_shows_only_what_may_be_opened(
        client_for(practitioner).get(review.url).content.decode(), "practitioner", "a review"
    )
    _assert_shows_only_what_may_be_opened(
        client_for(police_lead).get(review.url).content.decode(), "police_lead", "a review"
    )


def test_briefing_lists_only_the_reviews_the_visitor_may_open(practitioner):
    briefing = BriefingPageFactory(title="About three reviews", visibility="public")
    reviews = [
        ReviewPageFactory(title=f"Review: {title}", visibility=level)
        for level, title in TITLES.items()
    ]
    briefing.reviews = reviews
    briefing.save_revision().publish()
    body = client_for(practitioner).get(briefing.url).content.decode()
    _assert_shows_only_what_may_be_opened(body, "practitioner", "a briefing")


def test_draft_pages_never_appear_to_anyone(scrutineer):
    review = ReviewPageFactory(title="Draft review of Child D", visibility="public", live=False)
    client = client_for(scrutineer)
    assert client.get(review.url or "/reviews/draft/").status_code == 404
    for url in ("/", "/reviews/", "/feeds/latest/", "/sitemap.xml", "/api/v2/pages/"):
        assert "Child D" not in client.get(url).content.decode(), url


@pytest.mark.parametrize(
    ("level", "restriction_type", "groups"),
    [
        ("public", None, set()),
        ("practitioners", PageViewRestriction.LOGIN, set()),
        ("partnership", PageViewRestriction.GROUPS, set(permissions.PARTNERSHIP_GROUPS)),
    ],
)
def test_republishing_with_a_new_visibility_updates_the_view_restriction(
    level, restriction_type, groups
):
    review = ReviewPageFactory(visibility="partnership" if level == "public" else "public")
    draft = review.get_latest_revision_as_object()
    draft.visibility = level
    draft.save_revision().publish()

    restrictions = list(PageViewRestriction.objects.filter(page=review))
    if restriction_type is None:
        assert restrictions == []
    else:
        (restriction,) = restrictions
        assert restriction.restriction_type == restriction_type
        assert set(restriction.groups.values_list("name", flat=True)) == groups


def test_saving_a_new_visibility_as_draft_keeps_the_live_page_restricted(practitioner):
    review = ReviewPageFactory(title="Rapid review: Child R", visibility="partnership")
    draft = review.get_latest_revision_as_object()
    draft.visibility = "public"
    draft.save_revision()

    assert client_for(practitioner).get(review.url).status_code == 403
    assert "Child R" not in client_for(None).get("/reviews/").content.decode()


def test_partnership_page_made_public_then_appears_everywhere(client):
    review = ReviewPageFactory(title="Now public review of Child W", visibility="partnership")
    assert "Child W" not in client.get("/reviews/").content.decode()
    draft = review.get_latest_revision_as_object()
    draft.visibility = "public"
    draft.save_revision().publish()
    for url in ("/reviews/", "/feeds/latest/", "/api/v2/pages/"):
        assert "Child W" in client.get(url).content.decode(), url
    assert client.get(review.url).status_code == 200


@pytest.mark.parametrize("factory", [ReviewPageFactory, BriefingPageFactory])
def test_admin_privacy_controls_are_hidden_and_refused_for_reviews_and_briefings(
    factory, business_manager
):
    page = factory(visibility="partnership")
    client = client_for(business_manager)
    url = reverse("wagtailadmin_pages:set_privacy", args=[page.pk])

    edit_page = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'data-a11y-dialog-show="set-privacy"' not in edit_page
    # The admin turns a refusal into a redirect to its dashboard with an error message.
    assert client.get(url)["Location"] == "/admin/"
    response = client.post(url, {"restriction_type": "none"})

    assert response["Location"] == "/admin/"
    restriction = PageViewRestriction.objects.get(page=page)
    assert restriction.restriction_type == PageViewRestriction.GROUPS


def test_admin_privacy_controls_are_refused_for_the_listing_pages_too(business_manager):
    reviews_index = ReviewPageFactory().get_parent()
    client = client_for(business_manager)
    url = reverse("wagtailadmin_pages:set_privacy", args=[reviews_index.pk])
    response = client.post(url, {"restriction_type": "login"})
    assert response["Location"] == "/admin/"
    assert not PageViewRestriction.objects.filter(page=reviews_index).exists()


def test_partnership_groups_match_the_view_restriction_for_each_role(
    police_lead, business_unit, scrutineer, practitioner
):
    review = ReviewPageFactory(visibility="partnership")
    restriction = PageViewRestriction.objects.get(page=review)
    for user in (police_lead, business_unit, scrutineer):
        assert restriction.groups.filter(pk__in=user.groups.all()).exists()
    assert not restriction.groups.filter(pk__in=practitioner.groups.all()).exists()


def test_feed_items_link_only_to_pages_the_reader_may_open(published):
    body = client_for(None).get("/feeds/latest/").content.decode()
    public_review, public_briefing = published["public"]
    assert public_review.slug in body and public_briefing.slug in body
    for level in ("practitioners", "partnership"):
        for page in published[level]:
            assert page.slug not in body


def test_api_json_is_valid_for_anonymous_visitors(client, published):
    data = json.loads(client.get("/api/v2/pages/").content)
    assert data["meta"]["total_count"] >= 2


def test_wagtail_api_hides_pages_below_a_restricted_ancestor(client, practitioner):
    review = ReviewPageFactory(title="Public review under a locked listing", visibility="public")
    index = review.get_parent()
    restriction = PageViewRestriction.objects.create(
        page=index, restriction_type=PageViewRestriction.LOGIN
    )
    assert "locked listing" not in client.get("/api/v2/pages/").content.decode()
    signed_in = client_for(practitioner).get("/api/v2/pages/").content.decode()
    assert "locked listing" in signed_in
    restriction.delete()
    assert "locked listing" in client.get("/api/v2/pages/").content.decode()


def test_wagtail_api_shows_partnership_pages_to_a_superuser():
    from .factories import UserFactory

    admin = UserFactory(username="root")
    admin.is_superuser = True
    admin.save()
    ReviewPageFactory(title="Rapid review: Child S", visibility="partnership")
    assert "Child S" in client_for(admin).get("/api/v2/pages/").content.decode()


@pytest.mark.parametrize(
    ("visibility", "live", "anonymous", "practitioner_status", "lead_status"),
    [
        ("public", True, 200, 200, 200),
        ("practitioners", True, 302, 200, 200),
        ("partnership", True, 302, 403, 200),
        ("public", False, 302, 403, 200),  # a draft's report is the partnership's until published
    ],
)
def test_a_review_document_is_served_only_to_those_who_may_open_the_review(
    visibility, live, anonymous, practitioner_status, lead_status, practitioner, police_lead
):
    from .factories import ReviewDocumentFactory

    link = ReviewDocumentFactory(page=ReviewPageFactory(visibility=visibility, live=live))
    url = link.document.url
    assert client_for(None).get(url).status_code == anonymous
    assert client_for(practitioner).get(url).status_code == practitioner_status
    response = client_for(police_lead).get(url)
    assert response.status_code == lead_status
    if lead_status == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 overview report"
