"""The adversarial checks reuse the browser suite's Chromium tab, and time requests on a warm
site."""

import pytest

from ..browser.conftest import browser_page  # noqa: F401 - a fixture, registered by importing it


@pytest.fixture(scope="session", autouse=True)
def warm_site():
    """A running site has loaded its views and the broker's transport before anything goes
    silent; the first request of a fresh process loads them (several seconds on a busy machine),
    which is not what the timed stories here measure."""
    import kombu.transport.redis  # noqa: F401
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view
