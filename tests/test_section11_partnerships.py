"""Section 11 per partnership: each partnership runs its own audit cycles; its people list, open
and count only those, and what carries forward from an earlier cycle stays within it."""

import datetime

import pytest
from django.urls import reverse

from learning import permissions
from learning import section11 as services
from learning.models import AgencyAction, AuditCycle, Partnership

from .conftest import client_for
from .factories import AgencyFactory, PartnershipFactory, default_partnership, member_of

pytestmark = pytest.mark.django_db

APRIL_2026 = datetime.date(2026, 4, 1)
MARCH_2027 = datetime.date(2027, 3, 31)


@pytest.fixture
def two_partnerships():
    childrens = default_partnership()
    board = PartnershipFactory(
        name="Kirklees Safeguarding Adults Board", framework=Partnership.Framework.ADULTS
    )
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police")
    childrens_cycle = services.open_cycle(
        "Section 11 audit 2026", APRIL_2026, MARCH_2027, partnership=childrens
    )
    board_cycle = services.open_cycle(
        "Section 11 audit 2026", APRIL_2026, MARCH_2027, partnership=board
    )
    police_return = services.start_return(police, childrens_cycle)
    answer = police_return.answers.first()
    services.save_answers(
        police_return,
        {
            answer.pk: {
                "rating": "partly_met",
                "narrative": "Inspector Vale signs off.",
                "evidence": "",
            }
        },
        police_return.version,
    )
    return {
        "childrens": childrens,
        "board": board,
        "police": police,
        "childrens_cycle": childrens_cycle,
        "board_cycle": board_cycle,
        "police_return": police_return,
        "childrens_lead": member_of(childrens, permissions.AGENCY_LEADS, "police-lead", [police]),
        "board_lead": member_of(board, permissions.AGENCY_LEADS, "sab-police-lead", [police]),
        "board_officer": member_of(board, permissions.BUSINESS_UNIT, "sab-business-unit"),
        "board_chair": member_of(board, permissions.SCRUTINEERS, "sab-independent-chair"),
    }


def _urls(cycle, agency):
    return {
        "cycle": reverse("learning:section11_cycle", args=[cycle.pk]),
        "return": reverse("learning:section11_return", args=[cycle.pk, agency.slug]),
        "heatmap": reverse("learning:section11_heatmap", args=[cycle.pk]),
        "standards": reverse("learning:section11_standards", args=[cycle.pk]),
    }


@pytest.mark.parametrize("person", ["board_lead", "board_officer", "board_chair"])
def test_a_boards_people_cannot_list_open_or_count_the_childrens_cycle_or_its_returns(
    two_partnerships, person
):
    world = two_partnerships
    client = client_for(world[person])
    childrens = _urls(world["childrens_cycle"], world["police"])
    board = _urls(world["board_cycle"], world["police"])

    index = client.get(reverse("learning:section11_index"))
    assert index.status_code == 200
    assert [cycle.pk for cycle in index.context["cycles"]] == [world["board_cycle"].pk]
    html = index.content.decode()
    assert childrens["cycle"] not in html
    assert board["cycle"] in html

    for name, url in childrens.items():
        # Not found, or refused before the cycle is looked up (the standards are the business
        # unit's): never shown.
        assert client.get(url).status_code in (403, 404), name
    for action in ("start", "save", "challenge", "answer"):
        refused = client.post(childrens["return"], {"action": action, "note": "Why?"})
        assert refused.status_code == 404, action
    assert client.get(board["cycle"]).status_code == 200
    agency_page = client.get(reverse("learning:agency_detail", args=[world["police"].slug]))
    assert "Inspector Vale" not in agency_page.content.decode()
    assert world["police_return"].challenge_notes.count() == 0


def test_the_childrens_lead_and_business_unit_open_their_own_cycle_and_return(two_partnerships):
    world = two_partnerships
    childrens = _urls(world["childrens_cycle"], world["police"])
    lead = client_for(world["childrens_lead"])
    assert "Inspector Vale" in lead.get(childrens["return"]).content.decode()
    assert (
        lead.get(reverse("learning:section11_cycle", args=[world["board_cycle"].pk])).status_code
        == 404
    )
    officer = client_for(member_of(world["childrens"], permissions.BUSINESS_UNIT, "business-unit"))
    listed = officer.get(reverse("learning:section11_index")).context["cycles"]
    assert [cycle.pk for cycle in listed] == [world["childrens_cycle"].pk]
    assert listed[0].return_count == 1
    assert officer.get(childrens["heatmap"]).status_code == 200


