"""Import a review document (.txt, .md, .pdf, .docx) as a draft review with its recommendations."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.importer import ReviewImportError
from reviews.importer.create import analyse, as_json, create_review
from reviews.models import ReviewPage


class Command(BaseCommand):
    help = (
        "Import a published review document as a draft review: its recommendations become "
        "tracked rows with suggested themes and agencies, and the document is attached."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .txt, .md, .pdf or .docx file.")
        parser.add_argument(
            "--kind",
            default=ReviewPage.Kind.LCSPR,
            choices=ReviewPage.Kind.values,
            help="The kind of review (default: lcspr).",
        )
        parser.add_argument("--title", help="The review's title (default: from the document).")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish at once, suggestions included, instead of leaving a draft for an editor.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        path, kind, publish = options["path"], options["kind"], options["publish"]
        title = options["title"]
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        data = file.read_bytes()
        try:
            analysed = analyse(file.name, data, title=title)
            page = create_review(analysed, data, kind=kind, publish=publish)
        except ReviewImportError as error:
            raise CommandError(str(error)) from None
        if publish:
            analysed.warnings.append(
                "Published with the suggested themes and agencies; agencies' actions were created "
                "from them."
            )
        result = as_json(page, analysed)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
            return
        state = "Published" if publish else "Draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"{state} review “{page.title}” (page {page.pk}) with "
                f"{len(result['recommendations'])} recommendations."
            )
        )
        for found in result["recommendations"]:
            suggested = "; ".join(
                part
                for part in (
                    "themes: " + ", ".join(found["themes"]) if found["themes"] else "",
                    "agencies: " + ", ".join(found["agencies"]) if found["agencies"] else "",
                )
                if part
            )
            first_line = found["text"].splitlines()[0][:90]
            self.stdout.write(f"  {found['number']}. {first_line}")
            if suggested:
                self.stdout.write(f"     suggested {suggested}")
        for warning in result["warnings"]:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
