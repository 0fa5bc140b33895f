"""Agency actions and their append-only history: progress updates, extensions, assurance."""

import datetime
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# How long an agency has to answer a challenge unless the scrutineer sets another date.
CHALLENGE_ANSWER_DAYS = 28
# An action stays "new to you" on My work for this long. (Not "since the person last signed in":
# Django records a sign-in as it happens, so that moment is always the present session's.)
NEW_TO_YOU_DAYS = 30


class AgencyActionQuerySet(models.QuerySet):
    """The tracker's rules about actions, each defined once, here.

    `condition()` builds each rule as a Q; the queryset methods, the dashboard's counts
    (`Count(filter=…)`), the per-row flags (`with_states()`), the lists, exports, reminders, the
    API and search all use these, so "overdue" means the same thing everywhere.
    """

    CATEGORIES = ("outstanding", "overdue", "slipped", "complete_unassured", "assured", "open")

    @staticmethod
    def condition(
        category,
        today=None,
        prefix="",
        status="status",
        due="current_due_date",
        answer_due="challenge_answer_due",
    ):
        """The Q of a category, usable in filter(), exclude(), Count(filter=) and annotations.

        `prefix` reaches actions through a relation, e.g. "actions__" when counting per agency.
        `status`, `due` and `answer_due` name the fields read: `as_at()`'s annotations for a past
        day.
        - outstanding: work the agency still has to do (not started or in progress). A
          "complete" action is not outstanding (nor overdue): it waits for assurance.
        - overdue: outstanding and due before today, unless a challenge has asked for an answer
          by a date still to come: until that date the agency is answering, not late.
        - slipped: the current due date is later than the one first agreed.
        - complete_unassured: the agency says complete; the scrutineer has not yet assured it.
        - assured: signed off by the scrutineer.
        - open: not yet assured or closed (complete-but-unassured included).
        """
        states = AgencyAction.Status
        status, due, answer_due = f"{prefix}{status}", f"{prefix}{due}", f"{prefix}{answer_due}"
        if category == "outstanding":
            return Q(**{f"{status}__in": states.in_hand()})
        if category == "overdue":
            today = today or timezone.localdate()
            return (
                Q(**{f"{status}__in": states.in_hand()})
                & Q(**{f"{due}__lt": today})
                & (Q(**{f"{answer_due}__isnull": True}) | Q(**{f"{answer_due}__lt": today}))
            )
        if category == "slipped":
            return Q(**{f"{due}__gt": F(f"{prefix}original_due_date")})
        if category == "complete_unassured":
            return Q(**{status: states.COMPLETE})
        if category == "assured":
            return Q(**{status: states.ASSURED})
        if category == "open":
            return ~Q(**{f"{status}__in": states.finished()})
        raise ValueError(f"Unknown category of action {category!r}")

    def category(self, category, today=None):
        return self.filter(self.condition(category, today))

    def as_at(self, moment):
        """The actions that existed at `moment`, each with its status and due date as they stood
        then (`as_at_status`, `as_at_due`), read from its append-only history: the last entry
        before `moment`, or not started and due when first agreed if every entry came later. An
        action with no history at all (made outside the tracker's services) reads as it is now.
        `as_at_answer_due` is the answer date of the last challenge before `moment`."""
        earlier = ProgressUpdate.objects.filter(
            action=models.OuterRef("pk"), created_at__lt=moment
        ).order_by("-created_at", "-pk")
        untracked = ~models.Exists(ProgressUpdate.objects.filter(action=models.OuterRef("pk")))
        last_challenge = Assurance.objects.filter(
            action=models.OuterRef("pk"), decision=Assurance.Decision.CHALLENGED, at__lt=moment
        ).order_by("-at", "-pk")
        return self.filter(created_at__lt=moment).annotate(
            as_at_answer_due=models.Subquery(last_challenge.values("answer_due")[:1]),
            as_at_status=models.Case(
                models.When(untracked, then=F("status")),
                default=Coalesce(
                    models.Subquery(earlier.values("status")[:1]),
                    models.Value(AgencyAction.Status.NOT_STARTED),
                ),
                output_field=models.CharField(),
            ),
            as_at_due=models.Case(
                models.When(untracked, then=F("current_due_date")),
                default=Coalesce(
                    models.Subquery(earlier.values("due_date")[:1]), F("original_due_date")
                ),
                output_field=models.DateField(),
            ),
        )

    def category_as_at(self, category, moment, today):
        """The actions in `category` as they stood at `moment` (overdue: due before `today`)."""
        return self.as_at(moment).filter(
            self.condition(
                category,
                today,
                status="as_at_status",
                due="as_at_due",
                answer_due="as_at_answer_due",
            )
        )

    def outstanding(self):
        return self.category("outstanding")

    def open(self):
        return self.category("open")

    def overdue(self, today=None):
        return self.category("overdue", today)

    def not_overdue(self, today=None):
        return self.exclude(self.condition("overdue", today))

    def due_within(self, days, today=None):
        today = today or timezone.localdate()
        return self.outstanding().filter(
            current_due_date__gte=today, current_due_date__lte=today + timezone.timedelta(days=days)
        )

    def slipped(self):
        return self.category("slipped")

    def complete_unassured(self):
        return self.category("complete_unassured")

    def assured(self):
        return self.category("assured")

    def challenged(self):
        """Sent back by the scrutineer and not yet marked complete again: the agency owes an
        answer. The latest assurance decision is a challenge and the work is back in hand."""
        latest_decision = (
            Assurance.objects.filter(action=models.OuterRef("pk"))
            .order_by("-at", "-pk")
            .values("decision")[:1]
        )
        return (
            self.filter(status__in=AgencyAction.Status.in_hand())
            .alias(latest_decision=models.Subquery(latest_decision))
            .filter(latest_decision=Assurance.Decision.CHALLENGED)
        )

    def new_to(self, user, today=None, days=NEW_TO_YOU_DAYS):
        """Work that has just reached this person: outstanding actions opened in the last `days`
        days on which they have not yet posted anything. Once they post, the action is theirs in hand and leaves the list."""
        today = today or timezone.localdate()
        since = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min)
        )
        posted = ProgressUpdate.objects.filter(action=models.OuterRef("pk"), author=user).exclude(
            kind=ProgressUpdate.Kind.CREATED
        )
        return self.outstanding().filter(created_at__gte=since).exclude(models.Exists(posted))

    def without_update_since(self, days, today=None):
        """Outstanding actions whose history has had nothing new for `days` days."""
        today = today or timezone.localdate()
        cutoff = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min)
        )
        return (
            self.outstanding()
            .alias(
                last_entry_at=Coalesce(models.Max("updates__created_at"), models.F("created_at"))
            )
            .filter(last_entry_at__lt=cutoff)
        )

    def for_agencies(self, agencies):
        return self.filter(agency__in=agencies)

    # An action belongs to its review's partnership, or for a Section 11 gap to its cycle's.
    PARTNERSHIP_ROUTES = (
        "recommendation__review__partnership",
        "standard_answer__section11_return__cycle__partnership",
    )

    @classmethod
    def partnership_condition(cls, partnership_ids, prefix=""):
        """The Q of actions in these partnerships (`prefix` reaches actions through a relation)."""
        ids = list(partnership_ids)
        condition = Q(pk__in=[])
        for route in cls.PARTNERSHIP_ROUTES:
            condition |= Q(**{f"{prefix}{route}__in": ids})
        return condition

    def in_partnerships(self, partnership_ids):
        return self.filter(self.partnership_condition(partnership_ids))

    def with_partnership(self):
        """Each row carries its partnership's id, name and slug (`partnership_pk`,
        `partnership_name`, `partnership_slug`), read in the same query."""
        return self.annotate(
            partnership_pk=Coalesce(*[F(f"{route}__pk") for route in self.PARTNERSHIP_ROUTES]),
            partnership_name=Coalesce(*[F(f"{route}__name") for route in self.PARTNERSHIP_ROUTES]),
            partnership_slug=Coalesce(*[F(f"{route}__slug") for route in self.PARTNERSHIP_ROUTES]),
        )

    def without_lead(self):
        """Actions whose news reaches nobody: their agency is active and no lead that emails
        reach leads for it in the action's own partnership (a lead in another partnership may
        not see it)."""
        from .people import AgencyMembership

        led_here = (
            AgencyMembership.objects.reachable()
            .leading_in(models.OuterRef("partnership_pk"))
            .filter(agency_id=models.OuterRef("agency_id"))
        )
        return self.with_partnership().filter(agency__active=True).filter(~models.Exists(led_here))

    def with_states(self, today=None):
        """Each row carries whether it is overdue and whether it has slipped, computed by the
        database from the same conditions: what `is_overdue` and `has_slipped` then read."""
        return self.annotate(
            annotated_overdue=ExpressionWrapper(
                self.condition("overdue", today), output_field=models.BooleanField()
            ),
            annotated_slipped=ExpressionWrapper(
                self.condition("slipped"), output_field=models.BooleanField()
            ),
        )

    def overdue_first(self, today=None):
        """Overdue actions first, then by due date: the order an agency lead works through."""
        return self.annotate(
            overdue_rank=models.Case(
                models.When(self.condition("overdue", today), then=models.Value(0)),
                default=models.Value(1),
                output_field=models.IntegerField(),
            )
        ).order_by("overdue_rank", "current_due_date", "pk")

    def with_context(self, today=None):
        """Everything a list row shows, fetched in the same query."""
        return self.select_related(
            "agency", "recommendation", "recommendation__review", "rag_set_by"
        ).with_states(today)


