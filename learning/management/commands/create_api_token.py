"""Give a person a token for the tracker's JSON API (printed once; run again to see it).

The token is one of the person's named tokens ("Command line"): they see it, with when it was
last used, on their account page, and can revoke it there.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from learning import people, permissions
from learning.models import ApiToken

TOKEN_NAME = "Command line"


class Command(BaseCommand):
    help = "Create (or show) the API token of USERNAME: send it as 'Authorization: Token <key>'."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--renew", action="store_true", help="Replace an existing token with a new one."
        )

    def handle(self, username, renew=False, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user called {username!r}.")
        if not permissions.can_hold_api_tokens(user):
            raise CommandError(f"{username} cannot see the tracker, so an API token is no use.")
        current = ApiToken.objects.usable().filter(user=user, name=TOKEN_NAME).first()
        if current is not None and renew:
            people.revoke_api_token(current)
            current = None
        token = current or people.create_api_token(user, TOKEN_NAME)
        self.stdout.write(token.key)
