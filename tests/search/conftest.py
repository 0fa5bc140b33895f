"""Search fixtures: both engines (osmem-server, or a real Elasticsearch at ELASTICSEARCH_URL) and a
small library of learning quoting the partnership's documents in tests/fixtures/corpus/."""

import datetime
import os
import re
import uuid
from dataclasses import dataclass

import pytest
from elastic_transport import Urllib3HttpNode
from elasticsearch import Elasticsearch
from osmem_server import OsmemServer

from learning.models import AgencyAction
from learning.permissions import Visibility
from search import sync
from search.engines import elasticsearch as es_engine
from tests.factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingPageFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
)

VENDOR_MEDIA_TYPE = re.compile(r"application/vnd\.elasticsearch\+([\w-]+); compatible-with=8")


class OsmemNode(Urllib3HttpNode):
    """osmem-server speaks plain application/json (and x-ndjson), not the client's compatible-with=8
    media types: turn them back before the request leaves."""

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            headers = {
                name: VENDOR_MEDIA_TYPE.sub(r"application/\1", value)
                for name, value in headers.items()
            }
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)


def osmem_client(url):
    return Elasticsearch(url, node_class=OsmemNode, request_timeout=5, max_retries=0)


@pytest.fixture(scope="session")
def osmem_server():
    server = OsmemServer.start(japanese=False)
    yield server
    server.close()


@pytest.fixture
def es_client(request, settings, monkeypatch):
    """A client for this test's index: a fresh osmem clone, or the real cluster when
    ELASTICSEARCH_URL is set (with an index name of its own, removed afterwards)."""
    settings.SEARCH_ENGINE = "elasticsearch"
    real_url = os.environ.get("ELASTICSEARCH_URL")
    if real_url:
        client = Elasticsearch(real_url, request_timeout=10)
        settings.ELASTICSEARCH_INDEX = f"hub-test-{uuid.uuid4().hex[:10]}"
        monkeypatch.setattr(es_engine, "client_factory", lambda: client)
        yield client
        client.indices.delete(index=f"{settings.ELASTICSEARCH_INDEX}-*", allow_no_indices=True)
        return
    clone = request.getfixturevalue("osmem_clone")
    client = osmem_client(clone.url)
    monkeypatch.setattr(es_engine, "client_factory", lambda: client)
    yield client


@dataclass
class Engine:
    name: str
    client: object = None

    def catch_up(self):
        """Do what a commit does after the changes so far: index the changed pages in the table,
        then copy the table to the index, as the on-commit task does."""
        sync.flush()
        if self.client is not None:
            es_engine.rebuild(self.client)


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def engine(request, settings):
    settings.SEARCH_ENGINE = request.param
    if request.param == "elasticsearch":
        return Engine("elasticsearch", request.getfixturevalue("es_client"))
    return Engine("database")


def make_review(title, *, year, month=6, themes=(), recommendations=(), **fields):
    review = ReviewPageFactory(
        title=title, publication_date=datetime.date(year, month, 1), **fields
    )
    review.themes.set(themes)
    review.save()
    for number, text, rec_themes, agencies, statuses in recommendations:
        rec = RecommendationFactory(review=review, number=number, text=text)
        rec.themes.set(rec_themes)
        rec.agencies.set(agencies)
        rec.save()
        for agency, status in zip(agencies, statuses, strict=False):
            AgencyActionFactory(recommendation=rec, agency=agency, status=status)
    sync.flush()  # indexed as the commit of an editor's save would index it
    return review


def make_briefing(title, *, themes=(), reviews=(), **parts):
    briefing = BriefingPageFactory(title=title, **parts)
    briefing.themes.set(themes)
    briefing.reviews.set(reviews)
    briefing.save()
    sync.flush()
    return briefing


@dataclass
class Library:
    themes: dict
    agencies: dict
    family_s: object
    child_j: object
    child_p: object
    sudi: object
    escalation: object
    draft: object
    briefing_s: object
    briefing_j: object
    briefing_p: object


@pytest.fixture
def library(db, police, health, committed):
    """The library, stored and committed (so search has indexed it)."""
    with committed():
        return build_library(police, health)


