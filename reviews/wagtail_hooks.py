"""Admin and serving hooks for reviews and briefings."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks

from learning import permissions


@hooks.register("before_serve_page", order=-1)
def refuse_signed_in_visitors_without_access(page, request, serve_args, serve_kwargs):
    """A signed-in visitor without access gets a clear 403, not a loop back to the login page.
    Anonymous visitors fall through to Wagtail's privacy check, which asks them to sign in."""
    level = getattr(page.specific_deferred, "visibility", None)
    if (
        level
        and request.user.is_authenticated
        and not permissions.can_view_level(request.user, level)
    ):
        raise PermissionDenied
