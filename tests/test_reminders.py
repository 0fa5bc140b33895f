"""Reminders to agency leads and the weekly digest: each goes at most once per period."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from learning import reminders, tasks
from learning.models import AgencyAction, ReminderLog

from .factories import AgencyActionFactory, RecommendationFactory, UserFactory, agency_lead

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)


def _action(agency, due, **fields):
    return AgencyActionFactory(
        agency=agency,
        recommendation=RecommendationFactory(),
        original_due_date=fields.pop("original_due_date", due),
        current_due_date=due,
        **fields,
    )


def test_agency_leads_are_reminded_once_of_actions_due_within_14_days(
    police, police_lead, health_lead, mailoutbox
):
    _action(police, MONDAY + 10 * DAY, description="Refresh the escalation policy")
    _action(police, MONDAY + 30 * DAY, description="Not due for a month")

    assert reminders.send_due_soon_reminders(today=MONDAY) == 1
    assert reminders.send_due_soon_reminders(today=MONDAY) == 0
    assert reminders.send_due_soon_reminders(today=MONDAY + DAY) == 0

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [police_lead.email]
    assert "Refresh the escalation policy" in email.body
    assert "Not due for a month" not in email.body
    assert ReminderLog.objects.filter(kind=reminders.DUE_SOON).count() == 1


def test_a_revised_due_date_earns_a_new_due_soon_reminder(police, police_lead, mailoutbox):
    action = _action(police, MONDAY + 5 * DAY)
    reminders.send_due_soon_reminders(today=MONDAY)
    AgencyAction.objects.filter(pk=action.pk).update(current_due_date=MONDAY + 12 * DAY)
    reminders.send_due_soon_reminders(today=MONDAY + DAY)
    assert len(mailoutbox) == 2


def test_finished_actions_are_not_reminded(police, police_lead, mailoutbox):
    _action(police, MONDAY + 3 * DAY, status=AgencyAction.Status.ASSURED)
    _action(police, MONDAY - 3 * DAY, status=AgencyAction.Status.CLOSED)
    assert reminders.send_due_soon_reminders(today=MONDAY) == 0
    assert reminders.send_overdue_reminders(today=MONDAY) == 0
    assert mailoutbox == []


def test_overdue_reminders_go_once_a_week(police, police_lead, mailoutbox):
    _action(police, MONDAY - 20 * DAY, description="Audit supervision records")
    for day in range(7):  # the task runs daily; only the first run of the week sends
        reminders.send_overdue_reminders(today=MONDAY + day * DAY)
    assert len(mailoutbox) == 1
    assert "Audit supervision records" in mailoutbox[0].body
    reminders.send_overdue_reminders(today=MONDAY + 7 * DAY)
    assert len(mailoutbox) == 2
    assert set(ReminderLog.objects.values_list("period", flat=True)) == {"2026-W48", "2026-W49"}


def test_every_lead_of_the_agency_is_reminded_and_no_one_else(police, health, mailoutbox):
    first = agency_lead(police, "police-lead")
    second = agency_lead(police, "police-deputy")
    agency_lead(health, "health-lead")
    no_email = agency_lead(police, "police-no-email")
    no_email.email = ""
    no_email.save()
    _action(police, MONDAY - DAY)
    reminders.send_overdue_reminders(today=MONDAY)
    assert sorted(email.to[0] for email in mailoutbox) == sorted([first.email, second.email])


def test_weekly_digest_goes_to_scrutineer_and_business_unit_once_a_week(
    scrutineer, business_unit, police_lead, police, mailoutbox
):
    _action(police, MONDAY - 5 * DAY, description="Overdue training plan")
    _action(police, MONDAY + 40 * DAY, description="Finished audit", status="complete")

    assert reminders.send_weekly_digest(today=MONDAY) == 2
    assert reminders.send_weekly_digest(today=MONDAY + 2 * DAY) == 0

    assert sorted(email.to[0] for email in mailoutbox) == sorted(
        [scrutineer.email, business_unit.email]
    )
    body = mailoutbox[0].body
    assert "Overdue: 1" in body
    assert "Complete but not assured: 1" in body
    assert "Overdue training plan" in body
    assert police_lead.email not in [email.to[0] for email in mailoutbox]

    reminders.send_weekly_digest(today=MONDAY + 7 * DAY)
    assert len(mailoutbox) == 4


def test_a_failed_send_records_nothing_so_the_next_run_sends_it(
    police, police_lead, mailoutbox, monkeypatch
):
    _action(police, MONDAY - DAY)

    def broken_mail_server(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken_mail_server)
    with pytest.raises(ConnectionRefusedError):
        reminders.send_overdue_reminders(today=MONDAY)
    assert not ReminderLog.objects.exists()

    monkeypatch.undo()
    assert reminders.send_overdue_reminders(today=MONDAY) == 1
    assert len(mailoutbox) == 1


def test_tasks_run_eagerly_and_twice_send_nothing_twice(
    police, police_lead, scrutineer, mailoutbox
):
    _action(police, timezone.localdate() + 2 * DAY)
    _action(police, timezone.localdate() - 2 * DAY)
    for _ in range(2):
        tasks.remind_due_soon.delay()
        tasks.remind_overdue.delay()
        tasks.send_weekly_digest.delay()
    assert sorted(email.to[0] for email in mailoutbox) == sorted(
        [police_lead.email, police_lead.email, scrutineer.email]
    )


def test_beat_runs_reminders_daily_and_the_digest_on_monday_morning():
    schedule = settings.CELERY_BEAT_SCHEDULE
    reminder_entries = ["remind-due-soon", "remind-overdue", "weekly-digest"]
    assert {schedule[name]["task"] for name in reminder_entries} <= set(app.tasks)
    digest = schedule["weekly-digest"]["schedule"]
    assert digest.day_of_week == {1} and digest.hour == {7} and digest.minute == {0}


def test_beat_catches_up_waiting_uploads_and_owed_similar_recommendations_with_a_broker():
    """With a worker and beat (no in-process catch-up) nothing the broker missed waits for ever."""
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks_run = {entry["task"] for entry in schedule.values()}
    assert {
        "reviews.importer.tasks.read_waiting_imports",
        "search.tasks.update_recurrence",
        "learning.tasks.send_owed_notifications",
    } <= tasks_run
    app.loader.import_default_modules()  # each app's tasks, as a worker loads them
    assert tasks_run <= set(app.tasks)


def test_inactive_business_unit_members_get_no_digest(mailoutbox):
    from learning import permissions

    UserFactory(username="left-the-unit", role=permissions.BUSINESS_UNIT, is_active=False)
    assert reminders.send_weekly_digest(today=MONDAY) == 0


def test_each_partnerships_digest_holds_the_figures_of_the_dashboard_it_links_to(
    scrutineer, business_unit, police, mailoutbox
):
    """The digest's figures are those of the dashboard it links to: a board's business unit reads
    the board's actions only, and the children's partnership's people never read the board's."""
    from learning import permissions

    from .conftest import client_for
    from .factories import PartnershipFactory, ReviewPageFactory, member_of, review_index_of

    today = timezone.localdate()
    board = PartnershipFactory(name="Safeguarding Adults Board")
    board_officer = member_of(board, permissions.BUSINESS_UNIT, "sab-business-unit")
    _action(police, today - 5 * DAY, description="Overdue training plan")
    _action(police, today + 40 * DAY, description="Children's audit", status="complete")
    AgencyActionFactory(
        agency=police,
        recommendation=RecommendationFactory(
            review=ReviewPageFactory(title="SAR: Adult K", parent=review_index_of(board))
        ),
        original_due_date=today - 3 * DAY,
        current_due_date=today - 3 * DAY,
        description="Board's overdue SAR action",
    )

    assert reminders.send_weekly_digest(today=today) == 3
    body = {email.to[0]: email.body for email in mailoutbox}
    for person, own, other in (
        (board_officer, "Board's overdue SAR action", "Overdue training plan"),
        (business_unit, "Overdue training plan", "Board's overdue SAR action"),
        (scrutineer, "Overdue training plan", "Board's overdue SAR action"),
    ):
        figures = {
            category["key"]: category["count"]
            for category in client_for(person).get("/tracker/dashboard/").context["categories"]
        }
        assert f"Outstanding: {figures['outstanding']}\n" in body[person.email]
        assert f"Overdue: {figures['overdue']}\n" in body[person.email]
        assert f"Complete but not assured: {figures['complete_unassured']}\n" in body[person.email]
        assert own in body[person.email] and other not in body[person.email]
    assert "Overdue: 1\n" in body[board_officer.email]
    assert "Complete but not assured: 0\n" in body[board_officer.email]
