"""Agency leads hear of their new actions: each lead of exactly the actions they may see, in the
partnerships they lead for, once, whatever the size of the library and however often the pass
that catches up owed emails is interrupted."""

import re

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from learning import permissions, tasks
from learning.models import AgencyAction, PartnershipMembership, Recommendation

from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    PartnershipFactory,
    RecommendationFactory,
    ReviewPageFactory,
    default_partnership,
    member_of,
    review_index_of,
)

pytestmark = pytest.mark.django_db

ACTION_LINK = re.compile(r"/tracker/actions/(\d+)/")
# The whole owed pass over two partnerships' new actions, five leads and two agencies: the
# same however many actions there are (up to a batch of each agency's).
QUERIES = 61
# The next pass, with nothing owed: a question per lead and agency, none per action.
QUERIES_WHEN_NOTHING_IS_OWED = 23


@pytest.fixture
def childrens():
    return default_partnership()


@pytest.fixture
def adults_board():
    return PartnershipFactory(name="Safeguarding Adults Board")


@pytest.fixture
def police():
    return AgencyFactory(name="West Yorkshire Police", short_name="WYP")


@pytest.fixture
def health():
    return AgencyFactory(name="Locala Community Health", short_name="LCH")


@pytest.fixture
def leads(childrens, adults_board, police, health):
    """Who leads for what: a police lead of each partnership and one of both; the children's
    business unit officer, who also leads for health on the board; health's lead in the children's
    partnership; and a police lead with no email address, whom no email can reach."""
    both = member_of(childrens, permissions.AGENCY_LEADS, "police-lead-of-both", [police])
    PartnershipMembership.objects.create(
        user=both, partnership=adults_board, role=permissions.AGENCY_LEADS
    )
    officer = member_of(childrens, permissions.BUSINESS_UNIT, "childrens-officer", [health])
    PartnershipMembership.objects.create(
        user=officer, partnership=adults_board, role=permissions.AGENCY_LEADS
    )
    unreachable = member_of(childrens, permissions.AGENCY_LEADS, "no-email-lead", [police])
    unreachable.email = ""
    unreachable.save()
    return {
        "childrens-police": member_of(
            childrens, permissions.AGENCY_LEADS, "childrens-police-lead", [police]
        ),
        "board-police": member_of(
            adults_board, permissions.AGENCY_LEADS, "board-police-lead", [police]
        ),
        "both-police": both,
        "officer": officer,
        "childrens-health": member_of(
            childrens, permissions.AGENCY_LEADS, "childrens-health-lead", [health]
        ),
    }


def publish_actions(partnership, agencies, recommendations):
    """A review of `partnership` whose every recommendation goes to each of `agencies`, its
    actions stored as publishing stores them (today, not started)."""
    review = ReviewPageFactory(parent=review_index_of(partnership))
    rows = Recommendation.objects.bulk_create(
        RecommendationFactory.build(review=review, number=str(n), sort_order=n)
        for n in range(1, recommendations + 1)
    )
    return AgencyAction.objects.bulk_create(
        AgencyActionFactory.build(recommendation=recommendation, agency=agency)
        for recommendation in rows
        for agency in agencies
    )


def heard_of(user):
    """{action id: how many times} over every email this person received."""
    counts = {}
    for email in mail.outbox:
        if email.to == [user.email]:
            for pk in ACTION_LINK.findall(email.body):
                counts[int(pk)] = counts.get(int(pk), 0) + 1
    return counts


@pytest.fixture
def library(childrens, adults_board, police, health, request):
    """New actions in both partnerships, for the police and health, `request.param`
    recommendations to a review and two reviews in each."""
    per_review = getattr(request, "param", 60)
    made = {}
    for partnership in (childrens, adults_board):
        for _ in range(2):
            for action in publish_actions(partnership, [police, health], per_review):
                made.setdefault((partnership.slug, action.agency_id), set()).add(action.pk)
    return made


def expected(library, childrens, adults_board, police, health):
    def of(partnership, agency):
        return library[(partnership.slug, agency.pk)]

    return {
        "childrens-police": of(childrens, police),
        "board-police": of(adults_board, police),
        "both-police": of(childrens, police) | of(adults_board, police),
        # The children's whole tracker as its business unit; the board's health actions as a lead.
        "officer": of(childrens, health) | of(adults_board, health),
        "childrens-health": of(childrens, health),
    }


