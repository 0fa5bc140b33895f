"""Score the importer against a labelled set: documents with `<name>.expected.json` beside them
(see tests/fixtures/reviews/build.py for the shape). Nothing is saved."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import ReviewImportError
from .document import heading_key
from .readers import read_document
from .recommendations import find_recommendations


@dataclass
class Score:
    document: str
    expected: int
    found: int
    matched: int
    exact: int
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    error: str = ""

    @property
    def precision(self):
        return self.matched / self.found if self.found else (1.0 if not self.expected else 0.0)

    @property
    def recall(self):
        return self.matched / self.expected if self.expected else 1.0

    @property
    def exact_share(self):
        return self.exact / self.expected if self.expected else 1.0


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
    except ReviewImportError as error:
        return Score(path.name, len(wanted), 0, 0, 0, missed=list(wanted), error=str(error))
    found = list(reading.recommendations)
    unmatched = list(found)
    matched = exact = 0
    missed = []
    for expected in wanted:
        twin = next((candidate for candidate in unmatched if _same(candidate, expected)), None)
        if twin is None:
            missed.append(expected)
            continue
        unmatched.remove(twin)
        matched += 1
        exact += _normal(twin.text) == _normal(expected["text"])
    return Score(path.name, len(wanted), len(found), matched, exact, missed, unmatched)


def evaluate(directory):
    return [score_document(path, wanted) for path, wanted in labelled_documents(directory)]
