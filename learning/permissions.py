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
    """The person's role groups: the roles they hold in any partnership, which their groups
    mirror (`sync_role_groups`), read in the same query as their partnerships."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        cached = set().union(*_partnership_roles(user).values())
        user._role_group_names = cached
    return cached


def has_role(user, *groups):
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(_group_names(user) & set(groups))


# --- Partnerships ---------------------------------------------------------------------------


def _partnership_roles(user):
    """{partnership id: the roles this person holds in it}, read once per request's user."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, "_partnership_roles", None)
    if cached is None:
        from .models import PartnershipMembership

        cached, slugs = {}, {}
        for partnership_id, slug, role in PartnershipMembership.objects.filter(
            user=user
        ).values_list("partnership_id", "partnership__slug", "role"):
            cached.setdefault(partnership_id, set()).add(role)
            slugs[partnership_id] = slug
        user._partnership_roles = cached
        user._partnership_slugs = slugs
    return cached


def partnership_slugs(user, ids):
    """{id: slug} of these partnerships: those the person belongs to are known already."""
    known = {}
    if user is not None and user.is_authenticated:
        _partnership_roles(user)
        known = {pk: slug for pk, slug in user._partnership_slugs.items() if pk in ids}
    missing = set(ids) - set(known)
    if missing:
        from .models import Partnership

        known.update(Partnership.objects.filter(pk__in=missing).values_list("pk", "slug"))
    return known


def partnership_ids_with_role(user, *roles):
    """The partnerships in which this person holds one of `roles` (every one for a superuser)."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        from .models import Partnership

        return set(Partnership.objects.values_list("pk", flat=True))
    wanted = set(roles)
    return {pk for pk, held in _partnership_roles(user).items() if held & wanted}


def visible_partnership_ids(user):
    """The partnerships whose partnership-only material this person may open: those in which
    they hold a role of the partnership's own people (not a practitioner's)."""
    return partnership_ids_with_role(user, *PARTNERSHIP_GROUPS)


def is_partnership_member(user, partnership_id=None):
    """Whether this person belongs to the partnership's own people: of `partnership_id`, or of
    any partnership when none is named."""
    ids = visible_partnership_ids(user)
    return partnership_id in ids if partnership_id is not None else bool(ids)


def visibility_clauses(user):
    """The one rule of who may open what, as clauses: [(levels, partnership ids or None)], each
    meaning "content at one of these levels, in one of these partnerships (None: in any)". Public
    to everyone; practitioners' material to anyone signed in; partnership-only material to the
    people of that partnership alone; everything to a superuser. `visible_content` turns these into
    a Q, the search engines into their own filters.

    On a regional deployment (settings.REGIONAL_DEPLOYMENT) practitioners' material reaches the
    people of its own partnership and, if it shares regionally, everyone signed in. Off by default:
    one business unit's people all see what is signed-in only."""
    from django.conf import settings

    user = user or AnonymousUser()
    if user.is_authenticated and user.is_superuser:
        return [((Visibility.PUBLIC, Visibility.PRACTITIONERS, Visibility.PARTNERSHIP), None)]
    clauses = [((Visibility.PUBLIC,), None)]
    if not user.is_authenticated:
        return clauses
    if getattr(settings, "REGIONAL_DEPLOYMENT", False):
        from .models import Partnership

        sharing = set(
            Partnership.objects.filter(shares_regionally=True).values_list("pk", flat=True)
        )
        clauses.append(
            ((Visibility.PRACTITIONERS,), frozenset(sharing | set(_partnership_roles(user))))
        )
    else:
        clauses.append(((Visibility.PRACTITIONERS,), None))
    ids = visible_partnership_ids(user)
    if ids:
        clauses.append(((Visibility.PARTNERSHIP,), frozenset(ids)))
    return clauses


