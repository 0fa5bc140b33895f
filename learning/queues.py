"""Work queues: each person's work comes to them as counted lists.

A queue ("my_work" for agency leads, "business_unit", "assurance" for the scrutineer) is a list
of sections, each registered with `@section(queue, key, title)`. A section is a function of
(user, today) returning a queryset of what is waiting and a function that turns one row into a
`QueueItem`, or None when the section is not this person's work at all. Other apps add sections the same way from their own modules (the reviews app adds
"imports to confirm" from reviews/queues.py), so this app never imports them.
"""

import dataclasses
import datetime

from django.urls import reverse
from django.utils import timezone

from . import permissions

MY_WORK = "my_work"
BUSINESS_UNIT = "business_unit"
ASSURANCE = "assurance"
SECTION_LIST_LENGTH = 25
DUE_SOON_DAYS = 14
DECISIONS_SHOWN_FOR_DAYS = 30
QUIET_DAYS = 90
BRIEFINGS_LOOK_BACK_DAYS = 365
# Named by label so this app never imports the reviews app.
BRIEFING_PAGE_MODEL = ("reviews", "briefingpage")


@dataclasses.dataclass
class QueueItem:
    title: str
    url: str
    detail: str = ""
    when: datetime.date | None = None
    when_label: str = ""


@dataclasses.dataclass
class Section:
    queue: str
    key: str
    title: str
    help: str
    order: int
    rows: object  # (user, today) -> (queryset, row -> QueueItem)


_REGISTRY = {}


def section(queue, key, title, help="", order=100):
    """Register a section of a queue."""

    def register(rows):
        _REGISTRY.setdefault(queue, {})[key] = Section(queue, key, title, help, order, rows)
        return rows

    return register


def sections(queue):
    return sorted(_REGISTRY.get(queue, {}).values(), key=lambda s: (s.order, s.key))


def build(queue, user, today=None, length=SECTION_LIST_LENGTH):
    """Each section of the queue with its count and first rows: two queries per section."""
    today = today or timezone.localdate()
    built = []
    for entry in sections(queue):
        rows = entry.rows(user, today)
        if rows is None:
            continue
        queryset, to_item = rows
        count = len(queryset) if isinstance(queryset, list) else queryset.count()
        items = [to_item(row) for row in queryset[:length]] if count else []
        built.append({"section": entry, "count": count, "items": items, "more": count > length})
    return built


def landing_url(user):
    """Where a person lands after signing in: the queue of their main role, or the home page."""
    if permissions.is_agency_lead(user):
        return reverse("learning:my_work")
    if permissions.can_see_business_unit_queue(user):
        return reverse("learning:business_unit_queue")
    if permissions.can_see_assurance_queue(user):
        return reverse("learning:assurance_queue")
    return "/"


# --- Shared row shapes --------------------------------------------------------------------------


def action_item(action):
    if action.recommendation_id:
        source = (
            f"{action.recommendation.review.title}, recommendation {action.recommendation.number}"
        )
    else:
        source = "Section 11"
    # My work marks each action with its partnership (read with `with_partnership()`).
    partnership = getattr(action, "partnership_name", None)
    source = f"{partnership} · {source}" if partnership else source
    return QueueItem(
        title=action.description,
        url=action.get_absolute_url(),
        detail=f"{action.agency.short_name} · {source} · {action.status_label}",
        when=action.current_due_date,
        when_label="Due",
    )


def _lead_actions(user):
    """The actions of the agencies this person leads for, in the partnerships where they lead for
    them (not everyone's, even for a lead who is also in the business unit: My work is their
    agencies' work). Someone leading in several partnerships sees each marked with its own."""
    from .models import AgencyAction

    partnerships = permissions.partnership_ids_with_role(user, permissions.AGENCY_LEADS)
    actions = AgencyAction.objects.filter(permissions.led_actions_condition(user)).select_related(
        "agency", "recommendation__review"
    )
    return actions.with_partnership() if len(partnerships) > 1 else actions


# --- My work: an agency lead's queue ------------------------------------------------------------


@section(
    MY_WORK,
    "new_to_you",
    "New to you",
    "Actions opened for your agencies recently that you have not yet posted on. Each leaves this "
    "list once you post an update or answer on it.",
    order=5,
)
def _new_to_you(user, today):
    def item(action):
        shown = action_item(action)
        shown.when = timezone.localtime(action.created_at).date()
        shown.when_label = "Opened"
        shown.detail += f" · due {action.current_due_date:%-d %b %Y}"
        return shown

    actions = _lead_actions(user).new_to(user, today).order_by("-created_at", "-pk")
    return actions, item


@section(MY_WORK, "overdue", "Overdue", "Past their due date and not complete.", order=10)
def _overdue(user, today):
    return _lead_actions(user).overdue(today).order_by("current_due_date", "pk"), action_item


