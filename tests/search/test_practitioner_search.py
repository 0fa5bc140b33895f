"""Search in practitioners' words on both engines: a search that finds nothing as typed is
relaxed (most words, respelled words, synonyms from the field's vocabulary) and says so, theme
names are searched, and nothing restricted is suggested, counted or shown along the way."""

import pytest
from django.db import connection
from django.utils.html import escape

from learning.permissions import Visibility
from search.query import SearchRequest, parse_clauses
from search.services import search
from search.vocabulary import Vocabulary
from tests.conftest import client_for
from tests.factories import VocabularyGroupFactory

from .conftest import make_briefing, make_review
from .test_contract import api, titles

pytestmark = pytest.mark.django_db


def test_an_extra_word_no_longer_empties_the_list_and_the_missing_word_is_named(
    engine, library, anonymous_client
):
    engine.catch_up()
    answer = search(SearchRequest(q="what happens to neglected children"), None)
    assert "Serious case review: Family S" in {doc.title for doc in answer.results}
    assert answer.relaxation.set_aside == ["what", "happens"]
    answer = search(SearchRequest(q="chronic neglect grandparents"), None)
    assert "Serious case review: Family S" in {doc.title for doc in answer.results}
    assert answer.relaxation.not_found == ["grandparents"]
    page = anonymous_client.get("/search/", {"q": "chronic neglect grandparents"})
    assert "no results contained <em>grandparents</em>" in page.content.decode()


def test_the_api_says_when_its_results_are_for_other_words_than_those_typed(
    engine, library, practitioner
):
    engine.catch_up()
    answer = api(client_for(practitioner), q="chronic neglect grandparents")
    assert answer["count"] and answer["relaxation"]["not_found"] == ["grandparents"]
    answer = api(client_for(practitioner), q="holmfirth neglect toolkit escalation")
    assert answer["relaxation"]["partial"] is True
    assert answer["relaxation"]["not_found"] == ["holmfirth"]
    assert api(client_for(practitioner), q="neglect")["relaxation"] is None


def test_a_question_is_answered_by_the_words_that_matter(engine, library, practitioner):
    engine.catch_up()
    answer = api(client_for(practitioner), q="what should we do about neglect tools")
    assert answer["results"][0]["title"] == "Recommendation 1: Serious case review: Family S"


def test_words_that_each_match_but_never_together_rank_documents_with_most_of_them_first(
    engine, library, practitioner
):
    engine.catch_up()
    answer = search(SearchRequest(q="holmfirth neglect toolkit escalation"), None)
    assert answer.relaxation.partial and answer.relaxation.not_found == ["holmfirth"]
    assert answer.results[0].title == "Recommendation 3: Serious case review: Family S"


def test_a_relaxed_search_lists_the_closest_match_first_then_the_near_ones(
    engine, library, practitioner
):
    engine.catch_up()
    answer = search(SearchRequest(q="toolkit workforce neglect escalation"), None)
    assert answer.relaxation.partial
    # Three of the four words: first, though a title naming one word weighs more.
    assert answer.results[0].title == "Recommendation 3: Serious case review: Family S"
    # Two of them ("workforce", "escalation") follow rather than being left out.
    assert "Learning review: escalation" in {doc.title for doc in answer.results[1:]}


def test_did_you_mean_respells_from_the_library_and_never_from_restricted_learning(
    engine, library, anonymous_client, business_unit
):
    engine.catch_up()
    answer = search(SearchRequest(q="neglet"), None)
    assert answer.relaxation.corrected == "neglect"
    assert "Serious case review: Family S" in {doc.title for doc in answer.results}
    page = anonymous_client.get("/search/", {"q": "disguised complience"}).content.decode()
    assert 'Did you mean <a href="?q=disguised+compliance">disguised compliance</a>?' in page
    # Holmfirth is named only in partnership-only learning.
    anonymous = api(anonymous_client, q="Holmfirht")
    assert anonymous["count"] == 0 and anonymous["results"] == []
    assert "olmfirth" not in anonymous_client.get("/search/", {"q": "Holmfirht"}).content.decode()
    member = search(SearchRequest(q="Holmfirht"), business_unit)
    assert member.relaxation.corrected == "holmfirth" and member.count == 3


def test_abbreviations_and_everyday_words_find_what_they_stand_for(
    engine, library, anonymous_client
):
    engine.catch_up()
    for q in ("cot death", "babies"):
        assert "National review: sudden unexpected death in infancy" in titles(
            api(anonymous_client, q=q)
        ), q
    assert "Recommendation 2: Serious case review: Family S" in titles(
        api(anonymous_client, q="non engagement escalate")
    )
    # "disagreeing" is a form of "disagree", which the vocabulary groups with escalation.
    assert "Learning review: escalation" in titles(
        api(anonymous_client, q="disagreeing with another agency")
    )


