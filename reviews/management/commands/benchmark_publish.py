"""Publish reviews of 10, 54 and 150 recommendations, each addressed to three agencies, in a
throwaway database and print the wall time and the search-index writes of each publication, and
the time the recurrence update owed by it takes after the response (into a library of
`--library` recommendations)."""

import contextlib
import re
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings
from wagtail.actions.publish_page_revision import PublishPageRevisionAction

from learning import permissions
from learning.benchmarking import throwaway_database
from learning.models import Agency, AgencyAction, Recommendation
from reviews.models import ReviewIndexPage, ReviewPage
from search import documents
from search.models import SearchDocument, SearchDocumentTag

SIZES = (10, 54, 150)
AGENCIES = 3
INDEX_TABLES = (SearchDocument._meta.db_table, SearchDocumentTag._meta.db_table)
INDEX_WRITE = re.compile(
    r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(" + "|".join(INDEX_TABLES) + r")\b",
    re.IGNORECASE,
)


class IndexWriteCounter:
    """Counts index writes (each time a set of search documents is written) and the SQL
    statements that write the search-document table or its tags."""

    def __init__(self):
        self.writes = 0
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        if INDEX_WRITE.match(sql):
            self.statements += 1
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def counting(self):
        write_documents = documents.write_documents

        def counted(shapes):
            self.writes += 1
            return write_documents(shapes)

        documents.write_documents = counted
        try:
            with connection.execute_wrapper(self):
                yield self
        finally:
            documents.write_documents = write_documents


class Command(BaseCommand):
    help = (
        "Publish reviews of 10, 54 and 150 recommendations addressed to three agencies in a "
        "temporary database (never the configured one); print wall time and index writes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=int,
            nargs="+",
            default=list(SIZES),
            help="Numbers of recommendations, one review each.",
        )
        parser.add_argument(
            "--library",
            type=int,
            default=0,
            help="Recommendations already in the library (synthetic, from the corpus sentences).",
        )
        parser.add_argument(
            "--publish-button",
            action="store_true",
            help="Publish as the editor's Publish button does (Wagtail's publish action, outside "
            "any transaction) instead of as an approval.",
        )

    def handle(self, *args, **options):
        with throwaway_database(self.stdout, "publish-benchmark-"):
            # The agencies' leads are emailed about their new actions: keep those in memory.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                if options["library"]:
                    self._library(options["library"])
                self._run(options["sizes"], options["publish_button"])

    def _library(self, size):
        """A library of `size` recommendations, written in bulk and indexed in one pass."""
        import random

        from django.db.models.signals import post_save

        from search.management.commands.benchmark_search import Command as SearchBenchmark

        builder = SearchBenchmark(stdout=self.stdout, stderr=self.stderr)
        options = {"recommendations": size, "per_review": 100, "seed": 12}
        post_save.receivers, saved = [], post_save.receivers
        try:
            builder._build(random.Random(12), builder._sentences(), options)
        finally:
            post_save.receivers = saved
        started = time.perf_counter()
        documents.rebuild_table()
        self.stdout.write(
            f"Library of {Recommendation.objects.count()} recommendations indexed in "
            f"{time.perf_counter() - started:.0f} s"
        )

    def _run(self, sizes, publish_button=False):
        from search.models import RecurrenceBacklog
        from search.recurrence import update_owed

        approver = self._approver()
        agencies = self._agencies()
        self.stdout.write(
            f"{'Recommendations':>16}{'actions':>9}{'seconds':>10}{'index writes':>14}"
            f"{'index SQL statements':>22}{'recurrence after, s':>21}"
        )
        for size in sizes:
            revision = self._draft(size, agencies)
            counter = IndexWriteCounter()
            started = time.perf_counter()
            # As the site runs (DEBUG off): manage.py's development settings would log every
            # SQL statement, which on SQLite quotes each parameter in a query of its own and
            # took a third of the publication's time.
            settings = override_settings(RECURRENCE_AFTER_RESPONSE=True, DEBUG=False)
            with counter.counting(), settings:
                # As the business manager's approval (or the Publish button) publishes it, with
                # the work each commit queues (indexing, emails) run as it commits; the
                # recurrence update is owed, for after the response.
                if publish_button:
                    PublishPageRevisionAction(revision, user=approver).execute()
                else:
                    revision.publish(user=approver)
            elapsed = time.perf_counter() - started
            owed = RecurrenceBacklog.objects.count()
            started = time.perf_counter()
            update_owed()  # what the worker, or the catch-up after the response, runs
            after = time.perf_counter() - started
            actions = AgencyAction.objects.filter(recommendation__review=revision.object_id)
            self.stdout.write(
                f"{size:>16}{actions.count():>9}{elapsed:>10.2f}{counter.writes:>14}"
                f"{counter.statements:>22}{after:>14.2f} ({owed})"
            )

    def _approver(self):
        user = get_user_model().objects.create_user("benchmark-manager", password=None)
        user.groups.add(Group.objects.get(name=permissions.BUSINESS_MANAGERS))
        return user

    def _agencies(self):
        return [
            Agency.objects.create(name=f"Benchmark agency {n}", short_name=f"BA{n}", sector="other")
            for n in range(1, AGENCIES + 1)
        ]

    def _draft(self, size, agencies):
        index = ReviewIndexPage.objects.get()
        review = ReviewPage(
            title=f"Benchmark review of {size} recommendations",
            slug=f"benchmark-review-{size}",
            summary="A review of multi-agency practice.",
            live=False,
        )
        index.add_child(instance=review)
        for number in range(1, size + 1):
            recommendation = Recommendation(
                review=review,
                number=str(number),
                sort_order=number,
                text=f"Agencies should review how they share information (point {number}).",
            )
            recommendation.agencies = agencies
            review.recommendations.add(recommendation)
        return review.save_revision()