class AgencyAction(models.Model):
    """What one agency is doing about one recommendation or Section 11 gap."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"
        ASSURED = "assured", "Assured"
        CLOSED = "closed", "Closed – superseded / not accepted"

        @classmethod
        def finished(cls):
            return [cls.ASSURED, cls.CLOSED]

        @classmethod
        def in_hand(cls):
            return [cls.NOT_STARTED, cls.IN_PROGRESS]

        @classmethod
        def agency_may_set(cls):
            """ "Complete" is the agency's word; "assured" is only ever the scrutineer's."""
            return [cls.NOT_STARTED, cls.IN_PROGRESS, cls.COMPLETE]

    class RAG(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    recommendation = models.ForeignKey(
        "learning.Recommendation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    standard_answer = models.ForeignKey(
        "learning.StandardAnswer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text="The Section 11 gap this action closes, if any.",
    )
    agency = models.ForeignKey("learning.Agency", on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    lead_officer = models.CharField(max_length=200, blank=True)
    original_due_date = models.DateField(help_text="Never changed: slippage stays visible.")
    # The current_* fields mirror the latest progress update so lists can filter and sort on them.
    current_due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    rag = models.CharField(max_length=10, choices=RAG.choices, blank=True)
    rag_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rag_set_at = models.DateTimeField(null=True, blank=True)
    # Mirrors the latest challenge's answer date, so "overdue" stays one condition on the row.
    challenge_answer_due = models.DateField(
        null=True,
        blank=True,
        help_text="The date the latest challenge asked the agency to answer by.",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AgencyActionQuerySet.as_manager()

    class Meta:
        ordering = ["current_due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "agency"],
                condition=models.Q(recommendation__isnull=False),
                name="one_action_per_agency_per_recommendation",
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["status", "current_due_date"]),
            # Covering indexes for the dashboard's counts by agency and by theme (through the
            # recommendation): the aggregates read these instead of the table (benchmark_tracker).
            models.Index(
                fields=[
                    "agency",
                    "status",
                    "current_due_date",
                    "original_due_date",
                    "created_at",
                ],
                name="action_dashboard_by_agency",
            ),
            models.Index(
                fields=["recommendation", "status", "current_due_date"],
                name="action_dashboard_by_rec",
            ),
        ]

    def __str__(self):
        return f"{self.agency.short_name}: {self.description[:60]}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("learning:action_detail", args=[self.pk])

    @classmethod
    def paths(cls, pks):
        """{pk: the action's page}, as `get_absolute_url` gives it, for many actions at once: the
        paths differ only in the id, so one is reversed and the others made from it (reverse()
        reads several thread-locals each call; an email of a backlog links hundreds)."""
        from django.urls import reverse

        placeholder = "999999999999"
        head, tail = reverse("learning:action_detail", args=[placeholder]).split(placeholder)
        return {pk: f"{head}{pk}{tail}" for pk in pks}

    @property
    def is_overdue(self):
        """Rows from `with_states(today)` read the database's answer for that day, so a reminder
        or list made for a given day flags exactly what its query chose; a lone row asks today."""
        if hasattr(self, "annotated_overdue"):
            return self.annotated_overdue
        today = timezone.localdate()
        return (
            self.status in self.Status.in_hand()
            and self.current_due_date < today
            and not self.is_answering_challenge(today)
        )

    def is_answering_challenge(self, today=None):
        """Challenged and still within the date the challenge gave for an answer."""
        today = today or timezone.localdate()
        return (
            self.status in self.Status.in_hand()
            and self.challenge_answer_due is not None
            and self.challenge_answer_due >= today
        )

    @property
    def status_label(self):
        return self.describe_status(self.status, self.challenge_answer_due)

    @classmethod
    def describe_status(cls, status, challenge_answer_due):
        """The status as every page, email and export shows it: a challenged action says by when
        the agency must answer, so nobody reads it as simply late."""
        if status in cls.Status.in_hand() and challenge_answer_due is not None:
            return f"Challenged — answer due {challenge_answer_due:%-d %B %Y}"
        return dict(cls.Status.choices).get(status, status)

    @property
    def has_slipped(self):
        if hasattr(self, "annotated_slipped"):
            return self.annotated_slipped
        return self.current_due_date > self.original_due_date

    @property
    def slippage_days(self):
        return (self.current_due_date - self.original_due_date).days

    @property
    def review(self):
        return self.recommendation.review if self.recommendation_id else None


class ProgressUpdate(models.Model):
    """One dated entry in an action's history. Append-only: never edited, never deleted."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Progress update"
        EXTENSION = "extension", "Extension decision"
        ASSURANCE = "assurance", "Assurance"
        CHALLENGE = "challenge", "Challenge"
        REPLY = "reply", "Reply to the challenge"
        CREATED = "created", "Action created"

    action = models.ForeignKey(AgencyAction, on_delete=models.PROTECT, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UPDATE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="progress_updates",
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, help_text="Markdown.")
    status = models.CharField(max_length=20, choices=AgencyAction.Status.choices)
    rag = models.CharField(max_length=10, choices=AgencyAction.RAG.choices, blank=True)
    due_date = models.DateField(help_text="The action's due date after this update.")
    action_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The action's version once this update was written: what a refused editor missed.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.action_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Progress updates are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Progress updates are append-only and cannot be deleted.")


@deconstructible
class EvidenceStorage(FileSystemStorage):
    """Evidence is kept outside MEDIA_ROOT, so no web server or media route can serve it: only the
    download view does, after asking whether this person may see the action."""

    @property
    def base_location(self):
        fallback = os.path.join(os.path.dirname(os.fspath(settings.MEDIA_ROOT)), "private-media")
        return os.fspath(getattr(settings, "EVIDENCE_ROOT", None) or fallback)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


class EvidenceFile(models.Model):
    """A file attached to a progress update, served only to people who may see the action."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/", storage=EvidenceStorage())
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("learning:evidence_download", args=[self.pk])


class ExtensionRequest(models.Model):
    """An agency asks for more time; the business unit accepts or declines."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    action = models.ForeignKey(
        AgencyAction, on_delete=models.PROTECT, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    new_due_date = models.DateField()
    reason = models.TextField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Extension to {self.new_due_date} for action {self.action_id}"


class Assurance(models.Model):
    """The scrutineer's (or subgroup's) sign-off or challenge of a completed action."""

    class Decision(models.TextChoices):
        ASSURED = "assured", "Assured"
        CHALLENGED = "challenged", "Challenged"

    action = models.ForeignKey(AgencyAction, on_delete=models.PROTECT, related_name="assurances")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    answer_due = models.DateField(
        null=True, blank=True, help_text="For a challenge: the date the agency must answer by."
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_decision_display()} action {self.action_id}"
