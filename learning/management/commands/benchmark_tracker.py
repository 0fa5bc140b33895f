"""Build a large tracker (200 agencies, 50,000 actions, 200,000 updates) in a throwaway database
and print p50/p95 times and query counts for the dashboard, an agency's page and a full export.

With --partnerships N: a region's tracker instead, its recommendations spread over N partnerships
of one deployment, timing the list, the dashboard and My work as a lead of an agency shared by all
of them and as a business unit officer of one, beside one partnership holding the same library."""

import datetime
import math
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from learning import permissions
from learning.models import Agency, AgencyAction, ProgressUpdate, Recommendation, Theme

from ...benchmarking import (
    add_region_arguments,
    build_region,
    percentile,
    print_region_comparison,
    print_region_table,
    region_database,
    throwaway_database,
    time_page,
)

BATCH = 5000
STATUS_WEIGHTS = [
    (AgencyAction.Status.NOT_STARTED, 20),
    (AgencyAction.Status.IN_PROGRESS, 40),
    (AgencyAction.Status.COMPLETE, 15),
    (AgencyAction.Status.ASSURED, 20),
    (AgencyAction.Status.CLOSED, 5),
]


class Command(BaseCommand):
    help = (
        "Build 200 agencies, 50,000 actions and 200,000 updates in a temporary database (never "
        "the configured one) and print p50/p95 timings and query counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=200)
        parser.add_argument("--actions", type=int, default=50_000)
        parser.add_argument("--updates", type=int, default=200_000)
        parser.add_argument("--runs", type=int, default=20, help="Timed requests per page.")
        parser.add_argument("--export-runs", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the benchmark database afterwards (SQLite: print its path) to inspect it.",
        )
        add_region_arguments(parser)
        parser.add_argument(
            "--recommendations",
            type=int,
            default=300_000,
            help="With --partnerships: recommendations in the region, all partnerships together.",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["partnerships"]:
            self._region(options)
            return
        with throwaway_database(self.stdout, "tracker-benchmark-", keep=options["keep"]):
            self._run(options)

    def _run(self, options):
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        user, agency = self._build(rng, options)
        self.stdout.write(
            f"Built {Agency.objects.count()} agencies, {AgencyAction.objects.count()} actions and "
            f"{ProgressUpdate.objects.count()} updates in {time.perf_counter() - started:.1f} s "
            f"({connection.vendor})."
        )
        client = Client()
        client.force_login(user)
        pages = [
            ("Dashboard", reverse("learning:dashboard"), options["runs"]),
            ("Agency page", reverse("learning:agency_detail", args=[agency.slug]), options["runs"]),
            (
                "Filtered list (overdue)",
                reverse("learning:tracker_list") + "?category=overdue",
                options["runs"],
            ),
            ("Full export (CSV)", reverse("learning:export_csv"), options["export_runs"]),
            ("Full export (XLSX)", reverse("learning:export_xlsx"), options["export_runs"]),
        ]
        self.stdout.write(f"{'Page':<26}{'runs':>6}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
        medians = {}
        for label, url, runs in pages:
            medians[label] = self._measure(client, label, url, runs)
        ratio = medians["Full export (XLSX)"] / medians["Full export (CSV)"]
        self.stdout.write(f"XLSX export / CSV export (p50, this run): {ratio:.2f}×")

    def _region(self, options):
        count = options["partnerships"]
        figures = {}
        for partnerships in dict.fromkeys([count, 1]):
            with region_database(self.stdout, options, "tracker-region-"):
                region = build_region(
                    self.stdout,
                    random.Random(options["seed"]),
                    REGION_SENTENCES,
                    partnerships,
                    areas=count,
                    recommendations=options["recommendations"],
                )
                # As the site runs (DEBUG off), on a regional deployment either way, so the
                # number of partnerships is the only difference between the two builds.
                with override_settings(DEBUG=False, REGIONAL_DEPLOYMENT=True):
                    figures[partnerships] = self._time_region(region, options["runs"])
            print_region_table(
                self.stdout,
                f"{partnerships} partnership{'s' if partnerships > 1 else ''} "
                f"({connection.vendor}), {options['recommendations']:,} recommendations",
                figures[partnerships],
            )
        if count > 1:
            print_region_comparison(self.stdout, count, figures[count], figures[1])

    def _time_region(self, region, runs):
        pages = [
            ("Tracker list", reverse("learning:tracker_list")),
            ("Dashboard", reverse("learning:dashboard")),
            ("My work", reverse("learning:my_work")),
        ]
        people = [
            (f"lead of {region.shared_agency.short_name} (in all)", region.lead),
            (f"business unit of {region.partnerships[0].slug}", region.business_unit),
        ]
        figures = {}
        for person, user in people:
            client = Client()
            client.force_login(user)
            for page, url in pages:
                figures[(page, person)] = time_page(client, [url] * runs)
        return figures

    def _measure(self, client, label, url, runs):
        client.get(url, SERVER_NAME="localhost")  # warm caches, as a live site would have them
        timings, queries = [], set()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                begin = time.perf_counter()
                response = client.get(url, SERVER_NAME="localhost")
                # A streamed export is built while it is read: read it all before stopping.
                body = response.getvalue()
                timings.append((time.perf_counter() - begin) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            queries.add(len(captured))
        counts = "/".join(str(count) for count in sorted(queries))
        if self.verbosity > 1:
            total = sum(float(query["time"]) for query in captured.captured_queries) * 1000
            self.stdout.write(f"    {total:.1f} ms in SQL on the last run; the slowest queries:")
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
            for query in slowest:
                self.stdout.write(f"    {float(query['time']) * 1000:.1f} ms  {query['sql'][:300]}")
        self.stdout.write(
            f"{label:<26}{runs:>6}{percentile(timings, 0.5):>10.1f}"
            f"{percentile(timings, 0.95):>10.1f}{counts:>9}"
        )
        if not body:
            raise RuntimeError(f"{url} answered an empty body")
        return percentile(timings, 0.5)

    def _build(self, rng, options):
        today = timezone.localdate()
        now = timezone.now()
        user = get_user_model().objects.create_user(
            "benchmark-business-unit", "bu@example.org", "benchmark"
        )
        user.groups.add(Group.objects.get(name=permissions.BUSINESS_UNIT))

        Agency.objects.bulk_create(
            Agency(name=f"Agency {n:03d}", short_name=f"AG{n:03d}", slug=f"ag{n:03d}")
            for n in range(options["agencies"])
        )
        agencies = list(Agency.objects.order_by("pk"))
        Theme.objects.bulk_create(
            Theme(name=f"Theme {n:02d}", slug=f"theme-{n:02d}") for n in range(20)
        )
        themes = list(Theme.objects.order_by("pk"))

        per_recommendation = min(50, len(agencies))
        recommendation_count = math.ceil(options["actions"] / per_recommendation)
        reviews = self._reviews(max(recommendation_count // 20, 1))
        Recommendation.objects.bulk_create(
            (
                Recommendation(
                    review=reviews[n % len(reviews)],
                    number=str(n // len(reviews) + 1),
                    text=f"Agencies should strengthen practice area {n}.",
                    sort_order=n,
                )
                for n in range(recommendation_count)
            ),
            batch_size=BATCH,
        )
        recommendations = list(Recommendation.objects.order_by("pk"))
        Recommendation.themes.through.objects.bulk_create(
            (
                Recommendation.themes.through(recommendation=recommendation, theme=theme)
                for recommendation in recommendations
                for theme in rng.sample(themes, 2)
            ),
            batch_size=BATCH,
        )

        statuses = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]
        rags = [choice for choice, _label in AgencyAction.RAG.choices] + [""]

        def action(index):
            recommendation = recommendations[index // per_recommendation]
            agency = agencies[(index * 7 + index // per_recommendation) % len(agencies)]
            original = today + datetime.timedelta(days=rng.randint(-400, 300))
            slipped = rng.random() < 0.2
            return AgencyAction(
                recommendation=recommendation,
                agency=agency,
                description=f"Action {index}: review procedure and train staff.",
                lead_officer="Designated safeguarding lead",
                original_due_date=original,
                current_due_date=original + datetime.timedelta(days=90 if slipped else 0),
                status=rng.choice(statuses),
                rag=rng.choice(rags),
                created_at=now - datetime.timedelta(days=rng.randint(0, 730)),
            )

        AgencyAction.objects.bulk_create(
            (action(index) for index in range(options["actions"])), batch_size=BATCH
        )
        action_rows = list(
            AgencyAction.objects.values_list("pk", "status", "rag", "current_due_date")
        )
        ProgressUpdate.objects.bulk_create(
            (
                ProgressUpdate(
                    action_id=pk,
                    author=user,
                    created_at=now - datetime.timedelta(days=rng.randint(0, 700)),
                    note="Progress reported at the subgroup.",
                    status=status,
                    rag=rag,
                    due_date=due,
                )
                for n in range(options["updates"])
                for pk, status, rag, due in [action_rows[n % len(action_rows)]]
            ),
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            # Planner statistics, as a database in service would have them.
            cursor.execute("ANALYZE")
        busiest = Agency.objects.order_by("pk").first()
        return user, busiest

    def _reviews(self, count):
        """Review pages to hang the recommendations on (learning never imports reviews)."""
        from wagtail.models import Page

        review_model = Recommendation._meta.get_field("review").related_model
        parent = (
            Page.objects.filter(content_type__model="reviewindexpage").first()
            or Page.get_first_root_node()
        )
        reviews = []
        for n in range(count):
            review = review_model(
                title=f"Benchmark review {n}",
                slug=f"benchmark-review-{n}",
                kind=rng_kind(n),
                summary="A review of practice.",
            )
            parent.add_child(instance=review)
            parent.refresh_from_db()
            reviews.append(review)
        return reviews


def rng_kind(n):
    kinds = ["lcspr", "scr", "rapid_review", "learning_review", "multi_agency_audit"]
    return kinds[n % len(kinds)]


# What a region's recommendations say (the tracker's pages show them, never search them).
REGION_SENTENCES = [
    "Agencies should strengthen their response to domestic abuse in the household.",
    "Practitioners should record the person's own words and wishes.",
    "The board should seek assurance that self-neglect is escalated.",
    "Partners should share information at the first referral.",
    "Training on coercive control should reach every frontline team.",
    "Mental capacity assessments should be recorded for each decision.",
    "Transitions to adult services should begin before the eighteenth birthday.",
    "Supervision should challenge professional optimism.",
]
