"""A long review report for timing the importer: chapters of prose, each ending with its
recommendations, a final consolidated list, running headers and "Page N of M" footers, written as
a PDF by WeasyPrint. Used by `import_review --benchmark PAGES`."""

import time

PARAGRAPH = (
    "<p>Agencies working with the family held different parts of the picture. The health visitor "
    "knew of the mother's low mood, the school knew that the older child was often late and "
    "hungry, and the police had attended three incidents at the home in the year before the "
    "referral. None of these was shared at the time, and the assessment that followed did not "
    "draw on the history held by each agency.</p>"
)
PARAGRAPHS_PER_CHAPTER = 36  # about five pages
SUBJECTS = ["domestic abuse notifications", "missed health appointments", "school attendance",
            "pre-birth assessments", "neglect toolkits", "strategy discussions",
            "escalation of disagreements", "men in the household", "transfer of cases",
            "the child's own words"]  # fmt: skip
ASKS = [
    "The Safeguarding Children Partnership should audit how agencies handle {}.",
    "Each agency should train its front-line staff on {} within six months.",
    "Children's social care should record decisions about {} on the child's file.",
    "Health partners should report to the quality assurance group on {} every quarter.",
]


def long_report_pdf(pages):
    from weasyprint import HTML

    chapters = max(1, pages // 5)
    parts = ["<h1>Serious case review: the P family</h1>"]
    final = []
    number = 0
    for chapter in range(1, chapters + 1):
        parts.append(f"<h2>{chapter}. Practice with the family, period {chapter}</h2>")
        parts.append(PARAGRAPH * PARAGRAPHS_PER_CHAPTER)
        items = []
        for index in range(2):
            number += 1
            subject = SUBJECTS[(chapter + index) % len(SUBJECTS)]
            ask = ASKS[(chapter * 2 + index) % len(ASKS)].format(subject)
            items.append(f"{ask[:-1]}, starting with the families seen in period {chapter}.")
        # Each chapter's list starts at 1, as many reports number them.
        parts.append("<h3>Recommendations</h3><ol>")
        parts.extend(f"<li>{item}</li>" for item in items)
        parts.append("</ol>")
        final.append((chapter, number - 1, items))
    parts.append("<h2>Summary of recommendations</h2>")
    for chapter, _start, items in final:
        parts.append(f"<h3>{chapter}. Practice with the family, period {chapter}</h3>")
        parts.append("<ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>")
    style = (
        "<style>@page { size: A4; margin: 2.5cm; @top-center { content: 'Serious case review: "
        "the P family'; font-size: 9pt } @bottom-center { content: 'Page ' counter(page) ' of ' "
        "counter(pages); font-size: 9pt } } body { font-size: 11pt }</style>"
    )
    return HTML(string=style + "".join(parts)).write_pdf(), number


def run(pages, stdout):
    """Time the import in a throwaway database beside the configured one, removed afterwards."""
    import os
    import shutil
    import tempfile

    from django.db import connection

    workdir = tempfile.mkdtemp(prefix="import-benchmark-")
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = os.path.join(workdir, "benchmark.sqlite3")
    stdout.write("Creating a throwaway database and running migrations…")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        _run(pages, stdout)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)


def _partnership():
    from wagtail.models import Site

    from learning.models import Agency, Theme

    from ..models import ReviewIndexPage

    for name in ("Information sharing", "Neglect", "Domestic abuse", "Voice of the child",
                 "Thresholds", "Supervision and workforce", "Escalation", "Assessment"):  # fmt: skip
        Theme.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})
    for name, short, sector in (
        ("West Yorkshire Police", "Police", "police"),
        ("Children's Services", "Children's Services", "local_authority"),
        ("Safeguarding Children Partnership", "Partnership", "statutory_partner"),
    ):
        Agency.objects.get_or_create(name=name, defaults={"short_name": short, "sector": sector})
    if not ReviewIndexPage.objects.exists():
        root = Site.objects.get(is_default_site=True).root_page
        root.add_child(instance=ReviewIndexPage(title="Reviews", slug="reviews"))


def _run(pages, stdout):
    from django.db import transaction

    from .create import analyse, create_review

    _partnership()
    started = time.perf_counter()
    data, expected = long_report_pdf(pages)
    stdout.write(
        f"Wrote a test report: {len(data) / 1024:.0f} KB in {time.perf_counter() - started:.1f} s"
    )
    started, cpu = time.perf_counter(), time.process_time()
    analysed = analyse("benchmark.pdf", data)
    read, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    stdout.write(
        f"Read {analysed.pages} pages and found {len(analysed.recommendations)} recommendations "
        f"(expected {expected}) in {read:.1f} s ({read_cpu:.1f} s of processor time; the "
        "difference is time spent waiting for a processor other work was using)"
    )
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        create_review(analysed, data)
        transaction.set_rollback(True)  # timed, then undone
    created, created_cpu = time.perf_counter() - started, time.process_time() - cpu
    stdout.write(f"Created the draft review in {created:.1f} s")
    stdout.write(
        f"Import of a {analysed.pages}-page PDF: {read + created:.1f} s elapsed, "
        f"{read_cpu + created_cpu:.1f} s of processor time (target: under 30 s)"
    )
