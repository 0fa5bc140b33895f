"""The yearly report as the partnership publishes it: short sentences, tables, a Word document
(with charts that carry alt text and their data beside them) and a workbook of every table.
Everything is drawn here, on this machine: nothing is fetched from anywhere."""

import io
import re

from learning.spreadsheets import safe_row

from .yearly_report import (
    ACTION_CATEGORIES,
    FIGURE_LABELS,
    FIGURE_LABELS_OF_PROCESS,
    HEADLINE_FIGURES,
    PROCESS_BREAKDOWNS,
)


def _plural(count, one, many=None):
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _money(value):
    return f"£{value:,.2f}".replace(".00", "")


# Figures that are sums of money, shown in pounds wherever the report shows them.
MONEY_FIGURES = {"total_cost"}
# Characters Excel refuses in a sheet's name, and the longest name it takes.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


def figure_text(key, value):
    """A headline figure as a person reads it: money as "£13,750", counts with thousands
    separators, a figure that cannot be given as a dash."""
    if value is None:
        return "–"
    if key in MONEY_FIGURES:
        return _money(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def sheet_name(title):
    """A worksheet's name from its table's title, as readable as Excel allows (31 characters,
    no / or :), cut at a word."""
    name = " ".join(_NOT_IN_SHEET_NAMES.sub("-", title).split())
    if len(name) > SHEET_NAME_LENGTH:
        name = name[: SHEET_NAME_LENGTH + 1].rsplit(" ", 1)[0].rstrip(",;-")
    return name or "Table"


def process_labels(report):
    """The labels of a SAR or DHR report's figures (None for the children's report)."""
    if "process" not in report:
        return None
    return next(
        labels for labels in FIGURE_LABELS_OF_PROCESS.values() if set(labels) <= set(report)
    )


def _process_sentences(report):
    label = report["period"]["label"]
    before = report["previous_period"]["period"]["label"]
    previous = report["previous_period"]
    if "sar_referrals" in report:
        decisions = report["sar_decisions"]
        mandatory, discretionary, none = decisions.values()
        return [
            f"In {label} the board received "
            f"{_plural(report['sar_referrals'], 'referral')} for a safeguarding adults review "
            f"({previous['sar_referrals']} in {before}).",
            f"It arranged {_plural(report['sars_arranged'], 'SAR')} ({mandatory} mandatory "
            f"under section 44(1)-(3) and {discretionary} discretionary under section 44(4)) "
            f"and decided not to arrange {none}.",
            f"{_plural(report['sars_completed'], 'SAR')} concluded in the period and "
            f"{report['sars_ongoing']} were ongoing at its end; "
            f"{report['sars_published']} reports were published.",
        ]
    decisions = report["dhr_decisions"]
    held, not_held = decisions.values()
    return [
        f"In {label} the partnership was notified of "
        f"{_plural(report['dhr_notifications'], 'homicide')} "
        f"({previous['dhr_notifications']} in {before}).",
        f"It decided to hold {_plural(held, 'domestic homicide review')} and not to hold "
        f"{not_held}; {report['dhr_decided_in_time']} of its decisions were made within a month "
        f"of the notification, and the Home Office was told of "
        f"{report['dhr_home_office_informed']} ({report['dhr_home_office_informed_in_time']} "
        "within the month).",
        f"{_plural(report['dhr_overview_reports_submitted'], 'overview report')} went to the "
        f"Home Office quality assurance panel and {report['dhrs_published']} DHRs were "
        "published.",
    ]


def _process_tables(report, labels):
    label = report["period"]["label"]
    previous = report["previous_period"]
    before = previous["period"]["label"]
    tables = [
        (
            "The year in figures",
            ["Figure", before, label],
            [
                [labels[key], previous[key], report[key]]
                for key in labels
                if key not in PROCESS_BREAKDOWNS
            ],
        )
    ]
    for key in labels:
        if key in PROCESS_BREAKDOWNS:
            rows = list(dict.fromkeys([*previous[key], *report[key]]))
            tables.append(
                (
                    labels[key],
                    ["", before, label],
                    [[row, previous[key].get(row, 0), report[key].get(row, 0)] for row in rows],
                )
            )
    return tables


def report_sentences(report):
    """Sentences ready to paste into the published report, from the figures alone."""
    if process_labels(report):
        return _process_sentences(report)
    label = report["period"]["label"]
    previous = report["previous_period"]
    before = previous["period"]["label"]
    referrals = report["referrals"]
    sentences = [
        f"In {label} the partnership received "
        f"{_plural(referrals, 'serious incident referral')} "
        f"({previous['referrals']} in {before})."
    ]
    counts = [count for count in report["referrals_by_reason"].values() if count]
    top = max(counts, default=0)
    if top > 1:
        commonest = [
            r.lower() for r, count in report["referrals_by_reason"].items() if count == top
        ]
        if len(commonest) == 1:
            sentences.append(f"The most frequent referral reason was {commonest[0]} ({top}).")
        else:
            listed = ", ".join(commonest[:-1]) + f" and {commonest[-1]}"
            sentences.append(f"The most frequent referral reasons were {listed} ({top} each).")
    sentences.append(
        f"The national Panel was notified of {_plural(report['notifications'], 'incident')} "
        f"({report['notified_within_5_working_days']} within 5 working days); "
        f"{_plural(report['rapid_reviews'], 'rapid review')} "
        f"{'was' if report['rapid_reviews'] == 1 else 'were'} completed, "
        f"{report['rapid_reviews_within_15_working_days']} of them sent to the Panel within "
        f"15 working days ({previous['rapid_reviews']} rapid reviews in {before})."
    )
    decisions = [f"{label_} {count}" for label_, count in report["decisions"].items() if count]
    if decisions:
        sentences.append("Decisions made: " + ", ".join(decisions) + ".")
    sentences.append(
        f"{_plural(report['lcsprs_commissioned'], 'local child safeguarding practice review')} "
        f"{'was' if report['lcsprs_commissioned'] == 1 else 'were'} commissioned and "
        f"{_plural(report['reviews_published'], 'review')} published"
        + (
            # Only LCSPRs run to the six-month clock: "of them" would count every review.
            f", {_plural(report['published_within_6_months'], 'LCSPR')} within six months of "
            "the decision"
            if report["reviews_published"]
            else ""
        )
        + "."
    )
    if report["median_working_days_to_publish"] is not None:
        sentences.append(
            f"From decision to publication took a median of "
            f"{report['median_working_days_to_publish']} working days."
        )
    if report["total_cost"]:
        sentences.append(
            f"The reviews published cost {_money(report['total_cost'])} in total "
            f"({_money(previous['total_cost'])} in {before})."
        )
    staff = sum(reach["staff"] for reach in report["cascade_reach"].values())
    teams = sum(reach["teams"] for reach in report["cascade_reach"].values())
    briefings = report["briefings_published"]
    sentence = (
        # The count after the name: "1 7-minute briefing" reads as one number.
        f"7-minute briefings published: {briefings}"
        if briefings
        else "No 7-minute briefings were published"
    )
    if teams or staff:
        sentence += (
            f"; agencies recorded cascading briefings to {_plural(teams, 'team')} and "
            f"{_plural(staff, 'member')} of staff"
        )
    sentences.append(sentence + ".")
    return sentences


def report_tables(report):
    """Every table of the report as (title, headings, rows), this period beside the last."""
    if labels := process_labels(report):
        return _process_tables(report, labels)
    label = report["period"]["label"]
    previous = report["previous_period"]
    before = previous["period"]["label"]
    tables = [
        (
            "The year in figures",
            ["Figure", before, label],
            [
                [
                    FIGURE_LABELS[key],
                    _headline_cell(key, previous[key]),
                    _headline_cell(key, report[key]),
                ]
                for key in HEADLINE_FIGURES
            ],
        ),
        (
            "Referrals by reason",
            ["Referral reason", before, label],
            [
                [reason, previous["referrals_by_reason"].get(reason, 0), count]
                for reason, count in report["referrals_by_reason"].items()
            ]
            + [["Total", previous["referrals"], report["referrals"]]],
        ),
        (
            "Decisions",
            ["Decision", before, label],
            [
                [decision, previous["decisions"].get(decision, 0), count]
                for decision, count in report["decisions"].items()
            ],
        ),
    ]
    years = list(next(iter(report["recommendations_by_theme"].values()), {}).keys())[::-1]
    tables.append(
        (
            "Recommendations by theme",
            ["Theme", *years],
            [
                [theme, *[counts.get(year, 0) for year in years]]
                for theme, counts in report["recommendations_by_theme"].items()
            ],
        )
    )
    tables.append(
        (
            f"Agency actions, end of {label}",
            ["Agency", *ACTION_CATEGORIES.values()],
            [
                [agency, *[counts[key] for key in ACTION_CATEGORIES]]
                for agency, counts in report["actions_by_agency"].items()
            ],
        )
    )
    tables.append(
        (
            "7-minute briefing cascades",
            ["Agency", "Teams reached", "Staff reached"],
            [
                [agency, reach["teams"], reach["staff"]]
                for agency, reach in report["cascade_reach"].items()
            ],
        )
    )
    return tables


def _headline_cell(key, value):
    # Counts stay numbers (a spreadsheet adds them up); money and missing figures are words.
    if value is None or key in MONEY_FIGURES:
        return figure_text(key, value)
    return value


# --- Charts ---------------------------------------------------------------------------------


def bar_chart_png(title, categories, series):
    """A horizontal bar chart as PNG bytes. `series` is [(name, [values]), …], two at most.
    Drawn with Pillow, with its bundled font: no system fonts, no network."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=16)
    bold = ImageFont.load_default(size=18)
    colours = [(29, 112, 184), (244, 119, 56)]  # distinct in greyscale too, with a legend
    row_height, bar_height = 34, 12
    label_width, chart_width = 390, 400
    width = label_width + chart_width + 80
    height = 80 + row_height * len(categories) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), title, fill="black", font=bold)
    largest = max((value for _, values in series for value in values), default=0) or 1
    for position, (name, _values) in enumerate(series):
        x = 10 + position * 200
        draw.rectangle([x, 44, x + 14, 58], fill=colours[position])
        draw.text((x + 20, 42), name, fill="black", font=font)
    for row, category in enumerate(categories):
        top = 80 + row * row_height
        draw.text((10, top + 4), category[:44], fill="black", font=font)
        for position, (_name, values) in enumerate(series):
            value = values[row]
            y = top + position * (bar_height + 2)
            length = round(chart_width * value / largest)
            draw.rectangle(
                [label_width, y, label_width + max(length, 1), y + bar_height],
                fill=colours[position],
            )
            draw.text((label_width + length + 6, y - 3), str(value), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def chart_alt_text(title, categories, series):
    parts = [
        f"{category}: " + ", ".join(f"{name} {values[row]}" for name, values in series)
        for row, category in enumerate(categories)
    ]
    return f"Bar chart, {title}. " + "; ".join(parts) + ". The data are in the table below."


def report_charts(report):
    """The report's charts: (title, categories, series), each drawn from a table's figures."""
    if process_labels(report):
        return []
    label = report["period"]["label"]
    previous = report["previous_period"]
    before = previous["period"]["label"]
    reasons = list(report["referrals_by_reason"])
    decisions = list(report["decisions"])
    return [
        (
            "Referrals by reason",
            reasons,
            [
                (before, [previous["referrals_by_reason"].get(r, 0) for r in reasons]),
                (label, [report["referrals_by_reason"][r] for r in reasons]),
            ],
        ),
        (
            "Decisions",
            decisions,
            [
                (before, [previous["decisions"].get(d, 0) for d in decisions]),
                (label, [report["decisions"][d] for d in decisions]),
            ],
        ),
    ]


# --- Word and Excel -------------------------------------------------------------------------


def _add_table(document, headings, rows):
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = str(heading)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # Header rows repeat on each page and screen readers announce them as headings.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    return table


def _add_chart(document, title, categories, series):
    from docx.shared import Inches

    document.add_picture(io.BytesIO(bar_chart_png(title, categories, series)), width=Inches(6))
    picture = document.inline_shapes[-1]._inline
    picture.docPr.set("descr", chart_alt_text(title, categories, series))
    picture.docPr.set("title", title)


def report_docx(report, partnership_name="The partnership"):
    """The report as a Word document: sentences, then each table (charts beside their data)."""
    from docx import Document

    document = Document()
    kind = f"{report['process']}s" if "process" in report else "Case reviews"
    document.core_properties.title = (
        f"{partnership_name}: {kind.lower()} {report['period']['label']}"
    )
    document.add_heading(f"{kind} and learning, {report['period']['label']}", level=1)
    for sentence in report_sentences(report):
        document.add_paragraph(sentence)
    charts = {title: (categories, series) for title, categories, series in report_charts(report)}
    for title, headings, rows in report_tables(report):
        document.add_heading(title, level=2)
        if title in charts:
            _add_chart(document, title, *charts[title])
        if rows:
            _add_table(document, headings, rows)
        else:
            document.add_paragraph("None in this period.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_xlsx(report):
    """Every table of the report, one worksheet each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for title, headings, rows in report_tables(report):
        name = sheet_name(title)
        while name in used:
            name = name[: SHEET_NAME_LENGTH - 1] + "-"
        used.add(name)
        sheet = workbook.create_sheet(title=name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(safe_row(headings))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(safe_row(row))
        sheet.column_dimensions["A"].width = 50
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
