"""Background work of the tracker (Celery). Each task takes primary keys and is idempotent: the
ReminderLog's unique key means running a task twice never sends the same email twice, and an
email is recorded only once it has left."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

# --- Notifications: new actions, challenges ---------------------------------------------------

NEW_ACTION = "new_action"
CHALLENGE = "challenge"


def _leads_by_agency(agency_ids):
    from .models import AgencyMembership

    leads = {}
    memberships = AgencyMembership.objects.filter(agency_id__in=agency_ids).select_related("user")
    for membership in memberships:
        if membership.user.is_active and membership.user.email:
            leads.setdefault(membership.agency_id, []).append(membership.user)
    return leads


def _site_url(path):
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


@shared_task
def notify_new_actions(action_ids):
    """Email each agency's leads the actions newly assigned to their agency.

    Each email is recorded in the same transaction that sends it (learning.reminders): a failed
    send records nothing, so `send_owed_notifications` sends it later.
    """
    from .models import AgencyAction
    from .reminders import send_recorded

    actions = list(
        AgencyAction.objects.filter(pk__in=action_ids)
        .with_context()
        .order_by("agency__name", "current_due_date", "pk")
    )
    leads = _leads_by_agency({action.agency_id for action in actions})
    sent = 0
    for agency_id, users in leads.items():
        agency_actions = [action for action in actions if action.agency_id == agency_id]
        agency = agency_actions[0].agency
        for user in users:
            sent += send_recorded(
                NEW_ACTION,
                user.email,
                [(action, "assigned") for action in agency_actions],
                lambda count, agency=agency: (
                    f"New actions for {agency.name}: {count} to respond to"
                ),
                "learning/action_email_new.txt",
                {"user": user, "agency": agency, "tracker_url": _site_url("/tracker/actions/")},
            )
    return sent


@shared_task
def notify_challenge(assurance_id):
    """Tell the agency's leads that the scrutineer has challenged one of their actions."""
    from .models import Assurance
    from .reminders import send_recorded

    assurance = (
        Assurance.objects.select_related("action__agency", "action__recommendation", "by")
        .filter(pk=assurance_id, decision=Assurance.Decision.CHALLENGED)
        .first()
    )
    if assurance is None:
        return 0
    action = assurance.action
    sent = 0
    for user in _leads_by_agency([action.agency_id]).get(action.agency_id, []):
        sent += send_recorded(
            CHALLENGE,
            user.email,
            [(action, f"assurance-{assurance.pk}")],
            lambda count: f"Action challenged by the scrutineer: {action.agency.short_name}",
            "learning/action_email_challenge.txt",
            {
                "user": user,
                "action": action,
                "assurance": assurance,
                "action_url": _site_url(action.get_absolute_url()),
            },
        )
    return sent


OWED_WITHIN_DAYS = 14


@shared_task
def send_owed_notifications():
    """Send the assignment and challenge emails that never left (a mail server or broker was
    down): every task above records only what it sent, so running them again sends only what is
    owed. Looks back two weeks; older news is better read on the tracker itself."""
    from .models import AgencyAction, Assurance

    since = timezone.now() - datetime.timedelta(days=OWED_WITHIN_DAYS)
    # Actions on a review's recommendations are the ones announced when the review is published.
    announced = AgencyAction.objects.filter(created_at__gte=since, recommendation__isnull=False)
    new_actions = list(announced.values_list("pk", flat=True))
    sent = notify_new_actions(new_actions) if new_actions else 0
    challenges = Assurance.objects.filter(
        decision=Assurance.Decision.CHALLENGED, at__gte=since
    ).values_list("pk", flat=True)
    for assurance_id in challenges:
        sent += notify_challenge(assurance_id)
    return sent


# --- Reminders (Celery beat: see CELERY_BEAT_SCHEDULE) -----------------------------------------
# The logic lives in learning.reminders; a failed send records nothing, so a retry resends only
# what did not leave.


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def remind_due_soon():
    """Actions due within 14 days, to their agencies' leads: once per action per due date."""
    from .reminders import send_due_soon_reminders

    return send_due_soon_reminders()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def remind_overdue():
    """Overdue actions, to their agencies' leads: once per action per ISO week."""
    from .reminders import send_overdue_reminders

    return send_overdue_reminders()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def send_weekly_digest():
    """The week's figures to the scrutineer and business unit: once per ISO week each."""
    from .reminders import send_weekly_digest as send

    return send()
