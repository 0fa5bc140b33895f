"""Time recurrence over a synthetic library in a throwaway SQLite database: the similar list of a
recommendation and of typed text, the recurrence report page, a full rebuild, and memory.

A 100,000-recommendation library takes many minutes to write; `--database FILE` writes it once
into FILE and keeps it, and a later run given the same FILE times the same library again."""

import random
import resource
import time

from django.core.management.base import BaseCommand, CommandError

from learning.benchmarking import run_in_throwaway_sqlite

from .benchmark_search import Command as SearchBenchmark
from .benchmark_search import percentile


def peak_memory_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark recurrence over a synthetic library in a throwaway SQLite database."

    def add_arguments(self, parser):
        parser.add_argument("--recommendations", type=int, default=100_000)
        parser.add_argument("--per-review", type=int, default=100)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument(
            "--database",
            help="An SQLite file to build the library in and keep; if it already holds one, that "
            "library is timed again instead of writing a new one.",
        )

    def handle(self, *args, **options):
        run_in_throwaway_sqlite(
            self.stdout,
            "hub-recurrence-bench-",
            command="benchmark_recurrence",
            options=options,
            passed_on=["recommendations", "per_review", "queries", "seed"],
            benchmark=self._benchmark,
            keep=options["database"],
        )

    def _benchmark(self, options):
        from django.db.models.signals import post_save
        from django.test.utils import override_settings

        from learning.models import Recommendation
        from search import documents, recurrence

        builder = SearchBenchmark(stdout=self.stdout, stderr=self.stderr)
        sentences = builder._sentences()
        existing = Recommendation.objects.count()
        if existing:
            self.stdout.write(f"Reusing the kept library of {existing} recommendations")
        else:
            # Written in bulk; the per-change recurrence task is timed on its own below.
            post_save.receivers, saved = [], post_save.receivers
            try:
                builder._build(random.Random(options["seed"]), sentences, options)
            finally:
                post_save.receivers = saved
            started = time.perf_counter()
            documents.rebuild_table()
            self.stdout.write(f"Search table rebuilt in {time.perf_counter() - started:.0f} s")

        # As the site runs (DEBUG off): the development settings would log every SQL statement.
        # With no broker, the site's first response would start the periodic catch-up in a
        # background thread of this process (config/catch_up.py); at this size it writes
        # hundreds of megabytes of SQLite scratch files and shares the CPU with every report
        # timed after it, which is not what a reader waits for (a worker runs
        # it where there is a broker). It is held off here.
        with override_settings(DEBUG=False, CATCH_UP_IN_PROCESS_SECONDS=0):
            started = time.perf_counter()
            count = recurrence.rebuild_neighbours()
            rebuild = time.perf_counter() - started
            self.stdout.write(
                f"Full rebuild of similar recommendations: {count} in {rebuild:.1f} s; "
                f"peak memory {peak_memory_mb():.0f} MB"
            )
            # The lists and texts timed are drawn apart from the library, so a kept library is
            # timed on the same sample as a new one.
            self._time(random.Random(f"{options['seed']}-timing"), sentences, options, rebuild)

    def _time(self, rng, sentences, options, rebuild):
        from django.contrib.auth.models import Group, User
        from django.test import Client

        from learning import permissions
        from learning.models import Recommendation
        from search import recurrence
        from search.recurrence_report import build_report

        users = []
        for name, group in (
            ("bench-scrutineer", permissions.SCRUTINEERS),
            ("bench-practitioner", permissions.PRACTITIONERS),
            ("bench-business-unit", permissions.BUSINESS_UNIT),
        ):
            user, _ = User.objects.get_or_create(username=name)
            user.groups.add(Group.objects.get(name=group))
            users.append(user)
        scrutineer, practitioner, business_unit = users
        ids = list(Recommendation.objects.order_by("pk").values_list("pk", flat=True))
        count = len(ids)
        sample = rng.sample(ids, min(options["queries"], len(ids)))
        texts = [" ".join(rng.sample(sentences, rng.randint(1, 2))) for _ in sample]

        timings = {"similar list of a recommendation": [], "similar list of typed text": []}
        for n, pk in enumerate(sample):
            user = practitioner if n % 2 else scrutineer
            t = time.perf_counter()
            recurrence.similar_to_recommendation(pk, user, limit=10)
            timings["similar list of a recommendation"].append(time.perf_counter() - t)
            t = time.perf_counter()
            recurrence.similar_to_text(texts[n], user, limit=10)
            timings["similar list of typed text"].append(time.perf_counter() - t)
        started = time.perf_counter()
        for pk in sample[:20]:
            recurrence.recompute_neighbours(pk)
        per_change = (time.perf_counter() - started) / min(20, len(sample))

        # The report as its readers (the scrutineer, the business unit) wait for it: the page
        # request, from the URL to the HTML (permission, the report's building, the template);
        # beside it, the whole report with every group's wording, as the Excel export reads it.
        page_times, build_times = [], []
        for user in (scrutineer, business_unit):
            client = Client()
            client.force_login(user)
            t = time.perf_counter()
            response = client.get("/tracker/recurrence/")
            page_times.append(time.perf_counter() - t)
            if response.status_code != 200:
                raise CommandError(f"The report page answered {response.status_code}.")
            t = time.perf_counter()
            report = build_report(user)
            build_times.append(time.perf_counter() - t)
        self.stdout.write(
            f"\n{len(sample)} lists each, {count} recommendations"
            f"\n{'what':36} {'p50 ms':>9} {'p95 ms':>9}"
        )
        for name, values in timings.items():
            self.stdout.write(
                f"{name:36} {percentile(values, 0.5) * 1000:9.1f} "
                f"{percentile(values, 0.95) * 1000:9.1f}"
            )
        self.stdout.write(f"{'one changed recommendation (task)':36} {per_change * 1000:9.1f}")
        self.stdout.write(
            f"Recurrence report page: {max(page_times):.2f} s (slowest of scrutineer "
            f"{page_times[0]:.2f} s and business unit {page_times[1]:.2f} s; the whole report "
            f"with every group's wording, as the export reads it, {build_times[0]:.2f} / "
            f"{build_times[1]:.2f} s; {len(report.groups)} groups)"
        )
        self.stdout.write(f"Peak memory: {peak_memory_mb():.0f} MB\n")
        p95 = percentile(timings["similar list of a recommendation"], 0.95) * 1000
        self._target("similar-list p95 under 50 ms", p95 < 50, f"{p95:.1f} ms")
        self._target("report page under 5 s", max(page_times) < 5, f"{max(page_times):.2f} s")
        self._target("full rebuild under 5 minutes", rebuild < 300, f"{rebuild:.1f} s")

    def _target(self, label, met, figure):
        self.stdout.write(f"{'MET ' if met else 'MISSED'} {label}: {figure}")
