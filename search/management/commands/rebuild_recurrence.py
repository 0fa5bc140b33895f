"""Recompute every recommendation's similar recommendations from the search-document table."""

import time

from django.core.management.base import BaseCommand

from search.recurrence import rebuild_neighbours


class Command(BaseCommand):
    help = "Recompute the similar recommendations of every recommendation (the recurrence table)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = rebuild_neighbours()
        self.stdout.write(
            f"Similar recommendations recomputed for {count} recommendations in "
            f"{time.perf_counter() - started:.1f} s"
        )
