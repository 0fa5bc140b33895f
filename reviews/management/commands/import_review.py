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
        parser.add_argument(
            "path",
            help="The .txt, .md, .pdf or .docx file (with --evaluate: a folder of labelled ones).",
        )
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
        parser.add_argument(
            "--benchmark",
            type=int,
            metavar="PAGES",
            help="Time the import of a generated PDF report of about PAGES pages (PATH is "
            "ignored; nothing is kept).",
        )
        parser.add_argument(
            "--evaluate",
            action="store_true",
            help="Score the importer on a folder of documents with <name>.expected.json beside "
            "them: precision, recall and exact wording per document and overall. Saves nothing.",
        )

    def handle(self, *args, **options):
        path, kind, publish = options["path"], options["kind"], options["publish"]
        title = options["title"]
        if options["benchmark"]:
            from reviews.importer.benchmark import run

            return run(options["benchmark"], self.stdout)
        if options["evaluate"]:
            return self.evaluate(Path(path), as_json=options["json"])
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
        imported = sum(found["imported"] for found in result["recommendations"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{state} review “{page.title}” (page {page.pk}) with {imported} recommendations."
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
            if found["possible"]:
                # Shown unticked on the check page: the editor decides.
                self.stdout.write(
                    f"     possible recommendation, not imported ({found['confidence']:.2f}): "
                    f"{found['reason']}; add it in the editor if it is one"
                )
            if suggested:
                self.stdout.write(f"     suggested {suggested}")
        for warning in result["warnings"]:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))

    def evaluate(self, directory, as_json=False):
        from reviews.importer.evaluate import Total, evaluate_parts

        if not directory.is_dir():
            raise CommandError(f"{directory}: not a folder of labelled documents.")
        parts = evaluate_parts(directory)
        if not parts:
            raise CommandError(f"{directory}: no <name>.expected.json files found.")
        everything = Total.of([score for scores in parts.values() for score in scores])
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "parts": {
                            name: {
                                "documents": [self.score_row(s) for s in scores],
                                "overall": Total.of(scores).as_dict(),
                            }
                            for name, scores in parts.items()
                        },
                        "overall": everything.as_dict(),
                    }
                )
            )
            return
        for name, scores in parts.items():
            self.print_part(name, scores, Total.of(scores))
        if len(parts) > 1:
            self.stdout.write("")
            for name, scores in parts.items():
                self.print_total(f"{name} total", Total.of(scores))
            self.print_total("overall", everything)

    @staticmethod
    def score_row(score):
        return {
            "document": score.document,
            "expected": score.expected,
            "found": score.found,
            "matched": score.matched,
            "exact": score.exact,
            "precision": score.precision,
            "recall": score.recall,
            "exact_share": score.exact_share,
            "possible": score.possible,
            "possible_matched": score.possible_matched,
            "error": score.error,
        }

    def print_part(self, name, scores, total):
        width = max(40, *(len(score.document) for score in scores))
        self.width = width
        header = f"{'document':<{width}}  expected  found  precision  recall  exact text"
        self.stdout.write(f"{name} part ({len(scores)} documents)")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for s in scores:
            self.stdout.write(
                f"{s.document:<{width}}  {s.expected:>8}  {s.found:>5}  {s.precision:>9.2f}  "
                f"{s.recall:>6.2f}  {s.exact_share:>10.2f}"
            )
            for missed in s.missed:
                self.stdout.write(f"    missed {missed['number']} ({missed['section']})")
            for extra in s.extra:
                self.stdout.write(f"    extra  {extra.number} ({extra.section}): {extra.text[:60]}")
            if s.error:
                self.stdout.write(self.style.ERROR(f"    FAILED: {s.error}"))
        self.stdout.write("-" * len(header))
        self.print_total(f"{name} total", total)

    def print_total(self, label, total):
        width = getattr(self, "width", 40)
        failed = f"  ({total.failed} failed)" if total.failed else ""
        self.stdout.write(
            f"{label:<{width}}  {total.expected:>8}  {total.found:>5}  "
            f"{total.precision:>9.2f}  {total.recall:>6.2f}  {total.exact_share:>10.2f}{failed}"
        )
