"""What changes an agency action. Views, the API, spreadsheet returns and tasks all come here."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.celery import enqueue_on_commit

from . import audit
from .models import AgencyAction, Assurance, BriefingCascade, ExtensionRequest, ProgressUpdate
from .models.actions import CHALLENGE_ANSWER_DAYS

DEFAULT_ACTION_DAYS = 90
CHALLENGE_ANSWER_AT_MOST_DAYS = 365
# The longest note, reason or comment the tracker stores, whichever way it comes in (page, API,
# spreadsheet return): far beyond any real update, and short enough to render at once.
NOTE_MAX_LENGTH = 10_000


class ActionRuleError(ValueError):
    """A change the tracker's rules do not allow; the message says why, for the person who tried."""


class StaleVersion(Exception):
    """Someone else changed the action since this person loaded it."""

    def __init__(self, action, since_version):
        self.action = action
        self.since_version = since_version
        super().__init__(
            f"This action was changed by someone else (now version {action.version}, "
            f"you had version {since_version})."
        )

    def changes(self):
        """The history entries posted since the version the refused editor had loaded."""
        return list(
            self.action.updates.filter(action_version__gt=self.since_version)
            .select_related("author")
            .order_by("created_at", "pk")
        )


def check_note_length(text, what="The note"):
    if text and len(text) > NOTE_MAX_LENGTH:
        raise ActionRuleError(
            f"{what} is {len(text):,} characters long; the most the tracker keeps is "
            f"{NOTE_MAX_LENGTH:,}. Shorten it, or attach the detail as evidence."
        )


def default_due_date(today=None, days=DEFAULT_ACTION_DAYS):
    return (today or timezone.localdate()) + datetime.timedelta(days=days)


def open_action(*, by, due, description, **source):
    """Get or create an agency's one action for a recommendation or a Section 11 gap (`source`
    names the agency and what the action answers). A new action's history starts with "created"."""
    action, created = AgencyAction.objects.get_or_create(
        **source,
        defaults={"description": description, "original_due_date": due, "current_due_date": due},
    )
    if created:
        ProgressUpdate.objects.create(
            action=action,
            kind=ProgressUpdate.Kind.CREATED,
            author=by,
            status=action.status,
            rag=action.rag,
            due_date=action.current_due_date,
            action_version=action.version,
        )
    return action, created


def default_action_days(partnership_id):
    """How long an agency has for a new action of this partnership's (a review's or a Section 11
    gap's): the partnership's own default, else the site-wide one (`Partnership.settings`)."""
    from .models import Partnership

    partnership = (
        Partnership.objects.filter(pk=partnership_id).first() or Partnership.objects.default()
    )
    return (partnership or Partnership()).settings().default_action_days


@transaction.atomic
def create_actions_for_review(review, by=None, default_days=None, today=None):
    """One action per agency named on each of the review's recommendations; never duplicates."""
    from .models import Recommendation

    if default_days is None:
        default_days = default_action_days(getattr(review, "partnership_id", None))
    created = []
    recommendations = Recommendation.objects.filter(review=review).prefetch_related("agencies")
    for recommendation in recommendations:
        due = recommendation.due_date or default_due_date(today, default_days)
        for agency in recommendation.agencies.all():
            action, was_created = open_action(
                by=by,
                due=due,
                description=recommendation.action_description,
                recommendation=recommendation,
                agency=agency,
            )
            if was_created:
                created.append(action)
    return created


