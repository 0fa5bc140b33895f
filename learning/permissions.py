"""Every permission check of the hub: pages, tracker, search, exports and the API ask this module."""

import functools

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models

# Callers name roles through this module (permissions.AGENCY_LEADS), so the names stay reachable here.
from .roles import (  # noqa: F401
    ADMINISTRATORS,
    AGENCY_LEADS,
    BUSINESS_MANAGERS,
    BUSINESS_UNIT,
    PARTNERSHIP_GROUPS,
    PRACTITIONERS,
    ROLE_GROUPS,
    SCRUTINEERS,
)


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
    """Agency leads post progress on their own agencies' open actions; the business unit on any
    (it alone may reopen an assured or closed action, so a sign-off is never undone by accident)."""
    if is_business_unit(user):
        return True
    from .models import AgencyAction

    return (
        has_role(user, AGENCY_LEADS)
        and action.agency_id in led_agency_ids(user)
        and action.status not in AgencyAction.Status.finished()
    )


def can_assure(user):
    return has_role(user, SCRUTINEERS, ADMINISTRATORS)


def can_decide_extensions(user):
    return is_business_unit(user)


def visible_agencies(user, queryset=None):
    """The agencies whose tracker pages this user may open: leads see only their own."""
    from .models import Agency

    queryset = Agency.objects.all() if queryset is None else queryset
    if can_see_everything_in_tracker(user):
        return queryset
    if has_role(user, AGENCY_LEADS):
        return queryset.filter(pk__in=led_agency_ids(user))
    return queryset.none()


def can_see_dashboard(user):
    """The partnership-wide dashboard is for the business unit and the scrutineer."""
    return can_see_everything_in_tracker(user)


def can_manage_section11(user):
    """Opening audit cycles and editing their standards is the business unit's job."""
    return is_business_unit(user)


def can_edit_section11_return(user, agency_id):
    """An agency's leads complete its return; the business unit may too. The scrutineer may not."""
    if is_business_unit(user):
        return True
    return has_role(user, AGENCY_LEADS) and agency_id in led_agency_ids(user)


def can_challenge_section11(user):
    """The challenge panel: the business unit and the scrutineer record notes on returns."""
    return is_business_unit(user) or is_scrutineer(user)


def can_see_action(user, action):
    if can_see_everything_in_tracker(user):
        return True
    return has_role(user, AGENCY_LEADS) and action.agency_id in led_agency_ids(user)


def statuses_user_may_set(user):
    """Agency leads move an action up to "complete"; the business unit may also close it.

    Nobody sets "assured" by a progress update: that is the scrutineer's assurance.
    """
    from .models import AgencyAction

    statuses = list(AgencyAction.Status.agency_may_set())
    if is_business_unit(user):
        statuses.append(AgencyAction.Status.CLOSED)
    return statuses


def can_request_extension(user, action):
    return can_update_action(user, action)


def agencies_user_may_confirm_for(user):
    """The agencies on whose behalf this user may confirm a briefing cascade."""
    from .models import Agency

    if is_business_unit(user):
        return Agency.objects.filter(active=True)
    if has_role(user, AGENCY_LEADS):
        return Agency.objects.filter(pk__in=led_agency_ids(user), active=True)
    return Agency.objects.none()


def can_confirm_cascades(user):
    return is_business_unit(user) or (has_role(user, AGENCY_LEADS) and bool(led_agency_ids(user)))


def can_see_change_log(user):
    """The business unit and the scrutineer read who changed what."""
    return is_business_unit(user) or is_scrutineer(user)


# --- People ---------------------------------------------------------------------------------

# The groups each invitation role gives; a business manager is also a business unit officer.
INVITATION_ROLE_GROUPS = {
    "practitioner": [PRACTITIONERS],
    "agency_lead": [AGENCY_LEADS],
    "business_unit": [BUSINESS_UNIT],
    "business_manager": [BUSINESS_UNIT, BUSINESS_MANAGERS],
    "scrutineer": [SCRUTINEERS],
}


def can_manage_people(user):
    """Inviting people, moving or ending memberships and deactivating accounts: the business
    manager (and an administrator), not every business unit officer."""
    return has_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)


def can_change_account_of(user, person):
    """Deactivating, reactivating or changing the memberships of `person`: a superuser's account
    is changed only by a superuser, so the business manager cannot lock the administrator out."""
    if not can_manage_people(user):
        return False
    return user.is_superuser or not person.is_superuser


