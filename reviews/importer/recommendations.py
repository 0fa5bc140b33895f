"""Find a review's recommendations in its document model by what they are: numbered items under a
recommendations heading (or introduced as recommendations), rows of an action-plan table, with their
sub-items and cross-reference notes, the section they sit under, and one copy of each when the
report states them twice (at a chapter's end and in a final list)."""

import datetime
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from .document import (
    FOOTNOTE,
    GENERIC_RECOMMENDATIONS,
    HEADING,
    ITEM,
    LABEL,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    build_document,
    heading_key,
    label_marker,
    label_text,
    looks_like_heading,
)

RECOMMEND = re.compile(r"recommend", re.IGNORECASE)
# A paragraph labelled as something other than a recommendation ("Finding 2.", "Learning point
# 3:"): the start of a block of its own, never the body of the recommendation before it.
OTHER_LABEL = re.compile(r"^(?!recommendation)[A-Z][a-z]+(?: [a-z]+){0,2} \d{1,3}[.:)]\s")
# "Recommendation" standing alone as a heading, its wording below it.
BARE_LABEL = re.compile(r"^recommendation\s*:?$", re.IGNORECASE)
# Recommendations the report reports others making, not its own: "Recommendations proposed by
# core participants", "The family suggested that the review recommend:".
PROPOSED_BY_OTHERS = re.compile(
    r"\b(?:proposed|suggested|submitted|put forward|called for|sought)\s+by\b"
    r"|\bcore participants?\b",
    re.IGNORECASE,
)
# Numbered lists that are not recommendations, named in their heading or in the sentence that
# introduces them: "Options", "the following steps:", "some helpful starting points:".
NOT_RECOMMENDATIONS = (
    r"options?|principles?|starting points?|steps|objectives?|aims?|questions?(?: for reflection)?"
    r"|terms of reference|strengths?|key lines of enquiry|findings?|lessons?(?: learn(?:ed|t))?"
    r"|methodology|scope|areas? for (?:further )?(?:consideration|reflection)|issues?|themes?"
    r"|good practice|what (?:went|worked) well|chronology|key events|contributors?|glossary"
)
INTRODUCES_OTHER_LIST = re.compile(
    rf"(?:following|these|those|some|the|five|four|three|two|six|seven|eight|\d+)\s+"
    rf"(?:[\w'-]+\s+){{0,2}}(?:{NOT_RECOMMENDATIONS})\b[^.]*:?\s*$"
    rf"|\b(?:{NOT_RECOMMENDATIONS})\s*:\s*$",
    re.IGNORECASE,
)
OTHER_HEADING = re.compile(
    rf"^(?:[\d.]+\s*|(?:part|chapter|section|appendix|annex)\s+\w+[:.–—-]?\s*)?"
    rf"(?:the |key |our |main )?(?:{NOT_RECOMMENDATIONS})(?: (?:of|for) the (?:review|panel))?$",
    re.IGNORECASE,
)
# A list of what has been done already ("Since the review the service has achieved:"), not
# of what should be done.
REPORTS_WHAT_WAS_DONE = re.compile(
    r"\b(?:has|have|had)\s+(?:already\s+)?(?:achieved|delivered|completed|put in place)\b"
    r"|\bachievements?\b|\bprogress (?:made|so far)\b",
    re.IGNORECASE,
)
# Headings under which a list of "… should …" items is the review's recommendations in all but name.
ASKS_FOR_CHANGE = re.compile(
    r"areas? (?:for|of) (?:improvement|development|priority action)|improvement actions?"
    r"|actions? (?:for|required|needed)|what (?:needs|has|have) to (?:change|happen)"
    r"|what should (?:change|happen)|priorities for (?:action|improvement)",
    re.IGNORECASE,
)
# Headings that start a part of a report rather than a group of recommendations.
REPORT_PART = re.compile(
    r"\b(?:conclusions?|glossary|appendix|annex|references|bibliography|acknowledge?ments?"
    r"|contributors|next steps|decision|background|introduction|methodology|terms of reference"
    r"|chronology|analysis|findings?|summary|contents|distribution|panel|author|signed)\b",
    re.IGNORECASE,
)
# "Summary of recommendations" heads a final chapter; a bare "Recommendations" closes a chapter.
FINAL_LIST_HEADING = re.compile(
    r"summary|list of|consolidated|full|all recommendations|appendix|annex", re.IGNORECASE
)
# Words by which a recommendation asks something of someone.
DIRECTIVE = re.compile(
    r"\b(?:should|must|shall|will|ensure|ensures|need|needs|recommend\w*|to|is asked|are asked)\b",
    re.IGNORECASE,
)
# Verbs a short recommendation is made of ("Refresh neglect training", "Police share notes").
ACTION_VERBS = set(
    """agree audit build check clarify commission consider create deliver develop embed ensure
    establish evaluate explore extend identify implement improve include increase introduce make
    monitor offer produce promote provide publish raise record reduce refresh remind review run
    seek set share strengthen support take train undertake update use""".split()
)
# An executive summary or introduction restates recommendations but is not their subject.
OVERVIEW_HEADING = re.compile(r"summary|introduction|overview|foreword|conclusion", re.IGNORECASE)
# A numbered paragraph that introduces the list rather than recommending anything.
SELF_REFERENCE = re.compile(
    r"^(?:this|the following|in this|these|below)\b[^.]{0,60}\b(?:chapter|section|part|report|"
    r"review|recommendations?)\b[^.]{0,80}\b(?:sets? out|lists?|brings? together|summari[sz]es|"
    r"contains?|follows?|are|is)\b",
    re.IGNORECASE,
)
# A paragraph that asks someone to do something: "The Partnership should …", "Health partners are
# asked to …", "The review recommends that …" (not "should have", which looks back).
ASKS_IN_PROSE = re.compile(
    r"^[A-Z](?:\S*\s+){0,12}?(?:should|must|is asked to|are asked to|needs? to|recommends? that)"
    r"\b(?!\s+(?:not\s+)?have\b)"
)
INTRODUCES_LIST = re.compile(
    r"\b(?:that|following|below|above|as follows|makes?|made|include[sd]?|including|should|must"
    r"|will|would|could|is|are|was|were|has|have|had|be|been|we|our|recommend(?:s|ed)?|proposes?"
    r"|asks?|agreed|identified|found|concluded)\b",
    re.IGNORECASE,
)
CARRIES_ON = re.compile(r"^(?:this|these|it|they|such|in particular|for example|including)\b",
                        re.IGNORECASE)  # fmt: skip
