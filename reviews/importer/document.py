"""The document model: a review read as headings (with levels), paragraphs, list items (numbered,
lettered, Roman, bullets), notes (cross-references) and tables. Every reader's text comes through
`build_document`, so the recommendation finder sees one shape whatever the file was."""

import re
from collections import Counter
from dataclasses import dataclass, field

HEADING, PARAGRAPH, ITEM, NOTE, TABLE = "heading", "paragraph", "item", "note", "table"
FOOTNOTE = "footnote"  # a footnote printed in the flow of the text: never part of what it sits by

MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "Recommendation 3: text", "Recommendation 3" on its own line.
# Older reports number them in words: "Recommendation One", "Recommendation Twelve".
# Domestic homicide reviews say whom it is for in brackets after the number: "Recommendation 3
# (Local):", "Recommendation 1 (National)"; the bracket is part of the label, not the wording.
NUMBER_WORDS = {
    word: index
    for index, word in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split(),
        start=1,
    )
}
LABEL = re.compile(
    r"^(?:[-*•]\s+)?(?:\*\*)?(?:recommendation\s+(?:no\.?\s*)?|rec\.?\s*|r)"
    r"(?:(?P<marker>\d{1,3}(?:\.\d{1,2})*[a-z]?)"
    rf"|(?<=\s)(?P<word>{'|'.join(NUMBER_WORDS)})\b)"
    r"(?:\s*\((?P<scope>[A-Za-z][\w ,&'’-]{0,40})\))?"
    r"(?:\*\*)?(?:\s*(?:[:.)–—-]\s*(?P<text>\S.*)?|$)|\s+(?P<bare>(?-i:[A-Z]).*))",
    re.IGNORECASE,
)
DOTTED = re.compile(r"^(?P<marker>\d{1,3}(?:\.\d{1,3})+)\.?\s+(?P<text>\S.*)$")
DECIMAL = re.compile(
    r"^(?:[-*•]\s+)?(?P<marker>\d{1,3}[a-z]?)(?:[.)]|\s+[-–—]|:)\s+(?P<text>\S.*)$"
)
# "(1) The Board should …": a number in brackets reads as "1."
BRACKETED = re.compile(r"^\((?P<marker>\d{1,3}[a-z]?)\)\s+(?P<text>\S.*)$")
LETTER = re.compile(r"^(?:\((?P<a>[a-z])\)|(?P<b>[a-z])[.)])\s+(?P<text>\S.*)$")
ROMAN_NUMERALS = "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv".split()
ROMAN_NUMERAL = f"(?:{'|'.join(ROMAN_NUMERALS)})"
ROMAN = re.compile(rf"^(?:\((?P<a>{ROMAN_NUMERAL})\)|(?P<b>{ROMAN_NUMERAL})[.)])\s+(?P<text>\S.*)$")
# Bullets as Word and PDFs give them back: symbols, and Symbol/Wingdings glyphs in the private use
# area ("\uf0b7" is Word's round bullet, "\uf0d8" its arrow).
BULLET = re.compile(
    r"^(?:[-*–o]\s+|[•▪◦‣·●○■□►▶➢➤✓✔❖◆▫\uf0a7\uf0a8\uf076\uf0b7\uf0d8\uf0fc]\s*)(?P<text>\S.*)$"
)
# Capital letters and Roman numerals number recommendations in some reports ("A. The LSCB
# should …", "IV. Health should …"); a short title after one is a part heading instead.
CAPITAL = re.compile(
    rf"^(?:\((?P<a>[A-Z]|{ROMAN_NUMERAL.upper()})\)|(?P<b>[A-Z]|{ROMAN_NUMERAL.upper()})[.)])"
    r"\s+(?P<text>\S.*)$"
)
# Parts named by a capital letter or a Roman numeral: "Part A", "A. Leadership", "IV. Findings".
PART = re.compile(
    r"^(?:(?:part|chapter|section|appendix|annex)\s+(?:[A-Z]|[IVX]{1,5}|\d{1,2})\b[:.–—-]?\s*"
    r"|(?:[A-Z]|[IVX]{1,5})[.)]\s+)(?P<text>.*)$"
)
# Lines of a table of contents: a title and a page number after a tab or dot leaders.
CONTENTS_LINE = re.compile(r"^(?P<title>.*?\S)(?:\s*\.{3,}\s*|\t+|\s{3,})(?P<page>\d{1,4})$")
# A note that points elsewhere ("Cross reference to recommendations 1 and 4 on page 43").
CROSS_REFERENCE = re.compile(
    r"^\(?\s*(?:cross[- ]?ref(?:erence)?s?\b|see (?:also )?(?:recommendations?|paragraphs?|pages?|"
    r"sections?|chapters?)\b|(?:links? (?:to|with)|relates? to|also see) recommendations?\b)",
    re.IGNORECASE,
)
# A footnote set in the text as extracted: a superscript mark, then the note ("² Further progress
# had been made …").
FOOTNOTE_MARK = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*\S")
# A page number on a line of its own: "12", "Page 12", "Page 12 of 40", "- 12 -", "12/40", and
# Word's "12 | P a g e" footer as a PDF gives it back.
PAGE_FURNITURE = re.compile(
    r"^(?:page\s+\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}"
    r"(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*\|\s*p\s?a\s?g\s?e|p\s?a\s?g\s?e\s*\|\s*\d{1,4})$",
    re.IGNORECASE,
)
RUNNING_HEADER_REPEATS = 3
# A web page saved as text keeps its links for moving about the page: never part of the report.
WEB_FURNITURE = re.compile(
    r"^(?:skip to (?:main )?content|back to top|return to top|top of page|jump to navigation"
    r"|print this page|share this page)\W*$",
    re.IGNORECASE,
)
# Words that make a line a sentence (a recommendation, a finding) rather than a heading.
SENTENCE_WORDS = re.compile(
    r"\b(?:should|must|shall|will|would|could|need|needs|ensure|ensures|is|are|was|were|has|have|"
    r"had|be|been|to)\b",
    re.IGNORECASE,
)
GENERIC_RECOMMENDATIONS = re.compile(
    r"^(?:[\d.]+\s*|(?:chapter|part|section|appendix|annex)\s+\w+[:.–—-]?\s*)?"
    r"(?:summary of |list of |our |key |the |consolidated |full list of )?"
    r"(?:the review'?s? )?recommendations?(?: and actions?(?: plan)?| made| of the review)?$",
    re.IGNORECASE,
)


