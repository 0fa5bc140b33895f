"""Background work of the case log (Celery): reminders to agencies about the chronologies a rapid
review has asked for, and the reading of uploaded review documents (in importer.tasks, imported
here so the worker's autodiscovery finds it). Reminders are idempotent: each is recorded before
it goes, at most once per request, period and recipient, so a repeated run never sends it twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from learning import permissions

from .importer.tasks import analyse_review_upload

__all__ = ["analyse_review_upload", "remind_information_requests"]

DUE_SOON = "due_soon"
OVERDUE = "overdue"
# Rapid reviews run to 15 working days: a request is chased two days ahead and daily once late.
DUE_SOON_DAYS = 2


def _claim(information_request, kind, period, recipient):
    from .models import InformationRequestReminder

    try:
        with transaction.atomic():
            InformationRequestReminder.objects.create(
                request=information_request, kind=kind, period=period, recipient=recipient
            )
    except IntegrityError:
        return False
    return True


def send_information_request_reminders(today=None):
    """Email each agency lead the requests of their agencies that are due soon or overdue."""
    from learning.models import AgencyMembership

    from .models import InformationRequest

    today = today or timezone.localdate()
    requests = InformationRequest.objects.with_context()
    chased = [(OVERDUE, r) for r in requests.overdue(today=today).order_by("due_on", "pk")] + [
        (DUE_SOON, r) for r in requests.due_within(DUE_SOON_DAYS, today=today)
    ]
    if not chased:
        return 0
    leads = {}
    memberships = (
        AgencyMembership.objects.reachable()
        .filter(agency_id__in={r.agency_id for _kind, r in chased})
        .select_related("user")
    )
    for membership in memberships:
        agency_ids, people = leads.setdefault(membership.user.email, (set(), {}))
        agency_ids.add(membership.agency_id)
        people[membership.user_id] = membership.user
    period = today.isoformat()
    url = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{reverse('information_requests')}"
    sent = 0
    for email, (agency_ids, people) in sorted(leads.items()):
        with transaction.atomic():
            # A lead hears only of their agencies' requests in the partnerships they lead for.
            fresh = [
                (kind, r)
                for kind, r in chased
                if r.agency_id in agency_ids
                and any(
                    permissions.can_see_information_request(person, r) for person in people.values()
                )
                and _claim(r, kind, period if kind == OVERDUE else f"due-{r.due_on}", email)
            ]
            if not fresh:
                continue
            send_mail(
                subject=f"Rapid review: {len(fresh)} chronolog{'y' if len(fresh) == 1 else 'ies'} "
                "to return",
                message=render_to_string(
                    "reviews/information_request_reminder.txt",
                    {"requests": fresh, "today": today, "url": url},
                ),
                from_email=None,
                recipient_list=[email],
            )
        sent += 1
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def remind_information_requests():
    """Chase agencies' chronologies for rapid reviews: due soon, and daily once overdue."""
    return send_information_request_reminders()
