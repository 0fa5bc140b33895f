"""Have we said this before? Earlier recommendations that say the same thing are suggested,
linked with who and when, and never shown to someone who may not open them."""

import datetime
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from learning.models import AgencyAction, RecurrenceLink
from learning.models.recurrence import record_recurrence
from learning.permissions import Visibility
from search.models import RecurrenceNeighbour
from tests.conftest import client_for
from tests.factories import AssuranceFactory, ThemeFactory, UserFactory

from .conftest import make_review

pytestmark = pytest.mark.django_db

# The same finding, worded as a 2009 serious case review and a 2017 one would word it.
SAID_IN_2009 = (
    "Health visitors must ask about and record every adult male living in the household or "
    "visiting regularly, including a mother's new partner, and check any history of violence."
)
SAID_IN_2017 = (
    "Fathers and other men in the baby's life were invisible to professionals. Health visitors "
    "should ask who lives in or visits the household, including the mother's new partner, and "
    "check his history of violence."
)
OTHER_FINDINGS = [
    "Schools should record the child's own words when a disclosure is made.",
    "The partnership should relaunch the escalation policy for professional disagreements.",
    "Children's social care should complete return home interviews within 72 hours.",
    "Adult mental health services should ask patients whether they care for children.",
    "GP practices should link the records of children and their parents.",
]


def review_with(title, year, texts, visibility=Visibility.PUBLIC, statuses=()):
    return make_review(
        title,
        year=year,
        visibility=visibility,
        recommendations=[(str(n + 1), text, [], [], []) for n, text in enumerate(texts)],
    )


