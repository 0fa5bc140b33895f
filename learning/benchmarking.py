"""What every benchmark command shares: a throwaway database beside the configured one (a
temporary file for SQLite), so a benchmark never touches real data and leaves nothing behind."""

import contextlib
import dataclasses
import datetime
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextlib.contextmanager
def throwaway_database(stdout, prefix, keep=False):
    """Create and migrate a test database, run the body in it, then remove it (unless `keep`,
    when its name is printed so it can be inspected)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = os.path.join(workdir, "benchmark.sqlite3")
    stdout.write("Creating a throwaway database and running migrations…")
    # create_test_db returns the test database's name; the configured one is restored after.
    configured_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        if keep:
            stdout.write(f"Kept the benchmark database: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(configured_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)


def run_in_throwaway_sqlite(
    stdout,
    prefix,
    command,
    options,
    passed_on,
    benchmark,
    arguments=(),
    sqlite_only=True,
    keep=None,
):
    """Run `command` again in a child process on a fresh, migrated SQLite file, with the database
    search engine and no Celery broker whatever the settings say, passing on the options named
    in `passed_on` (and any further `arguments`); in that child, call `benchmark(options)`. The
    file is removed after, unless `keep` names a file to use instead: it is migrated, used and
    left in place, so a large library built once can be timed again. A timing benchmark refuses
    to run its child on another database; a measure that does not time anything
    (`sqlite_only=False`) runs on whichever it is given."""
    child_flag = f"{command.upper()}_THROWAWAY_DB"
    if os.environ.get(child_flag) == "1":
        if sqlite_only and connection.vendor != "sqlite":
            raise CommandError("The benchmark runs on SQLite only.")
        benchmark(options)
        return
    workdir = tempfile.mkdtemp(prefix=prefix)
    database = Path(keep).resolve() if keep else Path(workdir) / "bench.sqlite3"
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        SEARCH_ENGINE="database",
        CELERY_BROKER_URL="",
        MEDIA_ROOT=f"{workdir}/media",
        **{child_flag: "1"},
    )
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    arguments = [f"--{name.replace('_', '-')}={options[name]}" for name in passed_on] + [*arguments]
    try:
        stdout.write(f"{'Kept' if keep else 'Throwaway'} database: {database} (migrating…)")
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
        subprocess.run([*manage, command, *arguments], env=env, check=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# A region on one deployment ----------------------------------------------------------------------

FRAMEWORK_CYCLE = ["children", "adults", "community_safety"]
# Review kinds each framework's areas write (a safeguarding adults review is a learning review here).
KINDS_OF_FRAMEWORK = {
    "children": ["rapid_review", "lcspr", "scr", "learning_review", "national_review"],
    "adults": ["learning_review", "multi_agency_audit"],
    "community_safety": ["dhr"],
}
# Agencies that act for every partnership of the region: one police force, one ambulance
# service, the probation service and the region's NHS trusts.
SHARED_AGENCIES = [
    ("West Yorkshire Police", "WYP", "police"),
    ("Yorkshire Ambulance Service", "YAS", "health"),
    ("National Probation Service", "NPS", "other"),
    ("Mid Yorkshire Teaching NHS Trust", "MYTT", "health"),
    ("South West Yorkshire Partnership NHS Foundation Trust", "SWYPFT", "health"),
    ("CAFCASS", "CAFCASS", "other"),
]
# Agencies of one area only (each partnership's own council services, schools and housing).
LOCAL_AGENCIES = [
    ("Children's and Adults' Services", "CAS", "local_authority"),
    ("Schools", "SCH", "education"),
    ("Housing", "HSG", "other"),
    ("Community Health", "CH", "health"),
]
# Part of every partnership's content is for its own people only.
VISIBILITY_WEIGHTS = {"public": 60, "practitioners": 25, "partnership": 15}
BATCH = 5000


@dataclasses.dataclass
class Region:
    """What a region benchmark times against: the people whose pages it opens."""

    partnerships: list
    member: object  # a practitioner of the first partnership only
    lead: object  # leads the shared police force in every partnership it acts for
    business_unit: object  # a business unit officer of the first partnership only
    shared_agency: object
    themes: list
    counts: dict


def add_region_arguments(parser):
    """The options that switch a benchmark to a region: N partnerships on one deployment,
    compared with one partnership holding the same library."""
    parser.add_argument(
        "--partnerships",
        type=int,
        default=0,
        help="Spread the library over this many partnerships of one deployment and compare with "
        "one partnership of the same size (the region benchmark; 0, the default, times as before).",
    )
    parser.add_argument(
        "--database",
        choices=["postgres", "any"],
        default="any",
        help="postgres: refuse to run the region benchmark on anything but PostgreSQL (run it "
        "under `python -m tests.servers postgres -- …`).",
    )


def region_database(stdout, options, prefix):
    """A throwaway database beside the configured one, refusing another engine than asked."""
    if options["database"] == "postgres" and connection.vendor != "postgresql":
        raise CommandError(
            "The region benchmark was asked for PostgreSQL but DATABASE_URL is "
            f"{connection.vendor}: run it under `python -m tests.servers postgres -- …` or set "
            "DATABASE_URL to a PostgreSQL server."
        )
    return throwaway_database(stdout, prefix)


def build_region(stdout, rng, sentences, partnership_count, areas, recommendations, per_review=100):
    """The same library whatever `partnership_count`: `areas` areas each with their own reviews and
    agencies (and six agencies shared by all), area n belonging to partnership n mod
    `partnership_count`. So one partnership holds exactly what fifteen hold between them; only who
    belongs to what differs. Every random draw is the same for every `partnership_count`."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from learning.models import (
        Agency,
        AgencyAction,
        AgencyMembership,
        Partnership,
        PartnershipMembership,
        ProgressUpdate,
        Recommendation,
        Theme,
    )

    # learning never imports reviews or home: their page models are looked up by name.
    HomePage = apps.get_model("home", "HomePage")
    ReviewPage = apps.get_model("reviews", "ReviewPage")
    ReviewIndexPage = apps.get_model("reviews", "ReviewIndexPage")
    Page = apps.get_model("wagtailcore", "Page")

    started = time.perf_counter()
    today, now = timezone.localdate(), timezone.now()
    partnerships = [Partnership.objects.default()]
    partnerships[0].name, partnerships[0].slug = "Area 01 Partnership", "area-01"
    partnerships[0].framework = FRAMEWORK_CYCLE[0]
    partnerships[0].save()
    home = HomePage.objects.get()
    for n in range(1, partnership_count):
        section = home.add_child(instance=Page(title=f"Area {n + 1:02d}", slug=f"area-{n + 1:02d}"))
        section.add_child(instance=ReviewIndexPage(title="Reviews", slug="reviews"))
        partnerships.append(
            Partnership.objects.create(
                name=f"Area {n + 1:02d} Partnership",
                slug=f"area-{n + 1:02d}",
                framework=FRAMEWORK_CYCLE[n % len(FRAMEWORK_CYCLE)],
                section=section,
                sort_order=n,
                # Half the partnerships share their public and practitioner learning regionally.
                shares_regionally=n % 2 == 0,
            )
        )
    indexes = [ReviewIndexPage.objects.filter(depth=3).order_by("path").first()] + [
        ReviewIndexPage.objects.child_of(p.section).get() for p in partnerships[1:]
    ]

    themes = [Theme.objects.get_or_create(name=name)[0] for name in dict.fromkeys(REGION_THEMES)]
    shared = [
        Agency.objects.create(name=name, short_name=short, sector=sector)
        for name, short, sector in SHARED_AGENCIES
    ]
    local = [
        [
            Agency.objects.create(
                name=f"Area {a + 1:02d} {name}", short_name=f"A{a + 1:02d}{short}", sector=sector
            )
            for name, short, sector in LOCAL_AGENCIES
        ]
        for a in range(areas)
    ]

    people = _region_people(partnerships, shared[0], rng, areas)
    User = get_user_model()
    member = User.objects.get(username="region-practitioner")
    lead = User.objects.get(username="region-police-lead")
    business_unit = User.objects.get(username="region-business-unit")

    visibilities, weights = zip(*VISIBILITY_WEIGHTS.items(), strict=True)
    reviews = max(1, recommendations // per_review)
    review_rows = []
    for n in range(reviews):
        area = n % areas
        framework = FRAMEWORK_CYCLE[area % len(FRAMEWORK_CYCLE)]
        review = ReviewPage(
            title=f"Area {area + 1:02d} review {n}: " + " ".join(rng.choice(sentences).split()[:6]),
            slug=f"review-{n}",
            kind=rng.choice(KINDS_OF_FRAMEWORK[framework]),
            reference=f"REV-{2010 + n % 15}-{n:05d}",
            visibility=rng.choices(visibilities, weights)[0],
            publication_date=f"{2010 + n % 15}-0{1 + n % 9}-15",
            summary=rng.choice(sentences),
            findings="\n\n".join(rng.sample(sentences, 5)),
        )
        indexes[area % partnership_count].add_child(instance=review)
        review.themes.set(rng.sample(themes, rng.randint(1, 3)))
        review_rows.append((review.pk, area))
        if n % 500 == 499:
            stdout.write(f"  {n + 1} of {reviews} reviews…")

    rows, links, agency_links, actions = [], [], [], []
    for review_id, _area in review_rows:
        for i in range(per_review):
            rows.append(
                Recommendation(
                    review_id=review_id,
                    number=str(i + 1),
                    text=" ".join(rng.sample(sentences, rng.randint(1, 3))),
                    sort_order=i,
                )
            )
    Recommendation.objects.bulk_create(rows, batch_size=BATCH)
    statuses = [s for s, _ in AgencyAction.Status.choices]
    area_of_review = dict(review_rows)
    for rec in rows:
        for theme in rng.sample(themes, rng.randint(1, 3)):
            links.append(Recommendation.themes.through(recommendation_id=rec.pk, theme_id=theme.pk))
        chosen = rng.sample(local[area_of_review[rec.review_id]] + shared, rng.randint(1, 3))
        for agency in chosen:
            agency_links.append(
                Recommendation.agencies.through(recommendation_id=rec.pk, agency_id=agency.pk)
            )
        if rng.random() < 0.6:
            for agency in chosen:
                due = today + datetime.timedelta(days=rng.randint(-400, 300))
                actions.append(
                    AgencyAction(
                        recommendation_id=rec.pk,
                        agency=agency,
                        description="Review the procedure and train staff.",
                        original_due_date=due,
                        current_due_date=due + datetime.timedelta(days=rng.choice([0, 0, 0, 90])),
                        status=rng.choice(statuses),
                        created_at=now - datetime.timedelta(days=rng.randint(0, 730)),
                    )
                )
    Recommendation.themes.through.objects.bulk_create(links, batch_size=BATCH)
    Recommendation.agencies.through.objects.bulk_create(agency_links, batch_size=BATCH)
    AgencyAction.objects.bulk_create(actions, batch_size=BATCH)
    ProgressUpdate.objects.bulk_create(
        (
            ProgressUpdate(
                action_id=action.pk,
                author=business_unit,
                created_at=action.created_at + datetime.timedelta(days=7),
                note="Progress reported at the subgroup.",
                status=action.status,
                due_date=action.current_due_date,
            )
            for action in actions
        ),
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        # Planner statistics, as a database in service would have them.
        cursor.execute("ANALYZE")
    counts = {
        "partnerships": len(partnerships),
        "reviews": reviews,
        "recommendations": len(rows),
        "actions": len(actions),
        "agencies": Agency.objects.count(),
        "people": people,
        "memberships": PartnershipMembership.objects.count(),
        "agency leads": AgencyMembership.objects.count(),
    }
    stdout.write(
        f"Built {', '.join(f'{v} {k}' for k, v in counts.items())} in "
        f"{time.perf_counter() - started:.0f} s ({connection.vendor})."
    )
    return Region(partnerships, member, lead, business_unit, shared[0], themes, counts)


REGION_THEMES = [
    "Domestic abuse",
    "Neglect",
    "Self-neglect and hoarding",
    "Information sharing",
    "Professional curiosity",
    "Mental capacity",
    "Voice of the child",
    "Coercive control",
    "Substance misuse",
    "Escalation",
    "Transitions to adulthood",
    "Exploitation",
]


def _region_people(partnerships, shared_agency, rng, areas):
    """The three people whose pages are timed, made as the site makes them (memberships, so their
    role groups follow), and, so the membership tables have a region's size, twenty people in
    each area and forty who belong to two or three areas' partnerships."""
    from django.contrib.auth import get_user_model

    from learning.models import AgencyMembership, PartnershipMembership
    from learning.roles import AGENCY_LEADS, BUSINESS_UNIT, PRACTITIONERS

    User = get_user_model()
    first = partnerships[0]
    member = User.objects.create_user("region-practitioner", "practitioner@example.org", "x")
    PartnershipMembership.objects.create(user=member, partnership=first, role=PRACTITIONERS)
    business_unit = User.objects.create_user("region-business-unit", "bu@example.org", "x")
    PartnershipMembership.objects.create(user=business_unit, partnership=first, role=BUSINESS_UNIT)
    lead = User.objects.create_user("region-police-lead", "lead@example.org", "x")
    for partnership in partnerships:
        PartnershipMembership.objects.create(user=lead, partnership=partnership, role=AGENCY_LEADS)
    AgencyMembership.objects.create(user=lead, agency=shared_agency)

    others = User.objects.bulk_create(
        User(username=f"region-person-{n}", email=f"person{n}@example.org", password="!")
        for n in range(20 * areas + 40)
    )
    roles = [PRACTITIONERS] * 8 + [AGENCY_LEADS, BUSINESS_UNIT]
    memberships = {}
    for n, person in enumerate(others):
        # Drawn the same whatever the number of partnerships: a slot, then mapped onto them.
        slots = [n % areas] if n < 20 * areas else rng.sample(range(areas), min(areas, 2))
        role = rng.choice(roles)
        for slot in slots:
            partnership = partnerships[slot % len(partnerships)]
            memberships[(person.pk, partnership.pk, role)] = PartnershipMembership(
                user=person, partnership=partnership, role=role
            )
    PartnershipMembership.objects.bulk_create(memberships.values(), batch_size=BATCH)
    return 3 + len(others)


# Timing the request path a person waits on ----------------------------------------------------


def percentile(samples, fraction):
    """Nearest-rank percentile: the smallest sample at or above `fraction` of the samples."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def time_page(client, urls, fell_back=None):
    """Request each of `urls` once through the whole Django stack (middleware, permissions,
    template) and read the body; returns p50/p95 in ms, the query counts and how many answers
    `fell_back()` says did not come from the engine asked for. None when the page is not the
    person's (anything but 200 on the first, warming request)."""
    response = client.get(urls[0], SERVER_NAME="localhost")
    if response.status_code != 200:
        return None
    response.getvalue()
    timings, queries, fallbacks = [], set(), 0
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            begin = time.perf_counter()
            response = client.get(url, SERVER_NAME="localhost")
            body = response.getvalue()  # a streamed page is built while it is read
            timings.append((time.perf_counter() - begin) * 1000)
        if response.status_code != 200 or not body:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.add(len(captured))
        fallbacks += bool(fell_back and fell_back())
    return {
        "runs": len(urls),
        "p50": percentile(timings, 0.5),
        "p95": percentile(timings, 0.95),
        "queries": "-".join(str(count) for count in sorted({min(queries), max(queries)})),
        "fell back": fallbacks,
    }


def print_region_table(stdout, title, figures):
    """One build's table: `figures` maps (page, person) to time_page's answer or None."""
    stdout.write(f"\n{title}")
    stdout.write(f"{'Page':<30}{'as':<28}{'runs':>5}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for (page, person), figure in figures.items():
        if figure is None:
            stdout.write(f"{page:<30}{person:<28}  not theirs (the page refuses them)")
            continue
        note = f"  fell back to the database {figure['fell back']}×" if figure["fell back"] else ""
        stdout.write(
            f"{page:<30}{person:<28}{figure['runs']:>5}{figure['p50']:>9.1f}"
            f"{figure['p95']:>9.1f}{figure['queries']:>9}{note}"
        )


def print_region_comparison(stdout, partnership_count, region, single):
    """The region's p50/p95 beside one partnership's of the same size, with their ratios."""
    stdout.write(
        f"\n{partnership_count} partnerships / 1 partnership, same library "
        "(ratio above 1: the region is slower)"
    )
    stdout.write(
        f"{'Page':<30}{'as':<28}{'p50 ms':>17}{'p95 ms':>17}{'p50 ratio':>11}{'p95 ratio':>11}"
    )
    for key, ours in region.items():
        theirs = single.get(key)
        if ours is None or theirs is None:
            continue
        stdout.write(
            f"{key[0]:<30}{key[1]:<28}"
            f"{ours['p50']:>7.1f} / {theirs['p50']:<7.1f}{ours['p95']:>7.1f} / {theirs['p95']:<7.1f}"
            f"{ours['p50'] / theirs['p50']:>10.2f}×{ours['p95'] / theirs['p95']:>10.2f}×"
        )
