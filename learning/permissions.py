"""Every permission check of the hub: pages, tracker, search, exports and the API ask this module."""

from django.contrib.auth.models import AnonymousUser
from django.db import models

PRACTITIONERS = "Practitioners"
AGENCY_LEADS = "Agency leads"
BUSINESS_UNIT = "Business unit"
BUSINESS_MANAGERS = "Business managers"
SCRUTINEERS = "Scrutineers"
ADMINISTRATORS = "Administrators"

ROLE_GROUPS = [
    PRACTITIONERS,
    AGENCY_LEADS,
    BUSINESS_UNIT,
    BUSINESS_MANAGERS,
    SCRUTINEERS,
    ADMINISTRATORS,
]
# Members of these groups may open partnership-only material (rapid reviews, unpublished reports).
PARTNERSHIP_GROUPS = [AGENCY_LEADS, BUSINESS_UNIT, BUSINESS_MANAGERS, SCRUTINEERS, ADMINISTRATORS]


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRACTITIONERS = "practitioners", "Practitioners (signed in)"
    PARTNERSHIP = "partnership", "Partnership only"


def _group_names(user):
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_group_names = cached
    return cached


def has_role(user, *groups):
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(_group_names(user) & set(groups))


def is_partnership_member(user):
    return has_role(user, *PARTNERSHIP_GROUPS)


def visible_levels(user):
    """The visibility levels whose pages this user may open."""
    user = user or AnonymousUser()
    if is_partnership_member(user):
        return [Visibility.PUBLIC, Visibility.PRACTITIONERS, Visibility.PARTNERSHIP]
    if user.is_authenticated:
        return [Visibility.PUBLIC, Visibility.PRACTITIONERS]
    return [Visibility.PUBLIC]


def can_view_level(user, level):
    return level in visible_levels(user)


def is_business_unit(user):
    return has_role(user, BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS)


def is_scrutineer(user):
    return has_role(user, SCRUTINEERS)


def can_see_tracker(user):
    return has_role(
        user, AGENCY_LEADS, BUSINESS_UNIT, BUSINESS_MANAGERS, SCRUTINEERS, ADMINISTRATORS
    )


def can_see_everything_in_tracker(user):
    return is_business_unit(user) or is_scrutineer(user)


def led_agency_ids(user):
    """The agencies this user leads for (empty for anyone who is not an agency lead)."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_led_agency_ids", None)
    if cached is None:
        cached = set(user.agency_memberships.values_list("agency_id", flat=True))
        user._led_agency_ids = cached
    return cached


def visible_actions(user, queryset=None):
    """The agency actions this user may see."""
    from .models import AgencyAction

    queryset = AgencyAction.objects.all() if queryset is None else queryset
    if can_see_everything_in_tracker(user):
        return queryset
    if has_role(user, AGENCY_LEADS):
        return queryset.filter(agency_id__in=led_agency_ids(user))
    return queryset.none()


def can_update_action(user, action):
    """Agency leads post progress on their own agencies' actions; the business unit on any."""
    if is_business_unit(user):
        return True
    return has_role(user, AGENCY_LEADS) and action.agency_id in led_agency_ids(user)


def can_assure(user):
    return has_role(user, SCRUTINEERS, ADMINISTRATORS)


def can_decide_extensions(user):
    return is_business_unit(user)
