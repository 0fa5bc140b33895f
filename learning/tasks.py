"""Background work of the tracker (Celery). Each task takes primary keys and is idempotent: the
ReminderLog's unique key means running a task twice never sends the same email twice, and an
email is recorded only once it has left."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

# --- Notifications: new actions, challenges ---------------------------------------------------

NEW_ACTION = "new_action"
CHALLENGE = "challenge"


def _leads_by_agency(agency_ids):
    from .models import AgencyMembership

    leads = {}
    memberships = (
        AgencyMembership.objects.reachable().filter(agency_id__in=agency_ids).select_related("user")
    )
    for membership in memberships:
        leads.setdefault(membership.agency_id, []).append(membership.user)
    return leads


def _site_url(path):
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


# At most this many actions are read in one query and listed in one email, so a pass over a
# large library (thousands of actions published at once, or owed after an outage) is a series of
# small queries and short transactions beside the site's requests, never one of either.
ANNOUNCE_BATCH = 500
ASSIGNED = "assigned"


@shared_task
def notify_new_actions(action_ids):
    """Email each agency's leads the actions newly assigned to their agency.

    Each email is recorded in the same transaction that sends it (learning.reminders): a failed
    send records nothing, so `send_owed_notifications` sends it later.
    """
    from .models import AgencyAction

    ids = sorted(set(action_ids))
    return sum(
        announce_new_actions(
            AgencyAction.objects.filter(pk__in=ids[start : start + ANNOUNCE_BATCH])
        )
        for start in range(0, len(ids), ANNOUNCE_BATCH)
    )


def announce_new_actions(actions):
    """Tell each reachable lead of these actions' agencies of those they may see and have not yet
    heard of: one email per agency for each page of up to `ANNOUNCE_BATCH` of its actions, read
    in order of id (keyset pages, never one list of every id).

    What a lead has heard of is the ReminderLog, committed with each email: an interrupted pass
    leaves the rest owed, and the next one sends exactly that. The query count grows with the
    number of agencies, pages and leads, never with each action.
    """
    from .models import Agency

    leads_of = _reachable_leads(actions)
    sent = 0
    for agency in Agency.objects.filter(pk__in=list(leads_of)).order_by("name"):
        of_agency = actions.filter(agency=agency)
        # Most passes find everything told already: one question per lead settles that.
        leads = [user for user in leads_of[agency.pk] if _owed_to(user, of_agency).exists()]
        if not leads:
            continue
        last = 0
        while ids := list(
            of_agency.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:ANNOUNCE_BATCH]
        ):
            last = ids[-1]
            batch = of_agency.filter(pk__gte=ids[0], pk__lte=last)
            sent += _announce_batch(batch, agency, leads)
    return sent


def _reachable_leads(actions):
    """{agency id: its reachable leads} for these actions' agencies; one object per person, so
    what the permissions read about them is read once."""
    from .models import AgencyMembership

    people, leads = {}, {}
    memberships = (
        AgencyMembership.objects.reachable()
        .filter(agency__in=actions.values("agency_id"))
        .select_related("user")
        .order_by("agency_id", "user_id")
    )
    for membership in memberships:
        user = people.setdefault(membership.user_id, membership.user)
        leads.setdefault(membership.agency_id, []).append(user)
    return leads


def _owed_to(user, actions):
    """Of `actions`, those this lead may see (`permissions.visible_actions`: a lead hears only of
    the partnerships they lead for, the business unit's lead of every action of their
    partnership) and has not heard of."""
    from django.db.models import Exists, OuterRef

    from . import permissions
    from .models import ReminderLog

    heard = ReminderLog.objects.filter(
        kind=NEW_ACTION, action=OuterRef("pk"), period=ASSIGNED, recipient=user.email
    )
    return permissions.visible_actions(user, actions).filter(~Exists(heard))


def _owed_in_batch(batch, leads):
    """{lead: [ids of the batch's actions owed to them]}."""
    owed = {}
    for user in leads:
        if ids := list(_owed_to(user, batch).order_by("pk").values_list("pk", flat=True)):
            owed[user] = ids
    return owed


def _announce_batch(batch, agency, leads):
    from django.db.models import Prefetch

    from .models import AgencyAction, Recommendation
    from .reminders import send_recorded

    owed = _owed_in_batch(batch, leads)
    if not owed:
        return 0
    # Each action is read and its link made once, however many leads hear of it; the email names
    # its review by title alone (a whole page is costly to build, and a batch shares a few).
    review_model = Recommendation._meta.get_field("review").related_model
    actions = {
        action.pk: action
        for action in AgencyAction.objects.filter(
            pk__in={pk for ids in owed.values() for pk in ids}
        )
        .select_related("recommendation")
        .only("agency_id", "current_due_date", "recommendation__number", "recommendation__review")
        .prefetch_related(Prefetch("recommendation__review", review_model.objects.only("title")))
    }
    links = {pk: _site_url(path) for pk, path in AgencyAction.paths(actions).items()}
    tracker_url = _site_url("/tracker/actions/")
    sent = 0
    for user, ids in owed.items():
        theirs = sorted(
            (actions[pk] for pk in ids), key=lambda action: (action.current_due_date, action.pk)
        )
        sent += send_recorded(
            NEW_ACTION,
            user.email,
            [(action, ASSIGNED) for action in theirs],
            lambda count: f"New actions for {agency.name}: {count} to respond to",
            "learning/action_email_new.txt",
            {"user": user, "agency": agency, "tracker_url": tracker_url},
            link=lambda action: links[action.pk],
        )
    return sent


@shared_task
def notify_challenge(assurance_id):
    """Tell the agency's leads that the scrutineer has challenged one of their actions."""
    from . import permissions
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
        if not permissions.can_see_action(user, action):
            continue
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
    """Send the emails that never left (a mail server or broker was down): every task records
    only what it sent, so running them again sends only what is owed. Looks back two weeks; older
    news is better read on the tracker itself. It runs beside requests (in the web process when
    there is no worker), so it reads in pages and sends in short transactions: see
    `announce_new_actions`."""
    from .models import AgencyAction, Assurance

    since = timezone.now() - datetime.timedelta(days=OWED_WITHIN_DAYS)
    # Actions on a review's recommendations are the ones announced when the review is published.
    announced = AgencyAction.objects.filter(created_at__gte=since, recommendation__isnull=False)
    sent = announce_new_actions(announced)
    challenges = Assurance.objects.filter(
        decision=Assurance.Decision.CHALLENGED, at__gte=since
    ).values_list("pk", flat=True)
    for assurance_id in challenges:
        sent += notify_challenge(assurance_id)
    return sent + _send_owed_conversation_emails(since)


def _send_owed_conversation_emails(since):
    """The same for the emails of people's work: invitations, extension requests and decisions,
    answers to challenges, the challenge panel's notes. Each task sends only what it has not."""
    from .models import ChallengeNote, ExtensionRequest, Invitation, ProgressUpdate

    sent = 0
    for invitation_id in (
        Invitation.objects.pending().filter(created_at__gte=since).values_list("pk", flat=True)
    ):
        sent += send_invitation(invitation_id)
    for extension_id in ExtensionRequest.objects.filter(requested_at__gte=since).values_list(
        "pk", flat=True
    ):
        sent += notify_extension_requested(extension_id)
    for extension_id in (
        ExtensionRequest.objects.filter(decided_at__gte=since)
        .exclude(decision=ExtensionRequest.Decision.PENDING)
        .values_list("pk", flat=True)
    ):
        sent += notify_extension_decided(extension_id)
    for update_id in ProgressUpdate.objects.filter(
        kind=ProgressUpdate.Kind.REPLY, created_at__gte=since
    ).values_list("pk", flat=True):
        sent += notify_challenge_reply(update_id)
    for note_id in ChallengeNote.objects.filter(created_at__gte=since).values_list("pk", flat=True):
        sent += notify_section11_note(note_id)
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


# --- People, extensions, challenge conversations, agencies without a lead -----------------------

INVITATION = "invitation"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_DECIDED = "extension_decided"
CHALLENGE_REPLY = "challenge_reply"
NO_LEAD = "no_lead"
SECTION11_CHALLENGE = "s11_challenge"
SECTION11_ANSWER = "s11_answer"


def _send_once(kind, action, period, recipient, subject, template, context):
    """Record the email and send it in one transaction: at most once, and retried if sending
    fails (the record rolls back with the failure). Returns 1 if it left, else 0."""
    from .reminders import claim

    with transaction.atomic():
        if not claim(kind, action, period, recipient):
            return 0
        send_mail(
            subject=subject,
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=[recipient],
        )
    return 1


def _business_unit_people():
    from django.contrib.auth import get_user_model

    from . import permissions

    return list(
        get_user_model()
        .objects.filter(groups__name=permissions.BUSINESS_UNIT, is_active=True, email__gt="")
        .distinct()
        .order_by("email")
    )


@shared_task
def send_invitation(invitation_id):
    """Email the one-time link. Its secret is made here, so it exists only in the email."""
    from django.urls import reverse

    from .models import Invitation
    from .reminders import claim

    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.state != "Waiting":
            return 0
        if not claim(INVITATION, None, f"invitation-{invitation.pk}", invitation.email):
            return 0
        token = invitation.set_new_token()
        invitation.save(update_fields=["token_digest", "expires_at"])
        context = {
            "invitation": invitation,
            "agencies": list(invitation.agencies.order_by("name")),
            "link": _site_url(reverse("account:accept_invitation", args=[token])),
        }
        send_mail(
            subject="You are invited to the safeguarding learning hub",
            message=render_to_string("learning/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    return 1


@shared_task
def notify_extension_requested(extension_id):
    """Tell the business unit an agency has asked for more time."""
    from . import permissions
    from .models import ExtensionRequest

    extension = (
        ExtensionRequest.objects.select_related("action__agency", "requested_by")
        .filter(pk=extension_id)
        .first()
    )
    if extension is None:
        return 0
    action = extension.action
    context = {
        "extension": extension,
        "action": action,
        "action_url": _site_url(action.get_absolute_url()),
    }
    return sum(
        _send_once(
            EXTENSION_REQUESTED,
            action,
            f"extension-{extension.pk}",
            user.email,
            f"Extension requested: {action.agency.short_name}, due {action.current_due_date:%d %b %Y}",
            "learning/email/extension_requested.txt",
            {**context, "user": user},
        )
        for user in _business_unit_people()
        # The business unit of the action's partnership, which decides it; no other sees it.
        if permissions.can_see_action(user, action)
    )


@shared_task
def notify_extension_decided(extension_id):
    """Tell the agency's leads what the business unit decided about their request."""
    from . import permissions
    from .models import ExtensionRequest

    extension = (
        ExtensionRequest.objects.select_related("action__agency", "decided_by")
        .filter(pk=extension_id)
        .exclude(decision=ExtensionRequest.Decision.PENDING)
        .first()
    )
    if extension is None:
        return 0
    action = extension.action
    return sum(
        _send_once(
            EXTENSION_DECIDED,
            action,
            f"extension-{extension.pk}",
            user.email,
            f"Extension {extension.get_decision_display().lower()}: {action.agency.short_name}",
            "learning/email/extension_decided.txt",
            {
                "user": user,
                "extension": extension,
                "action": action,
                "action_url": _site_url(action.get_absolute_url()),
            },
        )
        for user in _leads_by_agency([action.agency_id]).get(action.agency_id, [])
        if permissions.can_see_action(user, action)
    )


@shared_task
def notify_challenge_reply(update_id):
    """Tell the scrutineer who challenged an action that the agency has answered."""
    from .models import Assurance, ProgressUpdate

    reply = (
        ProgressUpdate.objects.select_related("action__agency", "author")
        .filter(pk=update_id, kind=ProgressUpdate.Kind.REPLY)
        .first()
    )
    if reply is None:
        return 0
    challenge = (
        Assurance.objects.select_related("by")
        .filter(action=reply.action, decision=Assurance.Decision.CHALLENGED)
        .order_by("-at", "-pk")
        .first()
    )
    if challenge is None or not challenge.by.is_active or not challenge.by.email:
        return 0
    return _send_once(
        CHALLENGE_REPLY,
        reply.action,
        f"reply-{reply.pk}",
        challenge.by.email,
        f"{reply.action.agency.short_name} has answered your challenge",
        "learning/email/challenge_reply.txt",
        {
            "user": challenge.by,
            "reply": reply,
            "challenge": challenge,
            "action": reply.action,
            "action_url": _site_url(reply.action.get_absolute_url()),
        },
    )


@shared_task
def warn_agencies_without_lead(action_ids, approver_id=None):
    """New actions went to an agency nobody leads for: tell the approver and the business unit,
    once per agency and review, so the actions do not sit unread."""
    from django.contrib.auth import get_user_model

    from . import permissions
    from .models import AgencyAction

    actions = list(
        AgencyAction.objects.filter(pk__in=action_ids)
        .without_lead()
        .with_context()
        .order_by("agency__name", "pk")
    )
    if not actions:
        return 0
    recipients = {user.email: user for user in _business_unit_people()}
    approver = get_user_model().objects.filter(pk=approver_id, is_active=True).first()
    if approver is not None and approver.email:
        recipients.setdefault(approver.email, approver)
    by_agency = {}
    for action in actions:
        by_agency.setdefault(action.agency, []).append(action)
    sent = 0
    for agency, agency_actions in by_agency.items():
        review = agency_actions[0].review
        period = f"nolead-{agency.pk}-{review.pk if review else 's11'}"
        for email, user in sorted(recipients.items()):
            # Only the business unit of the actions' partnership: another's may not see them.
            theirs = [a for a in agency_actions if permissions.can_see_action(user, a)]
            if not theirs:
                continue
            sent += _send_once(
                NO_LEAD,
                None,
                period,
                email,
                f"No lead for {agency.name}: {len(theirs)} new action(s) unassigned",
                "learning/email/no_lead.txt",
                {
                    "user": user,
                    "agency": agency,
                    "partnership_name": theirs[0].partnership_name,
                    "review": review,
                    "actions": [(a, _site_url(a.get_absolute_url())) for a in theirs],
                    "people_url": _site_url("/tracker/people/"),
                },
            )
    return sent


@shared_task
def notify_section11_note(note_id):
    """A challenge panel note reaches the agency's leads; an agency's answer reaches the note's
    author."""
    from django.urls import reverse

    from . import permissions
    from .models import ChallengeNote

    note = (
        ChallengeNote.objects.select_related(
            "section11_return__agency", "section11_return__cycle", "reply_to__author", "author"
        )
        .filter(pk=note_id)
        .first()
    )
    if note is None:
        return 0
    section11_return = note.section11_return
    agency = section11_return.agency
    url = _site_url(
        reverse("learning:section11_return", args=[section11_return.cycle_id, agency.slug])
    )
    if note.reply_to_id:
        recipients = [note.reply_to.author] if note.reply_to.author.is_active else []
        kind, subject = SECTION11_ANSWER, f"{agency.short_name} has answered the challenge panel"
    else:
        # Only the agency's leads in the cycle's partnership: another board's lead for the same
        # agency is not told of this board's challenge.
        recipients = [
            lead
            for lead in _leads_by_agency([agency.pk]).get(agency.pk, [])
            if permissions.can_answer_section11_challenge(
                lead, agency.pk, section11_return.cycle.partnership_id
            )
        ]
        kind, subject = SECTION11_CHALLENGE, "The challenge panel asks about your Section 11 return"
    return sum(
        _send_once(
            kind,
            None,
            f"s11note-{note.pk}",
            user.email,
            subject,
            "learning/email/section11_note.txt",
            {"user": user, "note": note, "agency": agency, "return_url": url},
        )
        for user in recipients
        if user.email
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def remind_cascades():
    """Leads whose agency has not confirmed a briefing four weeks on: once per briefing each."""
    from .cascades import send_cascade_reminders

    return send_cascade_reminders()
