"""Load a realistic demo partnership (see `home.demo`). Idempotent: a second run changes nothing it
already made."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from home.demo import seed


class Command(BaseCommand):
    help = "Load a demo partnership: agencies, themes, reviews of each kind, briefings, users."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG=False; pass --force to insist.")
        with transaction.atomic():
            seed(password=os.environ.get("DEMO_PASSWORD", "demo-password"))
        self.stdout.write(self.style.SUCCESS("Demo partnership ready."))
