"""Time the database search engine against Wagtail's stock search, a naive icontains filter and
hand-written FTS5 SQL (the floor), over a synthetic library in a throwaway SQLite database.

With --partnerships N: a region's library spread over N partnerships of one deployment, on the
configured database (PostgreSQL for a region) and the engine asked for, timing the search page and
the search API as a member of one partnership, beside one partnership holding the same library."""

# ruff: noqa: S608 - SQL here names only constant tables and columns; every value is a parameter.

import contextlib
import logging
import random
import re
import sqlite3
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from learning.benchmarking import (
    add_region_arguments,
    build_region,
    print_region_comparison,
    print_region_table,
    region_database,
    run_in_throwaway_sqlite,
    time_page,
)

CORPUS_DIRS = [Path(settings.BASE_DIR) / "tests" / "fixtures" / "corpus"]
THEMES = [
    "Managing risk and effective decision making",
    "Information sharing",
    "Neglect",
    "Disguised compliance and resistant families",
    "Children's mental health and emotional wellbeing",
    "Domestic abuse",
    "Parental mental health",
    "Substance misuse",
    "Voice of the child",
    "Professional curiosity",
    "Escalation",
    "Thresholds",
    "Pre-birth assessment and under-ones",
    "Safer sleeping and SUDI",
    "Child sexual abuse",
    "Child sexual and criminal exploitation",
    "Serious youth violence",
    "Missing children",
    "Parents with learning disabilities",
    "Involvement of fathers",
    "Young people as parents",
    "Supervision and workforce",
]
AGENCIES = [
    ("Kirklees Children's Services", "CSC", "local_authority"),
    ("West Yorkshire Police", "WYP", "police"),
    ("Calderdale and Huddersfield NHS Foundation Trust", "CHFT", "health"),
    ("Mid Yorkshire Hospitals NHS Trust", "MYHT", "health"),
    ("Locala", "Locala", "health"),
    ("South West Yorkshire Partnership NHS Foundation Trust", "SWYPFT", "health"),
    ("Kirklees Clinical Commissioning Group", "CCG", "statutory_partner"),
    ("Learning and schools", "Schools", "education"),
    ("National Probation Service", "NPS", "other"),
    ("Youth Offending Team", "YOT", "other"),
    ("Kirklees Neighbourhood Housing", "KNH", "other"),
    ("CAFCASS", "CAFCASS", "other"),
]
STOP = {
    "the",
    "and",
    "of",
    "to",
    "in",
    "a",
    "for",
    "is",
    "on",
    "with",
    "be",
    "are",
    "as",
    "that",
    "by",
    "this",
    "have",
    "has",
    "was",
    "were",
    "it",
    "an",
    "at",
    "or",
    "from",
    "will",
    "their",
    "which",
}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = "Benchmark search over a synthetic library in a throwaway SQLite database."

    def add_arguments(self, parser):
        parser.add_argument("--recommendations", type=int, default=100_000)
        parser.add_argument(
            "--per-review", type=int, default=100, help="Recommendations per review."
        )
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--reports", type=int, default=1000, help="Attached reports (one per review at most)."
        )
        parser.add_argument("--report-pages", type=int, default=100)
        add_region_arguments(parser)
        parser.add_argument(
            "--engine",
            choices=["elasticsearch", "database"],
            default="elasticsearch",
            help="With --partnerships: the engine the search page asks. Elasticsearch at "
            "ELASTICSEARCH_URL, or else an osmem-server (the tests' in-memory stand-in) started "
            "for the run.",
        )

    def handle(self, *args, **options):
        if options["partnerships"]:
            self._region(options)
            return
        run_in_throwaway_sqlite(
            self.stdout,
            "hub-search-bench-",
            command="benchmark_search",
            options=options,
            passed_on=[
                "recommendations",
                "per_review",
                "queries",
                "seed",
                "reports",
                "report_pages",
            ],
            benchmark=self._benchmark,
        )

    # A region on one deployment -------------------------------------------------------------

    def _region(self, options):
        from django.test.utils import override_settings

        from search import documents

        count = options["partnerships"]
        sentences = self._sentences()
        figures = {}
        with search_cluster(self.stdout, options["engine"]) as client:
            for partnerships in dict.fromkeys([count, 1]):
                with region_database(self.stdout, options, "hub-region-search-"):
                    rng = random.Random(options["seed"])
                    # Built with the database engine: each page saved is indexed in the table
                    # only; the cluster is filled once, from the table, as a rebuild does.
                    with override_settings(SEARCH_ENGINE="database"):
                        region = build_region(
                            self.stdout,
                            rng,
                            sentences,
                            partnerships,
                            areas=count,
                            recommendations=options["recommendations"],
                            per_review=options["per_review"],
                        )
                        started = time.perf_counter()
                        written = documents.rebuild_table()
                    self.stdout.write(
                        f"Rebuilt the search table: {written} documents in "
                        f"{time.perf_counter() - started:.1f} s"
                    )
                    figures[partnerships] = self._time_region(
                        region, rng, sentences, client, options
                    )
                print_region_table(
                    self.stdout,
                    f"{partnerships} partnership{'s' if partnerships > 1 else ''} "
                    f"({region_label(options['engine'])}), {options['recommendations']:,} "
                    "recommendations",
                    figures[partnerships],
                )
        if count > 1:
            print_region_comparison(self.stdout, count, figures[count], figures[1])

    def _time_region(self, region, rng, sentences, client, options):
        """The search page and the search API as a practitioner of the first partnership: each
        of the generated searches once, through the whole request path."""
        import uuid
        from urllib.parse import urlencode

        from django.test import Client
        from django.test.utils import override_settings
        from django.urls import reverse

        from search import services
        from search.engines import elasticsearch as es_engine
        from search.query import SearchRequest

        engine = options["engine"]
        index = f"hub-benchmark-{uuid.uuid4().hex[:10]}"
        queries = self._queries(rng, sentences, region.themes, options["queries"])
        params = [urlencode({"q": q, **filters}, doseq=True) for q, filters in queries]
        person = f"practitioner of {region.partnerships[0].slug}"
        fallbacks = FallbackCounter()
        # As the site runs (DEBUG off), on a regional deployment either way, so the number of
        # partnerships is the only difference between the two builds.
        with (
            override_settings(
                SEARCH_ENGINE=engine,
                ELASTICSEARCH_INDEX=index,
                DEBUG=False,
                REGIONAL_DEPLOYMENT=True,
            ),
            fallbacks.listening(),
        ):
            try:
                if engine == "elasticsearch":
                    started = time.perf_counter()
                    indexed = es_engine.rebuild(client)
                    self.stdout.write(
                        f"Filled the index {index}: {indexed} documents in "
                        f"{time.perf_counter() - started:.1f} s"
                    )
                answered_by = services.search(SearchRequest(q="neglect"), region.member).engine
                if answered_by != engine:
                    raise CommandError(
                        f"The {engine} engine was asked but {answered_by} answered: the cluster "
                        f"did not answer within ELASTICSEARCH_TIMEOUT "
                        f"({settings.ELASTICSEARCH_TIMEOUT:g} s). To time a slow stand-in such as "
                        "osmem-server, raise ELASTICSEARCH_TIMEOUT and OUTSIDE_SERVICES_BUDGET."
                    )
                fallbacks.take()
                browser = Client()
                browser.force_login(region.member)
                return {
                    ("Search page", person): time_page(
                        browser, [f"{reverse('search')}?{p}" for p in params], fallbacks.take
                    ),
                    ("Search API", person): time_page(
                        browser, [f"{reverse('search_api')}?{p}" for p in params], fallbacks.take
                    ),
                }
            finally:
                if engine == "elasticsearch":
                    client.indices.delete(index=f"{index}-*", allow_no_indices=True)

    # The synthetic library -------------------------------------------------------------------

    def _sentences(self):
        texts = []
        for folder in CORPUS_DIRS:
            if folder.is_dir():
                texts += [p.read_text(errors="ignore") for p in sorted(folder.glob("*.txt"))]
        if not texts:
            raise CommandError("No corpus found in " + ", ".join(map(str, CORPUS_DIRS)))
        sentences = []
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
                words = sentence.split()
                if 6 <= len(words) <= 45 and sum(w.isalpha() for w in words) > len(words) * 0.7:
                    sentences.append(" ".join(words))
        return sentences

    def _build(self, rng, sentences, options):
        from django.db import transaction

        from learning.models import Agency, AgencyAction, Recommendation, Theme
        from reviews.models import ReviewIndexPage, ReviewPage

        themes = [Theme.objects.get_or_create(name=name)[0] for name in THEMES]
        agencies = [
            Agency.objects.get_or_create(
                short_name=short, defaults={"name": name, "sector": sector}
            )[0]
            for name, short, sector in AGENCIES
        ]
        index = ReviewIndexPage.objects.get()
        per_review = options["per_review"]
        reviews = max(1, options["recommendations"] // per_review)
        kinds = [k for k, _ in ReviewPage.Kind.choices]
        statuses = [s for s, _ in AgencyAction.Status.choices]
        started = time.perf_counter()
        recommendation_texts = {}
        for n in range(reviews):
            texts = [" ".join(rng.sample(sentences, rng.randint(1, 3))) for _ in range(per_review)]
            recommendation_texts[n] = texts
            review = ReviewPage(
                title=f"{rng.choice(['Child', 'Family'])} {chr(65 + n % 26)}{n}: "
                + " ".join(rng.choice(sentences).split()[:6]),
                slug=f"review-{n}",
                kind=rng.choice(kinds),
                reference=f"REV-{2010 + n % 15}-{n:04d}",
                child_pseudonym=f"Child {chr(65 + n % 26)}{n}",
                visibility=rng.choices(["public", "practitioners", "partnership"], [7, 2, 1])[0],
                publication_date=f"{2010 + n % 15}-0{1 + n % 9}-15",
                summary=rng.choice(sentences),
                # Wagtail's stock search indexes pages, so a review's page carries its
                # recommendations' words too: every engine searches the same text.
                findings="\n\n".join(rng.sample(sentences, 5) + texts),
            )
            index.add_child(instance=review)
            review.themes.set(rng.sample(themes, rng.randint(1, 3)))
            if n % 100 == 99:
                self.stdout.write(f"  {n + 1} reviews…")
        self.stdout.write(
            f"Created {reviews} review pages in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        with transaction.atomic():
            review_ids = list(ReviewPage.objects.order_by("pk").values_list("pk", flat=True))
            rows = [
                Recommendation(review_id=review_id, number=str(i + 1), text=text, sort_order=i)
                for n, review_id in enumerate(review_ids)
                for i, text in enumerate(recommendation_texts[n])
            ]
            Recommendation.objects.bulk_create(rows, batch_size=2000)
            theme_links, agency_links, actions = [], [], []
            for rec in rows:
                for theme in rng.sample(themes, rng.randint(1, 3)):
                    theme_links.append(
                        Recommendation.themes.through(recommendation_id=rec.pk, theme_id=theme.pk)
                    )
                chosen = rng.sample(agencies, rng.randint(1, 3))
                for agency in chosen:
                    agency_links.append(
                        Recommendation.agencies.through(
                            recommendation_id=rec.pk, agency_id=agency.pk
                        )
                    )
                if rng.random() < 0.6:
                    status = rng.choice(statuses)
                    for agency in chosen:
                        actions.append(
                            AgencyAction(
                                recommendation_id=rec.pk,
                                agency=agency,
                                description="Action.",
                                original_due_date="2025-01-01",
                                current_due_date="2025-01-01",
                                status=status,
                            )
                        )
            Recommendation.themes.through.objects.bulk_create(theme_links, batch_size=5000)
            Recommendation.agencies.through.objects.bulk_create(agency_links, batch_size=5000)
            AgencyAction.objects.bulk_create(actions, batch_size=5000)
        self.stdout.write(
            f"Created {len(rows)} recommendations, {len(actions)} actions in "
            f"{time.perf_counter() - started:.0f} s"
        )
        return themes

    def _queries(self, rng, sentences, themes, count):
        """What practitioners type: theme words, the corpus's topical words (not its most common
        filler such as "work" or "council"), two- and three-word searches, quoted phrases; a
        quarter of them with a filter."""
        frequency = {}
        for sentence in sentences:
            for word in re.findall(r"[a-z]{4,}", sentence.lower()):
                if word not in STOP:
                    frequency[word] = frequency.get(word, 0) + 1
        ranked = [w for w, _ in sorted(frequency.items(), key=lambda kv: -kv[1])]
        topical = ranked[40:1500]
        theme_words = [
            w for name in THEMES for w in re.findall(r"[a-z]{4,}", name.lower()) if w not in STOP
        ]
        queries = []
        for i in range(count):
            shape = i % 8
            if shape in (0, 1):
                q = rng.choice(theme_words)
            elif shape in (2, 3):
                q = rng.choice(topical)
            elif shape == 4:
                q = " ".join([rng.choice(theme_words), rng.choice(topical)])
            elif shape == 5:
                q = " ".join(rng.sample(topical, 3))
            else:
                words = re.findall(r"[A-Za-z]{3,}", rng.choice(sentences))
                words = [w for w in words if w.lower() not in STOP] or ["neglect", "families"]
                start = rng.randrange(max(1, len(words) - 1))
                q = '"' + " ".join(words[start : start + 2]) + '"'
            filters = {}
            if i % 4 == 3:
                filters = rng.choice(
                    [
                        {"kind": ["recommendation"]},
                        {"theme": [rng.choice(themes).slug]},
                        {"year": [str(rng.randint(2010, 2024))]},
                        {"status": ["outstanding"], "kind": ["recommendation"]},
                        {"agency": ["wyp"]},
                    ]
                )
            queries.append((q, filters))
        return queries

    # The four ways of answering --------------------------------------------------------------

    def _benchmark(self, options):
        from learning.permissions import Visibility
        from search import documents
        from search.audience import Audience
        from search.engines.database import DatabaseEngine, FullTextSQL
        from search.query import FACETS, SearchRequest

        rng = random.Random(options["seed"])
        sentences = self._sentences()
        themes = self._build(rng, sentences, options)
        report_queries = self._attach_reports(rng, sentences, options)

        started = time.perf_counter()
        written = documents.rebuild_table()
        rebuild_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Full rebuild of the database index: {written} documents in {rebuild_seconds:.1f} s"
        )

        levels = [Visibility.PUBLIC, Visibility.PRACTITIONERS]
        queries = self._queries(rng, sentences, themes, options["queries"])
        engine = DatabaseEngine()
        raw = RawFTS5(settings.DATABASES["default"]["NAME"], levels, FACETS)
        timings = {
            "our database engine": [],
            "raw FTS5 (floor)": [],
            "Wagtail Page.objects.search()": [],
            "naive icontains": [],
        }
        mismatches = 0
        for q, filters in queries:
            request = SearchRequest(q=q, filters=filters)
            t = time.perf_counter()
            ours = engine.search(request, Audience.for_levels(levels))
            timings["our database engine"].append(time.perf_counter() - t)
            t = time.perf_counter()
            floor_count = raw.search(FullTextSQL.for_request(request).match()[1], filters)
            timings["raw FTS5 (floor)"].append(time.perf_counter() - t)
            mismatches += floor_count != ours.count
            t = time.perf_counter()
            wagtail_search(q, levels)
            timings["Wagtail Page.objects.search()"].append(time.perf_counter() - t)
            t = time.perf_counter()
            icontains_search(request, levels)
            timings["naive icontains"].append(time.perf_counter() - t)

        self.stdout.write(
            f"\n{len(queries)} queries, each: first page + total count + {len(FACETS)} facets' counts"
        )
        self.stdout.write(f"{'method':34} {'p50 ms':>9} {'p95 ms':>9}")
        figures = {}
        for name, values in timings.items():
            p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
            figures[name] = (p50, p95)
            self.stdout.write(f"{name:34} {p50:9.1f} {p95:9.1f}")
        ours, floor, naive = (
            figures["our database engine"],
            figures["raw FTS5 (floor)"],
            figures["naive icontains"],
        )
        self._time_report_searches(report_queries, levels, raw)
        self.stdout.write("")
        self._target(
            "p95 within 1.5x of raw FTS5", ours[1] <= 1.5 * floor[1], f"{ours[1] / floor[1]:.2f}x"
        )
        self._target(
            "p50 at least 20x faster than icontains",
            naive[0] >= 20 * ours[0],
            f"{naive[0] / ours[0]:.0f}x",
        )
        self._target("full rebuild under 60 s", rebuild_seconds < 60, f"{rebuild_seconds:.1f} s")
        if mismatches:
            self.stdout.write(f"Warning: {mismatches} queries counted differently by the floor.")

    def _attach_reports(self, rng, sentences, options):
        """Attach a report of `report_pages` pages to each of the first `reports` reviews, its
        text already read into passages as the extraction task leaves it; returns queries made
        of two neighbouring words of some page, so each finds a report."""
        from django.db import transaction
        from wagtail.documents import get_document_model

        from reviews.models import ReviewDocument, ReviewPage
        from search.models import ReportPassage, ReportText

        started = time.perf_counter()
        review_ids = list(
            ReviewPage.objects.order_by("pk").values_list("pk", flat=True)[: options["reports"]]
        )
        Document = get_document_model()
        queries = []
        with transaction.atomic():
            documents = Document.objects.bulk_create(
                [
                    Document(title=f"Overview report {n}", file=f"documents/overview-{n}.pdf")
                    for n in range(len(review_ids))
                ]
            )
            ReviewDocument.objects.bulk_create(
                [
                    ReviewDocument(page_id=review_id, document=document, title="Overview report")
                    for review_id, document in zip(review_ids, documents, strict=True)
                ]
            )
            reports = ReportText.objects.bulk_create(
                [
                    ReportText(
                        document=document,
                        status=ReportText.Status.EXTRACTED,
                        pages=options["report_pages"],
                    )
                    for document in documents
                ]
            )
            for report in reports:
                pages = [
                    " ".join(rng.sample(sentences, 12)) for _ in range(options["report_pages"])
                ]
                ReportPassage.objects.bulk_create(
                    [
                        ReportPassage(report=report, page_number=number, text=text)
                        for number, text in enumerate(pages, 1)
                    ]
                )
                if len(queries) < 100:
                    words = re.findall(r"[A-Za-z]{4,}", rng.choice(pages))
                    words = [w for w in words if w.lower() not in STOP]
                    if len(words) > 2:
                        start = rng.randrange(len(words) - 1)
                        queries.append(" ".join(words[start : start + 2]))
        self.stdout.write(
            f"Attached {len(reports)} reports of {options['report_pages']} pages in "
            f"{time.perf_counter() - started:.0f} s"
        )
        return queries

    def _time_report_searches(self, report_queries, levels, raw):
        """Searches whose words are on a report's page: the engine's answer plus loading the
        page of results with each review's best report passage, as the search page does."""
        from search.audience import Audience
        from search.engines.database import DatabaseEngine, FullTextSQL, best_passages
        from search.query import SearchRequest
        from search.services import load_results

        if not report_queries:
            return
        engine = DatabaseEngine()
        ours, floor, passages_found = [], [], 0
        for q in report_queries:
            request = SearchRequest(q=q)
            t = time.perf_counter()
            audience = Audience.for_levels(levels)
            answer = engine.search(request, audience)
            results = load_results(answer.hits, audience, request)
            # The best page of every review on the page of results, not only of those whose own
            # words did not match: the most this lookup can cost.
            reviews = [doc.object_id for doc in results if doc.kind == "review"]
            passages_found += len(best_passages(reviews, request.query_clauses))
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            raw.search(FullTextSQL.for_request(request).match()[1], {})
            floor.append(time.perf_counter() - t)
        p50, p95 = percentile(ours, 0.5) * 1000, percentile(ours, 0.95) * 1000
        f50, f95 = percentile(floor, 0.5) * 1000, percentile(floor, 0.95) * 1000
        self.stdout.write(
            f"{'searches hitting attached reports':34} {p50:9.1f} {p95:9.1f}  "
            f"({len(report_queries)} queries, results with page and passage; raw FTS5 for the "
            f"same words {f50:.1f} / {f95:.1f} ms; best page found for {passages_found} reviews)"
        )

    def _target(self, label, met, figure):
        self.stdout.write(f"{'MET ' if met else 'MISSED'} {label}: {figure}")


@contextlib.contextmanager
def search_cluster(stdout, engine):
    """The cluster the region benchmark's Elasticsearch engine talks to: ELASTICSEARCH_URL through
    the plain client, as the site does; without one, an osmem-server started for this run (the
    tests' in-memory stand-in, reached through the tests' client adapter) and stopped after."""
    from search.engines import elasticsearch as es_engine

    if engine != "elasticsearch":
        yield None
        return
    if settings.ELASTICSEARCH_URL:
        from elasticsearch import Elasticsearch

        stdout.write(f"Elasticsearch: {settings.ELASTICSEARCH_URL}")
        yield Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=120, max_retries=0)
        return
    from osmem_server import OsmemServer

    from tests.search.conftest import osmem_client

    server = OsmemServer.start(japanese=False)
    stdout.write(f"No ELASTICSEARCH_URL: started osmem-server at {server.url} for this run.")
    searches = osmem_client(server.url)
    es_engine.client_factory = lambda: searches.options(
        request_timeout=settings.ELASTICSEARCH_TIMEOUT
    )
    try:
        yield osmem_client(server.url).options(request_timeout=120)
    finally:
        es_engine.client_factory = None
        server.close()


