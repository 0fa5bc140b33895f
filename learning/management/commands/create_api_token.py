"""Give a person a token for the tracker's JSON API (printed once; run again to see it)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from learning import permissions


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
        if not permissions.can_see_tracker(user):
            raise CommandError(f"{username} cannot see the tracker, so an API token is no use.")
        if renew:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
