"""What changes who is who: invitations, agency memberships, deactivation and API tokens.

The people pages, the admin and the create_api_token command all come here, and each change is
written to the change log in the partnership's words.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.celery import enqueue_on_commit

from . import audit, permissions
from .models import AgencyMembership, ApiToken, ChangeLog, Invitation, PartnershipMembership
from .roles import ADMINISTRATORS, ROLE_GROUPS


class PeopleRuleError(ValueError):
    """A change to people that the partnership's rules refuse; the message says why."""


def _log(person, what, actor, **changes):
    """One change-log entry about a person (a user is not an audited model of its own)."""
    return ChangeLog.objects.create(
        actor=actor or audit.current_actor(),
        operation=ChangeLog.Operation.UPDATE,
        object_type="Person",
        object_id=str(person.pk),
        object_repr=display_name(person)[:255],
        changes={what: [changes.get("before"), changes.get("after")]},
    )


def display_name(user):
    return user.get_full_name() or user.get_username()


def _require_may_change_account(person, by):
    if not permissions.can_change_account_of(by, person):
        raise PeopleRuleError("Only an administrator can change an administrator’s account.")


def _require_may_switch_account(person, by):
    """Deactivating or reactivating an account stops or opens it in every partnership it holds a
    role in, so only someone who gives roles in all of them may."""
    _require_may_change_account(person, by)
    beyond = [p.name for p in permissions.partnerships_beyond(by, person)]
    if beyond:
        raise PeopleRuleError(
            f"{display_name(person)} also holds a role in {', '.join(beyond)}: only its business "
            "manager or an administrator can change their account. You can end their roles in "
            "your partnership."
        )


def _require_may_change_memberships(person, by):
    _require_may_change_account(person, by)
    if not permissions.can_change_memberships_of(by, person):
        raise PeopleRuleError(
            "You cannot change your own agency memberships; ask another manager or an "
            "administrator."
        )


def revoke_every_token(person):
    """Every token of the person stops working for good: the named ones are marked revoked and
    an older token (made before named tokens) is deleted, so reactivating them opens nothing."""
    ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
    Token.objects.filter(user=person).delete()


@transaction.atomic
def invite(*, by, email, role, agencies=(), partnership=None):
    """Record an invitation into `partnership` (the first one when none is named) and send its
    one-time link once the invitation is stored. Only that partnership's business manager or an
    administrator there invites into it."""
    from .models import Partnership
    from .tasks import send_invitation

    email = email.strip().lower()
    partnership = partnership or Partnership.objects.default()
    if not permissions.can_manage_people_in(by, partnership.pk):
        raise PeopleRuleError(
            f"Only {partnership.name}’s business manager or an administrator can invite people "
            "into it."
        )
    if role not in Invitation.Role.values:
        raise PeopleRuleError("Choose a role for the person you are inviting.")
    agencies = list(agencies)
    if role == Invitation.Role.AGENCY_LEAD and not agencies:
        raise PeopleRuleError("Choose the agency or agencies this person will lead for.")
    if role != Invitation.Role.AGENCY_LEAD and agencies:
        raise PeopleRuleError("Only agency leads are tied to agencies; leave the agencies empty.")
    if get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
        raise PeopleRuleError(
            f"{email} already has an account: open their page under People to change it."
        )
    # Any earlier link to the same address stops working: only the newest invitation counts.
    Invitation.objects.pending().filter(email__iexact=email).update(withdrawn_at=timezone.now())
    invitation = Invitation(email=email, role=role, invited_by=by, partnership=partnership)
    invitation.set_new_token()  # a placeholder: the link that is sent gets its own secret
    invitation.save()
    invitation.agencies.set(agencies)
    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


@transaction.atomic
def accept_invitation(invitation, *, username, password, first_name="", last_name=""):
    """Make the account the invitation promised: its role in the invitation's partnership, its
    agencies. The link is then spent."""
    from .models import Partnership

    User = get_user_model()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "Waiting":
        raise PeopleRuleError("This invitation has already been used or has expired.")
    if User.objects.filter(username__iexact=username).exists():
        raise PeopleRuleError(f"The username {username} is taken; choose another.")
    user = User.objects.create_user(
        username=username,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    # Roles are held in a partnership; the person's groups follow their memberships.
    partnership = invitation.partnership or Partnership.objects.default()
    with audit.acting_as(invitation.invited_by):
        for role in permissions.INVITATION_ROLE_GROUPS[invitation.role]:
            PartnershipMembership.objects.create(user=user, partnership=partnership, role=role)
    for agency in invitation.agencies.all():
        with audit.acting_as(invitation.invited_by):
            AgencyMembership.objects.create(user=user, agency=agency)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _log(
        user,
        "account",
        invitation.invited_by,
        after=f"Joined {partnership.name} as {invitation.get_role_display()}",
    )
    return user


@transaction.atomic
def withdraw_invitation(invitation, *, by):
    if invitation.state != "Waiting":
        raise PeopleRuleError("Only an invitation still waiting to be used can be withdrawn.")
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])


