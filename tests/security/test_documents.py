"""Review documents are private by default: served only to those who may open a live review
that lists them, and never straight from the media folder, in any setting."""

import importlib

import pytest
import wagtail_factories
from django.urls import clear_url_caches

from reviews.models import ReviewDocument

from ..conftest import client_for
from ..factories import ReviewDocumentFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

PARTNERSHIP_ONLY = {"anonymous": 302, "practitioner": 403, "lead": 200}


def statuses(url, practitioner, police_lead):
    return {
        "anonymous": client_for(None).get(url).status_code,
        "practitioner": client_for(practitioner).get(url).status_code,
        "lead": client_for(police_lead).get(url).status_code,
    }


def report(name="report.pdf"):
    return wagtail_factories.DocumentFactory(file__data=b"%PDF-1.4 report", file__filename=name)


def test_a_document_attached_to_nothing_is_the_partnerships_alone(practitioner, police_lead):
    assert statuses(report().url, practitioner, police_lead) == PARTNERSHIP_ONLY


def test_a_document_added_in_an_unpublished_edit_of_a_public_review_stays_private(
    practitioner, police_lead
):
    review = ReviewPageFactory(visibility="public")
    document = report()
    review.documents.add(ReviewDocument(document=document, title="Draft report"))
    review.save_revision()
    assert statuses(document.url, practitioner, police_lead) == PARTNERSHIP_ONLY
    review.get_latest_revision().publish()
    assert statuses(document.url, practitioner, police_lead) == {
        "anonymous": 200,
        "practitioner": 200,
        "lead": 200,
    }


def test_a_report_dropped_by_a_later_revision_of_a_rapid_review_stays_private(
    practitioner, police_lead
):
    link = ReviewDocumentFactory(page=ReviewPageFactory(visibility="partnership"))
    review = link.page
    review.documents.clear()
    review.visibility = "public"
    review.save_revision().publish()
    assert not ReviewDocument.objects.filter(document=link.document).exists()
    assert statuses(link.document.url, practitioner, police_lead) == PARTNERSHIP_ONLY


def test_a_document_on_a_public_and_a_partnership_review_follows_the_public_one(
    practitioner, police_lead
):
    link = ReviewDocumentFactory(page=ReviewPageFactory(visibility="partnership"))
    ReviewDocumentFactory(page=ReviewPageFactory(visibility="public"), document=link.document)
    assert set(statuses(link.document.url, practitioner, police_lead).values()) == {200}


@pytest.fixture
def development_urls(settings):
    import config.urls

    settings.DEBUG = True
    clear_url_caches()
    importlib.reload(config.urls)
    yield
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(config.urls)


def test_under_make_run_the_media_route_never_serves_review_documents(
    development_urls, settings, practitioner
):
    link = ReviewDocumentFactory(page=ReviewPageFactory(visibility="partnership"))
    media_url = "/media/" + link.document.file.name
    assert client_for(None).get(media_url).status_code == 404
    assert client_for(practitioner).get(media_url).status_code == 404
    image = settings.MEDIA_ROOT / "original_images" / "logo.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert client_for(None).get("/media/original_images/logo.png").status_code == 200