def can_change_memberships_of(user, person):
    """No one chooses the agencies they lead for themselves: another manager records it."""
    return can_change_account_of(user, person) and user.pk != person.pk


def can_hold_api_tokens(user):
    """The API serves the tracker, so only people who may see the tracker hold tokens."""
    return can_see_tracker(user)


# --- Work queues ----------------------------------------------------------------------------


def is_agency_lead(user):
    return has_role(user, AGENCY_LEADS) and bool(led_agency_ids(user))


def can_see_business_unit_queue(user):
    return is_business_unit(user)


def approves_publication(user):
    """The business manager approves reviews and briefings for publication (an administrator
    may too); their queue lists what waits for that approval."""
    return has_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)


# --- The case log (kept in reviews; the checks live here with every other) -------------------


def can_see_case_log(user):
    """Serious incidents, rapid reviews and the yearly report are for the partnership's centre:
    the business unit and manager, the scrutineer and administrators. Agency leads see only
    their own agencies' information requests; practitioners nothing."""
    return has_role(user, BUSINESS_UNIT, BUSINESS_MANAGERS, SCRUTINEERS, ADMINISTRATORS)


def can_edit_case_log(user):
    """Recording a case, its stages and importing the old log is the business unit's job."""
    return is_business_unit(user)


def visible_information_requests(user, queryset):
    """The rapid reviews' information requests this user may see: the case log's readers see
    all; an agency lead those addressed to the agencies they lead; anyone else none."""
    if can_see_case_log(user):
        return queryset
    if has_role(user, AGENCY_LEADS):
        return queryset.filter(agency_id__in=led_agency_ids(user))
    return queryset.none()


def can_return_information_request(user, information_request):
    """The agency's leads return its chronology; the business unit may record it for them."""
    if is_business_unit(user):
        return True
    return has_role(user, AGENCY_LEADS) and information_request.agency_id in led_agency_ids(user)


def can_record_recurrence(user):
    """Linking recommendations as the same finding (or setting a suggestion aside) is the business
    unit's editorial call, as writing the recommendations is."""
    return is_business_unit(user)


def can_see_recurrence_suggestions(user):
    """Machine suggestions that two recommendations say the same thing are for the people who
    weigh them (business unit, scrutineer, agency leads: those who see the tracker); visitors and
    practitioners see only the links the business unit confirmed."""
    return can_see_tracker(user)


def can_see_recurrence_report(user):
    """The recurrence report is for the business unit and the scrutineer."""
    return can_see_everything_in_tracker(user)


def can_submit_returns(user):
    """Agency leads submit spreadsheet returns for their agencies; the business unit for any."""
    return is_business_unit(user) or (has_role(user, AGENCY_LEADS) and bool(led_agency_ids(user)))


def returnable_actions(user, queryset):
    """Of `queryset`, the actions this person may put in a spreadsheet return: their own
    agencies' for a lead (a scrutineer sees every action but returns none); any for the business
    unit."""
    queryset = visible_actions(user, queryset)
    if is_business_unit(user):
        return queryset
    return queryset.filter(agency_id__in=led_agency_ids(user))


TRACKER_REFUSAL = "The tracker is for agency leads, the business unit and the scrutineer."


def tracker_gate(check=can_see_tracker, refusal=TRACKER_REFUSAL):
    """The one gate of every tracker page: anonymous visitors are sent to sign in; people whom
    `check` refuses get 403 with `refusal`. Checks about one object (this action, this agency)
    are made inside the view, with the functions of this module."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_see_assurance_queue(user):
    return can_assure(user)


def can_reply_to_challenge(user, action):
    """An agency's leads answer the scrutineer's challenge on their own agency's action."""
    return has_role(user, AGENCY_LEADS) and action.agency_id in led_agency_ids(user)


# --- Learning reaching practice -------------------------------------------------------------


def can_see_learning_reach(user):
    """Cascade coverage, learning events and what each recommendation led to."""
    return can_see_everything_in_tracker(user)


def can_record_learning_events(user):
    return is_business_unit(user)


# --- Section 11 evidence and the challenge panel's conversation -----------------------------


def can_see_section11_return(user, agency_id):
    return can_see_everything_in_tracker(user) or (
        has_role(user, AGENCY_LEADS) and agency_id in led_agency_ids(user)
    )


def can_answer_section11_challenge(user, agency_id):
    """The agency's leads answer the challenge panel's notes on their own return."""
    return has_role(user, AGENCY_LEADS) and agency_id in led_agency_ids(user)
