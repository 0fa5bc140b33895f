"""Each partnership's section of the site: its own front page, with its latest learning as the
visitor may see it, and its own listings beneath."""

import pytest

from learning import permissions

from .conftest import client_for
from .factories import (
    BriefingPageFactory,
    PartnershipFactory,
    ReviewPageFactory,
    briefing_index_of,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db


def test_a_visitor_opens_the_boards_section_and_sees_only_its_public_learning():
    board = PartnershipFactory(name="Kirklees Safeguarding Adults Board")
    ReviewPageFactory(parent=review_index_of(board), title="SAR Adult D", kind="sar")
    ReviewPageFactory(
        parent=review_index_of(board), title="SAR Adult E", kind="sar", visibility="partnership"
    )
    BriefingPageFactory(parent=briefing_index_of(board), title="Self-neglect and hoarding")
    ReviewPageFactory(title="LCSPR Child J")  # the children's partnership's

    response = client_for(None).get(board.section.url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Kirklees Safeguarding Adults Board</h1>" in page
    assert "SAR Adult D" in page and "Self-neglect and hoarding" in page
    assert "SAR Adult E" not in page and "LCSPR Child J" not in page
    assert "All of Kirklees Safeguarding Adults Board's reviews" in page

    officer = client_for(member_of(board, permissions.BUSINESS_UNIT))
    assert "SAR Adult E" in officer.get(board.section.url).content.decode()
