"""What changes Section 11 records: opening a cycle, starting, saving and submitting a return,
and the challenge panel's notes. Views and the demo data both come here."""

from django.db import transaction
from django.utils import timezone

from .models import (
    SECTION11_STANDARDS,
    AgencyAction,
    AuditCycle,
    ChallengeNote,
    Partnership,
    Section11Return,
    Standard,
    StandardAnswer,
)
from .services import default_action_days, default_due_date, open_action, post_update


class ReturnLocked(Exception):
    """The return was submitted: it can no longer be changed."""

    def __init__(self, section11_return):
        self.section11_return = section11_return
        super().__init__(
            f"This return was submitted on {section11_return.submitted_at:%d %B %Y} and is locked: "
            "it can no longer be changed."
        )


class CycleClosed(ReturnLocked):
    """The business unit closed the cycle: its returns can no longer be changed."""

    def __init__(self, section11_return):
        self.section11_return = section11_return
        Exception.__init__(
            self,
            f"The {section11_return.cycle.name} cycle is closed: its returns can no longer be "
            "changed. Ask the business unit if it must be reopened.",
        )


class StaleReturn(Exception):
    """Someone else saved the return since this person loaded it."""

    def __init__(self, section11_return, since_version):
        self.section11_return = section11_return
        self.since_version = since_version
        super().__init__(
            "Someone else saved this return while you were editing it (it is now at version "
            f"{section11_return.version}, you started from version {since_version}). Nothing was "
            "saved: check their answers below, then make your changes again."
        )


@transaction.atomic
def open_cycle(name, opens_on, closes_on, standards=SECTION11_STANDARDS, partnership=None):
    """A new audit cycle of `partnership` with its own copy of the standards, editable from then
    on. A cycle always belongs to a partnership (its gap actions are that partnership's): the
    first one when none is named, as on a deployment of one partnership."""
    if partnership is None:
        partnership = Partnership.objects.default()
    cycle = AuditCycle.objects.create(
        name=name, opens_on=opens_on, closes_on=closes_on, partnership=partnership
    )
    Standard.objects.bulk_create(
        Standard(cycle=cycle, number=number, title=title, sort_order=position)
        for position, (number, title) in enumerate(standards, start=1)
    )
    return cycle


def set_cycle_open(cycle, is_open):
    """Close a cycle (no return in it can change any more) or reopen it."""
    cycle.is_open = is_open
    cycle.save(update_fields=["is_open"])
    return cycle


def previous_return(agency, cycle):
    """The agency's most recent return from an earlier cycle of the same partnership, if any
    (what an agency told one board is not carried into its return to another)."""
    return (
        Section11Return.objects.filter(
            agency=agency,
            cycle__partnership_id=cycle.partnership_id,
            cycle__opens_on__lt=cycle.opens_on,
        )
        .order_by("-cycle__opens_on")
        .first()
    )


@transaction.atomic
def start_return(agency, cycle):
    """The agency's return for the cycle, created on first use with one answer per standard.

    Answers start from last cycle's answers to the standard with the same number, so an agency
    revises what it said last time rather than starting from nothing.
    """
    section11_return, created = Section11Return.objects.get_or_create(agency=agency, cycle=cycle)
    if created:
        earlier = previous_return(agency, cycle)
        section11_return.carried_forward_from = earlier
        section11_return.save(update_fields=["carried_forward_from"])
    carried = {}
    if section11_return.carried_forward_from_id:
        carried = {
            answer.standard.number: answer
            for answer in StandardAnswer.objects.filter(
                section11_return_id=section11_return.carried_forward_from_id
            ).select_related("standard")
        }
    # Standards added to the cycle after the return was started get an answer too.
    answered = set(section11_return.answers.values_list("standard_id", flat=True))
    missing = cycle.standards.exclude(pk__in=answered)
    StandardAnswer.objects.bulk_create(
        StandardAnswer(
            section11_return=section11_return,
            standard=standard,
            rating=getattr(carried.get(standard.number), "rating", ""),
            narrative=getattr(carried.get(standard.number), "narrative", ""),
            evidence=getattr(carried.get(standard.number), "evidence", ""),
        )
        for standard in missing
    )
    return section11_return


def _lock(section11_return, version):
    current = (
        Section11Return.objects.select_for_update()
        .select_related("cycle")
        .get(pk=section11_return.pk)
    )
    if current.is_locked:
        raise ReturnLocked(current)
    if not current.cycle.is_open:
        raise CycleClosed(current)
    if current.version != version:
        raise StaleReturn(current, version)
    return current


@transaction.atomic
def save_answers(section11_return, answers, version):
    """Save ratings, narratives and evidence: `answers` maps answer id to a dict of those fields.

    Refused (nothing written) if the return is submitted or someone saved since `version`.
    """
    current = _lock(section11_return, version)
    fields = ("rating", "narrative", "evidence")
    # Saved one by one (ten or so rows) so that the change log records each changed answer.
    for answer in StandardAnswer.objects.filter(section11_return=current, pk__in=list(answers)):
        if any(getattr(answer, field) != answers[answer.pk][field] for field in fields):
            for field in fields:
                setattr(answer, field, answers[answer.pk][field])
            answer.save(update_fields=fields)
    current.version += 1
    current.updated_at = timezone.now()
    current.save(update_fields=["version", "updated_at"])
    section11_return.refresh_from_db()
    return section11_return