def build_library(police, health):
    """Reviews, briefings and recommendations of every visibility. Wording from
    corpus/kirklees-kscp-annual-assurance-statement-2019-20.txt and
    corpus/kirklees-childrens-scrutiny-panel-2018-11.txt."""
    themes = {
        slug: ThemeFactory(name=name, slug=slug)
        for slug, name in [
            ("neglect", "Neglect"),
            ("disguised-compliance", "Disguised compliance and resistant families"),
            ("voice-of-the-child", "Voice of the child"),
            ("information-sharing", "Information sharing"),
            ("mental-health", "Children's mental health and emotional wellbeing"),
            ("serious-youth-violence", "Serious youth violence"),
            ("safer-sleeping", "Safer sleeping and SUDI"),
            ("escalation", "Escalation"),
        ]
    }
    childrens = AgencyFactory(
        name="Kirklees Children's Services",
        short_name="Children's Services",
        sector="local_authority",
    )
    agencies = {"police": police, "health": health, "childrens-services": childrens}
    status = AgencyAction.Status
    family_s = make_review(
        "Serious case review: Family S",
        year=2016,
        kind="scr",
        reference="SCR-2016-01",
        child_pseudonym="Family S",
        visibility=Visibility.PUBLIC,
        summary="Three young children lived with chronic neglect for several years.",
        findings=(
            "## The impact of Neglect in Families\n\n"
            "Resistant Families and disguised compliance meant professionals accepted the "
            "parents' accounts. Managing risk and effective decision making were weak."
        ),
        themes=[themes["neglect"], themes["disguised-compliance"]],
        recommendations=[
            (
                "1",
                "Develop and implement new tools to support management of neglect.",
                [themes["neglect"]],
                [childrens, health],
                [status.COMPLETE, status.ASSURED],
            ),
            (
                "2",
                "Practitioners should be alert to disguised compliance and escalate concerns "
                "through the escalation policy.",
                [themes["disguised-compliance"]],
                [police],
                [status.IN_PROGRESS],
            ),
            (
                "3",
                "A strategy and toolkit to support early identification of neglect alongside "
                "training and development of the workforce.",
                [themes["neglect"]],
                [],
                [],
            ),
        ],
    )
    child_j = make_review(
        "Child J: information exchange",
        year=2019,
        kind="lcspr",
        reference="LCSPR-2019-02",
        child_pseudonym="Child J",
        visibility=Visibility.PRACTITIONERS,
        summary="A teenager whose emotional wellbeing needs went unmet.",
        findings=(
            "Information Exchange between school and health was late. Listening to their voice "
            "and taking their views into account was important. Children's Mental Health & "
            "Emotional Wellbeing needs were not assessed."
        ),
        themes=[themes["voice-of-the-child"], themes["information-sharing"]],
        recommendations=[
            (
                "1",
                "Schools and health partners should share information about children's mental "
                "health and emotional wellbeing at the first referral.",
                [themes["mental-health"], themes["information-sharing"]],
                [health],
                [status.ASSURED],
            ),
            (
                "2",
                "Every assessment should record the voice of the child in their own words.",
                [themes["voice-of-the-child"]],
                [police, childrens],
                [status.CLOSED, status.CLOSED],
            ),
        ],
    )
    child_p = make_review(
        "Rapid review: Child P",
        year=2020,
        month=9,
        kind="rapid_review",
        reference="RR-2020-03",
        child_pseudonym="Child P",
        visibility=Visibility.PARTNERSHIP,
        summary="Serious youth violence and exploitation near Holmfirth; neglect at home.",
        findings="The referral reason was serious youth violence. Chronic neglect was known.",
        themes=[themes["serious-youth-violence"], themes["neglect"]],
        recommendations=[
            (
                "1",
                "Police should share intelligence about serious youth violence and neglect "
                "in Holmfirth with schools.",
                [themes["serious-youth-violence"], themes["neglect"]],
                [police],
                [status.NOT_STARTED],
            ),
        ],
    )
    sudi = make_review(
        "National review: sudden unexpected death in infancy",
        year=2020,
        kind="national_review",
        visibility=Visibility.PUBLIC,
        summary=(
            "Review of sudden unexpected death in infancy (SUDI) in families where the children "
            "are considered at risk of significant harm."
        ),
        findings="Local advice and support on co-sleeping and risk was strong practice.",
        themes=[themes["safer-sleeping"]],
        recommendations=[
            (
                "1",
                "Health visitors should give advice on safer sleeping to every family.",
                [themes["safer-sleeping"]],
                [health],
                [status.IN_PROGRESS],
            ),
        ],
    )
    escalation = make_review(
        "Learning review: escalation",
        year=2018,
        kind="learning_review",
        visibility=Visibility.PUBLIC,
        summary="Clear processes for management decision making across the partnership.",
        findings="A culture of case resolution and confidence across the workforce.",
        themes=[themes["escalation"]],
    )
    draft = ReviewPageFactory(
        title="Draft review: neglect in Holmfirth",
        live=False,
        visibility=Visibility.PUBLIC,
        findings="Neglect.",
    )
    briefing_s = make_briefing(
        "7-minute briefing: Family S",
        themes=[themes["neglect"], themes["disguised-compliance"]],
        reviews=[family_s],
        background="Three young children lived with chronic neglect for several years.",
        learning="Resistant families and disguised compliance: professional curiosity matters.",
    )
    briefing_j = make_briefing(
        "7-minute briefing: Child J",
        themes=[themes["voice-of-the-child"]],
        reviews=[child_j],
        visibility=Visibility.PRACTITIONERS,
        learning="Listen to the voice of the child and take their views into account.",
    )
    briefing_p = make_briefing(
        "7-minute briefing: Child P",
        themes=[themes["serious-youth-violence"]],
        reviews=[child_p],
        visibility=Visibility.PARTNERSHIP,
        background="Serious youth violence and neglect near Holmfirth.",
    )
    return Library(
        themes,
        agencies,
        family_s,
        child_j,
        child_p,
        sudi,
        escalation,
        draft,
        briefing_s,
        briefing_j,
        briefing_p,
    )