@dataclass
class Block:
    kind: str
    text: str = ""
    level: int = 0  # a heading's level; an item's depth
    marker: str = ""  # "4", "4.2", "a", "iv", "-" for bullets
    style: str = ""  # decimal, dotted, letter, roman, bullet, label (Recommendation N)
    rows: list = field(default_factory=list)
    line: int = 0


@dataclass
class Document:
    blocks: list
    title: str = ""
    contents: set = field(default_factory=set)  # normalised titles from the table of contents

    @property
    def headings(self):
        return [block for block in self.blocks if block.kind == HEADING]


# A word broken at a line's end after a hyphen: the hyphen stays after prefixes that keep it
# ("multi-agency").
KEPT_HYPHEN_PREFIX = re.compile(
    r"^(?:multi|inter|cross|non|self|well|pre|post|co|anti|semi|sub)$", re.IGNORECASE
)


def join_hyphen(before, after, vocabulary):
    """The two lines as one when `before` ends in a word broken with a hyphen, else None. The
    document's own words decide whether the hyphen belonged to the word."""
    broken = re.search(r"(\w+)[-\u2010]$", before)
    if broken is None or not after[:1].islower():
        return None
    head = broken.group(1)
    tail = re.match(r"[\w-]+", after)
    tail = tail.group() if tail else ""
    whole = (head + tail).lower()
    hyphenated = f"{head}-{tail}".lower()
    if whole in vocabulary or (
        hyphenated not in vocabulary
        and not KEPT_HYPHEN_PREFIX.match(head)
        and not head[-1:].isdigit()  # "7-minute", "24-hour"
    ):
        return before[:-1] + after
    return before[:-1] + "-" + after


