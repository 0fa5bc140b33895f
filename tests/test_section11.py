"""Section 11: audit cycles, agencies' returns carried forward, locking, gaps becoming actions,
the challenge panel and the heatmap."""

import datetime

import pytest
from django.urls import reverse

from learning import section11 as services
from learning.models import (
    SECTION11_STANDARDS,
    AgencyAction,
    AuditCycle,
    ChallengeNote,
    Section11Return,
    StandardAnswer,
)

from .conftest import client_for

pytestmark = pytest.mark.django_db

MET, PARTLY_MET, NOT_MET = "met", "partly_met", "not_met"


@pytest.fixture
def cycle():
    return services.open_cycle(
        "Section 11 audit 2026", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    )


def _return_url(cycle, agency):
    return reverse("learning:section11_return", args=[cycle.pk, agency.slug])


def _post_answers(client, cycle, agency, ratings, action="save", version=None, narrative=""):
    """Post the return form as a browser would, with one rating per standard in order."""
    section11_return = Section11Return.objects.get(cycle=cycle, agency=agency)
    answers = list(section11_return.answers.order_by("standard__sort_order"))
    data = {
        "action": action,
        "version": section11_return.version if version is None else version,
        "form-TOTAL_FORMS": len(answers),
        "form-INITIAL_FORMS": len(answers),
    }
    for index, (answer, rating) in enumerate(zip(answers, ratings, strict=True)):
        data[f"form-{index}-id"] = answer.pk
        data[f"form-{index}-rating"] = rating
        data[f"form-{index}-narrative"] = (
            narrative or f"Narrative for standard {answer.standard.number}"
        )
        data[f"form-{index}-evidence"] = "Safeguarding policy 2026; training records"
    return client.post(_return_url(cycle, agency), data, follow=True)


def test_business_unit_opens_a_cycle_seeded_with_the_ten_standards(business_unit):
    response = client_for(business_unit).post(
        reverse("learning:section11_index"),
        {"name": "Section 11 audit 2026", "opens_on": "2026-04-01", "closes_on": "2027-03-31"},
        follow=True,
    )
    cycle = AuditCycle.objects.get()
    assert [(s.number, s.title) for s in cycle.standards.all()] == SECTION11_STANDARDS
    assert "Section 11 audit 2026 is open" in response.content.decode()


def test_a_cycle_that_closes_before_it_opens_is_refused_and_nothing_is_created(business_unit):
    response = client_for(business_unit).post(
        reverse("learning:section11_index"),
        {"name": "Backwards", "opens_on": "2026-04-01", "closes_on": "2026-03-01"},
    )
    assert "must close on or after the day it opens" in response.content.decode()
    assert not AuditCycle.objects.exists()


@pytest.mark.parametrize("role", ["police_lead", "scrutineer"])
def test_only_the_business_unit_opens_cycles(request, role):
    response = client_for(request.getfixturevalue(role)).post(
        reverse("learning:section11_index"),
        {"name": "Not mine", "opens_on": "2026-04-01", "closes_on": "2027-03-31"},
    )
    assert response.status_code == 403
    assert not AuditCycle.objects.exists()


def _standards_as_opened(client, url):
    """The standards form as a browser posts it: each standard as the page showed it."""
    formset = client.get(url).context["formset"]
    data = {"form-TOTAL_FORMS": 11, "form-INITIAL_FORMS": 10}
    for index, form in enumerate(formset.forms[:10]):
        standard = form.instance
        data.update(
            {
                f"form-{index}-id": standard.pk,
                f"form-{index}-number": standard.number,
                f"form-{index}-title": standard.title,
                f"form-{index}-description": "",
                f"form-{index}-sort_order": standard.sort_order,
                f"form-{index}-edited_from": form["edited_from"].value(),
            }
        )
    return data