def _open_gap_actions(section11_return):
    """The agency's open actions on gaps of earlier cycles of the same partnership, by standard
    number (the latest for each): a gap still being worked on carries forward instead of opening
    a second action."""
    actions = (
        AgencyAction.objects.open()
        .filter(
            agency_id=section11_return.agency_id,
            standard_answer__isnull=False,
            standard_answer__section11_return__cycle__partnership_id=(
                section11_return.cycle.partnership_id
            ),
            standard_answer__section11_return__cycle__opens_on__lt=section11_return.cycle.opens_on,
        )
        .select_related("standard_answer__standard", "standard_answer__section11_return__cycle")
        .order_by("standard_answer__section11_return__cycle__opens_on", "pk")
    )
    return {action.standard_answer.standard.number: action for action in actions}


def _carry_forward(action, answer, by):
    """Link an open gap action to the new cycle's answer, and say so in its history."""
    earlier_cycle = action.standard_answer.section11_return.cycle
    AgencyAction.objects.filter(pk=action.pk).update(standard_answer=answer)
    post_update(
        action,
        by,
        version=action.version,
        note=(
            f"Carried forward from the {earlier_cycle.name} return: standard "
            f"{answer.standard.number} is still {answer.get_rating_display().lower()} in the "
            f"{answer.section11_return.cycle.name} return."
        ),
    )


@transaction.atomic
def submit_return(section11_return, by, version, today=None):
    """Lock the return and turn each gap (partly met / not met) into a tracked agency action."""
    current = _lock(section11_return, version)
    unrated = current.answers.filter(rating="").select_related("standard")
    if unrated.exists():
        numbers = ", ".join(answer.standard.number for answer in unrated)
        raise ValueError(f"Rate every standard before submitting (not yet rated: {numbers}).")
    now = timezone.now()
    # The partnership's default, as for its review actions.
    due = default_due_date(today, default_action_days(current.cycle.partnership_id))
    gaps = current.answers.filter(
        rating__in=[StandardAnswer.Rating.PARTLY_MET, StandardAnswer.Rating.NOT_MET]
    ).select_related("standard")
    still_open = _open_gap_actions(current)
    created = []
    for answer in gaps:
        earlier = still_open.get(answer.standard.number)
        if earlier is not None:
            _carry_forward(earlier, answer, by)
            continue
        action, was_created = open_action(
            by=by,
            due=due,
            description=(
                f"Section 11 standard {answer.standard.number} "
                f"({answer.get_rating_display().lower()}): {answer.standard.title}."
            ),
            standard_answer=answer,
            agency_id=current.agency_id,
        )
        if was_created:
            created.append(action)
    current.status = Section11Return.Status.SUBMITTED
    current.submitted_at = now
    current.submitted_by = by
    current.version += 1
    current.updated_at = now
    current.save(update_fields=["status", "submitted_at", "submitted_by", "version", "updated_at"])
    section11_return.refresh_from_db()
    return created


def add_challenge_note(section11_return, author, note, standard=None):
    """The challenge panel's notes are kept whether or not the return is submitted."""
    if standard is not None and standard.cycle_id != section11_return.cycle_id:
        raise ValueError("That standard belongs to another audit cycle.")
    from config.celery import enqueue_on_commit

    from .tasks import notify_section11_note

    created = ChallengeNote.objects.create(
        section11_return=section11_return, author=author, note=note, standard=standard
    )
    # The panel's notes reach the agency's leads, who answer on the return.
    enqueue_on_commit(notify_section11_note, created.pk)
    return created


def answer_challenge_note(note, author, text):
    """The agency answers one of the panel's notes; the note's author is told. Append-only."""
    from config.celery import enqueue_on_commit

    from .tasks import notify_section11_note

    text = (text or "").strip()
    if not text:
        raise ValueError("Write your answer to the challenge panel's note.")
    if note.reply_to_id is not None:
        raise ValueError("Answer the panel's note itself, not an answer to it.")
    created = ChallengeNote.objects.create(
        section11_return=note.section11_return,
        author=author,
        note=text,
        standard=note.standard,
        reply_to=note,
    )
    enqueue_on_commit(notify_section11_note, created.pk)
    return created


def attach_standard_evidence(answer, by, uploads):
    """Store checked files against one standard of a return that is still open for changes."""
    from .evidence import check_evidence
    from .models import StandardEvidenceFile

    if answer.section11_return.is_locked:
        raise ReturnLocked(answer.section11_return)
    return [
        StandardEvidenceFile.objects.create(
            answer=answer,
            file=upload,
            original_name=upload.name[:255],
            content_type=check_evidence(upload),
            size=upload.size,
            uploaded_by=by,
        )
        for upload in uploads
    ]
