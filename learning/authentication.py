"""API authentication by a person's named tokens (`Authorization: Token <key>`).

A revoked token, or any token of a deactivated person, is refused. Each use records when the
token was last used, at most once a minute so that busy programs do not write on every call.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken

LAST_USED_RESOLUTION = timezone.timedelta(minutes=1)


class NamedTokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key=key).first()
        if token is None:
            # Tokens made before named tokens existed are still honoured by the next class.
            return None
        if token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
