"""The site and its admin, in Chromium: no request ever leaves for another host, and the
Content-Security-Policy blocks nothing the pages need."""

from urllib.parse import urlsplit

import pytest

from learning import permissions
from reviews.models import BriefingIndexPage

from ..browser.conftest import sign_in
from ..factories import BriefingPageFactory, ReviewPageFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def watched(browser_page, live_server):
    """The tab, with every request to another host and every CSP violation written down."""
    own = urlsplit(live_server.url).netloc
    elsewhere, violations = [], []

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own:
            elsewhere.append(request.url)

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{browser_page.url}: {message.text[:90]}")

    browser_page.on("request", on_request)
    browser_page.on("console", on_console)
    browser_page.elsewhere = elsewhere
    browser_page.violations = violations
    return browser_page


def visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status < 400, url
    assert "Content-Security-Policy" in {name.title() for name in response.headers}


def test_site_and_admin_contact_no_other_host_and_break_no_policy(watched):
    page = watched
    UserFactory(
        username="business-manager",
        role=permissions.BUSINESS_MANAGERS,
        email="manager@partnership.example",
    )
    review = ReviewPageFactory(title="Child J", findings="We **saw** the child.")
    briefing = BriefingPageFactory(title="Fathers matter")
    for url in ("/", "/reviews/", review.url, briefing.url, "/search/?q=child", "/login/"):
        visit(page, url)

    sign_in(page, "business-manager")
    index = BriefingIndexPage.objects.get()
    for url in (
        "/admin/",
        f"/admin/pages/{index.pk}/",
        f"/admin/pages/{briefing.pk}/edit/",
        f"/admin/pages/{review.pk}/edit/",
        "/admin/account/",
    ):
        visit(page, url)

    assert page.elsewhere == []
    assert page.violations == []
