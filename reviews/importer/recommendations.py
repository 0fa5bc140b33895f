"""Find a review's numbered recommendations: under a recommendations heading (or introduced as
recommendations), with their sub-items, the section they sit under, and one copy of each."""

import difflib
import re
from dataclasses import dataclass, field

# "1. Text", "1) Text", "Recommendation 1: Text", "- 1. Text", "3a. Text", "2.1 Text".
ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?:[-*•]\s+)?(?:recommendation\s+)?"
    r"(?:(?P<dotted>\d{1,3}(?:\.\d{1,2})+)\.?|(?P<number>\d{1,3}[a-z]?)(?:[.):]|\s+[-–—]))"
    r"\s+(?P<text>\S.*)$",
    re.IGNORECASE,
)
# Sub-items kept inside their recommendation: bullets, (a)/a), (i)/i).
SUB_ITEM = re.compile(
    r"^[ \t]*(?:[-*•▪◦]\s+|\(?[a-z]\)\s+|\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)\s+|[a-z]\.\s+)\S"
)
BULLET = re.compile(r"^[*•▪◦]\s+")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RECOMMEND = re.compile(r"recommend", re.IGNORECASE)
# Numbered lists that are not recommendations, named in their heading or in the sentence that
# introduces them: "Options", "the following steps:", "some helpful starting points:".
NOT_RECOMMENDATIONS = (
    r"options?|principles?|starting points?|steps|objectives?|aims?|questions?(?: for reflection)?"
    r"|terms of reference|strengths?|key lines of enquiry|findings?|lessons?"
)
INTRODUCES_OTHER_LIST = re.compile(
    rf"(?:following|these|those|some|the|five|four|three|two|six|seven|\d+)\s+"
    rf"(?:[\w'-]+\s+){{0,2}}(?:{NOT_RECOMMENDATIONS})\b[^.]*:?\s*$"
    rf"|\b(?:{NOT_RECOMMENDATIONS})\s*:\s*$",
    re.IGNORECASE,
)
OTHER_HEADING = re.compile(rf"^(?:[\d.]+\s*)?(?:{NOT_RECOMMENDATIONS})$", re.IGNORECASE)
# A heading that says only "Recommendations" tells the editor nothing about the subject.
GENERIC_HEADING = re.compile(
    r"^(?:[\d.]+\s*|chapter\s+\d+[:.]?\s*)?(?:summary of |list of |our |key |the )?"
    r"recommendations?(?: and actions| made| of the review)?$",
    re.IGNORECASE,
)
SAME_NUMBER_SIMILARITY = 0.5
RENUMBERED_SIMILARITY = 0.85


@dataclass
class FoundRecommendation:
    number: str
    text: str
    section: str = ""
    position: int = 0
    themes: list = field(default_factory=list)
    agencies: list = field(default_factory=list)


@dataclass
class NumberedList:
    items: list
    lead_in: str
    headings: list
    position: int
    document_title: str = ""

    @property
    def is_recommendations(self):
        lead = self.lead_in.strip()
        if lead.endswith(":") and INTRODUCES_OTHER_LIST.search(_last_sentence(lead)):
            return False
        if lead.endswith(":") and RECOMMEND.search(_last_sentence(lead)):
            return True
        nearest = self.headings[-1][1] if self.headings else ""
        if OTHER_HEADING.match(nearest):
            return False
        return any(RECOMMEND.search(text) for _, text in self.headings)

    @property
    def section(self):
        texts = [text for _, text in self.headings]
        if len(texts) > 1:
            # The document's own title heads every section and tells the editor nothing.
            texts = [text for text in texts if text != self.document_title] or texts
        for text in reversed(texts):
            if not GENERIC_HEADING.match(text):
                return text
        return texts[-1] if texts else ""


def _last_sentence(text):
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    return parts[-1]


def _clean(line):
    return line.replace("**", "").replace("__", "").rstrip()