def similar(client, recommendation, **params):
    response = client.get(f"/api/learning/recommendations/{recommendation.pk}/similar/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def two_reviews(db, django_capture_on_commit_callbacks):
    # Recurrence is recomputed once each change commits, as the task queue runs it.
    with django_capture_on_commit_callbacks(execute=True):
        earlier = review_with(
            "Serious case review: Baby H", 2009, [SAID_IN_2009, OTHER_FINDINGS[0]]
        )
        review_with("Serious case review: Child D", 2012, OTHER_FINDINGS[1:3])
        review_with("Learning review: Child V", 2014, OTHER_FINDINGS[3:])
        later = review_with("Serious case review: Baby F", 2017, [SAID_IN_2017])
    return earlier.recommendations.get(number="1"), later.recommendations.get()


def test_the_same_finding_in_2009_and_2017_wording_is_suggested(two_reviews, police_lead):
    said_2009, said_2017 = two_reviews
    client = client_for(police_lead)

    results = similar(client, said_2017)
    assert results[0]["id"] == said_2009.pk
    assert results[0]["year"] == 2009
    assert results[0]["review"] == "Serious case review: Baby H"
    assert results[0]["linked"] is False
    assert results[0]["verdict"] == "same"
    assert results[0]["score"] > 0.9
    assert set(results[0]) == {
        "id",
        "review",
        "number",
        "text",
        "year",
        "themes",
        "score",
        "verdict",
        "url",
        "linked",
        "review_kind",
        "partnership",
    }
    assert results[0]["review_kind"] == "Local child safeguarding practice review"

    # And from the text alone, as while it is being written: itself, then the 2009 wording.
    response = client.get("/api/learning/similar/", {"text": SAID_IN_2017, "limit": 3})
    assert [r["id"] for r in response.json()["results"][:2]] == [said_2017.pk, said_2009.pk]


def test_a_new_recommendation_joins_its_earlier_neighbours_lists(
    two_reviews, django_capture_on_commit_callbacks
):
    said_2009, said_2017 = two_reviews
    assert RecurrenceNeighbour.objects.filter(
        recommendation_id=said_2009.pk, neighbour_id=said_2017.pk
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        said_2017.text = "The partnership should publish its annual report by September."
        said_2017.save()
    assert not RecurrenceNeighbour.objects.filter(
        recommendation_id=said_2009.pk, neighbour_id=said_2017.pk
    ).exists()


def test_a_full_rebuild_suggests_what_the_change_by_change_task_suggested(two_reviews, police_lead):
    said_2009, said_2017 = two_reviews
    client = client_for(police_lead)
    before = similar(client, said_2017)

    call_command("rebuild_recurrence")

    after = similar(client, said_2017)
    assert after[0]["id"] == said_2009.pk == before[0]["id"]
    # The verdict reads the two texts alone: one score for a pair, whichever of the two is looked
    # up and whichever path found it, on every database.
    back = next(r for r in similar(client, said_2009) if r["id"] == said_2017.pk)
    assert back["score"] == pytest.approx(after[0]["score"], rel=1e-4)
    assert after[0]["score"] == pytest.approx(before[0]["score"], rel=1e-4)


def test_a_restricted_recommendation_is_never_shown_to_a_practitioner(
    two_reviews, practitioner, business_unit, django_capture_on_commit_callbacks
):
    said_2009, said_2017 = two_reviews
    with django_capture_on_commit_callbacks(execute=True):
        rapid = review_with(
            "Rapid review: Baby Q", 2016, [SAID_IN_2009], visibility=Visibility.PARTNERSHIP
        )
    restricted = rapid.recommendations.get()
    # Both confirmed by the business unit, so a practitioner may see links from said_2017.
    for other in (said_2009, restricted):
        record_recurrence(said_2017, other, business_unit)

    seen_by_practitioner = {r["id"] for r in similar(client_for(practitioner), said_2017)}
    assert restricted.pk not in seen_by_practitioner
    assert said_2009.pk in seen_by_practitioner
    response = client_for(practitioner).get("/api/learning/similar/", {"text": SAID_IN_2009})
    assert restricted.pk not in {r["id"] for r in response.json()["results"]}
    # Nor can its own list be asked for.
    response = client_for(practitioner).get(
        f"/api/learning/recommendations/{restricted.pk}/similar/"
    )
    assert response.status_code == 404

    assert restricted.pk in {r["id"] for r in similar(client_for(business_unit), said_2017)}


def test_linking_is_recorded_and_shown_on_both_recommendations(two_reviews, business_unit):
    said_2009, said_2017 = two_reviews
    client = client_for(business_unit)

    response = client.post(
        f"/api/learning/recommendations/{said_2017.pk}/recurrence/",
        {"other": said_2009.pk, "decision": "link"},
        content_type="application/json",
    )
    assert response.status_code == 201
    link = RecurrenceLink.objects.get()
    assert (link.earlier, link.later, link.linked_by) == (said_2009, said_2017, business_unit)
    assert link.linked_at is not None

    first = similar(client, said_2017)[0]
    assert (first["id"], first["linked"]) == (said_2009.pk, True)
    assert similar(client, said_2009)[0]["id"] == said_2017.pk
    assert similar(client, said_2009)[0]["linked"] is True

    later_page = client.get(said_2017.review.url).content.decode()
    assert "Said before" in later_page and "Serious case review: Baby H" in later_page
    earlier_page = client.get(said_2009.review.url).content.decode()
    assert "Said again later" in earlier_page and "Serious case review: Baby F" in earlier_page


def test_a_dismissed_suggestion_is_not_suggested_again(two_reviews, business_unit):
    said_2009, said_2017 = two_reviews
    client = client_for(business_unit)
    response = client.post(
        f"/api/learning/recommendations/{said_2017.pk}/recurrence/",
        {"other": said_2009.pk, "decision": "dismiss", "next": said_2017.review.url},
    )
    assert response.status_code == 302
    assert said_2009.pk not in {r["id"] for r in similar(client, said_2017)}


def test_only_the_business_unit_links_recommendations(two_reviews, practitioner):
    said_2009, said_2017 = two_reviews
    response = client_for(practitioner).post(
        f"/api/learning/recommendations/{said_2017.pk}/recurrence/",
        {"other": said_2009.pk, "decision": "link"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not RecurrenceLink.objects.exists()


def test_a_bad_limit_or_empty_text_is_refused_with_a_message(practitioner):
    client = client_for(practitioner)
    response = client.get("/api/learning/similar/", {"text": "neglect", "limit": "all"})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]
    response = client.get("/api/learning/similar/", {"text": ""})
    assert response.status_code == 400


def test_a_finding_that_recurs_after_its_actions_were_assured_is_flagged(
    scrutineer, business_unit, police, django_capture_on_commit_callbacks
):
    fathers = ThemeFactory(name="Involvement of fathers", slug="fathers")
    with django_capture_on_commit_callbacks(execute=True):
        earlier = make_review(
            "Serious case review: Baby H",
            year=2012,
            recommendations=[
                ("4", SAID_IN_2009, [fathers], [police], [AgencyAction.Status.ASSURED])
            ],
        )
        review_with("Serious case review: Child D", 2014, OTHER_FINDINGS)
        later = make_review(
            "Serious case review: Baby F",
            year=2017,
            recommendations=[("2", SAID_IN_2017, [fathers], [police], [])],
        )
    action = earlier.recommendations.get().actions.get()
    AssuranceFactory(action=action, at=datetime.datetime(2013, 5, 1, tzinfo=datetime.UTC))

    page = client_for(scrutineer).get("/tracker/recurrence/")
    assert page.status_code == 200
    flagged = page.content.decode().split('id="after-assurance-heading"')[1].split("<h2")[0]
    assert "Serious case review: Baby F, 2017 (rec. 2)" in flagged
    assert "Serious case review: Baby H, 2012 (rec. 4)" in flagged
    assert "assured on 1 May 2013" in flagged
    # The wording suggests it; nobody has confirmed it yet, so the figure says so.
    assert "0 findings confirmed by the business unit came back" in flagged
    assert "1 more is suggested from the wording and not yet confirmed" in flagged
    assert "Suggested from the wording: not yet confirmed by the business unit." in flagged

    confirmed = client_for(business_unit).post(
        f"/api/learning/recommendations/{later.recommendations.get().pk}/recurrence/",
        {"other": earlier.recommendations.get().pk, "decision": "link"},
        content_type="application/json",
    )
    assert confirmed.status_code == 201
    page = client_for(scrutineer).get("/tracker/recurrence/")
    flagged = page.content.decode().split('id="after-assurance-heading"')[1].split("<h2")[0]
    assert "1 finding confirmed by the business unit came back after" in flagged
    assert "suggested from the wording" not in flagged.lower()
    assert "Confirmed by the business unit." in flagged

    # The matrix counts the theme in both financial years, each cell linking to its list.
    listed = client_for(scrutineer).get("/tracker/recurrence/", {"theme": "fathers", "fy": 2017})
    assert "Involvement of fathers, 2017/18: 1 recommendation" in listed.content.decode()

    export = client_for(scrutineer).get("/tracker/recurrence/export.xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        load_workbook(BytesIO(export.content))["Recurred after assurance"].iter_rows(
            values_only=True
        )
    )
    assert rows[0][-1] == "Confirmed"
    assert [row[-1] for row in rows[1:]] == ["confirmed"]


def test_the_recurrence_report_is_not_for_practitioners(practitioner):
    assert client_for(practitioner).get("/tracker/recurrence/").status_code == 403


def test_a_restricted_recommendation_is_in_no_group_for_a_reader_without_access(
    two_reviews, django_capture_on_commit_callbacks
):
    """The report's groups are built from what the reader may see: a recommendation of a
    partnership-only review joins a group only for partnership members."""
    from search.recurrence_report import build_report

    with django_capture_on_commit_callbacks(execute=True):
        review_with("Rapid review: Baby Q", 2016, [SAID_IN_2009], visibility=Visibility.PARTNERSHIP)
    reader = UserFactory(username="reader")  # signed in, no partnership role
    members = {m.review for g in build_report(reader).groups for m in g.members}
    assert "Rapid review: Baby Q" not in members
    assert {"Serious case review: Baby H", "Serious case review: Baby F"} <= members


@pytest.mark.elasticsearch
def test_on_elasticsearch_the_same_finding_is_found_by_its_own_similarity(
    two_reviews, practitioner, es_client, monkeypatch
):
    from search.engines import elasticsearch as es_engine
    from search.similarity import FullTextMoreLikeThis

    said_2009, said_2017 = two_reviews
    rapid = review_with(
        "Rapid review: Baby Q", 2016, [SAID_IN_2017], visibility=Visibility.PARTNERSHIP
    )
    es_engine.rebuild(es_client)

    def database_not_asked(*args, **kwargs):
        raise AssertionError("answered from the database")

    monkeypatch.setattr(FullTextMoreLikeThis, "top", database_not_asked)
    response = client_for(practitioner).get("/api/learning/similar/", {"text": SAID_IN_2017})
    ids = [r["id"] for r in response.json()["results"]]
    assert ids[:2] == [said_2017.pk, said_2009.pk]
    assert rapid.recommendations.get().pk not in ids


def test_a_theme_raised_year_after_year_is_persistent_and_a_new_one_emerging(scrutineer):
    from search.recurrence_report import build_report

    neglect = ThemeFactory(name="Neglect", slug="neglect")
    online = ThemeFactory(name="Online harm", slug="online-harm")
    for year in (2019, 2021, 2023):
        make_review(
            f"Review of {year}",
            year=year,
            month=6,
            recommendations=[("1", f"Neglect finding of {year}.", [neglect], [], [])],
        )
    make_review(
        "Review of 2023 online",
        year=2023,
        month=7,
        recommendations=[("1", "Apps and games finding.", [online], [], [])],
    )
    rows = {row.slug: row for row in build_report(scrutineer).matrix}
    assert rows["neglect"].persistent and not rows["neglect"].new
    assert rows["online-harm"].emerging and rows["online-harm"].new
    assert not rows["online-harm"].persistent
    assert [n for _, n, _ in rows["neglect"].cells] == [1, 0, 1, 0, 1]


def test_said_before_names_another_partnerships_review_where_it_was_said(
    practitioner, business_unit, django_capture_on_commit_callbacks
):
    from learning.models import Partnership
    from tests.factories import PartnershipFactory, review_index_of

    community_safety = PartnershipFactory(
        name="Kirklees Community Safety Partnership",
        framework=Partnership.Framework.COMMUNITY_SAFETY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        dhr = make_review(
            "Domestic homicide review: Adult P",
            year=2021,
            kind="dhr",
            parent=review_index_of(community_safety),
            recommendations=[("1", SAID_IN_2009, [], [], [])],
        )
        children = review_with("Serious case review: Baby F", 2023, [SAID_IN_2017])
    said_in_dhr, said_again = dhr.recommendations.get(), children.recommendations.get()
    record_recurrence(said_again, said_in_dhr, business_unit)

    client = client_for(practitioner)
    found = next(r for r in similar(client, said_again) if r["id"] == said_in_dhr.pk)
    assert found["partnership"] == "Kirklees Community Safety Partnership"
    assert found["review_kind"] == "Domestic homicide review"
    page = client.get(children.url).content.decode()
    assert "a 2021 domestic homicide review of Kirklees Community Safety Partnership" in page
    # On the DHR's own page, the children's review is named as the children's partnership's.
    own = client.get(dhr.url).content.decode()
    assert "of Kirklees Community Safety Partnership" not in own
    assert "Serious case review: Baby F" in own
    # The recurrence report shows the finding recurring across the two partnerships.
    report = client_for(business_unit).get("/tracker/recurrence/").content.decode()
    assert "2 recommendations</a> in 2 reviews of 2 partnerships, 2021, 2023" in report
    assert "Kirklees Community Safety Partnership" in report
