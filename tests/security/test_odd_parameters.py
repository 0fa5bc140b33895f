"""Odd parameters from any visitor get a 400 with a message (an HTML page shows itself with the
message), never a 500. Each surface checks its parameters in one place."""

import pytest

from ..factories import BriefingPageFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"

ODD = [
    ("/search/", {"page": "²"}),
    ("/search/", {"page": HUGE}),
    ("/search/", {"year": "²"}),
    ("/search/", {"year": HUGE}),
    ("/api/learning/search/", {"year": "²"}),
    ("/api/learning/search/", {"page": HUGE}),
    ("/api/learning/search/", {"page": "٣"}),
    ("/reviews/", {"year": "0"}),
    ("/reviews/", {"year": "²"}),
    ("/reviews/", {"year": HUGE}),
    ("/briefings/", {"year": "99999"}),
    ("/api/v2/pages/", {"site": "x"}),
    ("/api/v2/pages/", {"offset": HUGE}),
    ("/api/v2/pages/", {"limit": HUGE}),
    ("/api/v2/pages/", {"offset": "²"}),
    ("/api/v2/pages/", {"offset": "9" * 5000}),
    ("/search/", {"page": "9" * 5000}),
]


@pytest.fixture
def some_learning():
    ReviewPageFactory(title="Child J")
    BriefingPageFactory(title="Fathers matter")


@pytest.mark.parametrize(
    ("url", "params"), ODD, ids=[f"{u}?{k}={v[:12]}" for u, p in ODD for k, v in p.items()]
)
def test_an_odd_parameter_gets_a_400_with_a_message(client, some_learning, url, params):
    response = client.get(url, params)
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    assert len(body) > 20
    if response["Content-Type"].startswith("text/html"):
        assert "<main" in body  # the page itself, with its message


def test_deleting_a_published_review_with_actions_is_refused_with_the_reason(
    business_manager, police
):
    from learning.models import AgencyAction

    from ..conftest import client_for
    from ..factories import AgencyActionFactory, RecommendationFactory

    review = ReviewPageFactory(title="LCSPR: Child J")
    AgencyActionFactory(agency=police, recommendation=RecommendationFactory(review=review))
    client = client_for(business_manager)
    attempts = [
        lambda: client.get(f"/admin/pages/{review.pk}/delete/"),
        lambda: client.post(f"/admin/pages/{review.pk}/delete/"),
        lambda: client.post(f"/admin/bulk/wagtailcore/page/delete/?id={review.pk}"),
    ]
    for attempt in attempts:
        answer = attempt()
        assert answer.status_code == 302
        page = client.get(answer["Location"], follow=True).content.decode()
        assert "LCSPR: Child J cannot be deleted: agencies have actions" in page
    review.refresh_from_db()
    assert review.live
    assert AgencyAction.objects.filter(recommendation__review=review).exists()
