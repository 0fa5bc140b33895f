"""Relevance set: practitioners' queries in the partnership's own words, each with the learning that
must come in the top three, on both engines. Wording quoted from tests/fixtures/corpus/:
kirklees-kscp-annual-assurance-statement-2019-20.txt (KSCP), kirklees-childrens-scrutiny-panel-
2018-11.txt (Scrutiny) and kirklees-commissioner-report-2017.txt (Commissioner)."""

import pytest

from tests.conftest import client_for

from .conftest import make_briefing, make_review

pytestmark = pytest.mark.django_db

ASSURANCE = "Annual assurance statement 2019/20: learning from reviews"
SCRUTINY = "Children's Scrutiny Panel 2018: improvement plan"
COMMISSIONER = "Commissioner's report 2017: Ofsted recommendations"

RECOMMENDATIONS = {
    ASSURANCE: [
        "Introduce tools and a pathway to deal with peer on peer sexual abuse.",  # KSCP
        "Implement tools to support safer sleeping.",  # KSCP
        "Develop and implement new tools to support management of neglect.",  # KSCP
        "Planning for young people as parents.",  # KSCP
        "Information Exchange between agencies at the point of referral.",  # KSCP
        "Children's Mental Health & Emotional Wellbeing: consider the CAMHS offer.",  # KSCP
        "Early identification of young people at risk, including a pathway for those "
        "displaying characteristics of Harmful Sexual behaviour.",  # KSCP
    ],
    SCRUTINY: [
        "A strategy and toolkit to support early identification of neglect alongside "
        "training and development of the workforce.",  # Scrutiny
        "Implement operation Encompass into schools: a police and education early information "
        "sharing partnership.",  # Scrutiny
        "Complete a multi-agency review of Domestic Abuse procedures.",  # Scrutiny
        "Address the discrepancy between the numbers of people reported missing and the number "
        "of Return Home Interviews completed.",  # Scrutiny
        "Enhance the social care missing team by collocating a police missing person "
        "co-ordinator.",  # Scrutiny
        "Social workers working closely with Health and midwifery services should produce "
        "improved pre-birth assessments in a more timely way.",  # Scrutiny
        "Clear processes for management decision making and clear routes for escalation "
        "across the partnership.",  # Scrutiny
        "Where any young person is identified as a possible risk of radicalisation, an initial "
        "referral is made to the Front door and then to the Prevent Team.",  # Scrutiny
        "Review CAMHS and thresholds of need.",  # Scrutiny
    ],
    COMMISSIONER: [
        "Improve the quality of serious case review (SCR) action plans and robustly address "
        "delays in progressing SCR Action Plans.",  # Commissioner
        "Complete the case familiarisation process of cases held in the Assessment and "
        "Intervention teams.",  # Commissioner
        "Improve the ICS system to facilitate social workers' casework recording.",  # Commissioner
    ],
}


def rec(review, text):
    number = RECOMMENDATIONS[review].index(text) + 1
    return f"Recommendation {number}: {review}"


def rec_starting(review, start):
    (text,) = [t for t in RECOMMENDATIONS[review] if t.startswith(start)]
    return rec(review, text)


