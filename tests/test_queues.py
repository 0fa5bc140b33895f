"""Each person's work comes to them: My work for agency leads, Waiting for the business unit, and
Waiting for assurance for the scrutineer; extension requests and challenges as conversations."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from learning import queues, services
from learning.models import AgencyAction, Assurance, AuditCycle, ProgressUpdate, Section11Return

from .conftest import client_for
from .factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingCascadeFactory,
    BriefingPageFactory,
    ExtensionRequestFactory,
    RecommendationFactory,
    ReviewPageFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
LINK = re.compile(r"http://testserver(/\S+)")


def days(n):
    return TODAY + datetime.timedelta(days=n)


def action(agency, status=AgencyAction.Status.IN_PROGRESS, due=60, **kwargs):
    made = AgencyActionFactory(
        agency=agency, original_due_date=days(due), current_due_date=days(due), **kwargs
    )
    AgencyAction.objects.filter(pk=made.pk).update(status=status)
    made.refresh_from_db()
    return made


def complete(made, by, evidence=()):
    services.post_update(
        made, by, version=made.version, status="complete", note="Done.", evidence=evidence
    )
    made.refresh_from_db()
    return made


def counts(user):
    return {entry["section"].key: entry["count"] for entry in queues.build(queues.MY_WORK, user)}


# --- My work ------------------------------------------------------------------------------------


def test_my_work_counts_only_the_leads_own_agencies_work(
    police, health, police_lead, scrutineer, business_unit
):
    action(police, due=-3, description="Overdue police action")
    action(police, due=5, description="Police action due soon")
    action(health, due=-3, description="HEALTH ONLY overdue")
    challenged = complete(
        action(police, due=30, description="Challenged police action"), police_lead
    )
    services.challenge_action(challenged, scrutineer, note="Where is the audit?")
    decided = action(police, due=40, description="Extended police action")
    extension = services.request_extension(
        decided, police_lead, new_due_date=days(80), reason="Training moved."
    )
    services.decide_extension(extension, business_unit, accept=True, note="Fine.")
    AuditCycle.objects.create(name="Section 11 2026", opens_on=days(-10), closes_on=days(50))
    briefing = BriefingPageFactory(title="Involving fathers")
    BriefingCascadeFactory(briefing=briefing, agency=health)

    assert counts(police_lead) == {
        # Opened today and not yet posted on by the lead: all but the challenged one.
        "new_to_you": 3,
        "overdue": 1,
        "due_soon": 1,
        "challenged": 1,
        "extension_decisions": 1,
        "section11_open": 1,
        "briefings_not_cascaded": 1,
        "information_requests": 0,
    }
    html = client_for(police_lead).get("/tracker/my-work/").content.decode()
    for text in (
        "Overdue police action",
        "Police action due soon",
        "Challenged police action",
        "Accepted: ",
        "West Yorkshire Police: Section 11 2026",
        "Involving fathers",
    ):
        assert text in html
    assert "HEALTH ONLY" not in html


def test_a_briefing_the_agency_confirmed_leaves_my_work(police, police_lead):
    briefing = BriefingPageFactory(title="Involving fathers")
    assert counts(police_lead)["briefings_not_cascaded"] == 1
    BriefingCascadeFactory(briefing=briefing, agency=police)
    assert counts(police_lead)["briefings_not_cascaded"] == 0


def test_my_work_runs_a_fixed_number_of_queries(police, police_lead, django_assert_max_num_queries):
    client = client_for(police_lead)
    for due in (-2, 3):
        action(police, due=due)
    BriefingPageFactory()
    client.get("/tracker/my-work/")
    with django_assert_max_num_queries(40) as few:
        client.get("/tracker/my-work/")
    for due in (-5, -4, 4, 6, 8):
        action(police, due=due)
    BriefingPageFactory.create_batch(3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/tracker/my-work/")


def test_a_section_another_part_of_the_hub_registers_appears_in_the_queue(police_lead):
    @queues.section(queues.MY_WORK, "test_requests", "Information requests due", order=55)
    def requests_due(user, today):
        return [object()], lambda row: queues.QueueItem(title="Chronology for Child K", url="/")

    try:
        html = client_for(police_lead).get("/tracker/my-work/").content.decode()
        assert "Information requests due" in html and "Chronology for Child K" in html
    finally:
        queues._REGISTRY[queues.MY_WORK].pop("test_requests")


# --- Extension requests: emails both ways -------------------------------------------------------


def test_an_extension_request_emails_the_business_unit_and_the_decision_emails_the_lead(
    police,
    police_lead,
    business_unit,
    business_manager,
    scrutineer,
    client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    made = action(police, due=20, description="Agree a same-day information-sharing route")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(police_lead).post(
            f"/tracker/actions/{made.pk}/extension/",
            {"new_due_date": days(60).isoformat(), "reason": "Staff sickness in the MASH."},
        )
    assert sorted(m.to[0] for m in mailoutbox) == [business_manager.email, business_unit.email]
    request_email = mailoutbox[0]
    assert "Staff sickness in the MASH." in request_email.body
    link = LINK.search(request_email.body).group(1)
    page = client_for(business_unit).get(link).content.decode()
    assert "Decide this request" in page

    queue = client_for(business_unit).get("/tracker/business-unit/").content.decode()
    assert "Staff sickness in the MASH." in queue

    mailoutbox.clear()
    extension = made.extension_requests.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(business_unit).post(
            f"/tracker/extensions/{extension.pk}/decision/",
            {"decision": "decline", "note": "Use the interim route."},
        )
    assert [m.to for m in mailoutbox] == [[police_lead.email]]
    assert "declined" in mailoutbox[0].subject.lower()
    assert "Use the interim route." in mailoutbox[0].body
    link = LINK.search(mailoutbox[0].body).group(1)
    assert client_for(police_lead).get(link).status_code == 200
    # Running the task again sends nothing more.
    from learning.tasks import notify_extension_decided

    assert notify_extension_decided(extension.pk) == 0


# --- The challenge as a conversation ------------------------------------------------------------


def test_the_agency_answers_a_challenge_on_the_action_and_the_scrutineer_is_told_and_sees_it(
    police, police_lead, health_lead, scrutineer, mailoutbox, django_capture_on_commit_callbacks
):
    made = complete(action(police), police_lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_action(made, scrutineer, note="What changed for children?")
    assert [m.to for m in mailoutbox] == [[police_lead.email]]  # the challenge reaches the lead
    mailoutbox.clear()

    page = client_for(police_lead).get(made.get_absolute_url()).content.decode()
    assert "Answer the scrutineer" in page and "What changed for children?" in page
    made.refresh_from_db()
    assert (
        client_for(health_lead)
        .post(f"/tracker/actions/{made.pk}/reply/", {"note": "x", "version": made.version})
        .status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(police_lead).post(
            f"/tracker/actions/{made.pk}/reply/",
            {"note": "Audit of 20 referrals attached next week.", "version": made.version},
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[scrutineer.email]]
    assert "Audit of 20 referrals" in mailoutbox[0].body
    link = LINK.search(mailoutbox[0].body).group(1)
    page = client_for(scrutineer).get(link).content.decode()
    assert "Reply to the challenge" in page and "Audit of 20 referrals" in page
    assert made.updates.filter(kind=ProgressUpdate.Kind.REPLY).count() == 1


def test_there_is_no_reply_without_an_open_challenge(police, police_lead):
    made = action(police)
    page = client_for(police_lead).get(made.get_absolute_url()).content.decode()
    assert "Answer the scrutineer" not in page
    response = client_for(police_lead).post(
        f"/tracker/actions/{made.pk}/reply/", {"note": "Hello", "version": made.version}
    )
    assert response.status_code == 400
    assert "no open challenge" in response.content.decode()
    assert not made.updates.filter(kind=ProgressUpdate.Kind.REPLY).exists()


# --- Waiting for the business unit --------------------------------------------------------------


def test_business_unit_queue_lists_late_returns_agencies_without_a_lead_and_quiet_actions(
    police, police_lead, business_unit
):
    unled = AgencyFactory(name="Kirklees Children's Services", short_name="CSC")
    cycle = AuditCycle.objects.create(
        name="Section 11 2025", opens_on=days(-200), closes_on=days(-1)
    )
    Section11Return.objects.create(agency=police, cycle=cycle, status="submitted")
    quiet = action(police, description="Nothing said since spring")
    AgencyAction.objects.filter(pk=quiet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=120)
    )
    extended = action(police)
    ExtensionRequestFactory(
        action=extended, decision="declined", new_due_date=days(70), reason="Sickness."
    )
    ExtensionRequestFactory(action=extended, reason="Restructure of the team.")

    sections = {
        entry["section"].key: entry for entry in queues.build(queues.BUSINESS_UNIT, business_unit)
    }
    assert [item.title for item in sections["agencies_without_lead"]["items"]] == [unled.name]
    assert [item.title for item in sections["returns_late"]["items"]] == [
        "Kirklees Children's Services: Section 11 2025"
    ]
    assert [item.title for item in sections["quiet"]["items"]] == ["Nothing said since spring"]
    detail = sections["extensions"]["items"][0].detail
    assert "Restructure of the team." in detail
    assert f"Earlier requests: declined a move to {days(70):%d %b %Y}" in detail


def test_a_lead_who_is_deactivated_leaves_their_agency_without_a_lead(
    police, police_lead, business_unit
):
    from learning.models import Agency

    assert police not in Agency.objects.without_lead()
    police_lead.is_active = False
    police_lead.save()
    assert police in Agency.objects.without_lead()


# --- Waiting for assurance ----------------------------------------------------------------------


def test_scrutineer_sees_each_complete_actions_evidence_and_assures_several_with_one_note(
    police, health, police_lead, health_lead, scrutineer, django_assert_max_num_queries
):
    first = complete(
        action(police, description="Police route agreed"),
        police_lead,
        evidence=[SimpleUploadedFile("route-audit.pdf", PDF)],
    )
    second = complete(action(health, description="Health visiting records fathers"), health_lead)
    still_open = action(police, description="Still in progress")
    client = client_for(scrutineer)
    client.get("/tracker/assurance/")
    with django_assert_max_num_queries(30):
        page = client.get("/tracker/assurance/").content.decode()
    assert "route-audit.pdf" in page and "Health visiting records fathers" in page
    assert "Still in progress" not in page

    response = client.post(
        "/tracker/assurance/",
        {"actions": [first.pk, second.pk], "note": "Audit evidence seen at the subgroup."},
    )
    assert response.status_code == 302
    assurances = Assurance.objects.filter(decision="assured").order_by("action_id")
    assert [a.action_id for a in assurances] == [first.pk, second.pk]
    assert {a.note for a in assurances} == {"Audit evidence seen at the subgroup."}
    for made in (first, second):
        made.refresh_from_db()
        assert made.status == AgencyAction.Status.ASSURED
    still_open.refresh_from_db()
    assert still_open.status == AgencyAction.Status.IN_PROGRESS


def test_assuring_several_without_a_note_changes_nothing(police, police_lead, scrutineer):
    made = complete(action(police), police_lead)
    response = client_for(scrutineer).post(
        "/tracker/assurance/", {"actions": [made.pk], "note": ""}
    )
    assert response.status_code == 400
    assert not Assurance.objects.exists()


def test_an_action_that_is_not_complete_cannot_be_slipped_into_a_bulk_assurance(police, scrutineer):
    made = action(police)
    response = client_for(scrutineer).post(
        "/tracker/assurance/", {"actions": [made.pk], "note": "Seen."}
    )
    assert response.status_code == 400
    assert not Assurance.objects.exists()


def test_challenged_actions_are_counted_on_the_dashboard(police, police_lead, scrutineer):
    made = complete(action(police, description="Challenged police action"), police_lead)
    services.challenge_action(made, scrutineer, note="Show impact.")
    html = client_for(scrutineer).get("/tracker/dashboard/").content.decode()
    assert re.search(r">1</a>\s*Challenged", html)


def test_an_imported_review_waits_for_the_business_unit_to_confirm_it(business_unit):
    from wagtail.log_actions import log

    from reviews.importer.create import IMPORT_LOG_ACTION

    draft = ReviewPageFactory(title="LCSPR: Child T", live=False)
    log(draft, IMPORT_LOG_ACTION, data={"source": "child-t.pdf", "confirmed_by_editor": False})
    confirmed = ReviewPageFactory(title="LCSPR: Child U", live=False)
    log(confirmed, IMPORT_LOG_ACTION, data={"source": "child-u.pdf", "confirmed_by_editor": True})

    html = client_for(business_unit).get("/tracker/business-unit/").content.decode()
    assert "Imports to confirm" in html
    assert "LCSPR: Child T" in html and "LCSPR: Child U" not in html
    assert f"/admin/pages/{draft.pk}/edit/" in html


# --- An agency with no lead ---------------------------------------------------------------------


def test_publishing_actions_for_an_agency_without_a_lead_warns_the_approver_and_business_unit(
    police,
    police_lead,
    business_unit,
    business_manager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    unled = AgencyFactory(name="Kirklees Children's Services", short_name="CSC")
    review = ReviewPageFactory(title="LCSPR: Child J")
    for number, agencies in ((1, [police, unled]), (2, [unled])):
        recommendation = RecommendationFactory(review=review, number=str(number))
        recommendation.agencies.set(agencies)
        recommendation.save()
    with django_capture_on_commit_callbacks(execute=True):
        review.save_revision(user=business_manager).publish(user=business_manager)

    warnings = [m for m in mailoutbox if "No lead for" in m.subject]
    assert sorted(m.to[0] for m in warnings) == sorted(
        [business_unit.email, business_manager.email]
    )
    assert all("2 new action(s)" in m.subject for m in warnings)
    assert all(
        "Kirklees Children's Services" in m.body and "LCSPR: Child J" in m.body for m in warnings
    )
    # The police lead hears about the police action as before, and nothing about the other.
    to_police = [m for m in mailoutbox if m.to == [police_lead.email]]
    assert len(to_police) == 1 and "West Yorkshire Police" in to_police[0].subject
    # Publishing again sends no second warning.
    mailoutbox.clear()
    from learning.tasks import warn_agencies_without_lead

    ids = list(AgencyAction.objects.filter(agency=unled).values_list("pk", flat=True))
    assert warn_agencies_without_lead(ids, business_manager.pk) == 0


def test_actions_for_an_agency_led_only_in_another_partnership_warn_the_boards_business_unit(
    police, police_lead, business_unit, mailoutbox, django_capture_on_commit_callbacks
):
    """The police lead leads for the police in the children's partnership only, so an adults
    board's new police action reaches nobody: the board's business unit is warned, and the
    children's business unit, who may not see the board's actions, is not."""
    from learning import permissions
    from learning.models import PartnershipMembership

    from .factories import PartnershipFactory, member_of, review_index_of

    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_manager = member_of(board, permissions.BUSINESS_MANAGERS, "sab-business-manager")
    PartnershipMembership.objects.create(
        user=board_manager, partnership=board, role=permissions.BUSINESS_UNIT
    )
    review = ReviewPageFactory(title="SAR: Adult K", parent=review_index_of(board))
    recommendation = RecommendationFactory(review=review)
    recommendation.agencies.set([police])
    recommendation.save()
    with django_capture_on_commit_callbacks(execute=True):
        review.save_revision(user=board_manager).publish(user=board_manager)

    assert AgencyAction.objects.filter(agency=police, recommendation__review=review).exists()
    assert not [m for m in mailoutbox if police_lead.email in m.to]
    warnings = [m for m in mailoutbox if "No lead for" in m.subject]
    assert [m.to for m in warnings] == [[board_manager.email]]
    assert "West Yorkshire Police" in warnings[0].subject and "SAR: Adult K" in warnings[0].body
    assert "nobody leads for West Yorkshire Police in Safeguarding Adults Board" in (
        warnings[0].body
    )


def test_an_extension_request_reaches_only_the_business_unit_of_the_actions_partnership(
    police, business_unit, mailoutbox, django_capture_on_commit_callbacks
):
    """The request is "sent to the business unit": the one that may decide it."""
    from learning import permissions

    from .factories import PartnershipFactory, member_of, review_index_of

    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_officer = member_of(board, permissions.BUSINESS_UNIT, "sab-business-unit")
    board_lead = member_of(board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    made = action(
        police,
        description="Police action of the board",
        recommendation=RecommendationFactory(
            review=ReviewPageFactory(parent=review_index_of(board))
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(board_lead).post(
            f"/tracker/actions/{made.pk}/extension/",
            {"new_due_date": days(120).isoformat(), "reason": "Training moved to spring."},
            follow=True,
        )
    assert "Your request for more time has been sent to the business unit." in (
        response.content.decode()
    )
    asked = [m for m in mailoutbox if m.subject.startswith("Extension requested")]
    assert [m.to for m in asked] == [[board_officer.email]]
    assert business_unit.email not in {address for m in mailoutbox for address in m.to}


def test_approving_in_the_admin_shows_the_warning_to_the_approver(business_unit, business_manager):
    from django.urls import reverse
    from wagtail.models import WorkflowState

    unled = AgencyFactory(name="Kirklees Children's Services", short_name="CSC")
    review = ReviewPageFactory(title="LCSPR: Child J", live=False)
    recommendation = RecommendationFactory(review=review)
    recommendation.agencies.set([unled])
    recommendation.save()
    review.save_revision(user=business_unit)
    review.get_workflow().start(review, business_unit)
    task_state = WorkflowState.objects.get(object_id=str(review.pk)).current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[review.pk, "approve", task_state.pk])
    response = client_for(business_manager).post(url, {"comment": "Approved."}, follow=True)
    review.refresh_from_db()
    assert review.live
    assert "Nobody leads for Kirklees Children&#x27;s Services" in response.content.decode()


def test_my_work_lists_the_chronologies_a_rapid_review_asked_the_leads_agency_for(
    police, police_lead
):
    from .factories import AgencyFactory, InformationRequestFactory

    asked = InformationRequestFactory(
        agency=police, asked="Chronology of police contact with Family T", due_on=days(-2)
    )
    InformationRequestFactory(agency=police, asked="Already returned", returned_on=days(-5))
    InformationRequestFactory(agency=AgencyFactory(), asked="Health visiting chronology")

    assert counts(police_lead)["information_requests"] == 1
    html = client_for(police_lead).get("/tracker/my-work/").content.decode()
    assert "Information requests for rapid reviews" in html
    assert f"{asked.case.reference}: Chronology of police contact with Family T" in html
    assert "overdue" in html
    assert "Already returned" not in html and "Health visiting chronology" not in html


def test_an_agency_whose_only_lead_has_no_email_address_is_flagged_as_without_a_lead(
    police, police_lead, business_unit
):
    from learning.models import Agency

    assert police not in Agency.objects.without_lead()
    police_lead.email = ""
    police_lead.save()
    assert police in Agency.objects.without_lead()
    html = client_for(business_unit).get("/tracker/business-unit/").content.decode()
    assert police.name in html.split('id="queue-agencies_without_lead"')[1]


def test_the_scrutineer_follows_the_challenged_figure_to_every_challenged_action(
    police, police_lead, scrutineer
):
    """The dashboard says every figure links to the list behind it: the challenged figure too,
    and its "All N" link, even when more are challenged than the dashboard lists."""
    challenged = [
        complete(action(police, description=f"Challenged police action {n}"), police_lead)
        for n in range(11)
    ]
    for made in challenged:
        services.challenge_action(made, scrutineer, note="Show impact.")
    action(police, description="Police action nobody challenged")
    client = client_for(scrutineer)
    html = client.get("/tracker/dashboard/").content.decode()

    figure = re.search(r'<a href="([^"]+)"[^>]*>11</a>\s*Challenged by the scrutineer', html)
    every = re.search(r'<a href="([^"]+)">All 11 challenged by the scrutineer</a>', html)
    assert figure and every
    for link in (figure.group(1), every.group(1)):
        listed = client.get(link.replace("&amp;", "&")).content.decode()
        assert "11 actions" in listed
        assert all(f"Challenged police action {n}<" in listed for n in range(11))
        assert "Police action nobody challenged" not in listed


def test_a_boards_business_unit_sees_an_agency_led_only_in_the_childrens_partnership_as_without_a_lead(
    police, police_lead, business_unit
):
    """The queue says "their actions and reminders reach nobody": true of the board's police
    actions, for the police lead leads in the children's partnership only."""
    from learning import permissions

    from .factories import PartnershipFactory, member_of

    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_officer = member_of(board, permissions.BUSINESS_UNIT, "sab-business-unit")

    def unled(person):
        html = client_for(person).get("/tracker/business-unit/").content.decode()
        return html.split('id="queue-agencies_without_lead"')[1].split("</section>")[0]

    assert police.name in unled(board_officer)
    assert police.name not in unled(business_unit)
    member_of(board, permissions.AGENCY_LEADS, "sab-police-lead", [police])
    assert police.name not in unled(board_officer)
