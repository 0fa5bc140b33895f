"""Agency actions: created on publication, listed for their leads, updated with evidence, extended,
assured or challenged, and briefings confirmed as cascaded."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from learning import services, tasks
from learning.evidence import check_evidence
from learning.models import (
    AgencyAction,
    Assurance,
    BriefingCascade,
    EvidenceFile,
    ExtensionRequest,
    ProgressUpdate,
)

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    BriefingPageFactory,
    RecommendationFactory,
    ReviewPageFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _ooxml(main_part, *others):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        for other in others:
            archive.writestr(other, OLE2)
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _update_with_evidence(lead, action, evidence):
    """The lead's progress update on the action page, with one evidence file attached."""
    return client_for(lead).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "Evidence",
            "status": "in_progress",
            "rag": "green",
            "version": action.version,
            "evidence": [evidence],
        },
    )


def publish_review(*recommendations, title="LCSPR: Child J"):
    """A review with recommendations (agencies, due date) published as the business unit would."""
    review = ReviewPageFactory(title=title)
    for number, (agencies, due_date) in enumerate(recommendations, start=1):
        recommendation = RecommendationFactory(
            review=review, number=str(number), sort_order=number, due_date=due_date
        )
        recommendation.agencies.set(agencies)
        recommendation.save()
    review.save_revision().publish()
    return review


def action_for(agency, status=AgencyAction.Status.IN_PROGRESS, **kwargs):
    action = AgencyActionFactory(agency=agency, **kwargs)
    if status != action.status:
        AgencyAction.objects.filter(pk=action.pk).update(status=status)
        action.refresh_from_db()
    return action


# --- Actions on publication -------------------------------------------------------------------


def test_publishing_a_review_gives_each_addressed_agency_one_action_and_emails_its_leads(
    police, health, police_lead, health_lead, mailoutbox, django_capture_on_commit_callbacks
):
    due = TODAY + datetime.timedelta(days=120)
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_review(([police, health], due), ([police], None))

    actions = AgencyAction.objects.filter(recommendation__review=review)
    assert actions.filter(agency=police).count() == 2
    assert actions.filter(agency=health).count() == 1
    first = actions.get(agency=health)
    assert first.status == AgencyAction.Status.NOT_STARTED
    assert first.original_due_date == first.current_due_date == due
    defaulted = actions.get(agency=police, recommendation__number="2")
    assert defaulted.original_due_date == services.default_due_date(TODAY)
    assert {m.to[0] for m in mailoutbox} == {police_lead.email, health_lead.email}
    police_mail = next(m for m in mailoutbox if m.to == [police_lead.email])
    assert "2 to respond to" in police_mail.subject
    assert f"/tracker/actions/{defaulted.pk}/" in police_mail.body
    page = client_for(police_lead).get(f"/tracker/actions/{defaulted.pk}/")
    assert "Action created" in page.content.decode()