def heading_key(text):
    """A heading's words without its number, for matching a restatement or a contents line."""
    text = re.sub(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[A-Z][.)]|[IVX]{1,5}[.)])\s+", "", text.strip())
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def looks_like_heading(text):
    """Short, unpunctuated, without a verb: a title rather than a sentence."""
    text = text.strip().rstrip("*_ ").strip()
    words = text.split()
    if not words or len(words) > 14 or len(text) > 120:
        return False
    if text[-1] in ".;,:!?" or SENTENCE_WORDS.search(text):
        return False
    significant = [word for word in words if len(word) > 3]
    capitalised = [word for word in significant if word[0].isupper() or not word[0].isalpha()]
    return len(words) <= 4 or not significant or len(capitalised) / len(significant) >= 0.5


def label_text(match):
    """The wording after a LABEL ("Recommendation 2: The Board …" or "Recommendation 2 The
    Board …"), or ""."""
    return (match.group("text") or match.group("bare") or "").strip()


def label_marker(match):
    """The number of a LABEL match, in figures ("Recommendation Three" → "3")."""
    word = match.group("word")
    return str(NUMBER_WORDS[word.lower()]) if word else match.group("marker")


def _match_marker(line):
    """(style, marker, text) for a list item line, or None."""
    match = LABEL.match(line)
    if match:
        return "label", label_marker(match), label_text(match)
    for style, pattern in (("dotted", DOTTED), ("decimal", DECIMAL), ("decimal", BRACKETED)):
        match = pattern.match(line)
        if match:
            return style, match.group("marker"), (match.group("text") or "").strip()
    match = ROMAN.match(line)
    if match:
        return "roman", match.group("a") or match.group("b"), match.group("text").strip()
    match = LETTER.match(line)
    if match:
        return "letter", match.group("a") or match.group("b"), match.group("text").strip()
    match = BULLET.match(line)
    if match:
        return "bullet", "-", match.group("text").strip()
    match = CAPITAL.match(line)
    if match and not looks_like_heading(match.group("text")):
        return "capital", match.group("a") or match.group("b"), match.group("text").strip()
    return None


def _next_capital(previous, marker):
    """Whether a capital marker carries on from the one before ("A" → "B", "IV" → "V")."""
    previous, marker = previous.lower(), marker.lower()
    if previous in ROMAN_NUMERALS and marker in ROMAN_NUMERALS:
        return ROMAN_NUMERALS.index(marker) == ROMAN_NUMERALS.index(previous) + 1
    return len(previous) == len(marker) == 1 and ord(marker) == ord(previous) + 1


def starts_list_item(line):
    """Whether a line opens a numbered, lettered, labelled or bulleted item."""
    return _match_marker(line.strip()) is not None


def _plain_heading(text, previous_blank, next_blank, list_follows=False):
    """Plain text has no heading marks: a short, unpunctuated line standing alone is one, and so
    is a title set straight above a list ("RECOMMENDATIONS" then "1. The LSCB should …") or one
    ending in a colon ("Recommendations:")."""
    if not text or "\t" in text or not previous_blank:
        return False
    titled = looks_like_heading(text.removesuffix(":"))
    if not (next_blank or (list_follows and titled)):
        return False
    if text.endswith(":") and titled and len(text) > 1:
        text = text[:-1]
    if len(text) > 180 or len(text.split()) > 28 or text[-1] in ".:;,!?)":
        return False
    if re.search(r"[.!?]\s+[A-Z]", text) or not (text[0].isupper() or text[0].isdigit()):
        return False
    return _match_marker(text) is None or bool(PART.match(text))


def _running_headers(lines):
    """Lines that text taken from a PDF repeats beside its page numbers: the report's running
    header or footer ("Child T – LCSPR – FINAL"), which would otherwise read as a heading and cut
    an item carried over a page break in two."""
    near_page_number = Counter()
    seen = Counter()
    stripped = [line.strip() for line in lines]
    pages = [index for index, line in enumerate(stripped) if PAGE_FURNITURE.match(line)]
    if len(pages) < RUNNING_HEADER_REPEATS:
        return set()
    for line in stripped:
        if line:
            seen[line] += 1
    for index in pages:
        nearby = set()
        for step in (-1, 1):
            position, found = index + step, 0
            while 0 <= position < len(stripped) and found < 2:
                if stripped[position]:
                    nearby.add(stripped[position])
                    found += 1
                position += step
        near_page_number.update(nearby)
    return {
        line
        for line, count in near_page_number.items()
        if count >= RUNNING_HEADER_REPEATS
        and count * 3 >= seen[line] * 2
        and not PAGE_FURNITURE.match(line)
        and _match_marker(line) is None
    }