# (query, a title that must be in the top three)
RELEVANCE_SET = [
    ("peer on peer sexual abuse", rec_starting(ASSURANCE, "Introduce tools")),
    ("safer sleeping", rec_starting(ASSURANCE, "Implement tools to support safer")),
    ("neglect toolkit", rec_starting(SCRUTINY, "A strategy and toolkit")),
    ("young people as parents", rec_starting(ASSURANCE, "Planning for young")),
    ("sudden unexpected death in infancy", "National review: sudden unexpected death in infancy"),
    ("co-sleeping", "National review: sudden unexpected death in infancy"),
    ("serious youth violence", "National review: serious youth violence"),
    ("Operation Encompass", rec_starting(SCRUTINY, "Implement operation Encompass")),
    ("domestic abuse procedures", rec_starting(SCRUTINY, "Complete a multi-agency review")),
    ("return home interviews", rec_starting(SCRUTINY, "Address the discrepancy")),
    ("missing person co-ordinator", rec_starting(SCRUTINY, "Enhance the social care")),
    ("pre-birth assessments", rec_starting(SCRUTINY, "Social workers working closely")),
    ("contextual safeguarding", "7-minute briefing: exploitation and contextual safeguarding"),
    ("harmful sexual behaviour", rec_starting(ASSURANCE, "Early identification of young")),
    ("SCR action plans", rec_starting(COMMISSIONER, "Improve the quality")),
    ("case familiarisation", rec_starting(COMMISSIONER, "Complete the case familiarisation")),
    ('"disguised compliance"', "7-minute briefing: resistant families and disguised compliance"),
    ("information exchange", rec_starting(ASSURANCE, "Information Exchange")),
    ("emotional wellbeing", rec_starting(ASSURANCE, "Children's Mental Health")),
    ("routes for escalation", rec_starting(SCRUTINY, "Clear processes")),
    ("radicalisation", rec_starting(SCRUTINY, "Where any young person")),
    ("childhood trauma", "7-minute briefing: understanding childhood trauma"),
    ("CAMHS thresholds", rec_starting(SCRUTINY, "Review CAMHS")),
    ("Child S", "Child S: the impact of neglect in families"),
    ("LCSPR-2020-01", "Child S: the impact of neglect in families"),
    ("neglected families", "Child S: the impact of neglect in families"),
    ("casework recording", rec_starting(COMMISSIONER, "Improve the ICS")),
]


@pytest.fixture
def corpus_library(db, committed):
    with committed():
        build_corpus_library()


def build_corpus_library():
    for title, year, kind in [
        (ASSURANCE, 2020, "learning_review"),
        (SCRUTINY, 2018, "learning_review"),
        (COMMISSIONER, 2017, "multi_agency_audit"),
    ]:
        make_review(
            title,
            year=year,
            kind=kind,
            summary="Learning from Reviews is captured and monitored via the Section 11 audit "
            "process.",  # KSCP
            recommendations=[
                (str(n), text, [], [], []) for n, text in enumerate(RECOMMENDATIONS[title], 1)
            ],
        )
    make_review(
        "National review: sudden unexpected death in infancy",
        year=2020,
        kind="national_review",
        summary="Review of sudden unexpected death in infancy (SUDI) in families where the "
        "children are considered at risk of significant harm.",  # KSCP
        findings="Strong practice shared, including local advice and support on co-sleeping "
        "and risk.",  # KSCP
    )
    make_review(
        "National review: serious youth violence",
        year=2020,
        kind="national_review",
        summary="The final published report provided the basis for local audit activity and a "
        "learning event with the Youth Justice Management Board.",  # KSCP
    )
    make_review(
        "Child S: the impact of neglect in families",
        year=2020,
        kind="lcspr",
        reference="LCSPR-2020-01",
        child_pseudonym="Child S",
        summary="Resistant Families and disguised compliance; managing risk and effective "
        "decision making.",  # KSCP
        findings="The impact of Neglect in Families was not understood by the agencies "
        "involved.",  # KSCP
    )
    make_briefing(
        "7-minute briefing: exploitation and contextual safeguarding",
        background="There are a range of boards, groups and people who have some aspect of "
        "contextual safeguarding as part of their remit.",  # KSCP
        learning="The strategy to tackle Exploitation has been enhanced and rolled out across "
        "agencies.",  # KSCP
    )
    make_briefing(
        "7-minute briefing: resistant families and disguised compliance",
        background="Analysis of partnership recommendations identified Resistant Families and "
        "disguised compliance.",  # KSCP
    )
    make_briefing(
        "7-minute briefing: understanding childhood trauma",
        background="Work in this area has focused on learning from case examples and considering "
        "the CAMHS offer.",  # KSCP
    )


def test_relevance_set_is_large_enough():
    assert len(RELEVANCE_SET) >= 20


def test_expected_learning_is_in_the_top_three_for_every_query(
    engine, corpus_library, practitioner
):
    engine.catch_up()
    client = client_for(practitioner)
    misses = []
    for query, expected in RELEVANCE_SET:
        answer = client.get("/api/learning/search/", {"q": query}).json()
        top_three = [result["title"] for result in answer["results"][:3]]
        if expected not in top_three:
            misses.append((query, expected, top_three))
    assert misses == []