@section(
    MY_WORK,
    "due_soon",
    f"Due within {DUE_SOON_DAYS} days",
    "Not complete and due in the next two weeks.",
    order=20,
)
def _due_soon(user, today):
    actions = _lead_actions(user).due_within(DUE_SOON_DAYS, today)
    return actions.order_by("current_due_date", "pk"), action_item


@section(
    MY_WORK,
    "challenged",
    "Challenged by the scrutineer",
    "Back in progress: answer the challenge on the action, or add the evidence asked for.",
    order=30,
)
def _challenged(user, today):
    return _lead_actions(user).challenged().order_by("current_due_date", "pk"), action_item


@section(
    MY_WORK,
    "extension_decisions",
    "Extension decisions received",
    f"Requests for more time the business unit decided in the last {DECISIONS_SHOWN_FOR_DAYS} days.",
    order=40,
)
def _extension_decisions(user, today):
    from .models import ExtensionRequest

    since = timezone.now() - datetime.timedelta(days=DECISIONS_SHOWN_FOR_DAYS)
    decisions = (
        ExtensionRequest.objects.filter(
            permissions.led_actions_condition(user, "action__"), decided_at__gte=since
        )
        .exclude(decision=ExtensionRequest.Decision.PENDING)
        .select_related("action__agency")
        .order_by("-decided_at", "-pk")
    )

    def item(extension):
        return QueueItem(
            title=extension.action.description,
            url=extension.action.get_absolute_url(),
            detail=(
                f"{extension.action.agency.short_name} · {extension.get_decision_display()}: "
                f"{extension.new_due_date:%d %B %Y}"
                + (f" · {extension.decision_note}" if extension.decision_note else "")
            ),
            when=timezone.localtime(extension.decided_at).date(),
            when_label="Decided",
        )

    return decisions, item


@section(
    MY_WORK,
    "section11_open",
    "Section 11 returns open",
    "Returns of an open audit cycle not yet submitted.",
    order=60,
)
def _section11_open(user, today):
    from .models import Agency, AuditCycle

    # Only the cycles of the partnerships where they lead for their agencies.
    cycles = AuditCycle.objects.filter(
        is_open=True,
        opens_on__lte=today,
        partnership__in=permissions.partnership_ids_with_role(user, permissions.AGENCY_LEADS),
    )
    agencies = Agency.objects.filter(pk__in=permissions.led_agency_ids(user), active=True)
    return unsubmitted_returns(agencies, cycles), _open_return_item


@dataclasses.dataclass
class OpenReturn:
    agency: object
    cycle: object
    state: str


def unsubmitted_returns(agencies, cycles):
    """(agency, cycle) pairs whose return is not submitted: three queries whatever the numbers."""
    from .models import Section11Return

    cycles = list(cycles.order_by("closes_on", "pk"))
    agencies = list(agencies.order_by("name"))
    states = dict(
        (((agency_id, cycle_id), status))
        for agency_id, cycle_id, status in Section11Return.objects.filter(
            cycle__in=cycles, agency__in=agencies
        ).values_list("agency_id", "cycle_id", "status")
    )
    return [
        OpenReturn(agency, cycle, "Draft" if states.get((agency.pk, cycle.pk)) else "Not started")
        for cycle in cycles
        for agency in agencies
        if states.get((agency.pk, cycle.pk)) != Section11Return.Status.SUBMITTED
    ]


def _open_return_item(row):
    return QueueItem(
        title=f"{row.agency.name}: {row.cycle.name}",
        url=reverse("learning:section11_return", args=[row.cycle.pk, row.agency.slug]),
        detail=row.state,
        when=row.cycle.closes_on,
        when_label="Closes",
    )


@section(
    MY_WORK,
    "briefings_not_cascaded",
    "7-minute briefings not yet cascaded",
    "Briefings of the last year that one of your agencies has not confirmed reaching its teams.",
    order=70,
)
def _briefings_not_cascaded(user, today):
    briefings = briefings_awaiting(permissions.led_agency_ids(user), today, user)

    def item(page):
        return QueueItem(
            title=page.title,
            url=reverse("learning:cascade_confirm", args=[page.pk]),
            detail="Confirm when it has reached your teams",
            when=timezone.localtime(page.first_published_at).date()
            if page.first_published_at
            else None,
            when_label="Published",
        )

    return briefings, item


def live_briefings(since=None):
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q
    from wagtail.models import Page

    content_type = ContentType.objects.get_by_natural_key(*BRIEFING_PAGE_MODEL)
    pages = Page.objects.live().filter(content_type=content_type)
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        # A page made live without going through publishing has no first publication time.
        pages = pages.filter(Q(first_published_at__gte=start) | Q(first_published_at__isnull=True))
    return pages.order_by("-first_published_at", "-pk")


def briefings_of_partnerships(pages, user, partnership_ids):
    """Of these briefing pages, those of the given partnerships that this person may open: a
    partnership's briefings are for its own agencies to cascade and its own people to follow."""
    from django.apps import apps

    theirs = apps.get_model(*BRIEFING_PAGE_MODEL).objects.filter(
        permissions.visible_content(user), partnership_id__in=partnership_ids
    )
    return pages.filter(pk__in=theirs.values("pk"))


