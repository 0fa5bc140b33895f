"""People: the business manager invites people, sees who leads which agency, moves or ends a
membership and deactivates an account. Every change goes through learning.people."""

import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import people, permissions
from ..filters import record_id
from ..forms import InvitationForm, MembershipForm, PartnershipRolesForm
from ..models import Agency, AgencyMembership, Invitation, Partnership
from ..models.partnerships import ROLE_CHOICES
from ..models.people import INVITATION_DAYS


def people_view(view):
    """Anonymous visitors sign in first; anyone but the business manager gets 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.can_manage_people(request.user):
            raise PermissionDenied("People and their roles are managed by the business manager.")
        return view(request, *args, **kwargs)

    return wrapper


def _people():
    memberships = AgencyMembership.objects.select_related("agency").order_by("agency__name")
    return (
        get_user_model()
        .objects.prefetch_related("groups", Prefetch("agency_memberships", queryset=memberships))
        .order_by("-is_active", "last_name", "first_name", "username")
    )


@people_view
def people_index(request):
    """The people of the partnerships this person manages (`permissions.visible_people`), who
    leads which agency, and the invitations still open. The leads shown are those who lead in a
    partnership this person runs, as the queue's "agencies without a lead" counts them: a lead in
    another partnership never hears of its actions."""
    leads = (
        AgencyMembership.objects.current()
        .leading_in_any(permissions.tracker_partnership_ids(request.user))
        .select_related("user")
    )
    agencies = Agency.objects.filter(active=True).prefetch_related(
        Prefetch("memberships", queryset=leads.order_by("user__username"), to_attr="active_leads")
    )
    invitations = list(
        permissions.visible_invitations(request.user, Invitation.objects.pending())
        .select_related("invited_by", "partnership")
        .prefetch_related("agencies")
    )
    # An agency without a lead yet, whose lead has been invited, says so rather than "No lead".
    invited = {}
    for invitation in sorted(invitations, key=lambda invitation: invitation.created_at):
        if invitation.role == Invitation.Role.AGENCY_LEAD:
            for agency in invitation.agencies.all():
                invited.setdefault(agency.pk, invitation)
    agencies = list(agencies)
    for agency in agencies:
        agency.lead_invitation = invited.get(agency.pk)
    return render(
        request,
        "learning/people_index.html",
        {
            "people": permissions.visible_people(request.user, _people()),
            "agencies": agencies,
            "invitations": invitations,
        },
    )


@people_view
def invite(request):
    initial = {"role": request.GET.get("role", "")}
    if request.GET.get("agencies"):
        initial["agencies"] = request.GET.getlist("agencies")
    form = InvitationForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = people.invite(by=request.user, **form.cleaned_data)
        except people.PeopleRuleError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"An invitation has been sent to {invitation.email}. The link works once, "
                f"for {INVITATION_DAYS} days.",
            )
            return redirect("learning:people")
    status = 400 if request.method == "POST" else 200
    return render(request, "learning/people_invite.html", {"form": form}, status=status)


@people_view
@require_POST
def withdraw_invitation(request, pk):
    invitation = get_object_or_404(
        permissions.visible_invitations(request.user, Invitation.objects.all()), pk=pk
    )
    try:
        people.withdraw_invitation(invitation, by=request.user)
    except people.PeopleRuleError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("learning:people")


PERSON_ACTIONS = {"add", "move", "end", "deactivate", "reactivate", "roles"}


def _partnership_roles(request, person):
    """Each partnership with the roles the person holds there, and whether the viewer may change
    them (its business manager or an administrator)."""
    held = {}
    for membership in person.partnership_memberships.all():
        held.setdefault(membership.partnership_id, set()).add(membership.role)
    return [
        {
            "partnership": partnership,
            "roles": [
                (value, label, value in held.get(partnership.pk, set()))
                for value, label in ROLE_CHOICES
            ],
            "held": sorted(held.get(partnership.pk, set())),
            "may_change": permissions.can_manage_people_in(request.user, partnership.pk)
            and permissions.can_change_memberships_of(request.user, person),
        }
        for partnership in Partnership.objects.all()
    ]


@people_view
def person_detail(request, pk):
    person = get_object_or_404(permissions.visible_people(request.user, _people()), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in PERSON_ACTIONS:
            messages.error(request, "Choose what to change.")
            return redirect("learning:person", pk=pk)
        try:
            message = _change_person(request, person, action)
        except people.PeopleRuleError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, message)
        return redirect("learning:person", pk=pk)
    return render(
        request,
        "learning/person_detail.html",
        {
            "person": person,
            "name": people.display_name(person),
            "roles": sorted(group.name for group in person.groups.all()),
            "memberships": person.agency_memberships.all(),
            "partnership_roles": _partnership_roles(request, person),
            "membership_form": MembershipForm(),
            "token_count": person.api_tokens.filter(revoked_at__isnull=True).count(),
            "is_self": person.pk == request.user.pk,
        },
    )


def _change_person(request, person, action):
    name = people.display_name(person)
    if action == "deactivate":
        people.deactivate(person, by=request.user)
        return f"{name} can no longer sign in; their API tokens no longer work."
    if action == "reactivate":
        people.reactivate(person, by=request.user)
        return f"{name} can sign in again. Their old API tokens stay revoked."
    if action == "roles":
        roles_form = PartnershipRolesForm(request.POST)
        if not roles_form.is_valid():
            raise people.PeopleRuleError("Choose a partnership and the roles they hold in it.")
        partnership = roles_form.cleaned_data["partnership"]
        roles = people.set_partnership_roles(
            person, partnership, roles_form.cleaned_data["roles"], by=request.user
        )
        held = ", ".join(sorted(roles)) or "no role"
        return f"{name} now holds {held} in {partnership.name}."
    form = MembershipForm(request.POST)
    if action in ("add", "move") and not form.is_valid():
        raise people.PeopleRuleError("Choose an agency.")
    if action == "add":
        membership = people.add_membership(person, form.cleaned_data["agency"], by=request.user)
        return f"{name} now leads for {membership.agency.name}."
    membership = get_object_or_404(
        AgencyMembership, pk=record_id(request.POST.get("membership")), user=person
    )
    if action == "move":
        before = membership.agency.name
        people.move_membership(membership, form.cleaned_data["agency"], by=request.user)
        return f"{name} now leads for {membership.agency.name} instead of {before}."
    people.end_membership(membership, by=request.user)
    return f"{name} no longer leads for {membership.agency.name}."
