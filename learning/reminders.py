"""Reminders: actions due within 14 days, overdue actions (weekly) and the weekly digest for the
scrutineer and business unit. Each goes at most once per period, recorded in ReminderLog."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import permissions
from .filters import category_counts, category_q
from .models import AgencyAction, AgencyMembership, ReminderLog

DUE_SOON = "due_soon"
OVERDUE = "overdue"
DIGEST = "weekly_digest"
DUE_SOON_DAYS = 14
DIGEST_LIST_LENGTH = 25
DIGEST_GROUPS = [permissions.BUSINESS_UNIT, permissions.BUSINESS_MANAGERS, permissions.SCRUTINEERS]


def iso_week(today):
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


def due_period(action):
    """A due-soon reminder goes once per due date: a revised date earns a new reminder."""
    return f"due-{action.current_due_date.isoformat()}"


def site_url(path):
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _lead_emails_by_agency(agency_ids):
    """{agency id: [(email, lead)]}: each lead once per address, so reminders can be limited to
    the actions of the partnerships they lead for."""
    emails = {}
    rows = (
        AgencyMembership.objects.reachable()
        .filter(agency_id__in=agency_ids)
        .select_related("user")
        .order_by("agency_id", "user__email")
    )
    for membership in rows:
        emails.setdefault(membership.agency_id, []).append((membership.user.email, membership.user))
    return emails


def _already_sent(kind, periods, recipients):
    return set(
        ReminderLog.objects.filter(
            kind=kind, period__in=set(periods), recipient__in=set(recipients)
        ).values_list("action_id", "period", "recipient")
    )


def claim(kind, action, period, recipient):
    """Record the reminder; False if it is already recorded (another run got there first)."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind=kind, action=action, period=period, recipient=recipient)
    except IntegrityError:
        return False
    return True


def _claim_all(kind, claims, recipient):
    """Record every (action, period) in one statement; if another run recorded some first,
    record them one at a time and keep only those this run recorded.

    The rows are written with one parameterised INSERT run for every claim rather than through
    `bulk_create`, whose making of a model and of SQL for each row cost more than the email: an
    email of a large backlog lists hundreds of actions."""
    table = connection.ops.quote_name(ReminderLog._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(ReminderLog._meta.get_field(name).column)
        for name in ("kind", "action", "period", "recipient", "sent_at")
    )
    sent_at = ReminderLog._meta.get_field("sent_at").get_db_prep_value(timezone.now(), connection)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                # Names from the model, values as parameters.
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                [
                    (kind, action.pk if action else None, period, recipient, sent_at)
                    for action, period in claims
                ],
            )
    except IntegrityError:
        return [
            (action, period) for action, period in claims if claim(kind, action, period, recipient)
        ]
    return list(claims)


def send_recorded(kind, recipient, claims, subject, template, context, link=None):
    """Record every (action, period) in `claims`, then send one email, in one transaction; each
    action listed with `link(action)` (its page on the site unless given).

    If sending fails the records roll back with it, so the next run tries again; if another run
    recorded them first, nothing is sent twice. Returns 1 if an email left, else 0.
    """
    link = link or (lambda action: site_url(action.get_absolute_url()))
    with transaction.atomic():
        fresh = _claim_all(kind, claims, recipient)
        if not fresh:
            return 0
        context = {
            **context,
            "actions": [(action, link(action)) for action, _ in fresh],
        }
        send_mail(
            subject=subject(len(fresh)),
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=[recipient],
        )
    return 1


