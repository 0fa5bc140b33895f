"""Import a case log of the largest size accepted (5,000 rows) three ways — new, unchanged,
every row changed — and time the yearly report over it, in a throwaway database."""

import datetime
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection

from learning.benchmarking import throwaway_database
from reviews.case_import import COLUMNS, MAX_CASE_LOG_ROWS, import_case_log
from reviews.models import Decision
from reviews.yearly_report import Period, yearly_report

DECISION_LABELS = [label for _value, label in Decision.choices] + [""]


def case_log_csv(rows, rng, cost_shift=0):
    reasons = ["Neglect", "Physical abuse", "Sexual abuse", "Suicide", "Other"]
    lines = [",".join(COLUMNS)]
    start = datetime.date(2016, 4, 1)
    for number in range(rows):
        referred = start + datetime.timedelta(days=rng.randrange(3650))
        notified = referred + datetime.timedelta(days=rng.randrange(2, 10))
        sent = notified + datetime.timedelta(days=rng.randrange(14, 30))
        decision = rng.choice(DECISION_LABELS)
        published = sent + datetime.timedelta(days=rng.randrange(120, 300))
        lines.append(
            ",".join(
                [
                    f"BM-{number:05d}",
                    referred.isoformat(),
                    rng.choice(reasons),
                    notified.isoformat(),
                    sent.isoformat(),
                    sent.isoformat(),
                    decision,
                    sent.isoformat() if decision else "",
                    published.isoformat() if decision == "LCSPR" else "",
                    str(5000 + cost_shift) if decision == "LCSPR" else "",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Time importing a 5,000-row case log and the yearly report over it (throwaway DB)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=MAX_CASE_LOG_ROWS)
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args, rows, seed, **options):
        with throwaway_database(self.stdout, "case-log-benchmark-"):
            self._run(rows, random.Random(seed))

    def _time(self, label, function):
        started = time.perf_counter()
        result = function()
        self.stdout.write(f"{label}: {time.perf_counter() - started:.2f} s")
        return result

    def _run(self, rows, rng):
        first = case_log_csv(rows, random.Random(rng.random()))
        changed = first.replace(b",5000\n", b",5250\n")
        for label, data in [
            (f"Import {rows} new cases", first),
            (f"Re-import {rows} unchanged cases", first),
            ("Re-import with every LCSPR's cost changed", changed),
        ]:
            result = self._time(label, lambda data=data: import_case_log("log.csv", data))
            self.stdout.write(
                f"  created {len(result.created)}, updated {len(result.updated)}, "
                f"unchanged {len(result.unchanged)}, problems {len(result.problems)}"
            )
        report = self._time(
            "Yearly report 2020/21 with the year before",
            lambda: yearly_report(Period.financial_year(2020)),
        )
        self.stdout.write(
            f"  referrals {report['referrals']}, rapid reviews {report['rapid_reviews']}, "
            f"decisions {sum(report['decisions'].values())} ({connection.vendor})"
        )
