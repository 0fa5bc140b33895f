"""Whether 7-minute briefings reach practice: coverage per briefing (which agencies confirmed,
with how many teams and staff, and who has not) and one reminder to the leads who have not
after four weeks."""

import dataclasses
import datetime

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import permissions
from .models import Agency, AgencyMembership, BriefingCascade
from .queues import BRIEFING_PAGE_MODEL, live_briefings

CASCADE_REMINDER = "cascade"
REMIND_AFTER_DAYS = 28
# Briefings older than this are not chased: the reminder is for learning still current.
REMIND_UNTIL_DAYS = 365


@dataclasses.dataclass
class Coverage:
    briefing: object
    confirmed: list  # BriefingCascade rows, one (the latest) per agency
    missing: list  # agencies that have not confirmed

    @property
    def teams(self):
        return sum(cascade.teams_reached for cascade in self.confirmed)

    @property
    def staff(self):
        return sum(cascade.staff_reached for cascade in self.confirmed)

    @property
    def expected(self):
        return len(self.confirmed) + len(self.missing)

    @property
    def share(self):
        expected = len(self.confirmed) + len(self.missing)
        return round(100 * len(self.confirmed) / expected) if expected else 0


def coverage(briefings, agencies=None):
    """Coverage of each briefing across the active agencies: two queries for any number."""
    briefings = list(briefings)
    agencies = list(agencies if agencies is not None else Agency.objects.filter(active=True))
    latest = {}
    for cascade in (
        BriefingCascade.objects.filter(briefing__in=briefings, agency__in=agencies)
        .select_related("agency")
        .order_by("cascaded_on", "pk")
    ):
        latest[cascade.briefing_id, cascade.agency_id] = cascade
    result = []
    for briefing in briefings:
        confirmed = [
            latest[key] for agency in agencies if (key := (briefing.pk, agency.pk)) in latest
        ]
        missing = [agency for agency in agencies if (briefing.pk, agency.pk) not in latest]
        result.append(Coverage(briefing, confirmed, missing))
    return result


def _site_url(path):
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _claim(period, recipient):
    from .reminders import claim

    return claim(CASCADE_REMINDER, None, period, recipient)


def send_cascade_reminders(today=None):
    """Email each lead of an agency that has not confirmed a briefing published four weeks ago or
    more: once per briefing and lead, whatever the number of runs."""
    today = today or timezone.localdate()
    published_before = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=REMIND_AFTER_DAYS - 1), datetime.time.min
        )
    )
    briefings = live_briefings(today - datetime.timedelta(days=REMIND_UNTIL_DAYS)).filter(
        first_published_at__lt=published_before
    )
    rows = coverage(briefings)
    # Each lead is reminded only of the briefings of the partnerships they lead for, that they
    # may open: another partnership's partnership-only briefing never reaches them.
    placed = dict(
        (pk, (visibility, partnership_id))
        for pk, visibility, partnership_id in apps.get_model(*BRIEFING_PAGE_MODEL)
        .objects.filter(pk__in=[row.briefing.pk for row in rows])
        .values_list("pk", "visibility", "partnership_id")
    )
    missing_ids = {agency.pk for row in rows for agency in row.missing}
    leads = {}
    for membership in (
        AgencyMembership.objects.reachable()
        .filter(agency_id__in=missing_ids)
        .select_related("user")
    ):
        leads.setdefault(membership.agency_id, []).append(membership.user)
    sent = 0
    for row in rows:
        period = f"briefing-{row.briefing.pk}"
        for agency in row.missing:
            for user in leads.get(agency.pk, []):
                visibility, partnership_id = placed.get(row.briefing.pk, (None, None))
                if not (
                    permissions.can_open(user, visibility, partnership_id)
                    and partnership_id
                    in permissions.partnership_ids_with_role(user, permissions.AGENCY_LEADS)
                ):
                    continue
                with transaction.atomic():
                    if not _claim(period, user.email):
                        continue
                    send_mail(
                        subject=f"Please confirm the briefing reached your teams: "
                        f"{row.briefing.title}",
                        message=render_to_string(
                            "learning/email/cascade_reminder.txt",
                            {
                                "user": user,
                                "agency": agency,
                                "briefing": row.briefing,
                                "briefing_url": _site_url(row.briefing.url or "/"),
                                "confirm_url": _site_url(
                                    reverse("learning:cascade_confirm", args=[row.briefing.pk])
                                ),
                            },
                        ),
                        from_email=None,
                        recipient_list=[user.email],
                    )
                sent += 1
    return sent
