"""Import the old case log (CSV or XLSX): all rows apply or none, problems by row and column."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.case_import import COLUMNS, MAX_CASE_LOG_BYTES, CaseLogError, import_case_log


class Command(BaseCommand):
    help = (
        "Import a case log spreadsheet (.csv or .xlsx) with the columns "
        + ", ".join(COLUMNS)
        + ". Every row is checked first; if any has a problem nothing changes. Re-importing a "
        "reference updates its case."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .csv or .xlsx case log.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        if path.stat().st_size > MAX_CASE_LOG_BYTES:
            raise CommandError(
                f"{path.name}: the file is larger than {MAX_CASE_LOG_BYTES // (1024 * 1024)} MB; "
                "split it into smaller files."
            )
        try:
            result = import_case_log(path.name, path.read_bytes())
        except CaseLogError as error:
            raise CommandError(str(error)) from None
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(result.problems)} problem(s) found; nothing was imported. "
                "Correct the file and import it again."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(result.created)} new case(s) and updated {len(result.updated)}"
                f" ({len(result.unchanged)} unchanged)."
            )
        )
