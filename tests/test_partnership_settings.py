"""Each partnership has its own settings: what its pages tell a visitor who is worried (heading,
text, numbers, email), and how long an agency has for a new action of its reviews. A field it
leaves blank shows the site-wide one; its business manager edits them, and no other
partnership's manager can."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from wagtail.models import Site

from home.models import PartnershipSettings
from learning import permissions
from learning.models import AgencyAction, Partnership, TrackerSettings
from learning.models.partnerships import CONTACT_FIELDS

from .conftest import client_for
from .factories import (
    AgencyFactory,
    PartnershipFactory,
    RecommendationFactory,
    ReviewPageFactory,
    default_partnership,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# Numbers in Ofcom's range kept for drama: no one's real line.
BOARD_DAYTIME = "01632 960001"
BOARD_OUT_OF_HOURS = "01632 960002"


@pytest.fixture
def childrens():
    partnership = default_partnership()
    partnership.name = "Kirklees Safeguarding Children Partnership"
    partnership.save()
    return partnership


@pytest.fixture
def site_wide():
    settings = PartnershipSettings.for_site(Site.objects.get(is_default_site=True))
    settings.daytime_phone = "01484 456848"
    settings.out_of_hours_phone = "01484 414933"
    settings.police_phone = "101"
    settings.contact_email = "kscp@example.org"
    settings.save()
    return settings


@pytest.fixture
def adults_board(childrens):
    return PartnershipFactory(
        name="Kirklees Safeguarding Adults Board",
        framework=Partnership.Framework.ADULTS,
        daytime_phone=BOARD_DAYTIME,
        out_of_hours_phone=BOARD_OUT_OF_HOURS,
        contact_email="ksab@example.org",
    )


def _page(url, user=None):
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_to_the_adults_boards_section_sees_its_own_heading_and_numbers(
    adults_board, site_wide
):
    page = _page(adults_board.section.url)

    assert "Worried about an adult?" in page
    assert "contact adult social care" in page
    assert f'Adult social care: <a href="tel:01632960001">{BOARD_DAYTIME}</a>' in page
    assert f'<a href="tel:01632960002">{BOARD_OUT_OF_HOURS}</a>' in page
    assert "mailto:ksab@example.org" in page
    assert "If an adult is in immediate danger, call 999." in page
    assert "<title>" in page and "– Kirklees Safeguarding Adults Board</title>" in page
    # Nothing of the children's partnership's box.
    for childrens_words in (
        "Worried about a child?",
        "Children&#x27;s social care",
        "01484 456848",
        "01484 414933",
        "kscp@example.org",
        "If a child is in immediate danger",
        "Kirklees Safeguarding Children Partnership",
    ):
        assert childrens_words not in page, childrens_words


def test_the_adults_boards_reviews_carry_its_name_and_words(adults_board, site_wide):
    sar = ReviewPageFactory(title="SAR: Adult D", kind="sar", parent=review_index_of(adults_board))

    for url in (sar.url, review_index_of(adults_board).url):
        page = _page(url)
        # The name leads back to the board's own front page.
        assert (
            f'<a class="site-name" href="{adults_board.section.url}">'
            "Kirklees Safeguarding Adults Board</a>"
        ) in page
        assert "If an adult is in immediate danger, call 999." in page
        assert "Kirklees Safeguarding Children Partnership" not in page


def test_the_childrens_home_page_is_unchanged(childrens, adults_board, site_wide):
    page = _page("/")

    assert "<h1>Kirklees Safeguarding Children Partnership</h1>" in page
    assert '<a class="site-name" href="/">Kirklees Safeguarding Children Partnership</a>' in page
    assert "Worried about a child?" in page
    assert 'Children&#x27;s social care: <a href="tel:01484456848">01484 456848</a>' in page
    assert 'Out of hours: <a href="tel:01484414933">01484 414933</a>' in page
    assert 'Police (non-emergency): <a href="tel:101">101</a>' in page
    assert "mailto:kscp@example.org" in page
    assert "If a child is in immediate danger, call 999." in page
    assert "Worried about an adult?" not in page and BOARD_DAYTIME not in page


def test_a_board_that_writes_nothing_speaks_in_its_frameworks_words_with_no_childrens_numbers(
    childrens, site_wide
):
    board = PartnershipFactory(name="Safeguarding Adults Board", framework="adults")
    community_safety = PartnershipFactory(
        name="Community Safety Partnership", framework="community_safety"
    )

    adults = _page(board.section.url)
    assert "Worried about an adult?" in adults
    assert "01484 456848" not in adults and "01484 414933" not in adults
    assert "Adult social care:" not in adults  # no number of its own: none shown
    # Police and the business unit's email are everyone's.
    assert 'Police (non-emergency): <a href="tel:101">101</a>' in adults
    assert "mailto:kscp@example.org" in adults

    domestic_abuse = _page(community_safety.section.url)
    assert "Worried about domestic abuse?" in domestic_abuse
    assert "If someone is in immediate danger, call 999." in domestic_abuse
    assert "Worried about a child?" not in domestic_abuse
    assert "01484 456848" not in domestic_abuse


def test_an_emptied_field_falls_back_to_the_site_wide_value(childrens, adults_board, site_wide):
    childrens.worried_heading = "Concerned about a child?"
    childrens.police_phone = "01632 960003"
    childrens.save()
    adults_board.worried_heading = "Worried about someone?"
    adults_board.save()
    assert "Concerned about a child?" in _page("/")
    assert "01632 960003" in _page("/")

    childrens.worried_heading = ""
    childrens.police_phone = ""
    childrens.save()
    adults_board.worried_heading = ""
    adults_board.contact_email = ""
    adults_board.save()
    site_wide.worried_heading = "Worried about a child or young person?"
    site_wide.save()

    home = _page("/")
    assert "Worried about a child or young person?" in home
    assert 'Police (non-emergency): <a href="tel:101">101</a>' in home
    board = _page(adults_board.section.url)
    # The board's blank heading is its framework's, not the children's site-wide one.
    assert "Worried about an adult?" in board
    assert "mailto:kscp@example.org" in board


def _publish_review_to(partnership, agency, title):
    index = review_index_of(partnership)
    review = ReviewPageFactory(title=title, parent=index, live=False)
    recommendation = RecommendationFactory(review=review, number="1", due_date=None)
    recommendation.agencies.set([agency])
    recommendation.save()
    review.save_revision().publish()
    return AgencyAction.objects.get(recommendation__review=review)


def test_a_review_published_in_the_adults_board_gets_its_boards_default_days(
    childrens, adults_board
):
    site_wide = TrackerSettings.load()
    site_wide.default_action_days = 90
    site_wide.save()
    adults_board.default_action_days = 30
    adults_board.save()
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")

    sar_action = _publish_review_to(adults_board, police, "SAR: Adult D")
    lcspr_action = _publish_review_to(childrens, police, "LCSPR: Child J")

    assert sar_action.original_due_date == TODAY + datetime.timedelta(days=30)
    assert lcspr_action.original_due_date == TODAY + datetime.timedelta(days=90)

    adults_board.default_action_days = None  # emptied: the site-wide default
    adults_board.save()
    later = _publish_review_to(adults_board, police, "SAR: Adult E")
    assert later.original_due_date == TODAY + datetime.timedelta(days=90)


def test_a_section_11_gap_in_the_boards_audit_takes_the_boards_default_days(adults_board):
    from learning import section11

    adults_board.default_action_days = 45
    adults_board.save()
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    lead = member_of(adults_board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    cycle = section11.open_cycle(
        "Section 11 audit 2026",
        TODAY - datetime.timedelta(days=30),
        TODAY + datetime.timedelta(days=300),
        partnership=adults_board,
    )
    police_return = section11.start_return(police, cycle)
    police_return.answers.update(rating="met", narrative="Signed off by the inspector.")
    police_return.answers.filter(standard__number="5").update(rating="not_met")
    police_return.refresh_from_db()

    [gap] = section11.submit_return(police_return, lead, police_return.version)

    assert gap.original_due_date == TODAY + datetime.timedelta(days=45)


def _edit_url(partnership):
    return f"/admin/snippets/learning/partnership/edit/{partnership.pk}/"


def _settings_form(partnership, **changes):
    form = {field: getattr(partnership, field) for field in ("name", *CONTACT_FIELDS)}
    form["default_action_days"] = partnership.default_action_days or ""
    return form | changes


def test_the_boards_business_manager_changes_its_settings_but_not_its_place_or_framework(
    adults_board,
):
    manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    client = client_for(manager)

    form = client.get(_edit_url(adults_board)).content.decode()
    assert 'name="worried_heading"' in form and 'name="default_action_days"' in form
    assert 'name="framework"' not in form and 'name="section"' not in form
    response = client.post(
        _edit_url(adults_board),
        _settings_form(
            adults_board,
            worried_text="Call adult social care if you are worried about an adult.",
            default_action_days="60",
            framework="children",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    adults_board.refresh_from_db()
    assert adults_board.worried_text == (
        "Call adult social care if you are worried about an adult."
    )
    assert adults_board.default_action_days == 60
    assert adults_board.framework == Partnership.Framework.ADULTS
    assert "Call adult social care if you are worried" in _page(adults_board.section.url)


def test_a_manager_of_one_partnership_cannot_change_anothers_settings(
    childrens, adults_board, business_manager
):
    sab_manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    client = client_for(sab_manager)

    listing = client.get("/admin/snippets/learning/partnership/").content.decode()
    assert _edit_url(adults_board) in listing
    assert _edit_url(childrens) not in listing
    for url in (_edit_url(childrens), _edit_url(childrens).replace("/edit/", "/history/")):
        assert client.get(url).status_code in (302, 403), url
    client.post(
        _edit_url(childrens), _settings_form(childrens, worried_heading="Worried about an adult?")
    )
    childrens.refresh_from_db()
    assert childrens.worried_heading == ""
    assert "Worried about an adult?" not in _page("/")

    # Nor the other way round, and neither adds or removes a partnership.
    client_for(business_manager).post(
        _edit_url(adults_board), _settings_form(adults_board, default_action_days="7")
    )
    adults_board.refresh_from_db()
    assert adults_board.default_action_days is None
    assert client.get("/admin/snippets/learning/partnership/add/").status_code in (302, 403)
    assert permissions.can_change_partnership_settings(sab_manager, adults_board.pk)
    assert not permissions.can_change_partnership_settings(sab_manager, childrens.pk)


def test_an_officer_of_the_board_cannot_change_its_settings(adults_board):
    officer = member_of(adults_board, permissions.BUSINESS_UNIT, "sab-business-unit")
    client_for(officer).post(
        _edit_url(adults_board), _settings_form(adults_board, default_action_days="7")
    )
    adults_board.refresh_from_db()
    assert adults_board.default_action_days is None
    assert not permissions.can_change_partnership_settings(officer, adults_board.pk)


def test_the_approval_email_names_the_partnership_the_page_belongs_to(
    childrens, adults_board, settings
):
    from reviews.models import PartnershipApprovalTask

    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    officer = member_of(adults_board, permissions.BUSINESS_UNIT, "sab-business-unit")
    manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    sar = ReviewPageFactory(title="SAR: Adult S", live=False, parent=review_index_of(adults_board))
    sar.save_revision(user=officer)
    mail.outbox.clear()

    PartnershipApprovalTask.objects.get().workflows.get().start(sar, officer)

    (email,) = [message for message in mail.outbox if manager.email in message.to]
    assert email.subject == 'Please approve: "SAR: Adult S" – Kirklees Safeguarding Adults Board'
    (html,) = [body for body, kind in email.alternatives if kind == "text/html"]
    for text in (email.body, html):
        assert "on the Kirklees Safeguarding Adults Board site" in text
        assert "Children Partnership" not in text


def _migrate(targets=None):
    """Migrate to `targets`, or forward to the latest migrations of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


