"""Background work of the tracker (Celery). Each task takes primary keys and is idempotent: the
ReminderLog's unique key means running a task twice never sends the same email twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

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


def _claim(kind, action, period, recipient):
    """Record that this email is going; False if it already went (so it is not sent again)."""
    from .models import ReminderLog

    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind=kind, action=action, period=period, recipient=recipient)
    except IntegrityError:
        return False
    return True


def _site_url(path):
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


@shared_task
def notify_new_actions(action_ids):
    """Email each agency's leads the actions newly assigned to their agency."""
    from .models import AgencyAction

    actions = list(
        AgencyAction.objects.filter(pk__in=action_ids)
        .with_context()
        .order_by("agency__name", "current_due_date", "pk")
    )
    leads = _leads_by_agency({action.agency_id for action in actions})
    sent = 0
    for agency_id, users in leads.items():
        agency_actions = [action for action in actions if action.agency_id == agency_id]
        for user in users:
            fresh = [a for a in agency_actions if _claim(NEW_ACTION, a, "assigned", user.email)]
            if not fresh:
                continue
            context = {
                "user": user,
                "agency": fresh[0].agency,
                "actions": [(a, _site_url(a.get_absolute_url())) for a in fresh],
                "tracker_url": _site_url("/tracker/actions/"),
            }
            send_mail(
                subject=f"New actions for {fresh[0].agency.name}: {len(fresh)} to respond to",
                message=render_to_string("learning/action_email_new.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )
            sent += 1
    return sent


@shared_task
def notify_challenge(assurance_id):
    """Tell the agency's leads that the scrutineer has challenged one of their actions."""
    from .models import Assurance

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
        if not _claim(CHALLENGE, action, f"assurance-{assurance.pk}", user.email):
            continue
        context = {
            "user": user,
            "action": action,
            "assurance": assurance,
            "action_url": _site_url(action.get_absolute_url()),
        }
        send_mail(
            subject=f"Action challenged by the scrutineer: {action.agency.short_name}",
            message=render_to_string("learning/action_email_challenge.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
        sent += 1
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