def _remind_leads(kind, actions, period_of, subject, template, today):
    actions = list(actions)
    leads = _lead_emails_by_agency({action.agency_id for action in actions})
    recipients = {email for emails in leads.values() for email, _lead in emails}
    sent_before = _already_sent(kind, [period_of(action) for action in actions], recipients)
    sent = 0
    for agency_id, emails in leads.items():
        agency_actions = [action for action in actions if action.agency_id == agency_id]
        for email, lead in emails:
            # A lead hears only of the actions of the partnerships they lead for.
            claims = [
                (action, period_of(action))
                for action in agency_actions
                if (action.pk, period_of(action), email) not in sent_before
                and permissions.can_see_action(lead, action)
            ]
            if claims:
                sent += send_recorded(
                    kind,
                    email,
                    claims,
                    lambda count, agency=agency_actions[0].agency: subject(agency, count),
                    template,
                    {
                        "agency": agency_actions[0].agency,
                        "today": today,
                        "tracker_url": site_url(reverse("learning:my_actions")),
                    },
                )
    return sent


def send_due_soon_reminders(today=None):
    """Email each agency's leads the actions due within 14 days: once per action per due date."""
    today = today or timezone.localdate()
    actions = (
        AgencyAction.objects.due_within(DUE_SOON_DAYS, today)
        .select_related("agency", "recommendation__review")
        .with_states(today)
        .order_by("current_due_date", "pk")
    )
    return _remind_leads(
        DUE_SOON,
        actions,
        due_period,
        lambda agency, count: f"{agency.name}: {count} action(s) due within {DUE_SOON_DAYS} days",
        "learning/email/due_soon.txt",
        today,
    )


def send_overdue_reminders(today=None):
    """Email each agency's leads their overdue actions: once per action per ISO week."""
    today = today or timezone.localdate()
    week = iso_week(today)
    actions = (
        AgencyAction.objects.overdue(today)
        .select_related("agency", "recommendation__review")
        .with_states(today)
        .order_by("current_due_date", "pk")
    )
    return _remind_leads(
        OVERDUE,
        actions,
        lambda action: week,
        lambda agency, count: f"{agency.name}: {count} overdue action(s)",
        "learning/email/overdue.txt",
        today,
    )


def digest_recipients():
    """The scrutineer(s) and the business unit: active users of those groups with an email, one
    per address."""
    people = (
        get_user_model()
        .objects.filter(groups__name__in=DIGEST_GROUPS, is_active=True, email__gt="")
        .distinct()
        .order_by("email", "pk")
    )
    first = {}
    for person in people:
        first.setdefault(person.email, person)
    return list(first.values())


def digest_context(today, actions=None):
    """The digest's figures and lists of `actions` (every action unless given): what the
    dashboard shows the same person."""
    actions = AgencyAction.objects.all() if actions is None else actions

    def first(key):
        return list(
            actions.filter(category_q(key, today))
            .select_related("agency", "recommendation__review")
            .with_states(today)
            .order_by("current_due_date", "pk")[:DIGEST_LIST_LENGTH]
        )

    return {
        "today": today,
        "counts": category_counts(actions, today),
        "overdue": first("overdue"),
        "complete_unassured": first("complete_unassured"),
        "slipped": first("slipped"),
        "list_length": DIGEST_LIST_LENGTH,
        "dashboard_url": site_url(reverse("learning:dashboard")),
    }


def send_weekly_digest(today=None):
    """The week's figures and lists to the scrutineer and business unit: once per ISO week each."""
    today = today or timezone.localdate()
    week = iso_week(today)
    everyone = digest_recipients()
    sent_before = _already_sent(DIGEST, [week], [person.email for person in everyone])
    recipients = [person for person in everyone if (None, week, person.email) not in sent_before]
    if not recipients:
        return 0
    # Each reads the figures of the dashboard the digest links to: the actions they may see
    # (`permissions.visible_actions`), built once for everyone who sees the same.
    messages = {}
    sent = 0
    for person in recipients:
        email = person.email
        key = str(permissions.visible_actions_condition(person))
        if key not in messages:
            context = digest_context(today, permissions.visible_actions(person))
            messages[key] = render_to_string("learning/email/digest.txt", context)
        message = messages[key]
        with transaction.atomic():
            if not claim(DIGEST, None, week, email):
                continue
            send_mail(
                subject=f"Learning tracker: the week of {today:%d %B %Y}",
                message=message,
                from_email=None,
                recipient_list=[email],
            )
        sent += 1
    return sent