def _clean(line):
    return line.replace("**", "").replace("__", "").rstrip()


def _numbered_heading_level(marker):
    return marker.count(".") + 1 if marker else 1


def build_document(source):
    """The blocks of a SourceText (see readers)."""
    return _Builder(source).build()


class _Builder:
    def __init__(self, source):
        self.source = source
        self.blocks = []
        self.contents = set()
        self.open = None  # the block that the next plain line continues
        self.gap = False
        self.table_rows = []
        self.list_follows = False  # the line after the one being read starts a list item
        # The document's own words, to tell "safe-" + "guarding" from "multi-" + "agency" where
        # a text saved from a PDF keeps the printed line breaks.
        self.vocabulary = {word.lower() for word in re.findall(r"[\w-]+", source.text)}

    def build(self):
        lines = [_clean(line.replace("\u00ad", "")) for line in self.source.text.split("\n")]
        lines = ["" if WEB_FURNITURE.match(line.strip()) else line for line in lines]
        running = _running_headers(lines)
        self.page_numbers = [
            i for i, line in enumerate(lines) if PAGE_FURNITURE.match(line.strip())
        ]
        for index, raw in enumerate(lines):
            if raw.strip() in running:
                continue
            previous_blank = index == 0 or not lines[index - 1].strip()
            next_blank = index + 1 >= len(lines) or not lines[index + 1].strip()
            self.list_follows = not next_blank and starts_list_item(lines[index + 1])
            self.feed(raw, index, previous_blank, next_blank)
        self.end_table()
        title = self.source.title
        if WEB_FURNITURE.match(title.strip()):
            # "Skip to main content" is the first line of a saved web page, not its title.
            title = next((block.text for block in self.blocks if block.kind == HEADING), "")
        return Document(blocks=self.blocks, title=title, contents=self.contents)

    def add(self, block, continues=True):
        self.blocks.append(block)
        self.open = block if continues else None
        self.gap = False

    def feed(self, raw, index, previous_blank, next_blank):
        line = raw.strip()
        if not line:
            self.end_table()
            self.gap = True
            if self.open is not None and self.open.kind == PARAGRAPH:
                self.open = None
            return
        if PAGE_FURNITURE.match(line):
            return  # a page number left in text taken from a PDF: it may split an item
        if self.table(raw, line, index):
            return
        self.end_table()
        # (Only short lines can be contents lines: the pattern backtracks on long ones.)
        contents = len(raw) <= 200 and CONTENTS_LINE.match(raw.replace("\u2026", "..."))
        if contents and not raw.lstrip().startswith("#"):
            self.contents.add(heading_key(contents.group("title")))
            self.open = None
            return
        heading = MARKDOWN_HEADING.match(line) if self.source.explicit_headings else None
        if heading:
            self.add(Block(HEADING, heading.group(2).strip(), level=len(heading.group(1)),
                           line=index), continues=False)  # fmt: skip
            return
        indent = len(raw) - len(raw.lstrip(" \t"))
        if CROSS_REFERENCE.match(line):
            self.add(Block(NOTE, line, line=index), continues=True)
            return
        if previous_blank and FOOTNOTE_MARK.match(line):
            self.add(Block(FOOTNOTE, line, line=index), continues=True)
            return
        found = _match_marker(line)
        if found and found[0] == "capital" and not previous_blank:
            # "J. Smith …" inside a wrapped paragraph is not an item: a lettered one starts a block.
            open_block = self.open
            if not (
                open_block
                and open_block.kind == ITEM
                and open_block.style == "capital"
                and _next_capital(open_block.marker, found[1])
            ):
                found = None
        if found:
            style, marker, text = found
            if self.is_numbered_heading(style, marker, text, line, previous_blank, next_blank):
                level = _numbered_heading_level(marker) if style in ("decimal", "dotted") else 1
                self.add(Block(HEADING, line, level=level, marker=marker, style="numbered",
                               line=index), continues=False)  # fmt: skip
                return
            depth = indent // 2 if indent else 0
            self.add(Block(ITEM, text, level=depth, marker=marker, style=style, line=index))
            return
        if not self.source.explicit_headings and _plain_heading(
            line, previous_blank, next_blank, self.list_follows
        ):
            part = PART.match(line)
            self.add(Block(HEADING, line, level=1, style="part" if part else "plain",
                           line=index), continues=False)  # fmt: skip
            return
        if self.source.explicit_headings and PART.match(line) and previous_blank and next_blank:
            if looks_like_heading(PART.match(line).group("text") or line):
                self.add(Block(HEADING, line, level=6, style="part", line=index), continues=False)
                return
        cut = self.cut_by_page_break(line, index)
        if cut is not None:
            cut.text = join_hyphen(cut.text, line, self.vocabulary) or f"{cut.text} {line}"
            self.open, self.gap = cut, False
            return
        open_block = self.open
        if open_block is not None and open_block.kind in (ITEM, PARAGRAPH, NOTE, FOOTNOTE):
            lower = line[0].islower()
            if not self.gap or (open_block.kind == ITEM and (lower or indent >= 2)):
                titled = (
                    open_block.kind == ITEM
                    and open_block.style == "label"
                    and "\n" not in open_block.text
                    and looks_like_heading(open_block.text)
                    and line[0].isupper()
                )
                # "Recommendation 2: Voice of the child" then its wording on the next line.
                joiner = "\n" if titled else " "
                joined = None if titled else join_hyphen(open_block.text, line, self.vocabulary)
                open_block.text = joined or f"{open_block.text}{joiner}{line}".strip()
                self.gap = False
                return
        self.add(Block(PARAGRAPH, line, line=index))

    def cut_by_page_break(self, line, index):
        """The item a page break cut mid-sentence, when `line` (lower case, just after a page
        number) is the rest of it and the page's header or footer stands between them as a line
        or two of its own. A report's header repeated on every page is known by its repeats
        (`_running_headers`); one seen once is known by where it stands: no heading or paragraph
        of the report's own comes between a sentence and its end."""
        if not line[0].islower() or not any(0 < index - page <= 4 for page in self.page_numbers):
            return None
        between = 0
        for block in reversed(self.blocks):
            if block.kind == ITEM:
                break
            near_page = any(abs(block.line - page) <= 4 for page in self.page_numbers)
            if block.kind not in (HEADING, PARAGRAPH) or not near_page or between == 2:
                return None
            between += 1
        else:
            return None
        if not between or block.text.rstrip()[-1:] in ".!?;:":
            return None
        del self.blocks[-between:]
        return block

    def is_numbered_heading(self, style, marker, text, line, previous_blank, next_blank):
        if style in ("label", "bullet", "roman", "letter"):
            return False
        if not looks_like_heading(text):
            return False
        if heading_key(line) in self.contents:
            return True
        standing_alone = previous_blank and next_blank
        if style == "dotted":
            return standing_alone
        # A numbered line that runs straight on into more text is an item's first line, however
        # much it looks like a title ("2. Children's Social Care, Northshire Police, The").
        return standing_alone or (self.source.explicit_headings and next_blank)

    def table(self, raw, line, index):
        """Markdown "| a | b |" rows, or tab-separated rows as text extracted from PDFs gives."""
        # (One cell is a boxed paragraph: Word reports put a recommendation in a box.)
        if line.startswith("|") and line.endswith("|") and len(line) > 2 and line.count("|") >= 2:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
        elif "\t" in raw.strip() and len([c for c in raw.split("\t") if c.strip()]) >= 2:
            if len(raw) <= 200 and CONTENTS_LINE.match(raw):
                return False
            cells = [cell.strip() for cell in raw.strip().split("\t")]
        else:
            return False
        if all(re.fullmatch(r":?-{2,}:?|", cell) for cell in cells):
            return True  # the line under a Markdown table's header
        self.table_rows.append(cells)
        self.table_line = getattr(self, "table_line", index) if len(self.table_rows) > 1 else index
        self.open = None
        return True

    def end_table(self):
        if self.table_rows:
            self.blocks.append(Block(TABLE, rows=self.table_rows, line=self.table_line))
            self.table_rows = []
            self.open = None
