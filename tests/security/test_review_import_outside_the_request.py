"""A review document is never read inside the upload request (issue 19, items 4 and 6): without a
broker the web process's background catch-up reads it; with a silent broker the upload still
answers promptly and the catch-up reads it; an upload nobody reads is shown as failed with a
retry; and a document too long to read in reasonable time is refused with words."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.celery import broker_trouble
from reviews.importer.tasks import read_waiting_imports
from reviews.models import ReviewImport

from ..conftest import client_for
from .test_failing_services import PROMPT, silent_broker  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def numbered_text(megabytes):
    """A numbered .txt as the probe sent it: a heading, then numbered lines to the size."""
    lines = ["Serious case review", "", "Recommendations", ""]
    size, number = 0, 0
    while size < megabytes * 1024 * 1024 - 200:
        number += 1
        line = f"{number}. The partnership should check that agencies act on item {number}."
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines).encode()


def upload(client, data, name):
    # The process's first admin request loads the admin's modules: not the upload's cost.
    assert client.get("/admin/reviews/import/").status_code == 200
    started = time.perf_counter()
    response = client.post(
        "/admin/reviews/import/",
        {"document": SimpleUploadedFile(name, data), "kind": "scr", "title": ""},
    )
    return response, time.perf_counter() - started


def test_an_8_mb_numbered_text_is_not_read_in_the_upload_request_and_is_refused_with_words(
    business_unit, django_capture_on_commit_callbacks
):
    client = client_for(business_unit)
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = upload(client, numbered_text(8), "numbered.txt")

    assert response.status_code == 302
    assert seconds < PROMPT, f"{seconds:.1f} s"
    waiting = client.get(response["Location"])
    assert "numbered.txt</strong> is waiting to be read" in waiting.content.decode()

    started = time.perf_counter()
    read_waiting_imports()  # the web process's background catch-up
    assert time.perf_counter() - started < 30  # refused before the long part, not after it
    refused = client.get(response["Location"], follow=True).content.decode()
    assert "numbered.txt: it holds 8,388," in refused
    assert "more than the 2,000,000 (about 700 pages) one import can read" in refused
    assert not ReviewImport.objects.exists()


def test_a_999_recommendation_document_is_refused_with_words_not_given_a_page_never_confirmed(
    business_unit, django_capture_on_commit_callbacks
):
    lines = ["Serious case review", "", "Recommendations", ""] + [
        f"{n}. The partnership should check that agencies act on item {n}." for n in range(1, 1000)
    ]
    client = client_for(business_unit)
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = upload(client, "\n".join(lines).encode(), "999.txt")
    assert seconds < PROMPT, f"{seconds:.1f} s"

    read_waiting_imports()

    refused = client.get(response["Location"], follow=True).content.decode()
    assert "999.txt: 999 numbered items were read as recommendations, more than the 300" in refused


@pytest.mark.usefixtures("silent_broker")
def test_with_the_broker_silent_an_upload_answers_promptly_and_the_catch_up_reads_it(
    business_unit, django_capture_on_commit_callbacks
):
    client = client_for(business_unit)
    report = b"# Review\n\n## Recommendations\n\n1. Police should share information promptly.\n"
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = upload(client, report, "child-r.md")

    assert response.status_code == 302
    assert seconds < PROMPT, f"{seconds:.1f} s"
    assert broker_trouble.since is not None  # so the web process runs the catch-up meanwhile
    assert ReviewImport.objects.get().state == ReviewImport.State.QUEUED

    read_waiting_imports()  # what the in-process catch-up runs
    page = client.get(response["Location"]).content.decode()
    assert "1 recommendation found" in page


def test_an_upload_no_one_reads_is_shown_as_failed_with_a_retry_not_queued_for_ever(
    business_unit, django_capture_on_commit_callbacks
):
    client = client_for(business_unit)
    report = b"# Review\n\n## Recommendations\n\n1. Police should share information promptly.\n"
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = upload(client, report, "child-q.md")
    # The worker that took it died: it has sat there, queued, for an hour.
    ReviewImport.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))

    html = client.get(response["Location"]).content.decode()
    assert "could not be read: the reading never started" in html
    assert '<button type="submit" name="retry"' in html
