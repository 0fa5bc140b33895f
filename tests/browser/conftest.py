"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server,
and an axe-core check for WCAG 2.2 AA."""

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Chromium tab on the live server, started after the test's database is in place.

    Playwright's sync API runs an event loop on the main thread while it is started, and that
    gives the test code its own database connection. Starting it per test, after the database
    set-up, and stopping it before the teardown flush keeps Django's test connection (and its
    serialized copy of the site) out of the loop's way.
    """
    # The ORM refuses to run beside a running event loop unless told it is safe. It is: the loop
    # only drives the browser, and every query the test makes stays synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
        # Close the connection the test code opened inside the loop's context.
        connections.close_all()


def sign_in(page, username, password="password"):
    """Sign in through the site's own sign-in form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def blocking_violations(page):
    """Run axe-core on the loaded page; return the serious and critical WCAG 2.2 AA violations."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append(f"      {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


def assert_accessible(page):
    violations = blocking_violations(page)
    assert not violations, f"axe-core found on {page.url}:\n{describe(violations)}"
