"""Time recurrence over a synthetic library in a throwaway SQLite database: the similar list of a
recommendation and of typed text, the recurrence report, a full rebuild, and memory."""

import random
import resource
import time

from django.core.management.base import BaseCommand

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

    def handle(self, *args, **options):
        run_in_throwaway_sqlite(
            self.stdout,
            "hub-recurrence-bench-",
            command="benchmark_recurrence",
            options=options,
            passed_on=["recommendations", "per_review", "queries", "seed"],
            benchmark=self._benchmark,
        )

    def _benchmark(self, options):
        from django.contrib.auth.models import Group, User
        from django.db.models.signals import post_save

        from learning import permissions
        from learning.models import Recommendation
        from search import documents, recurrence
        from search.recurrence_report import build_report

        rng = random.Random(options["seed"])
        builder = SearchBenchmark(stdout=self.stdout, stderr=self.stderr)
        sentences = builder._sentences()
        # The library is written in bulk; the per-change recurrence task is timed on its own below.
        post_save.receivers, saved = [], post_save.receivers
        try:
            builder._build(rng, sentences, options)
        finally:
            post_save.receivers = saved
        started = time.perf_counter()
        documents.rebuild_table()
        self.stdout.write(f"Search table rebuilt in {time.perf_counter() - started:.0f} s")

        started = time.perf_counter()
        count = recurrence.rebuild_neighbours()
        rebuild = time.perf_counter() - started
        self.stdout.write(
            f"Full rebuild of similar recommendations: {count} in {rebuild:.1f} s; "
            f"peak memory {peak_memory_mb():.0f} MB"
        )

        practitioner = User.objects.create(username="bench-practitioner")
        practitioner.groups.add(Group.objects.get(name=permissions.PRACTITIONERS))
        scrutineer = User.objects.create(username="bench-scrutineer")
        scrutineer.groups.add(Group.objects.get(name=permissions.SCRUTINEERS))
        ids = list(Recommendation.objects.values_list("pk", flat=True))
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

        report_times = []
        for user in (scrutineer, practitioner):
            t = time.perf_counter()
            report = build_report(user)
            report_times.append(time.perf_counter() - t)
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
            f"Recurrence report: {max(report_times):.2f} s (slowest of scrutineer and "
            f"practitioner views; {len(report.groups)} groups for the last)"
        )
        self.stdout.write(f"Peak memory: {peak_memory_mb():.0f} MB\n")
        p95 = percentile(timings["similar list of a recommendation"], 0.95) * 1000
        self._target("similar-list p95 under 50 ms", p95 < 50, f"{p95:.1f} ms")
        self._target("report under 5 s", max(report_times) < 5, f"{max(report_times):.2f} s")
        self._target("full rebuild under 5 minutes", rebuild < 300, f"{rebuild:.1f} s")

    def _target(self, label, met, figure):
        self.stdout.write(f"{'MET ' if met else 'MISSED'} {label}: {figure}")