def test_business_unit_edits_and_adds_standards(business_unit, cycle):
    client = client_for(business_unit)
    url = reverse("learning:section11_standards", args=[cycle.pk])
    data = _standards_as_opened(client, url)
    data["form-1-title"] = "A senior board-level lead for safeguarding"
    data.update(
        {
            "form-10-number": "11",
            "form-10-title": "Listening to young people on the challenge panel",
            "form-10-description": "",
            "form-10-sort_order": 11,
        }
    )
    client.post(url, data)
    titles = list(cycle.standards.values_list("title", flat=True))
    assert titles[1] == "A senior board-level lead for safeguarding"
    assert titles[-1] == "Listening to young people on the challenge panel"

    data = _standards_as_opened(client, url)
    data.update({"form-TOTAL_FORMS": 11, "form-10-number": "2", "form-10-title": "Again"})
    response = client.post(url, data)
    assert "used more than once: 2" in response.content.decode()
    assert cycle.standards.count() == 11


def test_business_unit_saving_standards_someone_saved_since_they_opened_them_is_told_and_the_first_save_stands(  # noqa: E501
    business_unit, cycle
):
    url = reverse("learning:section11_standards", args=[cycle.pk])
    first, second = client_for(business_unit), client_for(business_unit)
    first_form = _standards_as_opened(first, url)
    second_form = _standards_as_opened(second, url)
    for form in (first_form, second_form):
        form["form-TOTAL_FORMS"] = 10
    first_form["form-1-title"] = "A senior board-level lead for safeguarding"
    second_form["form-1-title"] = "Named lead for safeguarding"

    assert first.post(url, first_form).status_code == 302
    refused = second.post(url, second_form)

    page = refused.content.decode()
    assert "Someone else saved this standard while you were editing it" in page
    assert "nothing was saved" in page
    assert cycle.standards.get(number="2").title == "A senior board-level lead for safeguarding"


def test_agency_lead_starts_a_return_carried_forward_from_last_cycle(police_lead, police):
    earlier = services.open_cycle(
        "Section 11 audit 2024", datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)
    )
    old = services.start_return(police, earlier)
    old.answers.filter(standard__number="4").update(
        rating=PARTLY_MET, narrative="Whistleblowing policy under review"
    )
    cycle = services.open_cycle(
        "Section 11 audit 2026", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    )

    client = client_for(police_lead)
    response = client.post(_return_url(cycle, police), {"action": "start"}, follow=True)
    assert "Return started from last cycle" in response.content.decode()
    answer = StandardAnswer.objects.get(section11_return__cycle=cycle, standard__number="4")
    assert (answer.rating, answer.narrative) == (PARTLY_MET, "Whistleblowing policy under review")
    assert StandardAnswer.objects.filter(section11_return__cycle=cycle).count() == 10


def test_saving_moves_the_version_and_a_stale_save_is_refused(
    police_lead, business_unit, police, cycle
):
    services.start_return(police, cycle)
    lead, manager = client_for(police_lead), client_for(business_unit)
    version = Section11Return.objects.get().version

    _post_answers(manager, cycle, police, [MET] * 10, version=version, narrative="First editor")
    response = _post_answers(
        lead, cycle, police, [NOT_MET] * 10, version=version, narrative="Second"
    )

    assert "Someone else saved this return" in response.content.decode()
    assert set(StandardAnswer.objects.values_list("rating", flat=True)) == {MET}
    assert Section11Return.objects.get().version == version + 1


def test_submitting_turns_gaps_into_tracked_actions_and_locks_the_return(
    police_lead, police, cycle
):
    services.start_return(police, cycle)
    client = client_for(police_lead)
    ratings = [MET] * 8 + [PARTLY_MET, NOT_MET]
    response = _post_answers(client, cycle, police, ratings, action="submit")
    assert "2 gaps became tracked actions" in response.content.decode()

    section11_return = Section11Return.objects.get()
    assert section11_return.is_locked
    assert section11_return.submitted_by == police_lead
    gaps = AgencyAction.objects.filter(standard_answer__section11_return=section11_return)
    assert sorted(gaps.values_list("standard_answer__standard__number", flat=True)) == ["10", "9"]
    assert all(action.agency == police for action in gaps)
    assert all(action.updates.count() == 1 for action in gaps)
    # Tracked like review actions: in the lead's filtered list.
    listed = client.get(reverse("learning:tracker_list"), {"source": "section11"}).context["items"]
    assert {action.pk for action in listed} == set(gaps.values_list("pk", flat=True))

    refused = _post_answers(client, cycle, police, [NOT_MET] * 10)
    assert "is locked" in refused.content.decode()
    assert StandardAnswer.objects.filter(rating=NOT_MET).count() == 1