def test_republishing_a_review_duplicates_no_action_and_sends_no_second_email(
    police, police_lead, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_review(([police], None))
    with django_capture_on_commit_callbacks(execute=True):
        review.save_revision().publish()
    assert AgencyAction.objects.filter(recommendation__review=review).count() == 1
    assert len(mailoutbox) == 1
    # Running the notification task again (a retried job) sends nothing twice.
    tasks.notify_new_actions.delay(list(AgencyAction.objects.values_list("pk", flat=True)))
    assert len(mailoutbox) == 1


# --- The agency lead's list -------------------------------------------------------------------


def test_agency_lead_sees_only_their_agencys_actions_overdue_first(police, health, police_lead):
    later = action_for(police, original_due_date=TODAY + datetime.timedelta(days=40))
    sooner = action_for(police, original_due_date=TODAY + datetime.timedelta(days=10))
    overdue = action_for(police, original_due_date=TODAY - datetime.timedelta(days=5))
    assured_late = action_for(
        police,
        status=AgencyAction.Status.ASSURED,
        original_due_date=TODAY - datetime.timedelta(days=50),
    )
    other = action_for(health, description="Health visiting records fathers")

    response = client_for(police_lead).get("/tracker/actions/")
    assert response.status_code == 200
    listed = list(response.context["actions"])
    assert listed == [overdue, assured_late, sooner, later]
    assert other not in listed
    assert "Health visiting records fathers" not in response.content.decode()
    assert "Overdue" in response.content.decode()


def test_business_unit_and_scrutineer_see_every_agencys_actions(
    police, health, business_unit, scrutineer
):
    actions = {action_for(police), action_for(health)}
    for user in (business_unit, scrutineer):
        listed = set(client_for(user).get("/tracker/actions/").context["actions"])
        assert listed == actions


def test_agency_lead_filters_their_actions_by_review_theme_and_status(police, police_lead):
    neglect = ThemeFactory(name="Neglect")
    review = ReviewPageFactory(title="SCR: Family S")
    recommendation = RecommendationFactory(review=review)
    recommendation.themes.set([neglect])
    recommendation.save()
    wanted = action_for(police, recommendation=recommendation)
    action_for(police)
    action_for(police, status=AgencyAction.Status.COMPLETE, recommendation__review=review)
    client = client_for(police_lead)

    by_review = client.get("/tracker/actions/", {"review": review.pk}).context["actions"]
    assert len(by_review) == 2 and wanted in by_review
    by_theme = client.get("/tracker/actions/", {"theme": neglect.slug}).context["actions"]
    assert list(by_theme) == [wanted]
    by_status = client.get(
        "/tracker/actions/", {"review": review.pk, "status": "in_progress"}
    ).context["actions"]
    assert list(by_status) == [wanted]


def test_action_list_runs_a_fixed_number_of_queries_however_many_actions(
    police, police_lead, django_assert_max_num_queries
):
    client = client_for(police_lead)
    client.get("/")  # the site's settings row is made on the first page view
    for _ in range(3):
        action_for(police)
    with django_assert_max_num_queries(16) as few:
        client.get("/tracker/actions/")
    for _ in range(30):
        action_for(police)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/tracker/actions/")
    assert len(response.context["actions"]) == 33


# --- The action page and progress updates -----------------------------------------------------


def test_action_page_shows_recommendation_review_dates_rag_and_history(police, police_lead):
    action = action_for(police, lead_officer="DI Sharma")
    services.post_update(
        action,
        police_lead,
        version=action.version,
        status="in_progress",
        rag="amber",
        note="Training **booked** for March.",
    )
    AgencyAction.objects.filter(pk=action.pk).update(
        current_due_date=action.original_due_date + datetime.timedelta(days=30)
    )
    html = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()
    assert action.recommendation.text in html
    assert action.recommendation.review.title in html
    assert "DI Sharma" in html
    assert action.original_due_date.strftime("%-d %B %Y") in html
    assert "slipped by 30 days" in html
    assert "Amber" in html and "set by police-lead" in html
    assert "<strong>booked</strong>" in html


def test_action_page_runs_a_fixed_number_of_queries_however_long_its_history(
    police, police_lead, django_assert_max_num_queries
):
    client = client_for(police_lead)
    client.get("/")
    action = action_for(police)
    url = f"/tracker/actions/{action.pk}/"

    def post(times):
        for number in range(times):
            services.post_update(
                action,
                police_lead,
                version=action.version,
                note=f"Update {number}",
                evidence=[upload(f"minutes-{number}.pdf", PDF)],
            )

    post(2)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    post(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "minutes-14.pdf" in client.get(url).content.decode()


def test_agency_lead_posts_a_progress_update_with_evidence(police, police_lead):
    action = action_for(police)
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "Audit of 20 referrals attached.",
            "status": "complete",
            "rag": "green",
            "version": action.version,
            "evidence": [upload("audit.pdf", PDF), upload("chart.png", PNG)],
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.COMPLETE
    assert action.rag == "green" and action.rag_set_by == police_lead
    update = action.updates.latest()
    assert update.author == police_lead and update.note == "Audit of 20 referrals attached."
    assert {(e.original_name, e.content_type) for e in update.evidence.all()} == {
        ("audit.pdf", "application/pdf"),
        ("chart.png", "image/png"),
    }
    html = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()
    evidence = update.evidence.get(original_name="audit.pdf")
    assert f'href="/tracker/evidence/{evidence.pk}/"' in html


def test_progress_note_markdown_is_sanitised(police, police_lead):
    action = action_for(police)
    services.post_update(
        action,
        police_lead,
        version=action.version,
        note='<script>alert("x")</script> [link](javascript:alert(1))',
    )
    html = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "javascript:alert" not in html


def test_agency_lead_cannot_mark_their_own_action_assured(police, police_lead):
    action = action_for(police, status=AgencyAction.Status.COMPLETE)
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {"note": "Done.", "status": "assured", "rag": "green", "version": action.version},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.COMPLETE
    with pytest.raises(services.ActionRuleError):
        services.post_update(action, police_lead, version=action.version, status="assured")


# --- Evidence files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("scan.jpg", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        ("plan.docx", _ooxml("word/document.xml"), "wordprocessingml"),
        ("tracker.xlsx", _ooxml("xl/workbook.xml"), "spreadsheetml"),
        ("old-plan.doc", OLE2, "application/msword"),
        ("old-tracker.xls", OLE2, "application/vnd.ms-excel"),
    ],
)
def test_evidence_of_each_accepted_kind_is_recognised_by_content(name, content, content_type):
    assert content_type in check_evidence(upload(name, content))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "invoice.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100,
            "content was checked",
        ),
        ("notes.pdf", b"<!DOCTYPE html><html><body>hi</body></html>", "content was checked"),
        ("page.html", b"<html><script>alert(1)</script></html>", "content was checked"),
        ("plan.docx", _ooxml("payload/evil.xml"), "content was checked"),
        ("plan.docx", _ooxml("xl/workbook.xml"), "rename it to .xlsx"),
        ("photo.pdf", PNG, "rename it to .png"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_evidence_that_is_not_what_it_claims_is_refused_with_a_reason(name, content, reason):
    with pytest.raises(Exception) as refused:
        check_evidence(upload(name, content))
    assert reason in " ".join(refused.value.messages)


def test_evidence_over_twenty_megabytes_is_refused_and_nothing_is_written(police, police_lead):
    action = action_for(police)
    big = upload("big.pdf", PDF + b"0" * (20 * 1024 * 1024 + 1 - len(PDF)))
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "See file",
            "status": "in_progress",
            "rag": "green",
            "version": action.version,
            "evidence": [big],
        },
    )
    assert response.status_code == 400
    assert "evidence files can be at most 20.0\xa0MB" in response.content.decode()
    assert not action.updates.exists()
    assert not EvidenceFile.objects.exists()