@transaction.atomic
def post_update(
    action,
    author,
    *,
    version,
    status=None,
    rag=None,
    note="",
    due_date=None,
    kind=ProgressUpdate.Kind.UPDATE,
    evidence=(),
):
    """Append a progress update and move the action's current state to it.

    `status` and `rag` left blank (None or "") keep the action's current ones.

    `version` is the action version the author last saw: if the action has moved on since, nothing
    is written and StaleVersion is raised, so the second of two editors never overwrites the first.
    """
    check_note_length(note)
    current = AgencyAction.objects.select_for_update().get(pk=action.pk)
    if current.version != version:
        raise StaleVersion(current, version)
    if status == AgencyAction.Status.ASSURED and kind != ProgressUpdate.Kind.ASSURANCE:
        raise ActionRuleError(
            "Only the scrutineer can mark an action assured, by assuring it after checking evidence."
        )
    # A blank status or RAG means "leave it as it is", on every way in (page, API, spreadsheet):
    # the RAG is the lead's judgement and changes only when someone picks one.
    status = status or current.status
    rag = rag or current.rag
    due_date = due_date or current.current_due_date
    now = timezone.now()
    fields = {
        "status": status,
        "rag": rag,
        "current_due_date": due_date,
        "version": F("version") + 1,
        "updated_at": now,
    }
    if rag != current.rag:
        fields.update(rag_set_by=author, rag_set_at=now)
    if not AgencyAction.objects.filter(pk=current.pk, version=version).update(**fields):
        # Another writer got in first (a database without row locks): refuse, never append.
        raise StaleVersion(AgencyAction.objects.get(pk=current.pk), version)
    update = ProgressUpdate.objects.create(
        action=current,
        kind=kind,
        author=author,
        created_at=now,
        note=note,
        status=status,
        rag=rag,
        due_date=due_date,
        action_version=version + 1,
    )
    if evidence:
        from .evidence import attach_evidence

        attach_evidence(update, evidence)
    # The queryset update above bypasses model signals, so the change log is written here.
    before = {
        "status": current.status,
        "rag": current.rag,
        "current_due_date": current.current_due_date,
    }
    after = {"status": status, "rag": rag, "current_due_date": due_date}
    audit.record_update(current, before, after, actor=author)
    action.refresh_from_db()
    return update


@transaction.atomic
def request_extension(action, by, *, new_due_date, reason):
    """An agency asks for more time; the business unit decides. Nothing moves until it does."""
    if not reason or not reason.strip():
        raise ActionRuleError("Give a reason for the extension.")
    check_note_length(reason, "The reason")
    if new_due_date <= action.current_due_date:
        raise ActionRuleError(
            f"The new date must be later than the current due date "
            f"({action.current_due_date:%d %B %Y})."
        )
    if action.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).exists():
        raise ActionRuleError(
            "An extension request for this action is already waiting for a decision."
        )
    from .tasks import notify_extension_requested

    extension = ExtensionRequest.objects.create(
        action=action, requested_by=by, new_due_date=new_due_date, reason=reason.strip()
    )
    enqueue_on_commit(notify_extension_requested, extension.pk)
    return extension


@transaction.atomic
def decide_extension(extension, by, *, accept, note=""):
    """Accepting moves the current due date through a progress update; the original stays put."""
    check_note_length(note)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.decision != ExtensionRequest.Decision.PENDING:
        raise ActionRuleError("This extension request has already been decided.")
    now = timezone.now()
    extension.decision = (
        ExtensionRequest.Decision.ACCEPTED if accept else ExtensionRequest.Decision.DECLINED
    )
    extension.decided_by = by
    extension.decided_at = now
    extension.decision_note = note
    extension.save()
    action = extension.action
    verdict = "accepted" if accept else "declined"
    summary = f"Extension to {extension.new_due_date:%d %B %Y} {verdict}."
    post_update(
        action,
        by,
        version=AgencyAction.objects.get(pk=action.pk).version,
        note=f"{summary}\n\n{note}".strip(),
        due_date=extension.new_due_date if accept else None,
        kind=ProgressUpdate.Kind.EXTENSION,
    )
    from .tasks import notify_extension_decided

    enqueue_on_commit(notify_extension_decided, extension.pk)
    return extension


def _check_assurable(action, note):
    if not note or not note.strip():
        raise ActionRuleError("Write a note saying what evidence you checked.")
    check_note_length(note)
    if action.status != AgencyAction.Status.COMPLETE:
        raise ActionRuleError(
            f"Only complete actions can be assured or challenged; this one is "
            f"{action.get_status_display().lower()}."
        )


def assure_action(action, by, *, note, version=None):
    """The scrutineer signs off a complete action after checking evidence of impact."""
    return _decide_assurance(
        action,
        by,
        note,
        version,
        Assurance.Decision.ASSURED,
        AgencyAction.Status.ASSURED,
        ProgressUpdate.Kind.ASSURANCE,
    )


def challenge_answer_due(today=None, days=CHALLENGE_ANSWER_DAYS):
    """The answer date a challenge gives unless the scrutineer sets another."""
    return (today or timezone.localdate()) + datetime.timedelta(days=days)