SAME_NUMBER_SIMILARITY = 0.3
RENUMBERED_SIMILARITY = 0.85
MOVED_SIMILARITY = 0.97
MAX_WORDING_CANDIDATES = 600
# Below this confidence a found item is a *possible* recommendation: shown unticked with its reason,
# imported only when an editor ticks it. Chosen on the development set (see import_review
# --evaluate): every rule that is right there scores above it, prose read as a last resort and
# items that ask nothing of anyone score below.
POSSIBLE_BELOW = 0.6
# How sure each rule is that what it found is a recommendation, before the item's own wording.
CONFIDENCE = {
    "label": 0.95,  # "Recommendation 3: …"
    "table": 0.9,  # a row of a table whose column is headed "Recommendation"
    "introduced": 0.85,  # a list introduced by "… recommends:"
    "heading": 0.85,  # a numbered list under a recommendations heading
    "change": 0.7,  # "Areas for improvement" with items that ask for action
    "prose": 0.6,  # paragraphs that say who should do what, under a recommendations heading
}
# An item whose wording asks nothing of anyone is less likely to be a recommendation.
NO_ASK_PENALTY = 0.3
# A recommendation the report states twice (in its chapter and its final list) is surer.
RESTATED_BONUS = 0.05
# Action-plan tables: which column holds what.
TABLE_COLUMNS = {
    "number": re.compile(
        r"^(?:no\.?|number|ref(?:erence)?\.?|#|rec\.?|rec(?:ommendation)?\.? ?(?:no|number|ref)\.?)$",
        re.I,
    ),
    # "Recommendation", "Single agency recommendation", "Finding and recommendation".
    "recommendation": re.compile(
        r"^(?:(?:the|multi[- ]agency|single[- ]agency|agency|partnership|review|local|national"
        r"|findings?|learning)\s*(?:and|/|&)?\s*)*recommendations?"
        r"(?:\s*(?:and|/|&)\s*(?:learning|findings?|rationale))?(?: (?:made|text|of the review))?$",
        re.I,
    ),
    "action": re.compile(r"action|what will|how will|response|what", re.I),
    "agency": re.compile(r"lead|agency|agencies|owner|responsib|who", re.I),
    "due": re.compile(r"due|date|timescale|by when|deadline|target|complet|when", re.I),
    "rag": re.compile(r"^(?:rag|rag rating|rag status|status|progress)$", re.I),
}
MONTHS = {
    name: index
    for index, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip


@dataclass
class FoundRecommendation:
    number: str
    text: str
    section: str = ""
    position: int = 0
    themes: list = field(default_factory=list)
    agencies: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # cross-references that sat beside it
    lead: str = ""  # an action plan's "lead agency" cell, read for agency suggestions
    proposed_action: str = ""
    due_date: datetime.date | None = None
    reason: str = ""  # why it was taken, in words the editor can check against the document
    confidence: float = 1.0  # 0–1, from the rule that took it and its wording

    @property
    def possible(self):
        """Too doubtful to import unless an editor ticks it."""
        return self.confidence < POSSIBLE_BELOW


@dataclass
class Reading:
    """What the finder read: the recommendations, warnings for the editor, and the structure it
    found (sections with their recommendation numbers, lists it skipped and why)."""

    recommendations: list
    warnings: list
    sections: list = field(default_factory=list)  # [{"section", "numbers", "source"}]
    skipped: list = field(default_factory=list)  # ["3 numbered items under “Options” …"]
    headings: int = 0
    title: str = ""  # the document's title as its structure gives it


@dataclass
class _Item:
    number: str
    text: str
    subs: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    style: str = "decimal"
    lead: str = ""
    proposed_action: str = ""
    due_date: datetime.date | None = None
    from_heading: bool = False

    @property
    def full_text(self):
        return "\n".join([self.text, *self.subs]).strip()


@dataclass
class _List:
    items: list
    lead_in: str
    headings: list  # [(level, text)] outermost first
    position: int
    document_title: str = ""
    from_table: bool = False
    labelled: bool = False  # "Recommendation 3: …" says what it is
    prose: bool = False  # unnumbered paragraphs, read only when the document has no list

    @property
    def is_recommendations(self):
        return self.decision is not None

    @property
    def decision(self):
        """(reason, confidence) when the list is a review's recommendations, else None."""
        lead = self.lead_in.strip()
        last = _last_sentence(lead)
        nearest = self.headings[-1][1] if self.headings else ""
        if lead.endswith(":") and (
            INTRODUCES_OTHER_LIST.search(last) or REPORTS_WHAT_WAS_DONE.search(last)
        ):
            return None
        if PROPOSED_BY_OTHERS.search(last) or any(
            RECOMMEND.search(text) and PROPOSED_BY_OTHERS.search(text) for _, text in self.headings
        ):
            return None
        if self.labelled:
            return "labelled “Recommendation N”", CONFIDENCE["label"]
        if self.from_table:
            return "a row of a recommendations table", CONFIDENCE["table"]
        if self.terse:
            return None
        if lead.endswith(":") and RECOMMEND.search(last):
            return f"introduced as “{last[:80]}”", CONFIDENCE["introduced"]
        if OTHER_HEADING.match(nearest.strip()):
            return None
        if any(RECOMMEND.search(text) for _, text in self.headings):
            heading = next(text for _, text in reversed(self.headings) if RECOMMEND.search(text))
            if self.prose:
                return (
                    f"a paragraph under “{heading[:80]}” that says who should act",
                    CONFIDENCE["prose"],
                )
            kind = "bulleted" if self.items[0].style == "bullet" else "numbered"
            return f"{kind} under “{heading[:80]}”", CONFIDENCE["heading"]
        # "Areas for improvement", "What needs to change": recommendations by another name, when
        # the items themselves ask someone to act.
        asking = [item for item in self.items if ASKS_IN_PROSE.search(item.text)]
        if ASKS_FOR_CHANGE.search(nearest) and len(asking) * 2 > len(self.items):
            return f"listed under “{nearest[:80]}”, asking for action", CONFIDENCE["change"]
        return None

    @property
    def terse(self):
        """Most items are short phrases that ask nothing of anyone ("Information exchange"):
        themes or topics listed, not recommendations."""
        short = [
            item
            for item in self.items
            if len(item.text.split()) <= 8
            and not DIRECTIVE.search(item.full_text)
            and not _asks(item.text)
        ]
        return len(short) >= max(2, 0.75 * len(self.items))

    @property
    def why_not(self):
        nearest = self.headings[-1][1] if self.headings else "the start"
        if PROPOSED_BY_OTHERS.search(_last_sentence(self.lead_in)) or any(
            RECOMMEND.search(text) and PROPOSED_BY_OTHERS.search(text) for _, text in self.headings
        ):
            return f"under “{nearest}”: proposed by others, not the review's own"
        if self.terse and not (self.labelled or self.from_table):
            return f"under “{nearest}”: short phrases that ask nothing of anyone"
        lead = _last_sentence(self.lead_in.strip())
        if lead.endswith(":") and (
            INTRODUCES_OTHER_LIST.search(lead) or REPORTS_WHAT_WAS_DONE.search(lead)
        ):
            return f"introduced as “{lead[:80]}”"
        if OTHER_HEADING.match(nearest.strip()):
            return f"under “{nearest}”"
        return f"under “{nearest}”, not a recommendations heading"

    @property
    def section(self):
        texts = [text for _, text in self.headings]
        if len(texts) > 1:
            # The document's own title heads every section and tells the editor nothing.
            texts = [text for text in texts if text != self.document_title] or texts
        for text in reversed(texts):
            if not GENERIC_RECOMMENDATIONS.match(text.strip()):
                return text
        return texts[-1] if texts else ""


def _last_sentence(text):
    """The sentence that introduces a list (its last 300 characters: enough to read, and the
    patterns applied to it stay fast whatever the document holds)."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text[-2000:])
    return parts[-1][-300:]


def _names_a_group(text):
    """A short line that names whom the list after it is for ("For the Police:", "Health
    partners"), not one that introduces it ("The review recommends that:")."""
    name = text.strip().rstrip(":").strip()
    words = name.split()
    if not words or len(words) > 8 or name[-1] in ".;,!?" or INTRODUCES_LIST.search(name):
        return False
    return text.strip().endswith(":") or looks_like_heading(name)


def _first_sentence(text):
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]


def _roman(number):
    numerals = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def _asks(text):
    """Whether a short item asks for something: it uses one of the usual verbs."""
    words = re.findall(r"[a-z]+", text.lower())
    return any(
        word in ACTION_VERBS
        or word.removesuffix("s") in ACTION_VERBS
        or word.removesuffix("es") in ACTION_VERBS  # "publishes"
        for word in words
    )


def _heading_number(text):
    """The chapter number a heading starts with ("12. Summary…" → 12), or None."""
    match = re.match(r"^(?:chapter|section|part)?\s*(\d{1,3})\b", text.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def _integer(number):
    match = re.match(r"\d+", number)
    return int(match.group()) if match else None


def _follows(previous, number):
    """Whether `number` carries on a list whose last item was `previous` (3 → 4, 3 → 3a, b → c)."""
    romans = [_roman(n) for n in range(1, 16)]
    if previous.isupper() and number.isupper():
        previous, number = previous.lower(), number.lower()  # "A." → "B.", "IV." → "V."
    if previous in romans and number in romans:
        return romans.index(number) == romans.index(previous) + 1
    if re.fullmatch(r"[a-z]", previous) and re.fullmatch(r"[a-z]", number):
        return ord(number) == ord(previous) + 1
    if "." in previous and "." in number:
        head_p, _, tail_p = previous.rpartition(".")
        head_n, _, tail_n = number.rpartition(".")
        return (
            head_p == head_n
            and tail_n.isdigit()
            and tail_p.isdigit()
            and (int(tail_n) == int(tail_p) + 1)
        )
    before, after = _integer(previous), _integer(number)
    if before is None or after is None or "." in number or "." in previous:
        return False
    return after == before + 1 or (after == before and number != previous)


STYLE_RANK = {"label": 0, "decimal": 0, "dotted": 0, "capital": 0, "letter": 1, "roman": 2,
              "bullet": 3}  # fmt: skip


def _sub_line(block):
    if block.style == "bullet":
        return f"- {block.text}"
    if block.style in ("letter", "roman"):
        return f"({block.marker}) {block.text}"
    if block.style == "dotted":
        return f"{block.marker} {block.text}"
    return f"{block.marker}. {block.text}"


class _Finder:
    def __init__(self, document):
        self.document = document
        self.blocks = document.blocks
        self.stack = []  # (level, text, key)
        self.seen_headings = []  # keys of headings met so far
        self.region = None  # level of the recommendations heading we are under, if any
        self.region_text = ""  # its text
        self.lists = []
        self.current = None
        self.last_paragraph = ""
        self.last_explicit = 0
        self.last_table = None  # (columns, width) of the last recommendations table
        self.last_numbered = 0
        self.unnumbered = []  # paragraphs under a recommendations heading that each ask something
        self.unnumbered_start = (0, "")  # the first one's line, and the paragraph before it
        self.held = []  # lists of those paragraphs, until the recommendations section ends
        self.region_lists = 0  # len(self.lists) when the recommendations section began
        self.bare_labels = 0  # "Recommendation" headings without a number, so far
        self.paragraph_numbering = None  # (style, marker) of a numbered paragraph, not an item
        self.label_heading = None  # depth of a "Learning identified:" heading over one list

    def run(self):
        for index, block in enumerate(self.blocks):
            if block.kind == FOOTNOTE:
                continue  # printed where the page ended, it interrupts nothing
            if block.kind == HEADING:
                self.heading(block, index)
            elif block.kind == ITEM and self.is_heading_item(block, index):
                self.heading(
                    Block(HEADING, f"{block.marker}. {block.text}", level=block.marker.count(".")
                          + 1, marker=block.marker, style="numbered", line=block.line)
                )  # fmt: skip
            elif block.kind == ITEM:
                self.item(block)
            elif block.kind == NOTE:
                self.note(block)
            elif block.kind == TABLE:
                if not self.labelled_table(block):
                    self.end_list()
                    self.table(block)
            elif block.kind == PARAGRAPH:
                self.paragraph(block, index)
        self.end_list()
        self.end_unnumbered()
        self.release_unnumbered()
        return self.lists

    # Headings --------------------------------------------------------------------------------

    def heading_level(self, block):
        if block.style == "numbered":
            depth = block.level
            if self.last_explicit:
                return min(self.last_explicit + depth, 6)
            self.last_numbered = depth
            return depth
        if block.style == "plain":
            generic = GENERIC_RECOMMENDATIONS.match(block.text)
            if generic and self.last_numbered and not FINAL_LIST_HEADING.search(block.text):
                return self.last_numbered + 1  # "Recommendations" closing a numbered chapter
            return 1
        if block.style == "part":
            return 1 if not self.last_explicit else block.level
        self.last_explicit = block.level
        return block.level

    def heading(self, block, index=None):
        label = LABEL.match(block.text)
        if label and block.style != "numbered":
            # "### Recommendation 2: Voice of the child", then its wording as paragraphs.
            text = label_text(label)
            self.item(Block(ITEM, text, marker=label_marker(label), style="label",
                            line=block.line))  # fmt: skip
            self.current.items[-1].from_heading = True
            return
        if BARE_LABEL.match(block.text.strip()):
            # A theme's heading, then "Recommendation" and its wording: the theme is the
            # section, and the recommendation is numbered by its place in the document.
            self.end_list()
            self.bare_labels += 1
            self.item(Block(ITEM, "", marker=str(self.bare_labels), style="label",
                            line=block.line))  # fmt: skip
            self.current.items[-1].from_heading = True
            return
        self.end_list()
        self.end_unnumbered()
        self.last_table = None
        level = self.heading_level(block) if block.style != "group" else None
        if block.style == "group" or self.is_group_heading(block, index):
            # "Northshire Police" then its list, under "Single agency recommendations": plain
            # text gives every heading one level, so the list's place says it is a group.
            level = self.region + 1
        key = heading_key(block.text)
        if self.region is not None and level <= self.region:
            restated = key and key in self.seen_headings
            # "3. Information sharing" after "12. Summary of recommendations" goes back to an
            # earlier chapter's number: a group inside the final list.
            number, region_number = _heading_number(block.text), _heading_number(self.region_text)
            earlier_number = (
                number is not None and region_number is not None and (number < region_number)
            )
            if (
                (restated or earlier_number)
                and level == self.region
                and not RECOMMEND.search(block.text)
            ):
                # A final list grouped under the chapters' names: those are its sub-headings.
                # (A heading above the recommendations' own level is the next chapter whatever
                # its name: a chapter's closing "Recommendations" holds no chapters.)
                level = self.region + 1
            else:
                self.region = None
                self.release_unnumbered()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        # "For the Police:" names the group that follows; the colon is not part of its name.
        self.stack.append((level, block.text.rstrip(": ") or block.text))
        self.label_heading = (
            (len(self.stack) - 1, len(self.lists))
            if block.style == "plain" and block.text.rstrip().endswith(":")
            else None
        )
        self.seen_headings.append(key)
        if RECOMMEND.search(block.text) and self.region is None:
            self.region = level
            self.region_text = block.text
            self.region_lists = len(self.lists)
        self.last_paragraph = ""

    def is_group_heading(self, block, index):
        """A plain-text heading inside a recommendations section that names a group (an agency,
        a theme) and is followed at once by its list, rather than starting the next part."""
        if block.style != "plain" or self.region is None or index is None:
            return False
        if RECOMMEND.search(block.text) or REPORT_PART.search(block.text):
            return False
        following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
        return following is not None and following.kind == ITEM

    # Items -----------------------------------------------------------------------------------

    def is_heading_item(self, block, index):
        """A numbered title directly followed by items numbered otherwise ("4. Child Protection
        Conferences" then "13. The Board should…"): a heading in a final list, not an item."""
        if block.style not in ("decimal", "dotted") or block.level > 0:
            return False
        if not looks_like_heading(block.text):
            return False
        following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
        if following is None or following.kind != ITEM or following.style != block.style:
            return False
        return not _follows(block.marker, following.marker)

    def item(self, block):
        numbering = self.paragraph_numbering
        if numbering and block.style == numbering[0] and _follows(numbering[1], block.marker):
            self.paragraph_numbering = None
            if self.current is not None:
                # "9.2 The partnership will monitor …" after the list "9.1" introduced: the
                # report's paragraph numbering goes on, the list has ended.
                self.end_list()
                self.last_paragraph = block.text
                return
        if self.introduces_a_list(block):
            # "9.1 The panel makes the following recommendations:" introduces; it asks nothing.
            self.end_list()
            self.paragraph_numbering = (block.style, block.marker)
            self.last_paragraph = block.text
            return
        current = self.current
        top_styles = ("decimal", "dotted", "label")
        if current is not None:
            last = current.items[-1]
            if last.style == "label" and block.style != "label":
                # Whatever list follows "Recommendation 2: …" (bullets, Word numbering) is its
                # own, until the next recommendation or heading.
                last.subs.append(_sub_line(block))
                return
            if last.full_text.endswith(":") and not (
                block.style == last.style and _follows(last.number, block.marker)
            ):
                # "… including:" then a list numbered afresh: the item's own list.
                last.subs.append(_sub_line(block))
                return
            if (
                block.style == "roman"
                and last.style == "letter"
                and _follows(last.number, block.marker)
            ):
                block.style = "letter"  # "(i)" after "(h)" is a letter
            if STYLE_RANK[block.style] > STYLE_RANK[current.items[0].style]:
                # (a), i. and bullets under a numbered item; i. and bullets under (a) …
                last.subs.append(_sub_line(block))
                return
            if block.style in ("letter", "roman", "bullet") and block.level > 0:
                last.subs.append(_sub_line(block))
                return
            if (
                block.style == "dotted"
                and block.marker.split(".")[0] == last.number
                and ("." not in last.number)
            ):
                last.subs.append(_sub_line(block))
                return
            if block.style == "decimal" and block.level > 0 and last.style in top_styles:
                last.subs.append(_sub_line(block))
                return
            if block.style == "bullet" and last.style == "bullet" and block.level == 0:
                current.items.append(self.new_item(block))
                return
            if block.style == last.style and _follows(last.number, block.marker):
                current.items.append(self.new_item(block))
                return
        self.end_list()
        self.current = _List(
            items=[self.new_item(block)],
            lead_in=self.last_paragraph,
            headings=[(level, text) for level, text in self.stack],
            position=block.line,
            document_title=self.document.title,
            labelled=block.style == "label",
        )

    def introduces_a_list(self, block):
        """A numbered paragraph that only introduces the list after it: it ends in a colon,
        names recommendations and asks nothing of anyone itself."""
        text = block.text.strip()
        return (
            block.style in ("decimal", "dotted")
            and text.endswith(":")
            and bool(RECOMMEND.search(text))
            and not ASKS_IN_PROSE.search(text)
            and not re.search(r"\b(?:should|must)\b", text, re.IGNORECASE)
        )

    def new_item(self, block):
        return _Item(number=block.marker, text=block.text, style=block.style)

    def note(self, block):
        target = self.current or (self.lists[-1] if self.lists else None)
        if target is not None and (self.current or self.last_paragraph == ""):
            target.items[-1].notes.append(block.text)

    def paragraph(self, block, index):
        following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
        if (
            self.region is not None
            and following is not None
            and following.kind == ITEM
            and _names_a_group(block.text)
        ):
            # "For the Police:" in the paragraph style, then the Police's list: a group heading.
            self.heading(Block(HEADING, block.text, style="group", line=block.line))
            return
        if self.current is not None and OTHER_LABEL.match(block.text):
            # "Finding 2." between recommendations 1 and 2 belongs to neither.
            self.end_list()
            self.last_paragraph = block.text
            return
        current = self.current
        if current is not None:
            last = current.items[-1]
            if not last.text:
                last.text = block.text  # "Recommendation 4" on its own line, then its wording
                return
            if looks_like_heading(last.text) and not last.subs:
                last.text = f"{last.text}\n{block.text}"  # a titled recommendation
                return
            if last.from_heading and len(last.subs) < 4:
                # A recommendation set out as a heading owns the paragraphs under it.
                last.subs.append(block.text)
                return
            if last.style == "label" and self.labelled_body(index):
                # "Recommendation 2: a title however long", then its wording, lists and further
                # paragraphs: all of it is the recommendation.
                last.subs.append(block.text)
                return
            following = self.next_item(index)
            if following is not None and _follows(last.number, following.marker):
                # A paragraph between items 3 and 4 of one list belongs to item 3.
                last.subs.append(block.text)
                return
            if self.closes_last_item(block, index):
                # The last recommendation's second paragraph, the section ending after it.
                last.subs.append(block.text)
                return
        else:
            self.unnumbered_paragraph(block)
        if self.label_heading is not None:
            depth, lists = self.label_heading
            if current is not None or len(self.lists) > lists:
                # "Learning identified:" named the list under it; the text after that list is
                # no longer under it.
                del self.stack[depth:]
                self.label_heading = None
        self.end_list()
        self.last_paragraph = block.text

    def unnumbered_paragraph(self, block):
        """Under a recommendations heading without a list, each paragraph that says who should do
        what ("The Partnership should …") is a recommendation; one that carries on the paragraph
        before it ("This should include …") belongs to it."""
        if self.region is None:
            return
        nearest = self.stack[-1][1] if self.stack else ""
        if OTHER_HEADING.match(nearest.strip()) or SELF_REFERENCE.match(block.text):
            return
        if self.unnumbered and CARRIES_ON.match(block.text):
            self.unnumbered[-1].subs.append(block.text)
        elif (
            ASKS_IN_PROSE.search(_first_sentence(block.text))
            and 6 <= len(block.text.split()) <= 120
        ):
            if not self.unnumbered:
                self.unnumbered_start = (block.line, self.last_paragraph)
            self.unnumbered.append(_Item(number="", text=block.text, style="paragraph"))

    def end_unnumbered(self):
        """The paragraphs under the heading that ends here, held until the recommendations
        section ends (see release_unnumbered)."""
        items, self.unnumbered = self.unnumbered, []
        if not items:
            return
        for number, item in enumerate(items, start=1):
            item.number = str(number)
        line, lead_in = self.unnumbered_start
        self.held.append(
            _List(
                items=items,
                lead_in=lead_in,
                headings=[(level, text) for level, text in self.stack],
                position=line,
                document_title=self.document.title,
                prose=True,
            )
        )

    def release_unnumbered(self):
        """Keep the paragraphs as recommendations only where the section holds no list at all:
        with one, they are its introduction or the narrative of a finding that made none."""
        if self.held and len(self.lists) == self.region_lists:
            self.lists.extend(self.held)
        self.held = []

    def closes_last_item(self, block, index):
        """A single short paragraph after a list's last item, straight before the next heading,
        that goes on asking for what the item asked ("The training should …")."""
        following = next(
            (b for b in self.blocks[index + 1 :] if b.kind not in (FOOTNOTE, NOTE)), None
        )
        if following is not None and following.kind != HEADING:
            return False
        text = block.text
        return (
            len(text) <= 400
            and not text.endswith(":")
            and bool(ASKS_IN_PROSE.search(_first_sentence(text)) or CARRIES_ON.match(text))
        )

    def labelled_body(self, index):
        """Whether the paragraph at `index` belongs to the labelled recommendation before it:
        another recommendation follows before the next heading, or it is one of at most two
        short paragraphs closing the section."""
        paragraphs = 0
        size = 0
        for block in self.blocks[index:]:
            if block.kind == PARAGRAPH and OTHER_LABEL.match(block.text):
                break
            if block.kind == PARAGRAPH:
                paragraphs += 1
                size += len(block.text)
            elif block.kind == ITEM and block.style == "label":
                return True
            elif block.kind == HEADING:
                if LABEL.match(block.text) or BARE_LABEL.match(block.text.strip()):
                    return True
                break
            elif block.kind == TABLE:
                break
        return paragraphs <= 2 and size <= 800

    def next_item(self, index):
        """The item after a short run of paragraphs (one or two, as a recommendation's second
        paragraph is), or None: a longer run is the report's narrative, not the item's."""
        paragraphs = [self.blocks[index]]
        for block in self.blocks[index + 1 :]:
            if block.kind == FOOTNOTE:
                continue
            if block.kind == ITEM:
                break
            if block.kind != PARAGRAPH:
                return None
            paragraphs.append(block)
        else:
            return None
        if len(paragraphs) > 2 or sum(len(p.text) for p in paragraphs) > 800:
            return None
        return block

    def end_list(self):
        if self.current:
            self.lists.append(self.current)
            self.current = None
            self.last_paragraph = ""

    # Tables ----------------------------------------------------------------------------------

    def labelled_table(self, block):
        """Tables whose rows say what they hold: a recommendation boxed in a one-cell table or a
        summary of "Recommendation N | wording" rows (read as labelled items), and an action plan
        set out as one table per recommendation, the recommendation across its top row and its
        actions below. Returns whether the table was one of these."""
        rows = [_distinct_cells(row) for row in block.rows]
        rows = [row for row in rows if row]
        labels = [LABEL.match(row[0]) for row in rows]
        if not rows or labels[0] is None:
            return False
        if all(labels) or len(rows) == 1:
            for row, label in zip(rows, labels, strict=True):
                text = label_text(label) or " ".join(row[1:2])
                self.item(Block(ITEM, text, marker=label_marker(label), style="label",
                                line=block.line))  # fmt: skip
            return True
        if len(rows[0]) != 1 or any(labels[1:]):
            return False
        label = labels[0]
        self.item(Block(ITEM, label_text(label), marker=label_marker(label),
                        style="label", line=block.line))  # fmt: skip
        columns = _table_columns(rows[1])
        if not {"action", "agency", "due"} & set(columns):
            return True
        recommendation = self.current.items[-1]
        for row in rows[2:]:
            cell = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
            if cell.get("action"):
                recommendation.proposed_action = "\n".join(
                    part for part in (recommendation.proposed_action, cell["action"]) if part
                )
            recommendation.lead = recommendation.lead or cell.get("agency", "")
            recommendation.due_date = recommendation.due_date or parse_due_date(cell.get("due", ""))
        return True

    def last_table_item(self, previous):
        """The last item of the table just before, when it has the same columns."""
        if previous is None or not self.lists or not self.lists[-1].from_table:
            return None
        return self.lists[-1].items[-1]

    def table(self, block):
        rows = [row for row in block.rows if any(cell.strip() for cell in row)]
        previous = self.last_table
        self.last_table = None
        if not rows:
            return
        header = [cell.strip().strip("*").strip() for cell in rows[0]]
        columns = _table_columns(header)
        in_region = self.region is not None
        continued = (
            "recommendation" not in columns
            and previous is not None
            and previous[1] == len(header)
            and self.lists
            and self.lists[-1].from_table
        )
        if continued:
            # The same table carried over a page break, without its header row.
            columns, body = previous[0], rows
            self.last_table = previous
        elif len(rows) < 2:
            return
        elif "recommendation" not in columns:
            numbered = all(re.fullmatch(r"\d{1,3}[a-z]?\.?", row[0].strip()) for row in rows[1:])
            if not (in_region and numbered and len(header) >= 2):
                return
            columns = {"number": 0, "recommendation": 1}
            body = rows
        else:
            body = rows[1:]
        if not continued:
            self.last_table = (columns, len(header))
        items = []
        offset = len(self.lists[-1].items) if continued else 0
        for position, row in enumerate(body, start=offset + 1):
            if [cell.strip().strip("*").strip() for cell in row] == header:
                continue  # the header row printed again at the top of the next page
            cell = {
                name: (row[index].strip() if index < len(row) else "")
                for name, index in columns.items()
            }
            text = cell.get("recommendation", "")
            earlier = items[-1] if items else self.last_table_item(previous)
            if "number" in columns and not cell.get("number") and text[:1].islower() and earlier:
                # The rest of a row the page break cut in two (no number, mid-sentence).
                earlier.text = f"{earlier.text} {text}"
                earlier.lead = earlier.lead or cell.get("agency", "")
                earlier.proposed_action = " ".join(
                    part for part in (earlier.proposed_action, cell.get("action", "")) if part
                )
                earlier.due_date = earlier.due_date or parse_due_date(cell.get("due", ""))
                continue
            # "R1" and "Rec 1" are recommendation 1, as a "Recommendation 1" label is.
            number = re.sub(
                r"^(?:recommendation|rec\.?|r)\s*(?=\d)", "", cell.get("number", "").rstrip("."),
                flags=re.IGNORECASE,
            )  # fmt: skip
            leading = re.match(r"^(?:recommendation\s+)?(\d{1,3}(?:\.\d{1,2})*[a-z]?)[.:)]?\s+(.*)$",
                               text, re.IGNORECASE)  # fmt: skip
            if leading and not number:
                number, text = leading.group(1), leading.group(2)
            if not text:
                if items and cell.get("action"):
                    # A further action for the recommendation above.
                    items[-1].proposed_action = "\n".join(
                        part for part in (items[-1].proposed_action, cell["action"]) if part
                    )
                continue
            items.append(
                _Item(
                    number=number or str(position),
                    text=text,
                    lead=cell.get("agency", ""),
                    proposed_action=cell.get("action", ""),
                    due_date=parse_due_date(cell.get("due", "")),
                )
            )
        if items and continued:
            self.lists[-1].items.extend(items)
        elif items:
            self.lists.append(
                _List(
                    items=items,
                    lead_in=self.last_paragraph,
                    headings=[(level, text) for level, text in self.stack],
                    position=block.line,
                    document_title=self.document.title,
                    from_table=True,
                )
            )
        self.last_paragraph = ""


def _distinct_cells(row):
    """A row's cells without blanks and without the copies a merged cell leaves behind."""
    cells = []
    for cell in (cell.strip() for cell in row):
        if cell and (not cells or cells[-1] != cell):
            cells.append(cell)
    return cells


def _table_columns(header):
    """Which column of a table's header row holds what (the first match of each kind)."""
    columns = {}
    for index, cell in enumerate(header):
        for name, pattern in TABLE_COLUMNS.items():
            if name not in columns and pattern.search(cell):
                columns[name] = index
                break
    return columns


def parse_due_date(text):
    """A due date as action plans write it: "31/03/2020", "31 March 2020", "March 2020" (the
    month's end), "2020-03-31". None when the cell says something else ("Ongoing")."""
    text = text.strip().lower()
    if not text:
        return None
    try:
        match = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = re.search(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b", text)
        if match:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return datetime.date(year, int(match[2]), int(match[1]))
        match = re.search(r"\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]{3,9})\.?\s+(\d{4})\b", text)
        if match and match[2] in MONTHS:
            month, year = MONTHS[match[2]], int(match[3])
            if match[1]:
                return datetime.date(year, month, int(match[1]))
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            return following - datetime.timedelta(days=1)
    except ValueError:
        return None
    return None


def _words(text):
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def similarity(first, second, at_least=0.0):
    """Share of words in common, in order (0 to 1); 0 when it cannot reach `at_least`."""
    matcher = difflib.SequenceMatcher(
        None, _words(first)[:400], _words(second)[:400], autojunk=False
    )
    if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
        return 0.0
    return matcher.ratio()


def find_recommendations(source):
    """Read `source` (a SourceText) and return a Reading."""
    document = build_document(source)
    lists = _Finder(document).run()
    kept_lists = [numbered for numbered in lists if numbered.is_recommendations]
    if any(not numbered.prose for numbered in kept_lists):
        # Paragraphs that say "… should …" are a last resort: where the report numbers, labels or
        # tabulates its recommendations anywhere, such paragraphs are its narrative.
        kept_lists = [numbered for numbered in kept_lists if not numbered.prose]
    skipped = [
        f"{len(numbered.items)} {'bulleted' if numbered.items[0].style == 'bullet' else 'numbered'}"
        f" item{'s' if len(numbered.items) != 1 else ''} "
        f"{numbered.why_not}"
        for numbered in lists
        if not numbered.is_recommendations and len(numbered.items) >= 2
    ]
    found, warnings = _reconcile(kept_lists)
    sections = []
    for recommendation in found:
        if sections and sections[-1]["section"] == recommendation.section:
            sections[-1]["numbers"].append(recommendation.number)
        else:
            sections.append({"section": recommendation.section, "numbers": [recommendation.number]})
    return Reading(
        recommendations=found,
        warnings=warnings,
        sections=sections,
        skipped=skipped,
        headings=len(document.headings),
        title=document.title,
    )


def _candidates(lists):
    out = []
    for order, numbered in enumerate(lists):
        items = [item for item in numbered.items if not SELF_REFERENCE.match(item.text)]
        reason, confidence = numbered.decision or ("", 0.0)
        # Where the document itself says the items are recommendations, its word is enough.
        says_so = numbered.labelled or numbered.from_table or reason.startswith("introduced")
        for index, item in enumerate(items):
            asks = says_so or _asks_someone(item)
            if item.style == "bullet":
                item.number = str(index + 1)  # recommendations set out as bullets, in order
            out.append(
                (
                    order,
                    FoundRecommendation(
                        number=item.number,
                        text=item.full_text,
                        section=numbered.section[:255],
                        position=numbered.position * 1000 + index,
                        notes=list(item.notes),
                        lead=item.lead,
                        proposed_action=item.proposed_action,
                        due_date=item.due_date,
                        reason=reason if asks else f"{reason}; its wording asks nothing of anyone",
                        confidence=round(confidence - (0 if asks else NO_ASK_PENALTY), 2),
                    ),
                )
            )
    return out


def _asks_someone(item):
    """Whether an item's wording asks someone to act ("should", "ensure", "Refresh …")."""
    return bool(DIRECTIVE.search(item.full_text) or _asks(item.text))


def _reconcile(lists):
    """One copy of each recommendation. The latest statement is the record (a final list, an
    appendix); an earlier statement is matched to it by number first and wording second, each
    later item taking at most one statement from each earlier list."""
    candidates = _candidates(lists)
    # A number used at most twice (where it is made, where it is restated) names one
    # recommendation throughout the document; lists numbered afresh in each chapter do not.
    uses = Counter(candidate.number for _, candidate in candidates)
    kept, warnings = [], []
    taken = set()  # (id of the later item, order of the earlier list)
    records = set()  # orders of the lists that restate earlier ones: the final list
    # Matching by wording compares every pair; past a report's usual size only numbers match,
    # so a document of thousands of numbered items is still read in seconds.
    by_wording = len(candidates) <= MAX_WORDING_CANDIDATES
    by_number = {}  # number → [(order, kept item)]
    order_of = {}
    for order, candidate in reversed(candidates):
        pool = kept if by_wording else by_number.get(candidate.number, [])
        later = [
            f for later_order, f in pool if later_order > order and (id(f), order) not in taken
        ]
        twin = _twin(candidate, later, numbered_through=uses[candidate.number] <= 2)
        if twin is None:
            kept.append((order, candidate))
            by_number.setdefault(candidate.number, []).append((order, candidate))
            order_of[id(candidate)] = order
            continue
        taken.add((id(twin), order))
        records.add(order_of[id(twin)])
        if "also stated" not in twin.reason:
            twin.reason = f"{twin.reason}; also stated under “{candidate.section[:80]}”"
            twin.confidence = round(min(1.0, twin.confidence + RESTATED_BONUS), 2)
        # Chapter order keeps a recommendation found only in a chapter next to its neighbours.
        twin.position = min(twin.position, candidate.position)
        # The later statement is the record, its cross-references too (a chapter's note may
        # name a page the final list corrects); the earlier one's serve where it has none.
        twin.notes = twin.notes or list(candidate.notes)
        earlier_place = candidate.section or "an earlier heading"
        later_place = twin.section or "the final list"
        if _words(twin.text) != _words(candidate.text):
            where = (
                f"under “{earlier_place}” and again under “{later_place}”"
                if earlier_place != later_place
                else f"where it is first made and in the later list, both under “{later_place}”"
            )
            number = (
                twin.number
                if twin.number == candidate.number
                else f"{twin.number} (numbered {candidate.number} earlier)"
            )
            warnings.append(
                f"Recommendation {number} is worded differently {where}; the later wording was "
                "kept."
            )
        if GENERIC_RECOMMENDATIONS.match(twin.section or "Recommendations") and not (
            GENERIC_RECOMMENDATIONS.match(candidate.section or "Recommendations")
            or OVERVIEW_HEADING.search(candidate.section)
        ):
            # "Summary of recommendations" says less than the chapter the copy came from.
            twin.section = candidate.section
    warnings.reverse()
    if records:
        first_record = min(records)
        only_earlier = [candidate for order, candidate in reversed(kept) if order < first_record]
        warnings.extend(
            f"Recommendation {found.number} appears under “{found.section}” but not in the final "
            "list; it was kept: check whether it was dropped on purpose."
            for found in reversed(only_earlier)
        )
    found = sorted((candidate for _, candidate in kept), key=lambda c: c.position)
    warnings.extend(_repeated_numbers(found))
    return found, warnings


def _twin(candidate, later, numbered_through=False):
    """The later statement of this recommendation, if the document states it again. The same
    number counts first, but only between compatible places: the same chapter, or a summary or
    final list; where lists restart in each chapter, item 1 of one chapter is not item 1 of
    another."""
    best, best_score = None, 0.0
    for other in later:
        bonus = 0
        if other.number == candidate.number and _compatible(candidate.section, other.section):
            same_place = heading_key(other.section) == heading_key(candidate.section)
            threshold = 0.15 if same_place else SAME_NUMBER_SIMILARITY
            bonus = 1  # a number match comes before any wording match
        elif other.number == candidate.number and numbered_through:
            # The same number under another heading (a final list grouped by theme, not by
            # chapter): the same recommendation when its wording is all but the same.
            threshold, bonus = RENUMBERED_SIMILARITY, 1
        elif _compatible(candidate.section, other.section):
            threshold = RENUMBERED_SIMILARITY
        else:
            threshold = MOVED_SIMILARITY  # restated word for word under another chapter
        score = similarity(candidate.text, other.text, at_least=threshold)
        if score >= threshold and score + bonus > best_score:
            best, best_score = other, score + bonus
    return best


def _compatible(first, second):
    if heading_key(first) == heading_key(second):
        return True
    return any(
        GENERIC_RECOMMENDATIONS.match(section.strip()) or OVERVIEW_HEADING.search(section)
        for section in (first, second)
    )


def _repeated_numbers(found):
    """No two recommendations may share a number within a section; across sections a repeated
    number (lists restarting per section) is told apart by the section."""
    warnings = []
    by_section = {}
    for recommendation in found:
        by_section.setdefault(recommendation.section, []).append(recommendation.number)
    for section, numbers in by_section.items():
        doubled = sorted({n for n in numbers if numbers.count(n) > 1}, key=numbers.index)
        if doubled:
            warnings.append(
                f"Recommendation number{'s' if len(doubled) > 1 else ''} {', '.join(doubled)} "
                f"{'are' if len(doubled) > 1 else 'is'} used twice under “{section}”: check "
                "whether one was misread before importing."
            )
    seen = {}
    for recommendation in found:
        seen.setdefault(recommendation.number, set()).add(recommendation.section)
    across = [number for number, sections in seen.items() if len(sections) > 1]
    if across:
        sections = []
        for recommendation in found:
            if recommendation.number in across and recommendation.section not in sections:
                sections.append(recommendation.section)
        named = " and ".join(f"“{section}”" for section in sections)
        warnings.append(
            f"Recommendation numbers {', '.join(across)} are used in more than one list "
            f"({named}); the section tells them apart. Check the numbering before publishing."
        )
    return warnings