def test_agency_lead_attaching_a_macro_document_renamed_docx_is_told_it_holds_macros_and_nothing_is_saved(  # noqa: E501
    police, police_lead
):
    action = action_for(police)
    # A .docm (Word with macros) renamed .docx: the macros travel in word/vbaProject.bin.
    renamed = _ooxml("word/document.xml", "word/vbaProject.bin")
    response = _update_with_evidence(police_lead, action, upload("plan.docx", renamed))
    assert response.status_code == 400
    assert "plan.docx holds macros" in response.content.decode()
    assert not action.updates.exists()
    assert not EvidenceFile.objects.exists()


def test_an_exe_renamed_pdf_is_refused_on_the_action_page(police, police_lead):
    action = action_for(police)
    response = _update_with_evidence(
        police_lead, action, upload("evidence.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    )
    assert response.status_code == 400
    assert "evidence.pdf is not a PDF, Word" in response.content.decode()
    assert not action.updates.exists()


def test_evidence_is_downloaded_only_by_people_who_may_see_the_action(
    police, police_lead, health_lead, practitioner, scrutineer, settings
):
    action = action_for(police)
    update = services.post_update(
        action,
        police_lead,
        version=action.version,
        note="Audit",
        evidence=[upload("audit.pdf", PDF)],
    )
    evidence = update.evidence.get()
    # Kept outside MEDIA_ROOT, so no public media URL can reach it.
    assert not Path(evidence.file.path).is_relative_to(settings.MEDIA_ROOT)
    assert Path(evidence.file.path).is_relative_to(settings.EVIDENCE_ROOT)
    url = f"/tracker/evidence/{evidence.pk}/"
    response = client_for(police_lead).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'filename="audit.pdf"' in response["Content-Disposition"]
    assert client_for(scrutineer).get(url).status_code == 200
    assert client_for(health_lead).get(url).status_code == 403
    assert client_for(practitioner).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


# --- Two people editing the same action -------------------------------------------------------


def test_second_of_two_editors_is_refused_sees_what_changed_and_keeps_their_note(
    police, police_lead, business_unit
):
    action = action_for(police)
    loaded_version = (
        client_for(police_lead)
        .get(f"/tracker/actions/{action.pk}/")
        .context["update_form"]["version"]
        .value()
    )
    client_for(business_unit).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "Chased the agency for the audit.",
            "status": "in_progress",
            "rag": "amber",
            "version": loaded_version,
        },
    )
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {
            "note": "My careful paragraph about training.",
            "status": "complete",
            "rag": "green",
            "version": loaded_version,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this action" in html
    assert "Chased the agency for the audit." in html
    assert "My careful paragraph about training." in html
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.IN_PROGRESS and action.rag == "amber"
    assert list(action.updates.values_list("note", flat=True)) == [
        "Chased the agency for the audit."
    ]
    # The re-shown form carries the newer version, so saving again on purpose goes through.
    assert response.context["update_form"]["version"].value() == str(action.version)


# --- Extension requests -----------------------------------------------------------------------


def test_accepted_extension_moves_the_due_date_and_keeps_the_original_beside_it(
    police, police_lead, business_unit
):
    action = action_for(police)
    original = action.original_due_date
    new_date = original + datetime.timedelta(days=45)
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/extension/",
        {"new_due_date": new_date.isoformat(), "reason": "Training dates moved by the college."},
    )
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get(action=action)
    assert extension.decision == ExtensionRequest.Decision.PENDING
    action.refresh_from_db()
    assert action.current_due_date == original

    response = client_for(business_unit).post(
        f"/tracker/extensions/{extension.pk}/decision/",
        {"decision": "accept", "note": "Agreed at the subgroup."},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.original_due_date == original
    assert action.current_due_date == new_date and action.has_slipped
    latest = action.updates.latest()
    assert latest.kind == ProgressUpdate.Kind.EXTENSION and latest.due_date == new_date
    html = client_for(police_lead).get(f"/tracker/actions/{action.pk}/").content.decode()
    assert original.strftime("%-d %B %Y") in html and new_date.strftime("%-d %B %Y") in html
    assert "slipped by 45 days" in html


def test_declined_extension_leaves_the_due_date_alone(police, police_lead, business_unit):
    action = action_for(police)
    extension = services.request_extension(
        action,
        police_lead,
        new_due_date=action.current_due_date + datetime.timedelta(days=9),
        reason="Staff sickness.",
    )
    client_for(business_unit).post(
        f"/tracker/extensions/{extension.pk}/decision/",
        {"decision": "decline", "note": "Please use interim cover."},
    )
    extension.refresh_from_db()
    action.refresh_from_db()
    assert extension.decision == ExtensionRequest.Decision.DECLINED
    assert extension.decision_note == "Please use interim cover."
    assert action.current_due_date == action.original_due_date


def test_agency_lead_cannot_decide_their_own_extension(police, police_lead):
    action = action_for(police)
    extension = services.request_extension(
        action,
        police_lead,
        new_due_date=action.current_due_date + datetime.timedelta(days=9),
        reason="Staff sickness.",
    )
    response = client_for(police_lead).post(
        f"/tracker/extensions/{extension.pk}/decision/", {"decision": "accept"}
    )
    assert response.status_code == 403
    extension.refresh_from_db()
    assert extension.decision == ExtensionRequest.Decision.PENDING


def test_extension_to_an_earlier_date_is_refused_with_a_reason(police, police_lead):
    action = action_for(police)
    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/extension/",
        {
            "new_due_date": (action.current_due_date - datetime.timedelta(days=1)).isoformat(),
            "reason": "Oops",
        },
    )
    assert response.status_code == 400
    assert "must be later than the current due date" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