def _plain_heading(line, previous_blank, next_blank):
    """Plain text has no heading marks: a short, unpunctuated line on its own is taken for one."""
    text = line.strip()
    if not (previous_blank and next_blank) or not text or "\t" in text:
        return False
    if len(text) > 180 or len(text.split()) > 28 or text[-1] in ".:;,!?)":
        return False
    if re.search(r"[.!?]\s+[A-Z]", text) or not (text[0].isupper() or text[0].isdigit()):
        return False
    return not ITEM.match(text) and not SUB_ITEM.match(text)


def _integer(number):
    match = re.match(r"\d+", number)
    return int(match.group()) if match else None


def _follows(previous, number):
    """Whether `number` carries on a list whose last item was `previous` (3 → 4, 3 → 3a)."""
    before, after = _integer(previous), _integer(number)
    if before is None or after is None:
        return False
    return after == before + 1 or (after == before and number != previous)


class _Parser:
    def __init__(self, source):
        self.source = source
        self.headings = []  # (level, text) from the outermost in
        self.document_title = ""
        self.lists = []
        self.current = None
        self.paragraph = []
        self.last_paragraph = ""
        self.gap = False
        self.position = 0

    def parse(self):
        lines = [_clean(line) for line in self.source.text.split("\n")]
        for index, line in enumerate(lines):
            self.position = index
            previous_blank = index == 0 or not lines[index - 1].strip()
            next_blank = index + 1 >= len(lines) or not lines[index + 1].strip()
            self.feed(line, previous_blank, next_blank)
        self.end_paragraph()
        self.end_list()
        return self.lists

    def feed(self, line, previous_blank, next_blank):
        if not line.strip():
            self.end_paragraph()
            self.gap = True
            return
        heading = MARKDOWN_HEADING.match(line) if self.source.explicit_headings else None
        if heading:
            self.heading(len(heading.group(1)), heading.group(2).strip())
            return
        if not self.source.explicit_headings and _plain_heading(line, previous_blank, next_blank):
            self.heading(1, line.strip())
            return
        item = ITEM.match(line)
        if item and previous_blank and next_blank and GENERIC_HEADING.match(line.strip()):
            # "5. Recommendations" on a line of its own is a numbered heading, not an item.
            self.heading(1 if not self.source.explicit_headings else 6, line.strip())
            return
        if item:
            self.item(item)
        elif self.current and SUB_ITEM.match(line) and not self.paragraph:
            self.current.items[-1]["subs"].append(BULLET.sub("- ", line.strip()))
        elif self.current and not self.paragraph and (not self.gap or line.strip()[0].islower()):
            # A wrapped line, or the rest of an item split by a page break.
            self.continue_item(line.strip())
        else:
            self.end_list()
            self.paragraph.append(line.strip())
        self.gap = False

    def heading(self, level, text):
        self.end_paragraph()
        self.end_list()
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))
        self.document_title = self.document_title or text
        self.last_paragraph = ""
        self.gap = False

    def item(self, match):
        number = match.group("number") or match.group("dotted")
        text = match.group("text").strip()
        current = self.current
        if current and not self.paragraph:
            last = current.items[-1]["number"]
            if match.group("dotted") and number.split(".")[0] == last and "." not in last:
                current.items[-1]["subs"].append(f"{number} {text}")
                return
            if match.group("indent") and len(match.group("indent").expandtabs()) >= 2:
                current.items[-1]["subs"].append(f"{number}. {text}")
                return
            if _follows(last, number) or (
                "." in last and "." in number and last.split(".")[0] == number.split(".")[0]
            ):
                current.items.append({"number": number, "text": text, "subs": []})
                return
        self.end_paragraph()
        self.end_list()
        self.current = NumberedList(
            items=[{"number": number, "text": text, "subs": []}],
            lead_in=self.last_paragraph,
            headings=list(self.headings),
            position=self.position,
            document_title=self.document_title,
        )

    def continue_item(self, text):
        item = self.current.items[-1]
        if item["subs"]:
            item["subs"][-1] = f"{item['subs'][-1]} {text}"
        else:
            item["text"] = f"{item['text']} {text}"

    def end_paragraph(self):
        if self.paragraph:
            self.last_paragraph = " ".join(self.paragraph)
            self.paragraph = []

    def end_list(self):
        if self.current:
            self.lists.append(self.current)
            self.current = None
            self.last_paragraph = ""