def test_a_parent_searching_in_everyday_words_finds_the_fathers_and_injury_learning(
    engine, db, anonymous_client
):
    # Worded as the demo's rapid review of a baby's injury (home/demo/publications.py).
    make_review(
        "Learning review: Child A",
        year=2026,
        summary="A baby was admitted to hospital with a non-accidental head injury. Agencies' "
        "chronologies showed missed opportunities to ask about the father's role.",
    )
    make_review(
        "Learning review: safer sleeping",
        year=2026,
        summary="A baby died while co-sleeping with a parent after drinking.",
    )
    make_review(
        "Domestic homicide review: Adult M",
        year=2025,
        summary="Adult M was killed by her partner; domestic violence had been reported to the "
        "police three times.",
    )
    engine.catch_up()
    answer = search(SearchRequest(q="baby shaken by dad"), None)
    assert [doc.title for doc in answer.results] == ["Learning review: Child A"]
    assert answer.relaxation is None  # every word found, none set aside
    page = anonymous_client.get("/search/", {"q": "baby shaken by dad"}).content.decode()
    assert "no results contained" not in page
    assert "Domestic homicide review: Adult M" in titles(api(anonymous_client, q="dad hitting mum"))


def test_the_vocabulary_knows_a_term_in_the_plural_and_its_words_in_other_forms():
    vocabulary = Vocabulary(
        [
            ("designated safeguarding lead", "dsl"),
            ("special educational needs and disabilities", "send"),
            ("domestic abuse notification", "operation encompass"),
        ]
    )
    assert vocabulary.mates_of("DSLs") == ["dsl", "designated safeguarding lead"]
    assert vocabulary.mates_of("Designated Safeguarding Leads")[1] == "dsl"
    assert vocabulary.mates_of("domestic abuse notifications")[1] == "operation encompass"
    # A short abbreviation that is also a word is not found in another word's forms.
    assert vocabulary.mates_of("sending") is None


def test_a_clause_leaves_out_the_wordings_another_already_finds():
    clauses = parse_clauses(
        "escalation", Vocabulary([("escalation", "escalation policy", "disagreement")])
    )
    assert [alt.text for alt in clauses[0].alternatives] == ["escalation", "disagreement"]
    # Asked twice, a word is one thing asked for.
    assert [c.label for c in parse_clauses("children who harm children", Vocabulary([]))] == [
        "children",
        "who",
        "harm",
    ]


def test_the_business_unit_extends_the_vocabulary_and_both_engines_use_it(
    engine, library, anonymous_client
):
    engine.catch_up()
    assert api(anonymous_client, q="bedsharing")["count"] == 0
    VocabularyGroupFactory(terms="co-sleeping, bedsharing", note="Health visitors' wording")
    answer = api(anonymous_client, q="bedsharing")
    assert titles(answer) == {"National review: sudden unexpected death in infancy"}


def test_a_theme_name_finds_what_is_tagged_with_it_and_ranks_it_first(
    engine, library, practitioner
):
    engine.catch_up()
    answer = api(client_for(practitioner), q='"information sharing"')
    assert {result["title"] for result in answer["results"][:2]} == {
        "Child J: information exchange",
        "Recommendation 1: Child J: information exchange",
    }


def test_snippet_is_always_safe_html_with_or_without_a_query(engine, library, anonymous_client):
    library.escalation.summary = 'Use the <b>escalation</b> policy & "resolve" disputes.'
    library.escalation.save_revision().publish()
    engine.catch_up()
    browsing = api(anonymous_client, kind="review", review_kind="learning_review")
    assert browsing["results"][0]["snippet"].startswith(escape("Use the <b>escalation</b>"))
    searching = api(anonymous_client, q="resolve", kind="review")
    assert "<mark>resolve</mark>" in searching["results"][0]["snippet"]
    assert "<b>" not in searching["results"][0]["snippet"]


def test_a_recommendation_result_leads_with_its_own_words_and_shows_actions_to_the_tracker(
    library, anonymous_client, business_unit
):
    public = anonymous_client.get("/search/", {"q": "management of neglect"}).content.decode()
    assert "support <mark>management</mark> of <mark>neglect</mark>" in public
    assert "Recommendation 1: Serious case review: Family S · 2016" in public
    assert "Actions:" not in public
    tracker = client_for(business_unit).get("/search/", {"q": "management of neglect"})
    assert "Actions: Complete (not yet assured)" in tracker.content.decode()