def test_the_boards_lead_for_the_same_agency_is_not_told_of_the_childrens_challenge(
    two_partnerships, committed, mailoutbox
):
    world = two_partnerships
    with committed():
        services.add_challenge_note(
            world["police_return"], world["board_officer"], "What shows staff know the policy?"
        )
    assert [message.to for message in mailoutbox] == [[world["childrens_lead"].email]]


def test_an_officer_of_two_business_units_chooses_the_cycles_partnership_childrens_first(
    two_partnerships,
):
    world = two_partnerships
    officer = member_of(world["board"], permissions.BUSINESS_UNIT, "joint-business-unit")
    member_of_both = (
        world["childrens"].memberships.create(user=officer, role=permissions.BUSINESS_UNIT).user
    )
    client = client_for(member_of_both)
    form = client.get(reverse("learning:section11_index")).context["form"]
    assert list(form.fields["partnership"].queryset) == [world["childrens"], world["board"]]

    client.post(
        reverse("learning:section11_index"),
        {
            "name": "Section 11 audit 2027",
            "opens_on": "2027-04-01",
            "closes_on": "2028-03-31",
            "partnership": world["board"].pk,
        },
    )
    assert AuditCycle.objects.get(name="Section 11 audit 2027").partnership == world["board"]


def test_a_boards_officer_cannot_open_a_cycle_in_the_childrens_partnership(two_partnerships):
    world = two_partnerships
    response = client_for(world["board_officer"]).post(
        reverse("learning:section11_index"),
        {
            "name": "Section 11 audit 2027",
            "opens_on": "2027-04-01",
            "closes_on": "2028-03-31",
            "partnership": world["childrens"].pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not AuditCycle.objects.filter(name="Section 11 audit 2027").exists()


def test_the_same_cycle_name_twice_in_one_partnership_is_refused_clearly(two_partnerships):
    world = two_partnerships
    response = client_for(world["board_officer"]).post(
        reverse("learning:section11_index"),
        {"name": "Section 11 audit 2026", "opens_on": "2026-04-01", "closes_on": "2027-03-31"},
    )
    assert "This partnership already has an audit cycle of that name." in response.content.decode()
    assert AuditCycle.objects.filter(partnership=world["board"]).count() == 1


def _submit_with_a_gap(agency, cycle, by, narrative):
    section11_return = services.start_return(agency, cycle)
    section11_return.answers.update(rating="met", narrative=narrative)
    section11_return.answers.filter(standard__number="5").update(rating="not_met")
    section11_return.refresh_from_db()
    return services.submit_return(section11_return, by, section11_return.version)


def test_what_an_agency_told_one_partnership_does_not_carry_into_its_return_to_another(
    two_partnerships,
):
    world = two_partnerships
    police, board = world["police"], world["board"]
    earlier = services.open_cycle(
        "Section 11 audit 2024",
        datetime.date(2024, 4, 1),
        datetime.date(2025, 3, 31),
        partnership=world["childrens"],
    )
    [childrens_gap] = _submit_with_a_gap(
        police, earlier, world["childrens_lead"], "What we told the children's partnership."
    )

    board_return = services.start_return(police, world["board_cycle"])
    assert board_return.carried_forward_from is None
    assert set(board_return.answers.values_list("narrative", flat=True)) == {""}

    [board_gap] = _submit_with_a_gap(
        police, world["board_cycle"], world["board_lead"], "What we tell the board."
    )
    assert board_gap.pk != childrens_gap.pk
    childrens_gap.refresh_from_db()
    assert childrens_gap.standard_answer.section11_return.cycle == earlier
    assert set(AgencyAction.objects.in_partnerships([board.pk]).values_list("pk", flat=True)) == {
        board_gap.pk
    }


def test_within_one_partnership_last_cycles_answers_and_open_gaps_still_carry_forward(
    two_partnerships,
):
    world = two_partnerships
    police, board = world["police"], world["board"]
    earlier = services.open_cycle(
        "Section 11 audit 2024",
        datetime.date(2024, 4, 1),
        datetime.date(2025, 3, 31),
        partnership=board,
    )
    [gap] = _submit_with_a_gap(police, earlier, world["board_lead"], "What we told the board.")

    board_return = services.start_return(police, world["board_cycle"])
    assert board_return.carried_forward_from.cycle == earlier
    assert "What we told the board." in set(
        board_return.answers.values_list("narrative", flat=True)
    )
    assert _submit_with_a_gap(police, world["board_cycle"], world["board_lead"], "Again.") == []
    gap.refresh_from_db()
    assert gap.standard_answer.section11_return.cycle == world["board_cycle"]
