"""The adversarial checks reuse the browser suite's Chromium tab."""

from ..browser.conftest import browser_page  # noqa: F401 - a fixture, registered by importing it
