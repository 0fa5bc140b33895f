"""The adversarial checks reuse the browser suite's Chromium tab, and time requests on a warm
site."""

import io

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


def body_of(response):
    """What a response says, as words: a spreadsheet's every cell, or the page's text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # a spreadsheet: every cell's words
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return content.decode(errors="replace")