def challenge_action(action, by, *, note, version=None, answer_due=None):
    """The scrutineer sends a complete action back to "in progress", asking for an answer by
    `answer_due` (28 days on if not given); the agency's leads are told. Until that date the
    action is being answered, not overdue."""
    from .tasks import notify_challenge

    today = timezone.localdate()
    answer_due = answer_due or challenge_answer_due(today)
    if answer_due < today:
        raise ActionRuleError("The date for an answer cannot be in the past.")
    if answer_due > today + datetime.timedelta(days=CHALLENGE_ANSWER_AT_MOST_DAYS):
        # A far date would keep the action out of "overdue" for ever.
        raise ActionRuleError("The date for an answer must be within a year.")
    assurance = _decide_assurance(
        action,
        by,
        note,
        version,
        Assurance.Decision.CHALLENGED,
        AgencyAction.Status.IN_PROGRESS,
        ProgressUpdate.Kind.CHALLENGE,
        answer_due=answer_due,
    )
    enqueue_on_commit(notify_challenge, assurance.pk)
    return assurance


@transaction.atomic
def _decide_assurance(action, by, note, version, decision, status, kind, answer_due=None):
    action = AgencyAction.objects.select_for_update().get(pk=action.pk)
    _check_assurable(action, note)
    assurance = Assurance.objects.create(
        action=action, decision=decision, by=by, note=note.strip(), answer_due=answer_due
    )
    if answer_due is not None:
        AgencyAction.objects.filter(pk=action.pk).update(challenge_answer_due=answer_due)
    post_update(
        action,
        by,
        version=action.version if version is None else version,
        status=status,
        note=note.strip(),
        kind=kind,
    )
    return assurance


def notify_new_actions(actions):
    """Tell each agency's leads about its new actions once the actions are safely stored.

    Actions for an agency nobody leads for would reach nobody: the approver and the business unit
    are warned by email, and on the page when the approval was made in a browser.
    """
    from .tasks import notify_new_actions as task
    from .tasks import warn_agencies_without_lead

    action_ids = [action.pk for action in actions]
    if not action_ids:
        return
    enqueue_on_commit(task, action_ids)
    unled = sorted(
        set(
            AgencyAction.objects.filter(pk__in=action_ids)
            .without_lead()
            .values_list("agency__name", "partnership_name")
        )
    )
    if unled:
        approver = (
            ProgressUpdate.objects.filter(
                action_id__in=action_ids, kind=ProgressUpdate.Kind.CREATED
            )
            .values_list("author_id", flat=True)
            .first()
        )
        enqueue_on_commit(warn_agencies_without_lead, action_ids, approver)
        names = ", ".join(f"{agency} in {partnership}" for agency, partnership in unled)
        audit.warn_current_request(
            f"Nobody leads for {names} on the hub, so their new actions reach nobody. "
            "The business unit has been told; invite a lead under Tracker → People."
        )


@transaction.atomic
def reply_to_challenge(action, by, *, note, version, evidence=()):
    """The agency answers the scrutineer's challenge on the action itself, with evidence files if
    it has them; the scrutineer is told. The reply is part of the action's history, like every
    other entry."""
    from .tasks import notify_challenge_reply

    if not note or not note.strip():
        raise ActionRuleError("Write your answer to the challenge.")
    if not AgencyAction.objects.filter(pk=action.pk).challenged().exists():
        raise ActionRuleError("This action has no open challenge to answer.")
    update = post_update(
        action,
        by,
        version=version,
        note=note.strip(),
        kind=ProgressUpdate.Kind.REPLY,
        evidence=evidence,
    )
    enqueue_on_commit(notify_challenge_reply, update.pk)
    return update


def assure_several(actions, by, *, note):
    """One note assures several complete actions: each gets its own assurance record, through the
    same rule as a single assurance. Returns (assured, refused) with the reason for each refusal."""
    assured, refused = [], []
    for action in actions:
        try:
            assured.append(assure_action(action, by, note=note))
        except (ActionRuleError, StaleVersion) as reason:
            refused.append((action, str(reason)))
    return assured, refused


@transaction.atomic
def confirm_cascade(briefing, agency, by, *, cascaded_on, teams_reached, staff_reached, note=""):
    """An agency records that a 7-minute briefing reached its teams."""
    check_note_length(note)
    if cascaded_on > timezone.localdate():
        raise ActionRuleError("The briefing date cannot be in the future.")
    if teams_reached == 0 and staff_reached == 0:
        raise ActionRuleError("Say how many teams or staff the briefing reached.")
    return BriefingCascade.objects.create(
        briefing=briefing,
        agency=agency,
        confirmed_by=by,
        cascaded_on=cascaded_on,
        teams_reached=teams_reached,
        staff_reached=staff_reached,
        note=note,
    )
