"""A recommendation's wording is the document's own: every word of every recommendation the
importer finds in a PDF or Word fixture (the held-out ones too) is in the document's own text
layer — for a PDF as `pdftotext` (Debian's poppler-utils) reads it, for a Word file its text
runs — with hyphenated line breaks joined. The test names any word the document does not hold."""

import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest

from reviews.importer.readers import read_document
from reviews.importer.recommendations import find_recommendations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"
DOCUMENTS = sorted(
    path
    for folder in (FIXTURES, FIXTURES / "held-out")
    for path in folder.glob("*")
    if path.suffix in (".pdf", ".docx")
)


def words(text):
    """Words as runs of letters or of digits: a footnote's mark printed against a word
    ("agencies3") is not part of the word, and "self-neglect" is two."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return set(re.findall(r"[^\W\d_]+|\d+", text))


def pdf_text_layer(path):
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def docx_text_layer(path):
    with zipfile.ZipFile(path) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    paragraphs = re.split(r"</w:p>", xml)
    return "\n".join(
        "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", paragraph))
        for paragraph in paragraphs
    )


def text_layer_words(path):
    text = pdf_text_layer(path) if path.suffix == ".pdf" else docx_text_layer(path)
    text = text.replace("&amp;", "&").replace("&apos;", "'").replace("&quot;", '"')
    # A word broken over a line with a hyphen reads whole, and with its hyphen.
    joined = re.sub(r"(\w)[-\u00ad\u2010]\s*\n\s*(\w)", r"\1\2", text)
    return words(text) | words(joined)


def test_every_pdf_and_word_fixture_is_checked():
    names = {path.name for path in DOCUMENTS}
    assert {"sar-overview-liberation-sans.pdf", "lcspr-table-carlito.docx"} <= names
    assert any(path.parent.name == "held-out" for path in DOCUMENTS)


# A sub-item's marker ("(b)", "iv.", "-"): Word prints its own list numbering, which is not
# in the text runs, and the importer writes bullets as "-".
MARKER = re.compile(r"^\s*(?:\(?[a-z]{1,4}\)|[a-z]{1,4}[.)]|\d{1,3}(?:\.\d{1,3})*[.)]?|[-•])\s+")


def wording(recommendation):
    return "\n".join(MARKER.sub("", line) for line in recommendation.text.splitlines())


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.name for path in DOCUMENTS])
def test_every_word_of_every_recommendation_is_the_documents_own(path):
    reading = find_recommendations(read_document(path.name, path.read_bytes()))
    own = text_layer_words(path)

    not_in_document = {
        f"{found.number}: {word}"
        for found in reading.recommendations
        for word in words(wording(found))
        if word not in own
    }
    assert sorted(not_in_document) == []
