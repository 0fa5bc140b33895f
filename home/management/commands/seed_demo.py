"""Load a realistic demo partnership (see `home.demo`). Idempotent: a second run changes nothing it
already made."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from home.demo import seed

DEFAULT_PASSWORD = "demo-password"


class Command(BaseCommand):
    help = "Load a demo partnership: agencies, themes, reviews of each kind, briefings, users."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG=False; pass --force to insist.")
        password = os.environ.get("DEMO_PASSWORD")
        with transaction.atomic():
            demo = seed(password=password or DEFAULT_PASSWORD)
        self.stdout.write(self.style.SUCCESS("Demo partnership ready."))
        self.stdout.write("Sign in as: " + ", ".join(demo["users"]))
        if password:
            self.stdout.write("Password: the value of DEMO_PASSWORD in the environment.")
        else:
            self.stdout.write(
                f'Password: "{DEFAULT_PASSWORD}" (set DEMO_PASSWORD before seeding to choose one).'
            )