def visible_content(user, visibility="visibility", partnership="partnership"):
    """`visibility_clauses` as a Q over content with a visibility level and a partnership.

    `visibility` and `partnership` name the fields, so the rule reaches content through a
    relation ("review__visibility", "review__partnership")."""
    allowed = models.Q(pk__in=[])
    for levels, partnership_ids in visibility_clauses(user):
        clause = models.Q(**{f"{visibility}__in": list(levels)})
        if partnership_ids is not None:
            clause &= models.Q(**{f"{partnership}__in": sorted(partnership_ids)})
        allowed |= clause
    return allowed


def visible_recommendations(user, queryset=None):
    """The recommendations of the live reviews this person may open (`visible_content`)."""
    from .models import Recommendation

    queryset = Recommendation.objects.all() if queryset is None else queryset
    return queryset.filter(
        visible_content(user, "review__visibility", "review__partnership"), review__live=True
    )


def visible_pages(user, queryset, model_name):
    """Of `queryset` (plain pages of one type, named by its model's lower-case name: this app
    never imports the pages' own), the live ones this person may open."""
    return queryset.filter(
        visible_content(user, f"{model_name}__visibility", f"{model_name}__partnership"),
        live=True,
    )


def visible_learning_events(user, queryset=None):
    """The learning events of the partnerships whose tracker this person runs or scrutinises:
    an event names its review and what attendees said, which are its partnership's."""
    from .models import LearningEvent

    queryset = LearningEvent.objects.all() if queryset is None else queryset
    return queryset.filter(partnership__in=tracker_partnership_ids(user))


def can_open(user, level, partnership_id):
    """The same rule for one thing already in hand: its level and its partnership's id."""
    return any(
        level in levels and (ids is None or partnership_id in ids)
        for levels, ids in visibility_clauses(user)
    )


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


# Roles that see every action, case and return of the partnerships they hold them in.
TRACKER_WIDE_ROLES = (BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS, SCRUTINEERS)


def tracker_partnership_ids(user):
    """The partnerships whose whole tracker this person sees (business unit, manager,
    administrator, scrutineer there)."""
    return partnership_ids_with_role(user, *TRACKER_WIDE_ROLES)


def visible_actions_condition(user, prefix=""):
    """The one rule of which actions a person sees, as a Q: every action of the partnerships
    where they run or scrutinise the tracker, and their own agencies' actions in the partnerships
    where they lead for them. `prefix` reaches actions through a relation."""
    from .models import AgencyActionQuerySet

    if user is not None and user.is_authenticated and user.is_superuser:
        return models.Q()
    condition = AgencyActionQuerySet.partnership_condition(tracker_partnership_ids(user), prefix)
    return condition | led_actions_condition(user, prefix)


def led_actions_condition(user, prefix=""):
    """An agency lead's own work, as a Q: their agencies' actions in the partnerships where they
    lead for them (My work). A lead in one partnership has no work in another's, even for the
    same agency."""
    from .models import AgencyActionQuerySet

    led = led_agency_ids(user)
    lead_partnerships = partnership_ids_with_role(user, AGENCY_LEADS)
    if not (led and lead_partnerships):
        return models.Q(**{f"{prefix}pk__in": []})
    return models.Q(**{f"{prefix}agency_id__in": led}) & AgencyActionQuerySet.partnership_condition(
        lead_partnerships, prefix
    )


def visible_actions(user, queryset=None):
    """The agency actions this user may see."""
    from .models import AgencyAction

    queryset = AgencyAction.objects.all() if queryset is None else queryset
    if not can_see_tracker(user):
        return queryset.none()
    return queryset.filter(visible_actions_condition(user))


def action_partnership_id(action):
    """The partnership of one action in hand (its review's, or its Section 11 cycle's)."""
    if getattr(action, "partnership_pk", None) is not None:
        return action.partnership_pk
    if action.recommendation_id:
        return action.recommendation.review.partnership_id
    if action.standard_answer_id:
        return action.standard_answer.section11_return.cycle.partnership_id
    return None


def _leads_for_action(user, action):
    return action.agency_id in led_agency_ids(user) and action_partnership_id(
        action
    ) in partnership_ids_with_role(user, AGENCY_LEADS)


def _runs_tracker_of(user, action, *roles):
    if user.is_superuser:
        return True
    return action_partnership_id(action) in partnership_ids_with_role(user, *roles)


