"""The reviews side of the work queues: imports waiting for an editor to confirm the suggested
themes and agencies appear in "Waiting for the business unit"; the chronologies a rapid review
has asked an agency for appear in its leads' "My work"."""

from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState

from learning import permissions, queues

from .cases import information_requests_for
from .importer.create import IMPORT_LOG_ACTION
from .models import ReviewPage


@queues.section(
    queues.BUSINESS_UNIT,
    "imports_to_confirm",
    "Imports to confirm",
    "Reviews imported from a document whose suggested themes and agencies no editor has "
    "confirmed yet. Check them in the editor, then submit the review for approval.",
    order=50,
)
def imports_to_confirm(user, today):
    unconfirmed = PageLogEntry.objects.filter(
        action=IMPORT_LOG_ACTION, data__confirmed_by_editor=False
    ).values("page_id")
    drafts = ReviewPage.objects.filter(live=False, pk__in=unconfirmed).order_by(
        "latest_revision_created_at", "pk"
    )

    def item(page):
        return queues.QueueItem(
            title=page.title,
            url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            detail=f"{page.get_kind_display()} · draft",
            when=timezone.localtime(page.latest_revision_created_at).date()
            if page.latest_revision_created_at
            else None,
            when_label="Imported",
        )

    return drafts, item


@queues.section(
    queues.BUSINESS_UNIT,
    "awaiting_approval",
    "Waiting for your approval",
    "Reviews and 7-minute briefings sent for approval. Open each in the editor to approve and "
    "publish it, or send it back with a comment.",
    order=5,
)
def awaiting_approval(user, today):
    if not permissions.approves_publication(user):
        return None
    # The same tasks Wagtail's own "Awaiting your review" lists; the title is the one the
    # revision was submitted with, so the list needs no query per row.
    states = (
        TaskState.objects.reviewable_by(user)
        .select_related("revision__content_type", "workflow_state__requested_by")
        .order_by("started_at", "pk")
    )

    def item(state):
        revision = state.revision
        requested_by = state.workflow_state.requested_by
        who = (requested_by.get_full_name() or requested_by.get_username()) if requested_by else ""
        return queues.QueueItem(
            title=revision.object_str,
            url=reverse("wagtailadmin_pages:edit", args=[revision.object_id]),
            detail=f"{revision.content_type.name.capitalize()}"
            + (f" · sent for approval by {who}" if who else ""),
            when=timezone.localtime(state.started_at).date(),
            when_label="Sent",
        )

    return states, item


@queues.section(
    queues.MY_WORK,
    "information_requests",
    "Information requests for rapid reviews",
    "Chronologies and summaries a rapid review has asked your agency for, soonest due first. "
    "Upload each on the information requests page.",
    order=15,
)
def information_requests_due(user, today):
    def item(request):
        late = " · overdue" if request.due_on and request.due_on < today else ""
        return queues.QueueItem(
            title=f"{request.case.reference}: {request.asked}",
            url=reverse("information_requests"),
            detail=f"{request.agency.name}{late}",
            when=request.due_on,
            when_label="Due",
        )

    return information_requests_for(user), item
