"""Measure how well each engine answers practitioners' searches: MRR and nDCG@10 over the graded
relevance set in tests/fixtures/search_relevance.json, then over the held-out set (other searches
of the same library that no query of it was tuned for), in a throwaway SQLite database.

Elasticsearch is asked through ELASTICSEARCH_URL when set, otherwise through an in-memory
osmem-server (a development dependency) when it is installed."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from learning.benchmarking import run_in_throwaway_sqlite

# Set in the child process that runs on the throwaway database (see run_in_throwaway_sqlite).
CHILD_FLAG = "EVALUATE_SEARCH_THROWAWAY_DB"


class Command(BaseCommand):
    help = "Print MRR and nDCG@10 of both search engines over the relevance set."

    def add_arguments(self, parser):
        parser.add_argument(
            "--verbose-queries", action="store_true", help="Print each query's figures."
        )
        parser.add_argument("--engine", choices=["database", "elasticsearch"], action="append")

    def handle(self, *args, **options):
        arguments = ["--verbose-queries"] if options["verbose_queries"] else []
        for engine in options["engine"] or []:
            arguments += ["--engine", engine]
        run_in_throwaway_sqlite(
            self.stdout,
            "hub-search-eval-",
            "evaluate_search",
            options,
            passed_on=(),
            benchmark=self._evaluate,
            arguments=arguments,
            sqlite_only=False,
        )

    def _evaluate(self, options):
        from search import relevance

        data = relevance.load_relevance_set()
        held_out = relevance.load_relevance_set(relevance.HELD_OUT_FILE)
        keys = relevance.build_library(data)
        engines = options["engine"] or ["database", "elasticsearch"]
        results, held_out_results = [], []
        for name in engines:
            if name == "elasticsearch":
                server = self._elasticsearch()
                if server is False:
                    self.stdout.write("elasticsearch: no ELASTICSEARCH_URL and no osmem-server")
                    continue
            results.append(relevance.evaluate(data, keys, name))
            held_out_results.append(relevance.evaluate(held_out, keys, name))
            if name == "elasticsearch" and server is not None:
                server.close()
        self._report("Relevance set", data, keys, results, options)
        self._report("Held-out set", held_out, keys, held_out_results, options)

    def _report(self, title, data, keys, results, options):
        unanswerable = sum(1 for q in data["queries"] if not q["relevant"])
        self.stdout.write(
            f"\n{title}: {len(data['queries'])} queries over {len(keys)} items "
            f"({unanswerable} on nothing the library holds)"
        )
        self.stdout.write(
            f"{'engine':15} {'MRR':>6} {'nDCG@10':>8} {'zero-result':>12} "
            f"{'unrelated@5':>12} {'shown for nothing held':>23}"
        )
        for figures in results:
            self.stdout.write(
                f"{figures.engine:15} {figures.mrr:6.3f} {figures.ndcg:8.3f} "
                f"{len(figures.zero_results):12d} {figures.unrelated:12.3f} "
                f"{len(figures.answered_unanswerable):>23}"
            )
        for figures in results:
            self.stdout.write(f"\n{figures.engine} by style of query:")
            for style, (mrr, ndcg, count) in figures.by_style().items():
                self.stdout.write(
                    f"  {style:12} {count:3d} queries  MRR {mrr:.3f}  nDCG@10 {ndcg:.3f}"
                )
            if figures.zero_results:
                self.stdout.write("  nothing found for: " + "; ".join(figures.zero_results))
            if figures.answered_unanswerable:
                self.stdout.write(
                    "  results shown for what the library does not hold: "
                    + "; ".join(figures.answered_unanswerable)
                )
            if options["verbose_queries"]:
                for q in figures.queries:
                    self.stdout.write(
                        f"  {q.reciprocal_rank:4.2f} {q.ndcg:4.2f} {q.count:3d} "
                        f"{q.unrelated:2d}  {q.q}"
                    )

    def _elasticsearch(self):
        """Point the engine at a cluster and fill its index from the table; returns a server to
        close afterwards, None when a real cluster is used, False when there is none."""
        from search.engines import elasticsearch as es_engine

        server = None
        if not os.environ.get("ELASTICSEARCH_URL"):
            try:
                from osmem_server import OsmemServer

                from tests.search.conftest import osmem_client
            except ImportError:
                return False
            server = OsmemServer.start(japanese=False)
            client = osmem_client(server.url)
            es_engine.client_factory = lambda: client
        settings.SEARCH_ENGINE = "elasticsearch"
        es_engine.rebuild(es_engine.get_client())
        return server
