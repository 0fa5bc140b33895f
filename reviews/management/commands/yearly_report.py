"""Print or export the yearly report for a period (default: the last financial year)."""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learning.models import Partnership
from reviews.models import Process, process_of
from reviews.report_exports import report_docx, report_sentences, report_tables, report_xlsx
from reviews.yearly_report import Period, yearly_report


def _date(text):
    for date_format in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise CommandError(f'"{text}" is not a date: write it as 2020-03-31 or 31/03/2020.')


class Command(BaseCommand):
    help = (
        "The yearly report's figures from the case log and the tracker, with the previous period "
        "beside them. Prints a summary, or JSON with --json; writes Word and Excel files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="First day, e.g. 2019-04-01.")
        parser.add_argument("--to", dest="end", help="Last day, e.g. 2020-03-31.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument("--docx", metavar="FILE", help="Write the report as a Word document.")
        parser.add_argument("--xlsx", metavar="FILE", help="Write every table to a workbook.")
        parser.add_argument(
            "--process",
            choices=Process.values,
            default=None,
            dest="process_given",
            help="Whose report: child_safeguarding (the default), safeguarding_adults (the "
            "adults board's SARs) or domestic_homicide (the community safety partnership's DHRs).",
        )
        parser.add_argument(
            "--partnership",
            metavar="SLUG",
            help="One partnership's report: its own cases, reviews and actions, and its "
            "framework's process unless --process names another. Without it, the whole hub's.",
        )

    def handle(self, *args, start=None, end=None, **options):
        if bool(start) != bool(end):
            raise CommandError("Give both --from and --to, or neither for the last financial year.")
        period = Period(_date(start), _date(end)) if start else Period.last_financial_year()
        if period.end < period.start:
            raise CommandError("--to is before --from.")
        if (period.end - period.start).days > 366 * 5:
            raise CommandError("The period is longer than five years.")
        partnership = None
        process = options["process_given"] or Process.CHILD_SAFEGUARDING
        if options["partnership"]:
            partnership = Partnership.objects.filter(slug=options["partnership"]).first()
            if partnership is None:
                known = ", ".join(Partnership.objects.values_list("slug", flat=True))
                raise CommandError(f'No partnership "{options["partnership"]}": one of {known}.')
            if options["process_given"] is None:
                process = process_of(partnership)
        report = yearly_report(period, process=process, partnership=partnership)
        if options["docx"]:
            Path(options["docx"]).write_bytes(report_docx(report))
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(report_xlsx(report))
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        for sentence in report_sentences(report):
            self.stdout.write(sentence)
        for title, headings, rows in report_tables(report):
            self.stdout.write("")
            self.stdout.write(title)
            self.stdout.write("\t".join(str(heading) for heading in headings))
            for row in rows:
                self.stdout.write("\t".join(str(value) for value in row))
