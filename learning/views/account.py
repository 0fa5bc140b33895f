"""A person's own account: their roles, agencies and API tokens; signing in lands them on their
work; forgotten passwords (Django's reset views, throttled); accepting an invitation."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from config.proxy import client_address

from .. import password_reset, people, permissions, queues
from ..forms import AcceptInvitationForm, ApiTokenForm
from ..models import ApiToken, Invitation


class SignInView(auth_views.LoginView):
    """The sign-in page; without a "next" page to go back to, a person lands on their queue."""

    template_name = "registration/login.html"

    def get_default_redirect_url(self):
        return queues.landing_url(self.request.user)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset view with the site's templates. Past the limits the page answers exactly
    as it always does but no email goes, so nobody learns which addresses have accounts; the
    email goes after the answer, for the same reason (learning/password_reset.py)."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")
    form_class = password_reset.ResetRequestForm

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        # The client's address as sign-in throttling reads it: behind the proxy, REMOTE_ADDR is
        # the proxy's, the same for everyone.
        address = client_address(self.request) or "unknown"
        if password_reset.over_limit(
            (f"password-reset:email:{email}", password_reset.RESETS_PER_EMAIL_PER_HOUR),
            (f"password-reset:addr:{address}", password_reset.RESETS_PER_ADDRESS_PER_HOUR),
        ):
            return redirect(self.get_success_url())
        response = super().form_valid(form)
        form.send_in_background()
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")


@login_required
def account(request):
    """Who I am here: roles, agencies, and my API tokens (create, see last use, revoke)."""
    user = request.user
    may_hold_tokens = permissions.can_hold_api_tokens(user)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST":
        if not may_hold_tokens:
            messages.error(request, "API tokens are for people who use the tracker.")
            return redirect("account:account")
        if form.is_valid():
            new_token = people.create_api_token(user, form.cleaned_data["name"])
            form = ApiTokenForm()
    return render(
        request,
        "learning/account.html",
        {
            "roles": sorted(group.name for group in user.groups.all()),
            "memberships": user.agency_memberships.select_related("agency").order_by(
                "agency__name"
            ),
            "may_hold_tokens": may_hold_tokens,
            "tokens": user.api_tokens.all(),
            "older_token": Token.objects.filter(user=user).first(),
            "form": form,
            "new_token": new_token,
            "work_url": queues.landing_url(user),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_POST
def revoke_token(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    people.revoke_api_token(token)
    messages.success(request, f"The token “{token.name}” no longer works.")
    return redirect("account:account")


@login_required
@require_POST
def revoke_older_token(request):
    if people.revoke_older_token(request.user):
        messages.success(request, "Your older token no longer works.")
    return redirect("account:account")


def accept_invitation(request, token):
    """The one-time link: choose a username and password, then you are signed in."""
    invitation = Invitation.objects.for_token(token)
    if invitation is None:
        return render(request, "learning/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = people.accept_invitation(
                invitation,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except people.PeopleRuleError as refused:
            form.add_error(None, str(refused))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome. Your account is ready.")
            return redirect(queues.landing_url(user))
    return render(
        request,
        "learning/invitation_accept.html",
        {"form": form, "invitation": invitation, "agencies": invitation.agencies.all()},
        status=400 if request.method == "POST" else 200,
    )
