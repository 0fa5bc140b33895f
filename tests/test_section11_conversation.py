"""Section 11: an agency attaches evidence files to each standard (checked and private, as action
evidence is), and the challenge panel's notes reach the agency, which answers them."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from learning import section11
from learning.models import ChallengeNote, StandardEvidenceFile

from .conftest import client_for
from .factories import AuditCycleFactory, Section11ReturnFactory, StandardAnswerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
LINK = re.compile(r"http://testserver(/\S+)")


@pytest.fixture
def police_answer(police):
    today = timezone.localdate()
    cycle = AuditCycleFactory(
        name="Section 11 2026", opens_on=today, closes_on=today + datetime.timedelta(days=60)
    )
    section11_return = Section11ReturnFactory(agency=police, cycle=cycle)
    return StandardAnswerFactory(section11_return=section11_return)


def return_url(answer):
    section11_return = answer.section11_return
    return (
        f"/tracker/section11/{section11_return.cycle_id}/agencies/{section11_return.agency.slug}/"
    )


def test_a_lead_attaches_a_policy_to_a_standard_that_only_the_partnership_can_open(
    police_answer, police_lead, health_lead, scrutineer, business_unit
):
    url = return_url(police_answer)
    response = client_for(police_lead).post(
        url,
        {
            "action": "evidence",
            "answer": police_answer.pk,
            "files": [SimpleUploadedFile("escalation-policy.pdf", PDF)],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "1 file attached to standard" in html
    evidence = StandardEvidenceFile.objects.get()
    assert evidence.content_type == "application/pdf"
    assert f'href="{evidence.get_absolute_url()}">escalation-policy.pdf' in html
    for reader in (police_lead, scrutineer, business_unit):
        download = client_for(reader).get(evidence.get_absolute_url())
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
    assert client_for(health_lead).get(evidence.get_absolute_url()).status_code == 403
    assert "/media/" not in evidence.file.path  # kept outside the public media folder


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(
    police_answer, police_lead
):
    response = client_for(police_lead).post(
        return_url(police_answer),
        {
            "action": "evidence",
            "answer": police_answer.pk,
            "files": [SimpleUploadedFile("policy.pdf", b"MZ\x90\x00 not a pdf")],
        },
        follow=True,
    )
    assert "its content was checked" in response.content.decode()
    assert not StandardEvidenceFile.objects.exists()


def test_no_files_are_added_once_the_return_is_submitted(police_answer, police_lead):
    police_answer.section11_return.status = "submitted"
    police_answer.section11_return.submitted_at = timezone.now()
    police_answer.section11_return.save()
    response = client_for(police_lead).post(
        return_url(police_answer),
        {
            "action": "evidence",
            "answer": police_answer.pk,
            "files": [SimpleUploadedFile("late.pdf", PDF)],
        },
        follow=True,
    )
    assert "locked" in response.content.decode()
    assert not StandardEvidenceFile.objects.exists()


def test_the_panels_note_reaches_the_lead_who_answers_and_the_panel_is_told(
    police_answer,
    police_lead,
    health_lead,
    scrutineer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        note = section11.add_challenge_note(
            police_answer.section11_return, scrutineer, "What shows staff know the policy?"
        )
    assert [m.to for m in mailoutbox] == [[police_lead.email]]
    assert "What shows staff know the policy?" in mailoutbox[0].body
    link = LINK.search(mailoutbox[0].body).group(1)
    page = client_for(police_lead).get(link).content.decode()
    assert "Your answer to this note" in page
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(police_lead).post(
            link,
            {"action": "answer", "note_id": note.pk, "answer": "Training records: 92% done."},
        )
    answer = ChallengeNote.objects.get(reply_to=note)
    assert answer.author == police_lead
    assert [m.to for m in mailoutbox] == [[scrutineer.email]]
    assert "Training records: 92% done." in mailoutbox[0].body
    page = client_for(scrutineer).get(link).content.decode()
    assert "Answer from police-lead" in page and "Training records: 92% done." in page
    assert "Your answer to this note" not in page  # the scrutineer does not answer for the agency


def test_an_empty_answer_changes_nothing(police_answer, police_lead, scrutineer):
    note = section11.add_challenge_note(police_answer.section11_return, scrutineer, "Why?")
    response = client_for(police_lead).post(
        return_url(police_answer),
        {"action": "answer", "note_id": note.pk, "answer": "  "},
        follow=True,
    )
    assert "Write your answer" in response.content.decode()
    assert ChallengeNote.objects.count() == 1