def can_update_action(user, action):
    """Agency leads post progress on their own agencies' open actions; the business unit on any
    (it alone may reopen an assured or closed action, so a sign-off is never undone by accident)."""
    if is_business_unit(user) and _runs_tracker_of(
        user, action, BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS
    ):
        return True
    from .models import AgencyAction

    return (
        has_role(user, AGENCY_LEADS)
        and _leads_for_action(user, action)
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


def can_manage_section11(user, partnership_id=None):
    """Opening audit cycles and editing their standards is the business unit's job: of
    `partnership_id`'s cycles when one is named, else in any partnership."""
    if partnership_id is None:
        return is_business_unit(user)
    return partnership_id in section11_managed_partnership_ids(user)


def section11_managed_partnership_ids(user):
    """The partnerships whose Section 11 audit this person runs (business unit there)."""
    return partnership_ids_with_role(user, BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS)


def section11_partnership_ids(user):
    """The partnerships whose Section 11 cycles this person may list and open: where they run or
    scrutinise the tracker, and where they lead for an agency (their own agencies' returns)."""
    ids = tracker_partnership_ids(user)
    if led_agency_ids(user):
        ids |= partnership_ids_with_role(user, AGENCY_LEADS)
    return ids


def visible_cycles(user, queryset=None):
    """The one rule of which Section 11 cycles a person lists, opens and counts."""
    from .models import AuditCycle

    queryset = AuditCycle.objects.all() if queryset is None else queryset
    return queryset.filter(partnership__in=section11_partnership_ids(user))


def _leads_in(user, agency_id, partnership_id):
    return agency_id in led_agency_ids(user) and partnership_id in partnership_ids_with_role(
        user, AGENCY_LEADS
    )


def can_edit_section11_return(user, agency_id, partnership_id):
    """An agency's leads complete its return (in the partnerships they lead for it in); the
    business unit of the cycle's partnership may too. The scrutineer may not."""
    return can_manage_section11(user, partnership_id) or _leads_in(user, agency_id, partnership_id)


def can_challenge_section11(user, partnership_id):
    """The challenge panel: the cycle's partnership's business unit and scrutineer record notes."""
    return partnership_id in tracker_partnership_ids(user)


def can_see_action(user, action):
    if can_see_everything_in_tracker(user) and _runs_tracker_of(user, action, *TRACKER_WIDE_ROLES):
        return True
    return has_role(user, AGENCY_LEADS) and _leads_for_action(user, action)


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


def can_manage_people_in(user, partnership_id):
    """Giving roles in one partnership: its business manager, or an administrator there."""
    return partnership_id in partnership_ids_with_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)


def partnerships_whose_settings_they_change(user):
    """The partnerships whose own settings (name, contact details, default time for an action)
    this person changes: their business manager's or administrator's, and every partnership for
    whoever keeps the partnerships' records (Snippets → Partnerships)."""
    from .models import Partnership

    if user is None or not user.is_authenticated:
        return Partnership.objects.none()
    if user.has_perm("learning.change_partnership"):
        return Partnership.objects.all()
    return Partnership.objects.filter(
        pk__in=partnership_ids_with_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)
    )


def can_change_partnership_settings(user, partnership_id):
    return partnerships_whose_settings_they_change(user).filter(pk=partnership_id).exists()