def briefings_awaiting(agency_ids, today, lead=None):
    """Recent live briefings that at least one of these agencies has not confirmed; for a `lead`,
    only the briefings of the partnerships where they lead that they may open."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import BriefingCascade

    since = today - datetime.timedelta(days=BRIEFINGS_LOOK_BACK_DAYS)
    confirmed = (
        BriefingCascade.objects.filter(briefing=OuterRef("pk"), agency_id__in=agency_ids)
        .order_by()
        .values("briefing")
        .annotate(agencies=Count("agency", distinct=True))
        .values("agencies")
    )
    briefings = live_briefings(since)
    if lead is not None:
        briefings = briefings_of_partnerships(
            briefings, lead, permissions.partnership_ids_with_role(lead, permissions.AGENCY_LEADS)
        )
    return briefings.alias(confirmed_by_mine=Coalesce(Subquery(confirmed), 0)).filter(
        confirmed_by_mine__lt=len(agency_ids)
    )


# --- Waiting for the business unit --------------------------------------------------------------


@section(
    BUSINESS_UNIT,
    "extensions",
    "Extension requests to decide",
    "Each with its reason; the action's page has its history and the decision form.",
    order=10,
)
def _extensions(user, today):
    from django.db.models import Prefetch

    from .models import ExtensionRequest

    earlier = ExtensionRequest.objects.exclude(decision=ExtensionRequest.Decision.PENDING).order_by(
        "requested_at", "pk"
    )
    pending = (
        ExtensionRequest.objects.filter(
            permissions.visible_actions_condition(user, prefix="action__"),
            decision=ExtensionRequest.Decision.PENDING,
        )
        .select_related("action__agency", "requested_by")
        .prefetch_related(
            Prefetch("action__extension_requests", queryset=earlier, to_attr="decided")
        )
        .order_by("requested_at", "pk")
    )

    def item(extension):
        action = extension.action
        history = "; ".join(
            f"{earlier.get_decision_display().lower()} a move to {earlier.new_due_date:%d %b %Y}"
            for earlier in action.decided
        )
        return QueueItem(
            title=action.description,
            url=action.get_absolute_url() + "#extensions-heading",
            detail=(
                f"{action.agency.short_name} asks to move {action.current_due_date:%d %b %Y} to "
                f"{extension.new_due_date:%d %b %Y} (first agreed "
                f"{action.original_due_date:%d %b %Y}): {extension.reason}"
                + (f" · Earlier requests: {history}" if history else "")
            ),
            when=timezone.localtime(extension.requested_at).date(),
            when_label="Asked",
        )

    return pending, item


@section(
    BUSINESS_UNIT,
    "returns_late",
    "Section 11 returns not submitted by the cycle's date",
    "Agencies whose return for a cycle that has closed is still a draft or not started.",
    order=20,
)
def _returns_late(user, today):
    from .models import Agency, AuditCycle

    cycles = AuditCycle.objects.filter(
        is_open=True,
        closes_on__lt=today,
        partnership__in=permissions.section11_managed_partnership_ids(user),
    )
    return unsubmitted_returns(Agency.objects.filter(active=True), cycles), _open_return_item


@section(
    BUSINESS_UNIT,
    "agencies_without_lead",
    "Agencies without a lead",
    "Active agencies nobody leads for: their actions and reminders reach nobody.",
    order=30,
)
def _agencies_without_lead(user, today):
    from .models import Agency

    def item(agency):
        return QueueItem(
            title=agency.name,
            url=reverse("learning:invite") + f"?role=agency_lead&agencies={agency.pk}",
            detail="Invite a lead",
        )

    # Nobody leads for it in a partnership whose tracker this person runs.
    unled = Agency.objects.without_lead(permissions.tracker_partnership_ids(user))
    return unled.order_by("name"), item


@section(
    BUSINESS_UNIT,
    "quiet",
    f"No update for {QUIET_DAYS} days",
    "Outstanding actions whose history has had nothing new for three months.",
    order=40,
)
def _quiet(user, today):
    from .models import AgencyAction

    actions = (
        permissions.visible_actions(
            user, AgencyAction.objects.without_update_since(QUIET_DAYS, today)
        )
        .select_related("agency", "recommendation__review")
        .order_by("current_due_date", "pk")
    )
    return actions, action_item


# --- Waiting for assurance (the scrutineer) -----------------------------------------------------


@section(
    ASSURANCE,
    "challenged",
    "Challenged, waiting for the agency",
    "Actions you sent back; an agency's answer shows on the action and comes to you by email.",
    order=20,
)
def _assurance_challenged(user, today):
    from .models import AgencyAction

    actions = (
        permissions.visible_actions(user, AgencyAction.objects.challenged())
        .select_related("agency", "recommendation__review")
        .order_by("current_due_date", "pk")
    )
    return actions, action_item
