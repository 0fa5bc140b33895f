"""The case log's services: who sees which information requests, returning a chronology, and
the case list. Views, reminders and (later) the agency lead's "My work" queue call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from learning import permissions
from learning.evidence import check_evidence

from .models import Case, InformationRequest


def information_requests_for(user, outstanding_only=True):
    """The rapid reviews' information requests addressed to the agencies this user leads (all
    of them for the case log's readers), oldest due first."""
    requests = permissions.visible_information_requests(user, InformationRequest.objects.all())
    if outstanding_only:
        requests = requests.outstanding()
    return requests.with_context().order_by("due_on", "pk")


def return_information_request(user, information_request, upload, returned_on=None):
    """Record an agency's returned chronology or summary (a private upload, checked by content)."""
    if not permissions.can_return_information_request(user, information_request):
        raise PermissionDenied("This request is addressed to another agency.")
    if information_request.returned_on:
        raise ValidationError("This chronology has already been returned.")
    check_evidence(upload)
    with transaction.atomic():
        locked = InformationRequest.objects.select_for_update().get(pk=information_request.pk)
        if locked.returned_on:
            raise ValidationError("This chronology has already been returned.")
        locked.returned_file = upload
        locked.returned_on = returned_on or timezone.localdate()
        locked.save(update_fields=["returned_file", "returned_on"])
    return locked


def case_log(user):
    """Every case of the partnerships whose log this person may see; nothing for anyone else."""
    if not permissions.can_see_case_log(user):
        return Case.objects.none()
    return permissions.visible_cases(
        user, Case.objects.select_related("referral_reason", "referring_agency", "review")
    )
