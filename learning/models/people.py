"""People of the partnership: who leads for which agency, invitations to join, API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..roles import AGENCY_LEADS

INVITATION_DAYS = 7


class AgencyMembershipQuerySet(models.QuerySet):
    def current(self):
        """Who leads for an agency now: active people with the agency lead role."""
        return self.filter(user__is_active=True, user__groups__name=AGENCY_LEADS)

    def reachable(self):
        """Current leads with an email address: the people the tracker's emails reach."""
        return self.current().filter(user__email__gt="")

    def leading_in_any(self, partnership_ids):
        """Those who hold the agency lead role in at least one of these partnerships."""
        return self.filter(
            pk__in=self.model.objects.filter(
                user__partnership_memberships__role=AGENCY_LEADS,
                user__partnership_memberships__partnership_id__in=partnership_ids,
            ).values("pk")
        )

    def leading_in(self, partnership_id):
        """Those who hold the agency lead role in this partnership (an id or an OuterRef): a lead
        in one partnership sees and hears of none of another's actions."""
        return self.filter(
            user__partnership_memberships__role=AGENCY_LEADS,
            user__partnership_memberships__partnership_id=partnership_id,
        )


class AgencyMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships"
    )
    agency = models.ForeignKey(
        "learning.Agency", on_delete=models.CASCADE, related_name="memberships"
    )

    objects = AgencyMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_membership_per_agency")
        ]

    def __str__(self):
        return f"{self.user} – {self.agency}"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now)

    def for_token(self, token, now=None):
        """The pending invitation this link opens, or None (used, withdrawn, expired, unknown)."""
        return self.pending(now).filter(token_digest=_digest(token or "")).first()


class Invitation(models.Model):
    """A one-time link that lets a person choose a username and password in one role.

    Only a digest of the link's secret is stored, so the database alone cannot open it.
    """

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        AGENCY_LEAD = "agency_lead", "Agency lead"
        BUSINESS_UNIT = "business_unit", "Business unit officer"
        BUSINESS_MANAGER = "business_manager", "Business manager"
        SCRUTINEER = "scrutineer", "Scrutineer"

    email = models.EmailField()
    partnership = models.ForeignKey(
        "learning.Partnership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The partnership the person is invited into, in the role.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    agencies = models.ManyToManyField("learning.Agency", blank=True, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Invitation for {self.email} as {self.get_role_display()}"

    def set_new_token(self):
        """A fresh secret for the link; returned once, only its digest is kept."""
        token = secrets.token_urlsafe(32)
        self.token_digest = _digest(token)
        self.expires_at = timezone.now() + timezone.timedelta(days=INVITATION_DAYS)
        return token

    @property
    def state(self):
        if self.accepted_at:
            return "Accepted"
        if self.withdrawn_at:
            return "Withdrawn"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Waiting"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A named token for the tracker's JSON API: a person may hold several and revoke each."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.user})"

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = secrets.token_hex(20)
        super().save(*args, **kwargs)