def visible_invitations(user, queryset):
    """The invitations a manager sees and may withdraw: those into the partnerships where they
    give roles (every one for a superuser)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return queryset
    return queryset.filter(
        partnership__in=partnership_ids_with_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)
    )


def visible_people(user, queryset):
    """The people a manager sees on the People pages: those holding a role in a partnership where
    they give roles, and those holding a role in none (an account whose roles have all ended);
    everyone for a superuser. Another partnership's staff are its own manager's business."""
    from django.db.models import Q

    from .models import PartnershipMembership

    if user is not None and user.is_authenticated and user.is_superuser:
        return queryset
    managed = partnership_ids_with_role(user, BUSINESS_MANAGERS, ADMINISTRATORS)
    holders = PartnershipMembership.objects.values("user_id")
    return queryset.filter(
        Q(pk__in=holders.filter(partnership_id__in=managed)) | ~Q(pk__in=holders)
    )


def partnerships_beyond(user, person):
    """The partnerships where `person` holds a role and `user` gives none: while there are any,
    the account is not `user`'s alone to switch off or on."""
    from .models import Partnership

    if user.is_superuser:
        return Partnership.objects.none()
    return (
        Partnership.objects.filter(memberships__user=person)
        .exclude(pk__in=partnership_ids_with_role(user, BUSINESS_MANAGERS, ADMINISTRATORS))
        .distinct()
        .order_by("name")
    )


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


# The case log's readers, each in the partnerships where they hold that role.
CASE_LOG_ROLES = (BUSINESS_UNIT, BUSINESS_MANAGERS, SCRUTINEERS, ADMINISTRATORS)


def visible_cases(user, queryset):
    """Of `queryset` (cases), those of the partnerships whose case log this person reads."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return queryset
    return queryset.filter(partnership__in=partnership_ids_with_role(user, *CASE_LOG_ROLES))


def case_log_partnerships(user):
    """The partnerships whose case log this person keeps: records and imports cases in."""
    from .models import Partnership

    return Partnership.objects.filter(
        pk__in=partnership_ids_with_role(user, BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS)
    )


def can_edit_case_log(user):
    """Recording a case, its stages and importing the old log is the business unit's job."""
    return is_business_unit(user)


def _information_request_readers(user):
    """Who reads which rapid review information requests, as (the partnerships whose case log
    they read, the agencies they lead, the partnerships where they lead): the case log's readers
    read every request of their partnerships' cases; an agency lead those addressed to their
    agencies on the cases of the partnerships where they lead, never another board's."""
    return (
        partnership_ids_with_role(user, *CASE_LOG_ROLES),
        led_agency_ids(user),
        partnership_ids_with_role(user, AGENCY_LEADS),
    )


def visible_information_requests(user, queryset):
    """The rapid reviews' information requests this user may see (`_information_request_readers`)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return queryset
    readers, led, lead_partnerships = _information_request_readers(user)
    return queryset.filter(
        models.Q(case__partnership__in=readers)
        | models.Q(agency_id__in=led, case__partnership__in=lead_partnerships)
    )


def can_see_information_request(user, information_request):
    """The same rule for one request in hand (its case loaded)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    readers, led, lead_partnerships = _information_request_readers(user)
    partnership_id = information_request.case.partnership_id
    return partnership_id in readers or (
        information_request.agency_id in led and partnership_id in lead_partnerships
    )


def can_return_information_request(user, information_request):
    """The agency's leads return its chronology; the business unit of the case's partnership may
    record it for them."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    partnership_id = information_request.case.partnership_id
    if partnership_id in partnership_ids_with_role(
        user, BUSINESS_UNIT, BUSINESS_MANAGERS, ADMINISTRATORS
    ):
        return True
    _readers, led, lead_partnerships = _information_request_readers(user)
    return information_request.agency_id in led and partnership_id in lead_partnerships


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
    return has_role(user, AGENCY_LEADS) and _leads_for_action(user, action)


# --- Learning reaching practice -------------------------------------------------------------


def can_see_learning_reach(user):
    """Cascade coverage, learning events and what each recommendation led to."""
    return can_see_everything_in_tracker(user)


def can_record_learning_events(user):
    return is_business_unit(user)


# --- Section 11 evidence and the challenge panel's conversation -----------------------------


def can_see_section11_return(user, agency_id, partnership_id):
    """An agency's return (and its evidence): the cycle's partnership's business unit and
    scrutineer, and the agency's leads there."""
    return partnership_id in tracker_partnership_ids(user) or _leads_in(
        user, agency_id, partnership_id
    )


def can_answer_section11_challenge(user, agency_id, partnership_id):
    """The agency's leads answer the challenge panel's notes on their own return."""
    return _leads_in(user, agency_id, partnership_id)