def test_a_review_result_shows_its_kind_year_and_pseudonym(library, practitioner):
    page = client_for(practitioner).get("/search/", {"q": "emotional wellbeing", "kind": "review"})
    assert "Local child safeguarding practice review · 2019 · Child J" in page.content.decode()


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    "q",
    [
        "what should we do about neglect tools",
        "neglet",
        "holmfirth neglect toolkit escalation",
        "toolkit workforce neglect escalation",
        "cot death",
        "DA",
        "voice of the child",
        "disguised complience",
    ],
)
def test_both_engines_relax_respell_and_expand_a_search_the_same_way(
    es_client, library, business_unit, q
):
    from search.engines import elasticsearch as es_engine

    es_engine.rebuild(es_client)
    for user in (None, business_unit):
        database = search(SearchRequest(q=q), user, engine_name="database")
        elastic = search(SearchRequest(q=q), user, engine_name="elasticsearch")
        assert elastic.engine == "elasticsearch"
        assert database.count == elastic.count, (q, user)
        assert {d.key for d in database.results} == {d.key for d in elastic.results}, (q, user)
        if connection.vendor == "sqlite" or database.relaxation is not None:
            # PostgreSQL's English dictionary drops question words ("what", "should", "about")
            # as stop words itself, so it finds the same results without relaxing the search.
            assert database.relaxation == elastic.relaxation, (q, user)


def test_did_you_mean_never_turns_an_ordinary_word_into_a_shorter_one(engine, db, anonymous_client):
    make_review(
        "Learning review: Operation Encompass",
        year=2024,
        summary="All schools are told by the police after a domestic abuse incident at home.",
    )
    engine.catch_up()
    page = anonymous_client.get("/search/", {"q": "schools told about police call outs"})
    page = page.content.decode()
    # "call" is no typing slip for "all": the library's words start as the word typed does.
    assert "Did you mean" not in page
    assert "no results contained <em>call</em>" in page
    assert "Learning review: Operation Encompass" in page
    # A slip after the first letter is still respelled.
    answer = search(SearchRequest(q="schols incident"), None)
    assert answer.relaxation.corrected == "schools incident"


def test_a_practice_the_library_does_not_hold_finds_nothing_rather_than_its_words_apart(
    engine, db, anonymous_client, practitioner
):
    make_review(
        "Multi-agency audit: children looked after",
        year=2023,
        summary="Children in foster care were not offered a return home interview.",
    )
    make_review(
        "Learning review: Operation Encompass",
        year=2024,
        summary="Schools learn from the police of domestic abuse at a pupil's home before "
        "the next day of education.",
    )
    make_briefing(
        "7-minute briefing: private fostering",
        visibility=Visibility.PRACTITIONERS,
        background="Nobody told the local authority that a child was privately fostered.",
    )
    engine.catch_up()
    # Private fostering is not foster care, nor is elective home education a return home.
    for q in ("private fostering", "elective home education"):
        page = anonymous_client.get("/search/", {"q": q}).content.decode()
        assert "Nothing found" in page, q
        assert "Multi-agency audit" not in page and "Operation Encompass" not in page, q
    assert titles(api(client_for(practitioner), q="private fostering")) == {
        "7-minute briefing: private fostering"
    }


def test_a_word_typed_in_the_singular_finds_what_the_vocabulary_lists_in_the_plural(
    engine, db, anonymous_client
):
    make_review(
        "Learning review: Child T",
        year=2021,
        summary="Children who go missing from care are at risk of exploitation.",
    )
    engine.catch_up()
    page = anonymous_client.get("/search/", {"q": "kid missing"}).content.decode()
    assert "Learning review: Child T" in page
    assert "Did you mean" not in page and "no results contained" not in page


def test_an_abbreviation_the_library_holds_nothing_on_finds_nothing_rather_than_its_other_words(
    engine, db, anonymous_client
):
    make_review(
        "7-minute briefing: parents' mental ill health",
        year=2024,
        summary="A parent's illness was not seen as a risk to the child.",
    )
    make_review(
        "Learning review: Child T",
        year=2021,
        summary="Referrals to the multi-agency safeguarding hub did not record what the child "
        "said about child sexual exploitation.",
    )
    engine.catch_up()
    # Nothing is held on fabricated or induced illness, nor on the designated officer.
    for q in ("fabricated illness FII", "LADO referral"):
        page = anonymous_client.get("/search/", {"q": q}).content.decode()
        assert "Nothing found" in page, q
        assert "mental ill health" not in page and "Child T" not in page, q
    # An abbreviation the library does hold still leads a search whose other word it lacks.
    page = anonymous_client.get("/search/", {"q": "CSE grooming"}).content.decode()
    assert "Learning review: Child T" in page
    assert "no results contained <em>grooming</em>" in page