# --- Assurance --------------------------------------------------------------------------------


def decide(user, action, decision, note):
    """The scrutineer's assurance form, posted as the action page would."""
    return client_for(user).post(
        f"/tracker/actions/{action.pk}/assurance/",
        {"decision": decision, "note": note, "version": action.version},
    )


def test_scrutineer_assures_a_complete_action(police, scrutineer):
    action = action_for(police, status=AgencyAction.Status.COMPLETE)
    response = decide(scrutineer, action, "assure", "Re-audit shows referrals now record risk.")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.ASSURED
    assurance = Assurance.objects.get(action=action)
    assert assurance.decision == Assurance.Decision.ASSURED and assurance.by == scrutineer
    assert action.updates.latest().kind == ProgressUpdate.Kind.ASSURANCE


def test_scrutineers_challenge_returns_the_action_to_in_progress_and_tells_its_leads(
    police, police_lead, scrutineer, mailoutbox, django_capture_on_commit_callbacks
):
    action = action_for(police, status=AgencyAction.Status.COMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            scrutineer, action, "challenge", "Where is the evidence staff were trained?"
        )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.IN_PROGRESS
    latest = action.updates.latest()
    assert latest.kind == ProgressUpdate.Kind.CHALLENGE
    assert latest.note == "Where is the evidence staff were trained?"
    assert Assurance.objects.get(action=action).decision == Assurance.Decision.CHALLENGED
    assert [m.to for m in mailoutbox] == [[police_lead.email]]
    assert "Where is the evidence staff were trained?" in mailoutbox[0].body
    tasks.notify_challenge.delay(Assurance.objects.get().pk)
    assert len(mailoutbox) == 1