def test_a_return_with_unrated_standards_is_saved_but_not_submitted(police_lead, police, cycle):
    services.start_return(police, cycle)
    response = _post_answers(
        client_for(police_lead), cycle, police, [MET] * 9 + [""], action="submit"
    )
    assert "not yet rated: 10" in response.content.decode()
    assert not Section11Return.objects.get().is_locked
    assert StandardAnswer.objects.filter(rating=MET).count() == 9


def test_agency_lead_cannot_open_or_change_another_agencys_return(health_lead, police, cycle):
    services.start_return(police, cycle)
    client = client_for(health_lead)
    assert client.get(_return_url(cycle, police)).status_code == 403
    assert _post_answers(client, cycle, police, [NOT_MET] * 10).status_code == 403
    assert not StandardAnswer.objects.exclude(rating="").exists()


def test_scrutineer_records_challenge_notes_but_cannot_change_answers(scrutineer, police, cycle):
    section11_return = services.start_return(police, cycle)
    client = client_for(scrutineer)
    standard = cycle.standards.get(number="3")
    response = client.post(
        _return_url(cycle, police),
        {"action": "challenge", "standard": standard.pk, "note": "How do you hear from children?"},
        follow=True,
    )
    assert "How do you hear from children?" in response.content.decode()
    note = ChallengeNote.objects.get()
    assert (note.section11_return, note.standard, note.author) == (
        section11_return,
        standard,
        scrutineer,
    )

    assert _post_answers(client, cycle, police, [MET] * 10).status_code == 403
    assert not StandardAnswer.objects.exclude(rating="").exists()


def test_an_empty_challenge_note_is_refused(scrutineer, police, cycle):
    services.start_return(police, cycle)
    response = client_for(scrutineer).post(
        _return_url(cycle, police), {"action": "challenge", "note": ""}
    )
    assert "This field is required" in response.content.decode()
    assert not ChallengeNote.objects.exists()


def test_heatmap_shows_each_rating_as_text_and_colour_with_counts(
    scrutineer, police, health, cycle
):
    for agency, ratings in [(police, [MET] * 9 + [NOT_MET]), (health, [PARTLY_MET] + [MET] * 9)]:
        section11_return = services.start_return(agency, cycle)
        for answer, rating in zip(
            section11_return.answers.order_by("standard__sort_order"), ratings, strict=True
        ):
            answer.rating = rating
            answer.save()
    response = client_for(scrutineer).get(reverse("learning:section11_heatmap", args=[cycle.pk]))
    html = response.content.decode()
    assert '<td class="rating-not_met">Not met</td>' in html
    assert '<td class="rating-partly_met">Partly met</td>' in html
    per_standard = {
        item["standard"].number: item["counts"] for item in response.context["per_standard"]
    }
    assert per_standard["1"] == [1, 1, 0]
    assert per_standard["10"] == [1, 0, 1]
    assert dict(response.context["per_rating"]) == {"Met": 18, "Partly met": 1, "Not met": 1}


def test_agency_lead_cannot_see_the_heatmap_of_every_agency(police_lead, cycle):
    response = client_for(police_lead).get(reverse("learning:section11_heatmap", args=[cycle.pk]))
    assert response.status_code == 403


