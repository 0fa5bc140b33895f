"""What was said before is called *the same* only when it is: each result carries a verdict and
a score that means the same in every list, a text the library does not raise gets nothing, the
report's groups are each the same finding throughout, and machine suggestions stay with those
who weigh them."""

import socket
from io import BytesIO

import numpy as np
import pytest
from django.test import override_settings

from learning.models.recurrence import record_recurrence
from search.models import RecurrenceBacklog, RecurrenceNeighbour
from tests.conftest import client_for

from .conftest import make_review

pytestmark = pytest.mark.django_db

FATHERS_2009 = (
    "Health visitors must ask about and record every adult male living in the household or "
    "visiting regularly, including a mother's new partner, and check any history of violence."
)
FATHERS_2017 = (
    "Fathers and other men in the baby's life were invisible to professionals. Health visitors "
    "should ask who lives in or visits the household, including the mother's new partner, and "
    "check his history of violence."
)
DISCLOSURE = (
    "Teachers should write down a pupil's own words when they disclose abuse and tell the "
    "designated safeguarding lead the same day."
)
# Says both of the others in one sentence: the same as each, so it must not chain them.
BOTH = (
    "Health visitors must record every adult male living in the household, including a mother's "
    "new partner; teachers should write down a pupil's own words when they disclose abuse and "
    "tell the designated safeguarding lead."
)
OTHERS = [
    "The partnership should relaunch the escalation policy for professional disagreements.",
    "Children's social care should complete return home interviews within 72 hours.",
    "GP practices should link the records of children and their parents.",
]


def review_with(title, year, texts):
    return make_review(
        title,
        year=year,
        recommendations=[(str(n + 1), text, [], [], []) for n, text in enumerate(texts)],
    )


