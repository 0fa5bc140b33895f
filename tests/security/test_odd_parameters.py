"""Odd parameters from any visitor get a 400 with a message (an HTML page shows itself with the
message), never a 500. Each surface checks its parameters in one place."""

import re

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
    ("/search/", {"q": "neglect\x00"}),
    ("/api/learning/search/", {"theme": "\x00"}),
    ("/reviews/", {"theme": "\x00"}),
    ("/briefings/", {"kind": "\x00"}),
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


# Dates outside the years the partnership's records can hold, and numbers no database id reaches,
# on the pages, downloads and APIs that the business unit (and, for the pages API, anyone) opens.
FAR_PAST = {"from": "0001-01-01", "to": "0001-12-31"}
FAR_FUTURE = {"from": "9999-01-01", "to": "9999-12-31"}
OUT_OF_RANGE = [
    ("/api/v2/pages/", {"search": "\x00"}),
    ("/api/v2/pages/", {"search": " "}),
    ("/tracker/yearly-report/", FAR_PAST),
    ("/tracker/yearly-report/", FAR_FUTURE),
    ("/tracker/yearly-report/report.json", FAR_PAST),
    ("/tracker/yearly-report/report.docx", FAR_PAST),
    ("/tracker/yearly-report/report.xlsx", FAR_FUTURE),
    ("/tracker/yearly-report/report.json", FAR_FUTURE),
    ("/tracker/yearly-report/records/", {"figure": "referrals", **FAR_PAST}),
    ("/tracker/changes/", {"until": "9999-12-31"}),
    ("/tracker/changes.csv", {"until": "9999-12-31"}),
    ("/tracker/changes/", {"since": "0001-01-01"}),
    ("/tracker/recurrence/", {"fy": "²"}),
    ("/tracker/recurrence/", {"fy": HUGE}),
    ("/tracker/recurrence/export.xlsx", {"fy": "²"}),
    ("/tracker/recommendations/", {"review": HUGE}),
    ("/tracker/recommendations/", {"review": "²"}),
    ("/tracker/list/", {"due_from": "0001-01-01"}),
    ("/tracker/export.csv", {"due_to": "9999-12-31"}),
    ("/api/learning/actions/", {"due_from": "0001-01-01"}),
    # A NUL character, which PostgreSQL cannot compare, in any parameter of any page.
    ("/tracker/dashboard/", {"agency": "\x00"}),
    ("/tracker/export.csv", {"agency": "\x00"}),
    ("/api/learning/actions/", {"agency": "\x00"}),
    ("/tracker/returns/template.csv", {"agency": "\x00"}),
    ("/api/v2/pages/", {"site": "\x00"}),
    ("/tracker/yearly-report/records/", {"figure": "recommendations_by_theme", "value": "\x00"}),
]


@pytest.mark.parametrize(
    ("url", "params"),
    OUT_OF_RANGE,
    ids=[f"{u}?{'&'.join(f'{k}={v[:12]!r}' for k, v in p.items())}" for u, p in OUT_OF_RANGE],
)
def test_dates_and_numbers_out_of_range_get_a_400_with_words(
    business_manager, some_learning, url, params
):
    from ..conftest import client_for

    response = client_for(business_manager).get(url, params)
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    if any(re.fullmatch(r"\d{4}-\d\d-\d\d", value) for value in params.values()):
        assert re.search(r"between 1 January 1990 and \d+ \w+ 20\d\d", body), body[-2000:]
    else:
        assert len(body) > 20


def test_an_id_no_database_holds_is_not_found(business_manager):
    from ..conftest import client_for

    response = client_for(business_manager).get(f"/tracker/briefings/{HUGE}/cascade/")
    assert response.status_code == 404


# Every parameter the project's GET pages read, each with a value out of range or not a number.
ODD_VALUES = [
    {"from": "0001-01-01", "to": "0001-12-31"},
    {"from": "9999-01-01", "to": "9999-12-31"},
    {
        "since": "0001-01-01",
        "until": "9999-12-31",
        "due_from": "0001-01-01",
        "due_to": "9999-12-31",
    },
    {"fy": "²", "year": "²", "limit": "²", "offset": "²", "page": "²"},
    {"review": HUGE, "agency": HUGE, "theme": HUGE, "fy": HUGE, "year": HUGE, "limit": HUGE},
    {"page": HUGE, "other": HUGE, "recommendation": HUGE, "cycle": HUGE, "figure": "referrals"},
    {"search": "\x00", "q": "\x00", "text": "\x00", "theme": "\x00", "kind": "\x00"},
    {"search": " ", "q": " ", "text": " "},
    {"agency": "\x00", "site": "\x00", "value": "\x00", "figure": "recommendations_by_theme"},
]
# The largest id the URLs take: a number SQLite and PostgreSQL both hold, of no record.
LARGEST_ID = "9" * 18


def project_get_urls():
    """Each of the project's own URL patterns (not Wagtail's admin and page serving, which are
    tested by Wagtail) with its parameters filled in."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route in ("admin/", "documents/") or "wagtail" in str(entry.urlconf_name):
                    continue
                yield from walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                yield prefix + route

    urls = set()
    for route in walk(get_resolver().url_patterns, "/"):
        if route.startswith("/api/v2/"):
            urls.add("/api/v2/pages/")
            continue
        if "^" in route or "(?P" in route:
            continue
        route = re.sub(r"<(id|int):\w+>", LARGEST_ID, route)
        route = re.sub(r"<str:format>", "json", route)
        urls.add(re.sub(r"<(\w+:)?\w+>", "x", route))
    # The review and briefing listings are the site's pages, read by the project's own code.
    return sorted(urls | {"/reviews/", "/briefings/"})


def test_no_get_url_of_the_project_answers_500_to_odd_values(business_manager, some_learning):
    from django.test import Client

    from ..conftest import client_for

    urls = project_get_urls()
    assert "/tracker/yearly-report/report.json" in urls and "/api/v2/pages/" in urls
    visitors = {"business manager": client_for(business_manager), "visitor": Client()}
    failures = []
    for url in urls:
        for who, client in visitors.items():
            client.raise_request_exception = False
            for params in ODD_VALUES:
                status = client.get(url, params).status_code
                if status >= 500:
                    failures.append(f"{who}: {url} {params} → {status}")
    assert failures == [], "\n".join(failures)