# Tables are dropped and made again: the test runs outside a transaction and puts the suite's
# starting data back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_name_the_site_showed_becomes_the_first_partnerships_with_its_numbers_kept():
    old = _migrate([("home", "0003_partnership_section_pages")])
    site = old.get_model("wagtailcore", "Site").objects.get(is_default_site=True)
    old.get_model("home", "PartnershipSettings").objects.update_or_create(
        site=site,
        defaults={
            "partnership_name": "Kirklees Safeguarding Children Partnership",
            "daytime_phone": "01484 456848",
            "contact_email": "kscp@example.org",
        },
    )
    first = old.get_model("learning", "Partnership").objects.order_by("sort_order", "pk").first()
    first.name = "Safeguarding Children Partnership"
    first.save()

    _migrate()

    assert default_partnership().name == "Kirklees Safeguarding Children Partnership"
    site_wide = PartnershipSettings.for_site(Site.objects.get(is_default_site=True))
    assert site_wide.daytime_phone == "01484 456848"
    assert site_wide.contact_email == "kscp@example.org"
    home = _page("/")
    assert "<h1>Kirklees Safeguarding Children Partnership</h1>" in home
    assert 'href="tel:01484456848"' in home and "mailto:kscp@example.org" in home


def test_only_the_administrator_changes_the_site_wide_settings_every_partnership_falls_back_to(
    adults_board, site_wide
):
    url = f"/admin/settings/home/partnershipsettings/{site_wide.site_id}/"
    sab_manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    form = {
        "worried_heading": "Worried about an adult?",
        "worried_text": site_wide.worried_text,
        "daytime_phone": BOARD_DAYTIME,
        "out_of_hours_phone": site_wide.out_of_hours_phone,
        "police_phone": site_wide.police_phone,
        "contact_email": site_wide.contact_email,
    }
    client_for(sab_manager).post(url, form)
    site_wide.refresh_from_db()
    assert site_wide.worried_heading == "Worried about a child?"
    assert "Worried about a child?" in _page("/")

    administrator = member_of(default_partnership(), permissions.ADMINISTRATORS, "admin")
    response = client_for(administrator).post(url, form | {"worried_heading": "Worried?"})
    assert response.status_code == 302
    site_wide.refresh_from_db()
    assert site_wide.worried_heading == "Worried?"


def test_the_default_time_for_an_action_says_it_also_times_section_11_gaps(adults_board):
    """Both editors' help says what the field times: a review's actions and a Section 11 gap's
    (the tests above show both take it)."""
    from html import unescape

    manager = member_of(adults_board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    board_form = unescape(client_for(manager).get(_edit_url(adults_board)).content.decode())
    admin = member_of(default_partnership(), permissions.ADMINISTRATORS, "administrator")
    admin.is_superuser = True
    admin.save()
    site_form = unescape(
        client_for(admin)
        .get("/admin/settings/learning/trackersettings/", follow=True)
        .content.decode()
    )
    for form in (board_form, site_form):
        assert "or a Section 11 return is submitted with a gap" in form