def _words(text):
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def similarity(first, second):
    return difflib.SequenceMatcher(None, _words(first), _words(second), autojunk=False).ratio()


def find_recommendations(source):
    """The recommendations of a document and warnings for the editor, in document order.

    Where a report lists its recommendations twice (at the end of each chapter and again in a
    final chapter), the later copy is kept and a warning names any difference in wording.
    """
    lists = [numbered for numbered in _Parser(source).parse() if numbered.is_recommendations]
    candidates = []
    for order, numbered in enumerate(lists):
        for index, item in enumerate(numbered.items):
            text = "\n".join([item["text"], *item["subs"]]).strip()
            candidates.append(
                (
                    order,
                    FoundRecommendation(
                        number=item["number"],
                        text=text,
                        section=numbered.section[:255],
                        position=numbered.position * 1000 + index,
                    ),
                )
            )
    kept, warnings, copies, only_earlier = [], [], 0, []
    final_order = len(lists) - 1
    for order, candidate in reversed(candidates):
        # Only a later list can hold another copy: two items of one list are two recommendations.
        twin = _twin(candidate, [found for later, found in kept if later > order])
        if twin is None:
            kept.append((order, candidate))
            if order < final_order:
                only_earlier.append(candidate)
            continue
        copies += 1
        # Chapter order keeps a recommendation found only in a chapter next to its neighbours.
        twin.position = min(twin.position, candidate.position)
        if _words(twin.text) != _words(candidate.text):
            warnings.append(
                f"Recommendation {twin.number} is worded differently under "
                f"“{candidate.section or 'an earlier heading'}” and under "
                f"“{twin.section or 'the final list'}”; the final list's wording was kept."
            )
        if GENERIC_HEADING.match(twin.section or "Recommendations") and not GENERIC_HEADING.match(
            candidate.section or "Recommendations"
        ):
            # "Summary of recommendations" says less than the chapter the copy came from.
            twin.section = candidate.section
    warnings.reverse()
    if copies:
        warnings.extend(
            f"Recommendation {found.number} appears under “{found.section}” but not in the final "
            "list; it was kept: check whether it was dropped on purpose."
            for found in reversed(only_earlier)
        )
    found = sorted((candidate for _, candidate in kept), key=lambda c: c.position)
    warnings.extend(_repeated_numbers(found))
    return found, warnings


def _twin(candidate, later):
    """The later copy of this recommendation, if the document lists it again."""
    best, best_score = None, 0.0
    for other in later:
        score = similarity(candidate.text, other.text)
        threshold = (
            SAME_NUMBER_SIMILARITY if other.number == candidate.number else RENUMBERED_SIMILARITY
        )
        if score >= threshold and score > best_score:
            best, best_score = other, score
    return best


def _repeated_numbers(found):
    seen = {}
    for recommendation in found:
        seen.setdefault(recommendation.number, []).append(recommendation.section)
    repeated = [number for number, sections in seen.items() if len(sections) > 1]
    if not repeated:
        return []
    sections = []
    for recommendation in found:
        if recommendation.number in repeated and recommendation.section not in sections:
            sections.append(recommendation.section)
    named = " and ".join(f"“{section}”" for section in sections)
    return [
        f"Recommendation numbers {', '.join(repeated)} are used in more than one list ({named}); "
        "the section tells them apart. Check the numbering before publishing."
    ]
