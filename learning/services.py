"""What changes an agency action. Views, the API, spreadsheet returns and tasks all come here."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AgencyAction, ProgressUpdate

DEFAULT_ACTION_DAYS = 90


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
            self.action.updates.select_related("author").order_by("created_at", "pk")[
                max(self.since_version - 1, 0) :
            ]
        )


def default_due_date(today=None, days=DEFAULT_ACTION_DAYS):
    return (today or timezone.localdate()) + datetime.timedelta(days=days)


@transaction.atomic
def create_actions_for_review(review, by=None, default_days=DEFAULT_ACTION_DAYS, today=None):
    """One action per agency named on each of the review's recommendations; never duplicates."""
    from .models import Recommendation

    created = []
    recommendations = Recommendation.objects.filter(review=review).prefetch_related("agencies")
    for recommendation in recommendations:
        due = recommendation.due_date or default_due_date(today, default_days)
        for agency in recommendation.agencies.all():
            action, was_created = AgencyAction.objects.get_or_create(
                recommendation=recommendation,
                agency=agency,
                defaults={
                    "description": f"Respond to recommendation {recommendation.number}.",
                    "original_due_date": due,
                    "current_due_date": due,
                },
            )
            if was_created:
                ProgressUpdate.objects.create(
                    action=action,
                    kind=ProgressUpdate.Kind.CREATED,
                    author=by,
                    status=action.status,
                    rag=action.rag,
                    due_date=action.current_due_date,
                )
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
):
    """Append a progress update and move the action's current state to it.

    `version` is the action version the author last saw: if the action has moved on since, nothing
    is written and StaleVersion is raised, so the second of two editors never overwrites the first.
    """
    current = AgencyAction.objects.select_for_update().get(pk=action.pk)
    if current.version != version:
        raise StaleVersion(current, version)
    status = status or current.status
    rag = current.rag if rag is None else rag
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
    AgencyAction.objects.filter(pk=current.pk, version=version).update(**fields)
    update = ProgressUpdate.objects.create(
        action=current,
        kind=kind,
        author=author,
        created_at=now,
        note=note,
        status=status,
        rag=rag,
        due_date=due_date,
    )
    action.refresh_from_db()
    return update
