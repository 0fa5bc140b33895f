"""Page types render and are private to the right people."""

import pytest

from learning.models import Recommendation

from .conftest import client_for
from .factories import AgencyFactory, BriefingPageFactory, ReviewPageFactory, ThemeFactory

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
    ReviewPageFactory(title="Public review of Child P", visibility="public")
    ReviewPageFactory(
        title="Rapid review of Child R", visibility="partnership", kind="rapid_review"
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
            assert "Child R" not in body and "rapid-review" not in body.lower().replace(
                "rapid-review-", ""
            ), url
        assert "Public review of Child P" in c.get("/reviews/").content.decode()


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