def assert_each_lead_heard_once_of_what_they_may_see(leads, wanted):
    for name, lead in leads.items():
        heard = heard_of(lead)
        assert set(heard) == wanted[name], name
        assert set(heard.values()) == {1}, f"{name} heard of an action twice"


@pytest.mark.parametrize("library", [10, 60], indirect=True, ids=["40 actions", "240 actions"])
def test_each_lead_hears_once_of_exactly_the_new_actions_they_may_see_in_a_fixed_number_of_queries(
    library,
    leads,
    childrens,
    adults_board,
    police,
    health,
    mailoutbox,
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(QUERIES):
        sent = tasks.send_owed_notifications()

    wanted = expected(library, childrens, adults_board, police, health)
    assert_each_lead_heard_once_of_what_they_may_see(leads, wanted)
    # One email to each lead for each agency they lead for; nobody else hears anything.
    assert sent == len(mailoutbox) == 5
    assert {email.to[0] for email in mailoutbox} == {lead.email for lead in leads.values()}
    police_email = next(m for m in mailoutbox if m.to == [leads["both-police"].email])
    assert police_email.subject == (
        f"New actions for West Yorkshire Police: {len(wanted['both-police'])} to respond to"
    )
    # Nothing is owed any more: the next pass sends nothing, and quickly finds so.
    with django_assert_max_num_queries(QUERIES_WHEN_NOTHING_IS_OWED):
        assert tasks.send_owed_notifications() == 0


def test_a_board_lead_never_hears_of_the_childrens_actions_for_the_same_agency(
    library, leads, childrens, police, mailoutbox, settings
):
    tasks.send_owed_notifications()
    childrens_police = library[(childrens.slug, police.pk)]
    assert not set(heard_of(leads["board-police"])) & childrens_police
    for email in mailoutbox:
        if email.to == [leads["board-police"].email]:
            for pk in ACTION_LINK.findall(email.body):
                action = AgencyAction.objects.get(pk=pk)
                assert permissions.can_see_action(leads["board-police"], action)
                assert f"{settings.WAGTAILADMIN_BASE_URL}{action.get_absolute_url()}" in email.body


def test_a_large_backlog_reaches_each_lead_in_emails_of_a_bounded_length(
    library, leads, childrens, adults_board, police, health, mailoutbox, monkeypatch
):
    monkeypatch.setattr(tasks, "ANNOUNCE_BATCH", 50)
    tasks.send_owed_notifications()

    assert_each_lead_heard_once_of_what_they_may_see(
        leads, expected(library, childrens, adults_board, police, health)
    )
    for email in mailoutbox:
        assert len(ACTION_LINK.findall(email.body)) <= 50
    assert tasks.send_owed_notifications() == 0


class MailServerFailingOnTheFifthEmail(EmailBackend):
    sent = 0

    def send_messages(self, messages):
        type(self).sent += 1
        if type(self).sent == 5:
            raise OSError("Connection refused")
        return super().send_messages(messages)


def test_an_interrupted_pass_resumes_and_no_lead_loses_or_hears_twice_of_an_action(
    library, leads, childrens, adults_board, police, health, mailoutbox, monkeypatch, settings
):
    monkeypatch.setattr(tasks, "ANNOUNCE_BATCH", 50)
    settings.EMAIL_BACKEND = f"{__name__}.MailServerFailingOnTheFifthEmail"
    with pytest.raises(OSError):
        tasks.send_owed_notifications()
    assert len(mailoutbox) == 4  # each email that left is recorded as it leaves

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.send_owed_notifications()

    assert_each_lead_heard_once_of_what_they_may_see(
        leads, expected(library, childrens, adults_board, police, health)
    )


def test_a_review_published_with_actions_tells_only_the_leads_of_its_own_partnership(
    leads, adults_board, police, health, mailoutbox
):
    actions = publish_actions(adults_board, [police, health], 3)
    tasks.notify_new_actions([action.pk for action in actions])

    told = {email.to[0] for email in mailoutbox}
    assert told == {
        leads["board-police"].email,
        leads["both-police"].email,
        leads["officer"].email,  # leads for health on the board
    }