@pytest.fixture
def library(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        earlier = review_with("Serious case review: Baby H", 2009, [FATHERS_2009, OTHERS[0]])
        review_with("Serious case review: Child D", 2012, OTHERS[1:])
        later = review_with("Serious case review: Baby F", 2017, [FATHERS_2017])
    return earlier.recommendations.get(number="1"), later.recommendations.get()


def similar_text(user, text):
    response = client_for(user).get("/api/learning/similar/", {"text": text})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_text_the_library_does_not_raise_gets_no_result(library, practitioner):
    smoke_alarms = (
        "The fire and rescue service should fit smoke alarms in the homes of families with babies."
    )
    assert similar_text(practitioner, smoke_alarms) == []


def test_the_same_finding_reworded_is_called_the_same_with_a_high_score(library, practitioner):
    said_2009, said_2017 = library
    results = similar_text(practitioner, FATHERS_2017)
    by_id = {r["id"]: r for r in results}
    assert by_id[said_2017.pk]["verdict"] == "same" and by_id[said_2017.pk]["score"] > 0.99
    assert by_id[said_2009.pk]["verdict"] == "same" and by_id[said_2009.pk]["score"] > 0.9
    # Nothing else in the library says it, so nothing else is offered.
    assert set(by_id) == {said_2009.pk, said_2017.pk}
    # A score is the pair's, whichever text asks.
    back = {r["id"]: r for r in similar_text(practitioner, FATHERS_2009)}
    assert back[said_2017.pk]["score"] == pytest.approx(by_id[said_2009.pk]["score"], rel=1e-4)


def test_a_practitioner_sees_no_unconfirmed_suggestion_on_a_review_page(
    library, practitioner, police_lead, business_unit
):
    said_2009, said_2017 = library
    page = client_for(practitioner).get(said_2017.review.url).content.decode()
    assert 'class="recurrence"' not in page and "Said before" not in page
    response = client_for(practitioner).get(
        f"/api/learning/recommendations/{said_2017.pk}/similar/"
    )
    assert response.json()["results"] == []

    lead_page = client_for(police_lead).get(said_2017.review.url).content.decode()
    said_before = lead_page.split('<div class="recurrence">')[1].split("</div>")[0]
    assert "Suggested: likely the same finding" in said_before
    assert "Serious case review: Baby H" in said_before

    record_recurrence(said_2009, said_2017, business_unit)
    page = client_for(practitioner).get(said_2017.review.url).content.decode()
    said_before = page.split('<div class="recurrence">')[1].split("</div>")[0]
    assert "Said before" in said_before and "Serious case review: Baby H" in said_before
    assert "Suggested" not in said_before


def test_the_recurrence_report_groups_only_what_is_the_same_throughout(
    scrutineer, business_unit, django_capture_on_commit_callbacks
):
    from search.recurrence_report import build_report

    with django_capture_on_commit_callbacks(execute=True):
        fathers = review_with("Review A", 2015, [FATHERS_2009]).recommendations.get()
        both = review_with("Review B", 2017, [BOTH]).recommendations.get()
        disclosure = review_with("Review C", 2019, [DISCLOSURE]).recommendations.get()
        review_with("Review D", 2020, OTHERS)
    # The one in the middle is the same as each of the others, which are not the same.
    assert RecurrenceNeighbour.objects.filter(recommendation_id=both.pk).count() >= 2

    groups = [{m.id for m in g.members} for g in build_report(scrutineer).groups]
    assert groups, "the middle one and one of the others make a group"
    assert not any({fathers.pk, disclosure.pk} <= group for group in groups)
    page = client_for(scrutineer).get("/tracker/recurrence/").content.decode()
    assert "Suggested from the wording: not yet confirmed by the business unit." in page

    # A link the business unit confirmed always counts.
    record_recurrence(fathers, disclosure, business_unit)
    groups = build_report(scrutineer).groups
    assert any({fathers.pk, disclosure.pk} <= {m.id for m in g.members} for g in groups)


def test_publishing_leaves_the_similar_recommendations_to_the_catch_up_after_the_response(
    db, police_lead, django_capture_on_commit_callbacks
):
    from config import catch_up

    with override_settings(RECURRENCE_AFTER_RESPONSE=True, CATCH_UP_IN_PROCESS_SECONDS=600):
        with django_capture_on_commit_callbacks(execute=True):
            earlier = review_with("Serious case review: Baby H", 2009, [FATHERS_2009])
            later = review_with("Serious case review: Baby F", 2017, [FATHERS_2017])
        said_2017 = later.recommendations.get()
        # Published, and owed: nothing was computed while the publisher waited.
        assert not RecurrenceNeighbour.objects.exists()
        assert RecurrenceBacklog.objects.filter(recommendation_id=said_2017.pk).exists()
        assert catch_up.owed.is_set()

        catch_up.catch_up()  # what the background thread runs after the response

    assert not RecurrenceBacklog.objects.exists()
    results = client_for(police_lead).get(f"/api/learning/recommendations/{said_2017.pk}/similar/")
    assert [r["id"] for r in results.json()["results"]] == [earlier.recommendations.get().pk]


def test_the_meaning_model_is_read_from_the_installed_package_without_the_network(monkeypatch):
    from search import embedding

    def no_network(*args, **kwargs):
        raise AssertionError("the meaning model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    embedding.model.cache_clear()
    vectors = embedding.vectors([FATHERS_2009, FATHERS_2017, DISCLOSURE])
    assert vectors.shape == (3, 256)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_judging_all_the_labelled_pairs_at_once_scores_each_as_judging_it_alone():
    """The rebuild and a publication judge thousands of pairs in one pass; each pair's score and
    verdict are those it gets when judged on its own (a text of no meaningful word included)."""
    import numpy as np

    from search import verdict
    from search.recurrence_evaluation import LabelledSet

    labelled = LabelledSet.load()
    ids = [item["id"] for item in labelled.items]
    position = {pk: n for n, pk in enumerate(ids)}
    prepared = verdict.prepare([item["text"] for item in labelled.items] + ["It is to be."])
    pairs = [(position[a], position[b]) for a, b, _, _ in labelled.pairs] + [(0, len(ids))]
    model = verdict.model()

    together = model.pair_scores(
        model.library(prepared), [a for a, _ in pairs], [b for _, b in pairs]
    )
    alone = np.array([model.score(prepared[a], prepared[b]) for a, b in pairs])

    assert len(together) == len(labelled.pairs) + 1 and not np.isnan(alone).any()
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-12)
    assert [model.verdict(s) for s in together] == [model.verdict(s) for s in alone]
    assert {model.verdict(s) for s in alone} == {verdict.SAME, verdict.RELATED, None}


def test_the_verdict_never_learns_from_a_held_out_pair_or_a_held_out_wording():
    """The figures reported on held-out pairs are of pairs the verdict never learned from: no
    held-out judged pair (some are between two development findings, and search brings them as
    candidates) and no wording of a held-out finding is among its training pairs."""
    from search import similarity
    from search.recurrence_evaluation import (
        LabelledSet,
        development_training_pairs,
        held_out_findings,
        held_out_pairs,
    )

    labelled = LabelledSet.load()
    finding = {item["id"]: item["finding"] for item in labelled.items}
    held = held_out_findings(labelled)
    development = [item["id"] for item in labelled.items if item["finding"] not in held]
    texts = {item["id"]: item["text"] for item in labelled.items}
    method = similarity.Bm25Method().fit([texts[i] for i in development])

    pairs = development_training_pairs(labelled, method, development)
    learned = {frozenset((p.a, p.b)) for p in pairs}

    assert held and len(pairs) > len([p for p in labelled.pairs if p[3] == "development"])
    assert not any(finding[p.a] in held or finding[p.b] in held for p in pairs)
    assert not learned & held_out_pairs(labelled)
    # Without the rule, search would have brought some of those held-out pairs to learn from.
    brought = {
        frozenset((item_id, development[other]))
        for position, item_id in enumerate(development)
        for other in np.argsort(-method.row_scores(position), kind="stable")[:20]
    }
    assert brought & held_out_pairs(labelled)


def test_each_development_pair_is_scored_by_a_model_that_never_saw_its_findings():
    """The *same* threshold is chosen on out-of-fold scores: a pair's score comes from a model
    learned without any pair that touches either of its findings."""
    from search.recurrence_evaluation import out_of_fold_scores

    names = [f"F{n:02d}" for n in range(12)]
    findings_a = [names[n % 12] for n in range(60)]
    findings_b = [names[(n * 7 + 3) % 12] for n in range(60)]
    features = np.arange(60, dtype=float)[:, None]
    labels = np.array([a == b for a, b in zip(findings_a, findings_b, strict=True)], dtype=int)

    class Learned:
        def __init__(self, rows):
            self.seen = {findings_a[r] for r in rows} | {findings_b[r] for r in rows}

        def probability(self, x):
            rows = x[:, 0].astype(int)
            assert not any(findings_a[r] in self.seen or findings_b[r] in self.seen for r in rows)
            return np.full(len(rows), 0.5)

    scores = out_of_fold_scores(
        features, labels, findings_a, findings_b, lambda x, y: Learned(x[:, 0].astype(int))
    )

    assert (scores == 0.5).all()


def test_the_scrutineer_reads_a_large_reports_groups_a_page_at_a_time(
    scrutineer, business_unit, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils.html import escape
    from openpyxl import load_workbook

    from search import recurrence_views

    with django_capture_on_commit_callbacks(execute=True):
        earlier = review_with("Review of 2012", 2012, OTHERS).recommendations.order_by("number")
        later = review_with("Review of 2019", 2019, OTHERS).recommendations.order_by("number")
    for said, said_again in zip(earlier, later, strict=True):
        record_recurrence(said, said_again, business_unit)
    monkeypatch.setattr(recurrence_views, "GROUPS_PER_PAGE", 2)

    client = client_for(scrutineer)
    first = client.get("/tracker/recurrence/").content.decode()
    second = client.get("/tracker/recurrence/", {"page": "2"}).content.decode()
    assert (
        "3 groups of recommendations confirmed by the business unit as saying the same thing, "
        "and 0 suggested from the wording"
    ) in first
    assert "Groups 1 to 2 of 3" in first and "Groups 3 to 3 of 3" in second
    assert first.count('class="recurrence-group"') == 2
    assert second.count('class="recurrence-group"') == 1
    assert 'id="group-3"' in second and 'rel="prev"' in second
    # Each group is on one page only.
    assert all((escape(text) in first) != (escape(text) in second) for text in OTHERS)

    export = client.get("/tracker/recurrence/export.xlsx")
    sheet = load_workbook(BytesIO(export.content))["Groups"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {1, 2, 3}


def test_the_web_process_collects_its_garbage_again_once_the_report_is_built(scrutineer):
    # The report holds off Python's cycle collector while it builds (a large library makes a
    # hundred thousand members); the process serving the next request must have it back.
    import gc

    assert gc.isenabled()
    assert client_for(scrutineer).get("/tracker/recurrence/").status_code == 200
    assert gc.isenabled()


def test_a_same_threshold_is_not_trusted_on_a_handful_of_right_verdicts():
    """The *same* threshold asks 0.9 at the lower end of the Wilson interval: five right out of
    five is not enough to call anything the same, sixty right out of sixty-two is."""
    from search.verdict import same_threshold, wilson_lower

    few = np.array([0.99, 0.98, 0.97, 0.96, 0.95, 0.5, 0.4, 0.3])
    few_labels = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    assert same_threshold(few, few_labels, 0.9) == 1.0

    many = np.linspace(1.0, 0.0, 200)
    many_labels = np.zeros(200, dtype=int)
    many_labels[:62] = 1
    many_labels[[10, 40]] = 0  # two wrong among the first 62
    threshold = same_threshold(many, many_labels, 0.9)
    said = many >= threshold
    assert said.sum() >= 62
    assert wilson_lower(many_labels[said].sum(), said.sum()) >= 0.9
    # Counted over five shuffles that each scored every pair, the counts are those of one.
    assert same_threshold(np.tile(few, 5), np.tile(few_labels, 5), 0.9, repeats=5) == 1.0
    # The candidates' measured precision must hold at the threshold too: with two wrong ones
    # at 0.70 and 0.69 among ten, it cannot go down to 0.69.
    longer = np.linspace(1.0, 0.0, 400)
    longer_labels = (np.arange(400) < 200).astype(int)
    longer_labels[[10, 50, 90, 150]] = 0
    candidates = np.array([0.95] * 9 + [0.70, 0.69])
    candidate_labels = np.array([1] * 9 + [0, 0])
    alone = same_threshold(longer, longer_labels, 0.9)
    both = same_threshold(longer, longer_labels, 0.9, measured=[(candidates, candidate_labels)])
    assert alone < 0.69 < both <= 0.70


def test_the_police_telling_schools_and_the_police_telling_health_visitors_name_other_agencies():
    from search.verdict import agencies_of

    schools = "Police should notify schools the next morning when children were present."
    health_visitors = "The police should share domestic abuse notifications with health visitors."
    assert agencies_of(schools) == {"police", "school"}
    assert agencies_of(health_visitors) == {"police", "health visiting"}
    assert agencies_of("The GP and the IRO should meet.") == {
        "general practice",
        "reviewing officers",
    }
    # An acronym is read in capitals only: "gp" inside another word is not a GP.
    assert agencies_of("Staff should use the gps tracker policy.") == frozenset()


def test_each_labelled_finding_sits_in_one_split():
    """A held-out finding's wordings are never judged among the development pairs, so the
    held-out figures are of findings the verdict never learned."""
    from search.recurrence_evaluation import LabelledSet, held_out_findings

    labelled = LabelledSet.load()
    finding = {item["id"]: item["finding"] for item in labelled.items}
    held = held_out_findings(labelled)
    development_pairs = [(a, b) for a, b, _, split in labelled.pairs if split == "development"]
    assert not any(finding[a] in held or finding[b] in held for a, b in development_pairs)
    held_same = [p for p in labelled.pairs if p[3] == "held_out" and p[2] == "same"]
    assert len(held_same) >= 60