def region_label(engine):
    if engine == "database":
        return "database engine"
    return "Elasticsearch at ELASTICSEARCH_URL" if settings.ELASTICSEARCH_URL else "osmem-server"


class FallbackCounter(logging.Handler):
    """Counts the Elasticsearch engine's notes that it answered from the database (an outage, a
    catching-up index, a spent time budget), so a slow cluster shows in the table rather than
    being timed as the database engine unawares."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.count = 0

    def emit(self, record):
        self.count += "database" in record.getMessage()

    def take(self):
        count, self.count = self.count, 0
        return count

    @contextlib.contextmanager
    def listening(self):
        engine_log = logging.getLogger("search.engines.elasticsearch")
        level = engine_log.level
        engine_log.setLevel(logging.INFO)
        engine_log.addHandler(self)
        try:
            yield
        finally:
            engine_log.removeHandler(self)
            engine_log.setLevel(level)


class RawFTS5:
    """The floor: the same work in hand-written SQL on a bare sqlite3 connection."""

    def __init__(self, path, levels, facets):
        self.db = sqlite3.connect(path)
        self.levels = [str(level) for level in levels]
        self.facets = facets

    def _where(self, match, filters):
        clauses = [f"d.visibility IN ({','.join('?' * len(self.levels))})"]
        params = list(self.levels)
        if match:
            clauses.insert(0, "learning_search_fts MATCH ?")
            params.insert(0, match[0])
        for name, values in filters.items():
            if name in ("theme", "agency"):
                clauses.append(
                    "EXISTS (SELECT 1 FROM learning_search_searchdocumenttag t WHERE t.document_id = d.id "
                    f"AND t.facet = ? AND t.value IN ({','.join('?' * len(values))}))"
                )
                params += [name, *values]
            else:
                clauses.append(f"d.{name} IN ({','.join('?' * len(values))})")
                params += [int(v) for v in values] if name == "year" else list(values)
        return " AND ".join(clauses), params

    def search(self, match, filters):
        source = (
            "learning_search_fts CROSS JOIN learning_search_searchdocument d "
            "ON d.id = learning_search_fts.rowid"
        )
        where, params = self._where(match, filters)
        count = self.db.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", params).fetchone()[
            0
        ]
        self.db.execute(
            f"SELECT d.key, snippet(learning_search_fts, 2, '[', ']', '…', 32) FROM {source} "
            f"WHERE {where} ORDER BY bm25(learning_search_fts, 10.0, 5.0, 1.0, 0.5) LIMIT 20",
            params,
        ).fetchall()
        for facet in self.facets:
            others = {k: v for k, v in filters.items() if k != facet}
            where, params = self._where(match, others)
            if facet in ("theme", "agency"):
                self.db.execute(
                    f"SELECT f.value, COUNT(*) FROM {source} CROSS JOIN learning_search_searchdocumenttag f "
                    f"ON f.document_id = d.id AND f.facet = ? WHERE {where} GROUP BY f.value",
                    [facet, *params],
                ).fetchall()
            else:
                self.db.execute(
                    f"SELECT d.{facet}, COUNT(*) FROM {source} WHERE {where} GROUP BY d.{facet}",
                    params,
                ).fetchall()
        return count


def wagtail_search(q, levels):
    """Wagtail's stock database search over the review pages: first page, count, kind facet."""
    from reviews.models import ReviewPage

    results = ReviewPage.objects.live().filter(visibility__in=levels).search(q.replace('"', ""))
    list(results[:20])
    results.count()
    results.facet("kind")


def icontains_search(request, levels):
    """A naive LIKE scan doing the same work: count, newest first page, every facet's counts."""
    from django.db.models import Count, Q

    from search.models import SearchDocument, SearchDocumentTag

    def matching(filters):
        query = Q(visibility__in=levels)
        for term in request.terms:
            query &= Q(text__icontains=term) | Q(title__icontains=term) | Q(reports__icontains=term)
        for name, values in filters.items():
            if name in ("theme", "agency"):
                query &= Q(tags__facet=name, tags__value__in=values)
            else:
                query &= Q(**{f"{name}__in": values})
        return SearchDocument.objects.filter(query)

    documents = matching(request.filters)
    documents.count()
    list(documents.order_by("-published_at")[:20])
    for facet in ("kind", "review_kind", "year", "status"):
        list(matching(request.filters_except(facet)).values(facet).annotate(n=Count("id")))
    for facet in ("theme", "agency"):
        ids = matching(request.filters_except(facet)).values("id")
        list(
            SearchDocumentTag.objects.filter(facet=facet, document_id__in=ids)
            .values("value")
            .annotate(n=Count("id"))
        )