def test_only_complete_actions_can_be_assured(police, scrutineer):
    action = action_for(police, status=AgencyAction.Status.IN_PROGRESS)
    response = decide(scrutineer, action, "assure", "Looks fine.")
    assert response.status_code == 400
    assert "Only complete actions can be assured" in response.content.decode()
    assert not Assurance.objects.exists()


def test_assurance_needs_a_note(police, scrutineer):
    action = action_for(police, status=AgencyAction.Status.COMPLETE)
    response = decide(scrutineer, action, "assure", "")
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.COMPLETE


def test_agency_lead_cannot_assure_their_own_action(police, police_lead):
    action = action_for(police, status=AgencyAction.Status.COMPLETE)
    response = decide(police_lead, action, "assure", "We did it.")
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.COMPLETE


# --- Briefing cascades ------------------------------------------------------------------------


def test_agency_lead_confirms_a_briefing_was_cascaded_and_partnership_users_see_it(
    police, police_lead, scrutineer, practitioner
):
    briefing = BriefingPageFactory(title="Safer sleeping")
    page = client_for(police_lead).get(briefing.url).content.decode()
    assert f"/tracker/briefings/{briefing.pk}/cascade/" in page
    response = client_for(police_lead).post(
        f"/tracker/briefings/{briefing.pk}/cascade/",
        {
            "agency": police.pk,
            "cascaded_on": TODAY.isoformat(),
            "teams_reached": 4,
            "staff_reached": 37,
        },
    )
    assert response.status_code == 302
    cascade = BriefingCascade.objects.get()
    assert (cascade.agency, cascade.teams_reached, cascade.staff_reached) == (police, 4, 37)
    seen_by_scrutineer = client_for(scrutineer).get(briefing.url).content.decode()
    assert "Agencies that have cascaded this briefing" in seen_by_scrutineer
    assert "West Yorkshire Police" in seen_by_scrutineer
    for outsider in (practitioner, None):
        html = client_for(outsider).get(briefing.url).content.decode()
        assert "West Yorkshire Police" not in html
        assert "cascaded this briefing" not in html


def test_agency_lead_cannot_confirm_a_cascade_for_another_agency(police_lead, health):
    briefing = BriefingPageFactory()
    response = client_for(police_lead).post(
        f"/tracker/briefings/{briefing.pk}/cascade/",
        {
            "agency": health.pk,
            "cascaded_on": TODAY.isoformat(),
            "teams_reached": 1,
            "staff_reached": 5,
        },
    )
    assert response.status_code == 400
    assert not BriefingCascade.objects.exists()


