"""Score the importer against a labelled set: documents with `<name>.expected.json` beside them
(see tests/fixtures/reviews/build.py for the shape). Nothing is saved.

A folder's own documents are the development part, the ones the rules were worked out on; a
`held-out/` folder inside it holds documents the rules were never tuned on. Each part is scored
on its own and the two together, so the held-out figure is never hidden in the total."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from .document import heading_key
from .readers import read_document
from .recommendations import find_recommendations

DEVELOPMENT, HELD_OUT = "development", "held-out"


@dataclass
class Score:
    document: str
    expected: int
    found: int
    matched: int
    exact: int
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    error: str = ""  # the document could not be read: a failure, whatever was expected
    possible: int = 0  # found items left unticked as possible recommendations
    possible_matched: int = 0  # … of which the labelled set expects

    @property
    def precision(self):
        if self.error:
            return 0.0
        return self.matched / self.found if self.found else (1.0 if not self.expected else 0.0)

    @property
    def recall(self):
        if self.error:
            return 0.0
        return self.matched / self.expected if self.expected else 1.0

    @property
    def exact_share(self):
        if self.error:
            return 0.0
        return self.exact / self.expected if self.expected else 1.0


@dataclass
class Total:
    """A part's (or the whole set's) figures: counts summed over documents, shares of them."""

    documents: int
    failed: int  # documents that could not be read
    expected: int
    found: int
    matched: int
    exact: int
    possible: int = 0
    possible_matched: int = 0

    @classmethod
    def of(cls, scores):
        return cls(
            documents=len(scores),
            failed=sum(bool(score.error) for score in scores),
            **{
                key: sum(getattr(score, key) for score in scores)
                for key in ("expected", "found", "matched", "exact", "possible", "possible_matched")
            },
        )

    @property
    def precision(self):
        if self.failed:
            # A document that could not be read counts as everything wrong, never as nothing.
            return self.matched / (self.found + self.failed)
        return self.matched / self.found if self.found else (1.0 if not self.expected else 0.0)

    @property
    def recall(self):
        return self.matched / (self.expected + self.failed) if self.expected + self.failed else 1.0

    @property
    def exact_share(self):
        return self.exact / (self.expected + self.failed) if self.expected + self.failed else 1.0

    def as_dict(self):
        return {
            "documents": self.documents,
            "failed": self.failed,
            "expected": self.expected,
            "found": self.found,
            "matched": self.matched,
            "exact": self.exact,
            "precision": self.precision,
            "recall": self.recall,
            "exact_share": self.exact_share,
            # How the threshold sorts the finds: the ticked ones should all be right.
            "possible": self.possible,
            "possible_matched": self.possible_matched,
        }


def _normal(text):
    return " ".join(text.split())


def _same(found, wanted):
    return (
        found.number == wanted["number"]
        and heading_key(found.section) == heading_key(wanted["section"])
        and _normal(found.text).startswith(_normal(wanted["first_words"]))
    )


def labelled_documents(directory):
    for expectation in sorted(Path(directory).glob("*.expected.json")):
        data = json.loads(expectation.read_text())
        yield (expectation.parent / data["document"]).resolve(), data["recommendations"]


def score_document(path, wanted):
    try:
        reading = find_recommendations(read_document(path.name, path.read_bytes()))
    except Exception as error:  # noqa: BLE001 - a crash is scored as a failure, not left to stop
        # the run: the evaluation's job is to say which documents fail and how.
        return Score(
            path.name, len(wanted), 0, 0, 0, missed=list(wanted),
            error=f"{type(error).__name__}: {error}",
        )  # fmt: skip
    found = list(reading.recommendations)
    unmatched = list(found)
    matched = exact = possible_matched = 0
    missed = []
    for expected in wanted:
        twin = next((candidate for candidate in unmatched if _same(candidate, expected)), None)
        if twin is None:
            missed.append(expected)
            continue
        unmatched.remove(twin)
        matched += 1
        exact += _normal(twin.text) == _normal(expected["text"])
        possible_matched += twin.possible
    return Score(
        path.name, len(wanted), len(found), matched, exact, missed, unmatched,
        possible=sum(found_item.possible for found_item in found),
        possible_matched=possible_matched,
    )  # fmt: skip


def evaluate(directory):
    return [score_document(path, wanted) for path, wanted in labelled_documents(directory)]


def evaluate_parts(directory):
    """{part name: [Score]}: the folder's own documents, then its held-out folder's, if any."""
    directory = Path(directory)
    parts = {}
    if any(directory.glob("*.expected.json")):
        parts[HELD_OUT if directory.name == HELD_OUT else DEVELOPMENT] = evaluate(directory)
    held_out = directory / HELD_OUT
    if held_out.is_dir() and any(held_out.glob("*.expected.json")):
        parts[HELD_OUT] = evaluate(held_out)
    return parts
