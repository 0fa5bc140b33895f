"""The accessibility check itself: axe-core must report what it is there to catch."""

import pytest

from .conftest import blocking_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_axe_reports_an_unlabelled_field_and_an_image_without_alt_text(browser_page):
    browser_page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Broken form</title></head><body><main>'
        '<h1>Referral</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<form><input type="text" name="child"></form></main></body></html>'
    )
    found = {violation["id"] for violation in blocking_violations(browser_page)}
    assert {"image-alt", "label"} <= found
