"""Build a large tracker (200 agencies, 50,000 actions, 200,000 updates) in a throwaway database
and print p50/p95 times and query counts for the dashboard, an agency's page and a full export.

With --partnerships N: a region's tracker instead, its recommendations spread over N partnerships
of one deployment, timing the list, the dashboard and My work as a lead of an agency shared by all
of them and as a business unit officer of one, beside one partnership holding the same library.

With --new-actions N: N actions all published today across two partnerships whose agencies have
leads (some in both), timing the owed-notifications pass the background catch-up runs (every
email owed, then none), with its peak memory, SQLite temporary files and write-ahead log."""

import datetime
import math
import os
import random
import threading
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
        parser.add_argument(
            "--new-actions",
            type=int,
            default=0,
            help="Time the owed-notifications pass over this many new actions in two partnerships "
            "(instead of the pages).",
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
        if options["new_actions"]:
            with throwaway_database(self.stdout, "owed-benchmark-", keep=options["keep"]):
                self._owed_notifications(options["new_actions"])
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

    def _owed_notifications(self, count):
        from django.core import mail

        from learning.tasks import send_owed_notifications

        started = time.perf_counter()
        leads = build_new_actions(count)
        self.stdout.write(
            f"Built {AgencyAction.objects.count()} new actions in 2 partnerships for "
            f"{leads} agency leads in {time.perf_counter() - started:.1f} s ({connection.vendor})."
        )
        self.stdout.write(
            f"{'Owed notifications pass':<34}{'emails':>8}{'seconds':>9}{'CPU s':>7}{'queries':>9}"
            f"{'peak memory MB':>16}{'peak temp MB':>14}{'peak WAL MB':>13}"
        )
        # The pass runs in a process that has answered requests: its URLs are loaded already.
        reverse("learning:dashboard")
        with override_settings(
            DEBUG=False, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            for label in (f"over {count:,} new actions", "again (nothing owed)"):
                mail.outbox = []
                with PassWatcher(connection) as watched:
                    sent = send_owed_notifications()
                self.stdout.write(
                    f"{label:<34}{sent:>8}{watched.seconds:>9.2f}{watched.cpu_seconds:>7.2f}"
                    f"{watched.queries:>9}"
                    f"{watched.peak_memory / 2**20:>16.1f}{watched.peak_temp / 2**20:>14.1f}"
                    f"{watched.peak_wal / 2**20:>13.1f}"
                )

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


class PassWatcher:
    """Times a body (wall clock, and the CPU time of its own thread, which other processes on a
    shared machine do not inflate) and counts its queries while a thread samples what it costs
    beside requests:
    the growth of the process's resident memory, the size of SQLite's temporary files (opened
    and unlinked at once, so found among the process's open files) and of the write-ahead log."""

    INTERVAL = 0.02

    def __init__(self, connection):
        self.connection = connection
        self.queries = 0
        self.peak_memory = self.peak_temp = self.peak_wal = 0

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    @staticmethod
    def _resident():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    @staticmethod
    def _temporary_files():
        total = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
                if target.endswith(" (deleted)") and "etilqs" in target:
                    total += os.stat(f"/proc/self/fd/{fd}").st_size
            except OSError:
                continue
        return total

    def _wal(self):
        try:
            return os.stat(f"{self.connection.settings_dict['NAME']}-wal").st_size
        except OSError:
            return 0

    def _sample(self):
        while not self._done.wait(self.INTERVAL):
            self.peak_memory = max(self.peak_memory, self._resident() - self._resident_before)
            self.peak_temp = max(self.peak_temp, self._temporary_files())
            self.peak_wal = max(self.peak_wal, self._wal())

    def __enter__(self):
        self._resident_before = self._resident()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._wrapper = self.connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        self._thread.start()
        self._started = time.perf_counter()
        self._cpu_started = time.thread_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._started
        self.cpu_seconds = time.thread_time() - self._cpu_started
        self._wrapper.__exit__(*exc)
        self._done.set()
        self._thread.join()
        return False


# A published review's findings run to pages (the 2009 commission's to some 60): what a query
# that reads whole review rows carries.
FINDINGS = "\n\n".join(
    f"Finding {n}. Agencies did not share what they knew about the risk to the child at the point "
    "of referral, and no one agency held the whole picture of the family's circumstances."
    for n in range(60)
)


def build_new_actions(count):
    """`count` actions published today: two partnerships (the children's and an adults board),
    six agencies acting for both and four of each one's own; each recommendation goes to two
    agencies. Each agency has two leads in each partnership it acts for, the police a third who
    leads for it in both, and the children's business unit officer also leads for the police.
    Returns the number of leads."""
    from wagtail.models import Page

    from learning.models import AgencyMembership, Partnership, PartnershipMembership

    review_model = Recommendation._meta.get_field("review").related_model
    index_model = review_model._meta.apps.get_model("reviews", "ReviewIndexPage")
    home = Page.objects.get(depth=2)
    childrens = Partnership.objects.default()
    section = home.add_child(instance=Page(title="Adults board", slug="adults-board"))
    section.add_child(instance=index_model(title="Reviews", slug="reviews"))
    board = Partnership.objects.create(
        name="Safeguarding Adults Board", slug="sab", framework="adults", section=section
    )
    indexes = {
        childrens: index_model.objects.exclude(pk__in=index_model.objects.child_of(section))
        .order_by("path")
        .first(),
        board: index_model.objects.child_of(section).get(),
    }
    shared = [
        Agency.objects.create(name=f"Shared agency {n}", short_name=f"SH{n}", slug=f"sh{n}")
        for n in range(6)
    ]
    own = {
        partnership: [
            Agency.objects.create(
                name=f"{partnership.slug} agency {n}",
                short_name=f"{partnership.slug[:3].upper()}{n}",
                slug=f"{partnership.slug}-{n}",
            )
            for n in range(4)
        ]
        for partnership in indexes
    }

    User = get_user_model()
    leads = 0

    def lead(username, partnerships, agencies, role=permissions.AGENCY_LEADS):
        nonlocal leads
        user = User.objects.create_user(username, f"{username}@example.org", None)
        for partnership in partnerships:
            PartnershipMembership.objects.create(user=user, partnership=partnership, role=role)
        AgencyMembership.objects.bulk_create(
            AgencyMembership(user=user, agency=agency) for agency in agencies
        )
        leads += 1
        return user

    for partnership, agencies in own.items():
        for agency in shared + agencies:
            for n in range(2):
                lead(f"{partnership.slug}-{agency.slug}-lead-{n}", [partnership], [agency])
    lead("police-lead-of-both", list(indexes), [shared[0]])
    officer = lead("childrens-officer", [childrens], [shared[0]])
    PartnershipMembership.objects.create(
        user=officer, partnership=childrens, role=permissions.BUSINESS_UNIT
    )

    per_review, per_recommendation = 100, 2
    recommendations_wanted = math.ceil(count / per_recommendation)
    reviews = []
    for n in range(math.ceil(recommendations_wanted / per_review)):
        partnership = list(indexes)[n % 2]
        review = review_model(
            title=f"Review {n} of {partnership.slug}",
            slug=f"review-{n}",
            summary="A review.",
            findings=FINDINGS,
        )
        indexes[partnership].add_child(instance=review)
        reviews.append((review, shared + own[partnership]))
    Recommendation.objects.bulk_create(
        (
            Recommendation(
                review=reviews[n // per_review][0],
                number=str(n % per_review + 1),
                text=f"Agencies should strengthen practice area {n}.",
                sort_order=n % per_review,
            )
            for n in range(recommendations_wanted)
        ),
        batch_size=BATCH,
    )
    today, now = timezone.localdate(), timezone.now()
    recommendations = list(Recommendation.objects.order_by("pk").select_related("review"))
    agencies_of = dict((review.pk, agencies) for review, agencies in reviews)

    def actions():
        for index in range(count):
            recommendation = recommendations[index // per_recommendation]
            agencies = agencies_of[recommendation.review_id]
            due = today + datetime.timedelta(days=30 + index % 300)
            yield AgencyAction(
                recommendation=recommendation,
                agency=agencies[(index // per_recommendation + index) % len(agencies)],
                description=f"Action {index}: review procedure and train staff.",
                original_due_date=due,
                current_due_date=due,
                created_at=now,
            )

    AgencyAction.objects.bulk_create(actions(), batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return leads


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