def test_cascade_in_the_future_or_reaching_nobody_is_refused(police, police_lead):
    briefing = BriefingPageFactory()
    url = f"/tracker/briefings/{briefing.pk}/cascade/"
    client = client_for(police_lead)
    future = client.post(
        url,
        {
            "agency": police.pk,
            "teams_reached": 1,
            "staff_reached": 1,
            "cascaded_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert "cannot be in the future" in future.content.decode()
    nobody = client.post(
        url,
        {
            "agency": police.pk,
            "teams_reached": 0,
            "staff_reached": 0,
            "cascaded_on": TODAY.isoformat(),
        },
    )
    assert "Say how many teams or staff" in nobody.content.decode()
    too_many = client.post(
        url,
        {
            "agency": police.pk,
            "teams_reached": 1,
            "staff_reached": 10**20,
            "cascaded_on": TODAY.isoformat(),
        },
    )
    assert too_many.status_code == 400
    assert "less than or equal to 1000000" in too_many.content.decode()
    assert not BriefingCascade.objects.exists()


def test_cascade_form_is_only_for_briefings(police_lead):
    review = ReviewPageFactory()
    assert (
        client_for(police_lead).get(f"/tracker/briefings/{review.pk}/cascade/").status_code == 404
    )


# --- Header link and demo ---------------------------------------------------------------------


def test_tracker_link_shows_in_the_header_only_for_people_who_may_use_it(police_lead, practitioner):
    assert 'href="/tracker/actions/">Tracker<' in client_for(police_lead).get("/").content.decode()
    assert ">Tracker<" not in client_for(practitioner).get("/").content.decode()
    assert ">Tracker<" not in client_for(None).get("/").content.decode()


def test_demo_has_actions_in_every_status_some_overdue_some_slipped_with_rag():
    from home.demo import seed

    seed()
    seed()  # idempotent: a second run adds nothing
    actions = AgencyAction.objects.all()
    assert set(actions.values_list("status", flat=True)) == set(AgencyAction.Status.values)
    assert actions.overdue().exists()
    assert actions.slipped().exists()
    assert ExtensionRequest.objects.filter(decision="accepted").exists()
    assert actions.exclude(rag="").filter(rag_set_by__isnull=False).exists()
    assert Assurance.objects.filter(decision="assured").exists()
    counts = (AgencyAction.objects.count(), ProgressUpdate.objects.count())
    seed()
    assert (AgencyAction.objects.count(), ProgressUpdate.objects.count()) == counts


def test_create_api_token_prints_the_same_token_until_renewed(police_lead, capsys):
    call_command("create_api_token", "police-lead")
    first = capsys.readouterr().out.strip()
    call_command("create_api_token", "police-lead")
    assert capsys.readouterr().out.strip() == first
    call_command("create_api_token", "police-lead", "--renew")
    assert capsys.readouterr().out.strip() != first


def test_complete_action_past_its_date_is_not_overdue_but_waits_for_assurance(db):
    import datetime

    from django.utils import timezone

    from learning.models import AgencyAction

    from .factories import AgencyActionFactory

    past = timezone.localdate() - datetime.timedelta(days=10)
    done = AgencyActionFactory(
        status=AgencyAction.Status.COMPLETE, original_due_date=past, current_due_date=past
    )
    late = AgencyActionFactory(original_due_date=past, current_due_date=past)
    assert not done.is_overdue and late.is_overdue
    assert list(AgencyAction.objects.overdue()) == [late]
    assert list(AgencyAction.objects.complete_unassured()) == [done]


def test_actions_without_a_recommendation_date_take_the_default_the_business_unit_set(police):
    from learning.models import TrackerSettings

    setting = TrackerSettings.load()
    setting.default_action_days = 30
    setting.save()
    review = publish_review(([police], None))
    action = AgencyAction.objects.get(recommendation__review=review)
    assert action.original_due_date == TODAY + datetime.timedelta(days=30)


def test_agency_lead_cannot_undo_an_assured_action_with_a_progress_update(police, police_lead):
    action = action_for(police, status=AgencyAction.Status.ASSURED)
    page = client_for(police_lead).get(f"/tracker/actions/{action.pk}/")
    assert "Post a progress update" not in page.content.decode()

    response = client_for(police_lead).post(
        f"/tracker/actions/{action.pk}/",
        {"note": "Reopening", "status": "in_progress", "rag": "amber", "version": action.version},
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.ASSURED