@transaction.atomic
def add_membership(person, agency, *, by):
    _require_may_change_memberships(person, by)
    if not person.is_active:
        raise PeopleRuleError(f"{display_name(person)} is deactivated; reactivate them first.")
    if AgencyMembership.objects.filter(user=person, agency=agency).exists():
        raise PeopleRuleError(f"{display_name(person)} already leads for {agency.name}.")
    person.groups.add(Group.objects.get(name=permissions.AGENCY_LEADS))
    with audit.acting_as(by):
        return AgencyMembership.objects.create(user=person, agency=agency)


@transaction.atomic
def move_membership(membership, agency, *, by):
    """A lead now leads for another agency instead; the change log keeps where they were."""
    _require_may_change_memberships(membership.user, by)
    if membership.agency_id == agency.pk:
        raise PeopleRuleError(f"They already lead for {agency.name}.")
    if AgencyMembership.objects.filter(user_id=membership.user_id, agency=agency).exists():
        raise PeopleRuleError(f"They already lead for {agency.name}; end this membership instead.")
    membership.agency = agency
    with audit.acting_as(by):
        membership.save()
    return membership


@transaction.atomic
def end_membership(membership, *, by):
    """They no longer lead for this agency. Someone who now leads for none is no agency lead at
    all: the role goes, with what it opened (partnership pages, the tracker, their API tokens)."""
    person = membership.user
    _require_may_change_account(person, by)
    with audit.acting_as(by):
        membership.delete()
    if AgencyMembership.objects.filter(user=person).exists():
        return
    person.groups.remove(Group.objects.get(name=permissions.AGENCY_LEADS))
    if not permissions.can_hold_api_tokens(person):
        revoke_every_token(person)
    _log(person, "role", by, before="Agency lead", after="No longer an agency lead")


@transaction.atomic
def set_partnership_roles(person, partnership, roles, *, by):
    """The roles `person` holds in `partnership` become exactly `roles`; their groups follow (the
    union of their roles in every partnership). Their roles elsewhere are untouched."""
    _require_may_change_memberships(person, by)
    if not permissions.can_manage_people_in(by, partnership.pk):
        raise PeopleRuleError(
            f"Only {partnership.name}’s business manager or an administrator can give roles in it."
        )
    roles = set(roles)
    unknown = roles - set(ROLE_GROUPS)
    if unknown:
        raise PeopleRuleError(f"{sorted(unknown)[0]} is not a role of the partnership.")
    held = set(
        PartnershipMembership.objects.filter(user=person, partnership=partnership).values_list(
            "role", flat=True
        )
    )
    if ADMINISTRATORS in roles ^ held and not permissions.has_role(by, ADMINISTRATORS):
        raise PeopleRuleError("Only an administrator can give or take the administrator role.")
    if roles == held:
        return held
    with audit.acting_as(by):
        PartnershipMembership.objects.filter(
            user=person, partnership=partnership, role__in=held - roles
        ).delete()
        for role in sorted(roles - held):
            PartnershipMembership.objects.create(user=person, partnership=partnership, role=role)
    person.__dict__.pop("_partnership_roles", None)
    person.__dict__.pop("_role_group_names", None)
    if not permissions.can_hold_api_tokens(person):
        revoke_every_token(person)
    _log(
        person,
        f"roles in {partnership.name}",
        by,
        before=", ".join(sorted(held)) or "None",
        after=", ".join(sorted(roles)) or "None",
    )
    return roles


@transaction.atomic
def deactivate(person, *, by):
    """The person can no longer sign in and their API tokens stop working; everything they wrote
    stays in the history under their name."""
    if person.pk == by.pk:
        raise PeopleRuleError("You cannot deactivate your own account.")
    _require_may_switch_account(person, by)
    if not person.is_active:
        raise PeopleRuleError(f"{display_name(person)} is already deactivated.")
    person.is_active = False
    person.save(update_fields=["is_active"])
    revoke_every_token(person)
    _log(person, "account", by, before="Active", after="Deactivated")


@transaction.atomic
def reactivate(person, *, by):
    _require_may_switch_account(person, by)
    if person.is_active:
        raise PeopleRuleError(f"{display_name(person)} is already active.")
    person.is_active = True
    person.save(update_fields=["is_active"])
    _log(person, "account", by, before="Deactivated", after="Active")


def create_api_token(user, name):
    """A new named token; its key is shown to the person once, on the page that made it."""
    name = (name or "").strip()
    if not name:
        raise PeopleRuleError("Give the token a name, such as the program that will use it.")
    if not permissions.can_hold_api_tokens(user):
        raise PeopleRuleError("API tokens are for people who use the tracker.")
    return ApiToken.objects.create(user=user, name=name[:100])


def revoke_older_token(user):
    """The person's token from before named tokens, if any, stops working."""
    return Token.objects.filter(user=user).delete()[0] > 0


def revoke_api_token(token):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