def test_business_unit_closes_a_cycle_and_its_returns_can_no_longer_change(
    police_lead, business_unit, police, cycle
):
    services.start_return(police, cycle)
    cycle_url = reverse("learning:section11_cycle", args=[cycle.pk])
    assert client_for(police_lead).post(cycle_url, {"open": "0"}).status_code == 403
    page = client_for(business_unit).post(cycle_url, {"open": "0"}, follow=True)
    assert "The cycle is now closed." in page.content.decode()

    response = _post_answers(client_for(police_lead), cycle, police, [MET] * 10)

    assert "cycle is closed" in response.content.decode()
    assert set(StandardAnswer.objects.values_list("rating", flat=True)) == {""}

    client_for(business_unit).post(cycle_url, {"open": "1"})
    _post_answers(client_for(police_lead), cycle, police, [MET] * 10)
    assert set(StandardAnswer.objects.values_list("rating", flat=True)) == {MET}


def _submitted(agency, cycle, lead, gaps):
    """The agency's return for `cycle`, every standard met except `gaps` (number: rating)."""
    section11_return = services.start_return(agency, cycle)
    for answer in section11_return.answers.select_related("standard"):
        answer.rating = gaps.get(answer.standard.number, MET)
        answer.save(update_fields=["rating"])
    services.submit_return(section11_return, lead, section11_return.version)
    return section11_return


def test_a_gap_still_open_from_last_cycle_carries_forward_instead_of_doubling(police_lead, police):
    earlier = services.open_cycle(
        "Section 11 audit 2024", datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)
    )
    _submitted(police, earlier, police_lead, {"4": PARTLY_MET, "7": NOT_MET})
    done = AgencyAction.objects.get(standard_answer__standard__number="7")
    AgencyAction.objects.filter(pk=done.pk).update(status=AgencyAction.Status.ASSURED)
    cycle = services.open_cycle(
        "Section 11 audit 2026", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    )
    services.start_return(police, cycle)

    response = _post_answers(
        client_for(police_lead),
        cycle,
        police,
        [MET] * 3 + [PARTLY_MET] + [MET] * 2 + [NOT_MET] + [MET] * 3,
        action="submit",
    )

    html = response.content.decode()
    assert (
        "1 gap became a tracked action. 1 open action from the last cycle carries forward." in html
    )
    # Standard 4 is the same action, now answering the new cycle; standard 7 was assured, so its
    # new gap is a new action.
    assert AgencyAction.objects.count() == 3
    carried = AgencyAction.objects.get(standard_answer__standard__number="4")
    assert carried.standard_answer.section11_return.cycle == cycle
    assert "Carried forward from the Section 11 audit 2024 return" in carried.updates.latest().note
    new_gaps = AgencyAction.objects.filter(standard_answer__section11_return__cycle=cycle)
    assert sorted(new_gaps.values_list("standard_answer__standard__number", flat=True)) == [
        "4",
        "7",
    ]
    agency_page = client_for(police_lead).get(f"/tracker/agencies/{police.slug}/")
    assert len(agency_page.context["section11_actions"]) == 3


def test_gap_actions_are_due_after_the_business_units_default(police_lead, police, cycle):
    from learning.models import TrackerSettings

    settings = TrackerSettings.load()
    settings.default_action_days = 45
    settings.save()
    today = datetime.date(2026, 5, 1)
    section11_return = services.start_return(police, cycle)
    section11_return.answers.update(rating=MET)
    section11_return.answers.filter(standard__number="2").update(rating=NOT_MET)

    [action] = services.submit_return(
        section11_return, police_lead, section11_return.version, today=today
    )

    assert action.original_due_date == today + datetime.timedelta(days=45)


def test_the_section11_list_shows_the_newest_cycle_first(business_unit):
    for year in (2023, 2025, 2024):
        services.open_cycle(
            f"Section 11 audit {year}", datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)
        )

    html = client_for(business_unit).get(reverse("learning:section11_index")).content.decode()

    positions = [html.index(f"Section 11 audit {year}") for year in (2025, 2024, 2023)]
    assert positions == sorted(positions)
