"""New work reaches the agency lead at once ("New to you" on My work), and a challenge gives the
agency a date to answer by: until then the action is "Challenged — answer due DATE", not overdue,
on every page, list, count, export, reminder and the API alike."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from learning import queues, reminders, services
from learning.filters import category_counts
from learning.models import AgencyAction, Assurance, ProgressUpdate

from .conftest import client_for
from .factories import AgencyActionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def days(n):
    return TODAY + datetime.timedelta(days=n)


def opened(agency, *, due=90, opened_days_ago=0, description="Share referrals with the MASH"):
    action = AgencyActionFactory(
        agency=agency,
        description=description,
        original_due_date=days(due),
        current_due_date=days(due),
    )
    AgencyAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=opened_days_ago)
    )
    action.refresh_from_db()
    return action


def my_work(user, key):
    for entry in queues.build(queues.MY_WORK, user):
        if entry["section"].key == key:
            return entry
    raise AssertionError(f"My work has no section {key!r}")


# --- New to you ---------------------------------------------------------------------------------


def test_an_action_opened_for_the_police_is_new_to_its_lead_until_they_post_on_it(
    police, police_lead
):
    fresh = opened(police, description="Agree a same-day route for strategy discussions")
    opened(police, opened_days_ago=45, description="Older action the lead has already seen")

    entry = my_work(police_lead, "new_to_you")
    assert [item.title for item in entry["items"]] == [fresh.description]
    page = client_for(police_lead).get("/tracker/my-work/").content.decode()
    assert "New to you" in page and "Agree a same-day route" in page

    services.post_update(fresh, police_lead, version=fresh.version, note="Meeting booked.")
    assert my_work(police_lead, "new_to_you")["count"] == 0


def test_another_leads_update_leaves_the_action_new_to_a_lead_who_has_not_posted(police):
    from .factories import agency_lead

    first, second = agency_lead(police, "police-lead"), agency_lead(police, "police-deputy")
    action = opened(police)
    services.post_update(action, first, version=action.version, note="Started.")
    assert list(AgencyAction.objects.new_to(first)) == []
    assert list(AgencyAction.objects.new_to(second)) == [action]


def test_an_action_of_another_agency_is_never_new_to_the_police_lead(police, health, police_lead):
    opened(health, description="HEALTH ONLY: train midwives")
    page = client_for(police_lead).get("/tracker/my-work/").content.decode()
    assert "HEALTH ONLY" not in page


def test_new_to_you_runs_a_fixed_number_of_queries(
    police, police_lead, django_assert_max_num_queries
):
    client = client_for(police_lead)
    opened(police)
    client.get("/tracker/my-work/")
    with django_assert_max_num_queries(40) as few:
        client.get("/tracker/my-work/")
    for n in range(6):
        opened(police, description=f"Action {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/tracker/my-work/").content.decode()
    assert "Action 5" in html


# --- A challenge's answer date ------------------------------------------------------------------


def challenged_past_due(agency, lead, scrutineer, **challenge):
    action = opened(agency, due=-10, description="Audit strategy discussions")
    services.post_update(
        action, lead, version=action.version, status="complete", note="Audit done."
    )
    services.challenge_action(action, scrutineer, note="Show the audit's findings.", **challenge)
    action.refresh_from_db()
    return action


def test_a_challenged_past_due_action_is_not_overdue_until_its_answer_date(
    police, police_lead, scrutineer
):
    action = challenged_past_due(police, police_lead, scrutineer)
    answer_due = days(28)
    assert action.challenge_answer_due == answer_due
    assert Assurance.objects.get().answer_due == answer_due
    assert action.status_label == f"Challenged — answer due {answer_due:%-d %B %Y}"

    assert not AgencyAction.objects.overdue().exists()
    assert not action.is_overdue
    assert category_counts(AgencyAction.objects.all())["overdue"] == 0
    assert my_work(police_lead, "overdue")["count"] == 0
    challenged = my_work(police_lead, "challenged")
    assert "Challenged — answer due" in challenged["items"][0].detail

    # The day after the answer date it is overdue, by the same rule everywhere.
    after = answer_due + datetime.timedelta(days=1)
    assert list(AgencyAction.objects.overdue(after)) == [action]
    assert list(AgencyAction.objects.with_states(after).filter(pk=action.pk))[0].is_overdue
    assert category_counts(AgencyAction.objects.all(), after)["overdue"] == 1
    assert reminders.send_overdue_reminders(today=TODAY) == 0
    assert reminders.send_overdue_reminders(today=after) == 1


def test_the_challenge_counts_in_the_history_read_for_a_past_day(police, police_lead, scrutineer):
    challenged_past_due(police, police_lead, scrutineer)
    moment = timezone.now() + datetime.timedelta(seconds=1)
    assert not AgencyAction.objects.category_as_at("overdue", moment, TODAY).exists()
    assert AgencyAction.objects.category_as_at("overdue", moment, days(29)).exists()


def test_the_api_and_the_export_say_challenged_with_the_answer_date(
    police, police_lead, scrutineer
):
    challenged_past_due(police, police_lead, scrutineer, answer_due=days(14))
    client = APIClient()
    client.force_authenticate(police_lead)
    (api,) = client.get("/api/learning/actions/").json()["results"]
    assert api["is_overdue"] is False
    assert api["challenge_answer_due"] == days(14).isoformat()

    export = client_for(scrutineer).get("/tracker/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert f"Challenged — answer due {days(14):%-d %B %Y}" in rows[1]


def test_the_scrutineer_sets_the_answer_date_and_a_past_date_is_refused(
    police, police_lead, scrutineer
):
    action = opened(police, due=-10)
    services.post_update(action, police_lead, version=action.version, status="complete")
    action.refresh_from_db()
    client = client_for(scrutineer)
    url = f"/tracker/actions/{action.pk}/assurance/"
    refused = client.post(
        url,
        {
            "decision": "challenge",
            "note": "Where is the audit?",
            "answer_due": days(-1).isoformat(),
            "version": action.version,
        },
    )
    assert refused.status_code == 400
    assert "The date for an answer cannot be in the past." in refused.content.decode()
    assert not Assurance.objects.exists()
    far = client.post(
        url,
        {
            "decision": "challenge",
            "note": "Where is the audit?",
            "answer_due": "9999-12-31",
            "version": action.version,
        },
    )
    assert far.status_code == 400
    assert "The date for an answer must be within a year." in far.content.decode()
    assert not Assurance.objects.exists()

    response = client.post(
        url,
        {
            "decision": "challenge",
            "note": "Where is the audit?",
            "answer_due": days(10).isoformat(),
            "version": action.version,
        },
        follow=True,
    )
    assert f"asked to answer by {days(10):%-d %B %Y}" in response.content.decode()
    action.refresh_from_db()
    assert action.challenge_answer_due == days(10)


def test_the_leads_answer_to_a_challenge_carries_evidence_and_a_bad_file_is_refused(
    police, police_lead, scrutineer
):
    action = challenged_past_due(police, police_lead, scrutineer)
    client = client_for(police_lead)
    url = f"/tracker/actions/{action.pk}/reply/"
    refused = client.post(
        url,
        {
            "note": "Findings attached.",
            "version": action.version,
            "evidence": SimpleUploadedFile("findings.pdf", b"MZ not really a PDF"),
        },
    )
    assert refused.status_code == 400
    assert not action.updates.filter(kind=ProgressUpdate.Kind.REPLY).exists()

    response = client.post(
        url,
        {
            "note": "Findings attached.",
            "version": action.version,
            "evidence": SimpleUploadedFile("audit-findings.pdf", PDF),
        },
    )
    assert response.status_code == 302
    reply = action.updates.get(kind=ProgressUpdate.Kind.REPLY)
    assert [file.original_name for file in reply.evidence.all()] == ["audit-findings.pdf"]


def test_the_challenge_email_tells_the_lead_the_date_to_answer_by(
    police, police_lead, scrutineer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        challenged_past_due(police, police_lead, scrutineer, answer_due=days(21))
    (email,) = [message for message in mailoutbox if police_lead.email in message.to]
    assert f"Please answer by {days(21):%-d %B %Y}." in email.body
