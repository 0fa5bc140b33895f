"""Rebuild the search documents from the live pages, then the chosen engine's index."""

import time

from django.core.management.base import BaseCommand, CommandError

from search import documents


class Command(BaseCommand):
    help = (
        "Rebuild the search-document table from the live pages and, with --engine elasticsearch, "
        "fill a new Elasticsearch index and switch the alias to it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--engine",
            choices=["database", "elasticsearch"],
            default=None,
            help="Which engine to rebuild (default: the configured SEARCH_ENGINE).",
        )

    def handle(self, *args, engine=None, **options):
        from django.conf import settings

        engine = engine or settings.SEARCH_ENGINE
        started = time.perf_counter()
        written = documents.rebuild_table()
        self.stdout.write(
            f"Search documents: {written} written in {time.perf_counter() - started:.1f} s."
        )
        if engine != "elasticsearch":
            return
        from search.engines import elasticsearch as es_engine

        started = time.perf_counter()
        try:
            indexed = es_engine.rebuild(es_engine.get_client(timeout=120))
        except es_engine.UNAVAILABLE as error:
            raise CommandError(
                f"Elasticsearch could not be reached ({error}); the search documents are rebuilt "
                "and the site answers from the database engine until the index is rebuilt."
            ) from error
        self.stdout.write(
            f"Elasticsearch: {indexed} documents in a new index under the alias "
            f"'{es_engine.alias_name()}' in {time.perf_counter() - started:.1f} s."
        )
