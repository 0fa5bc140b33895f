"""Text that must stay one clean line wherever it lands: an email subject, a saved search's words,
an evidence file's name. Control characters break headers and logs; bidirectional overrides make
a name read differently from what it is ("invoice‮fdp.exe" shows as "invoiceexe.pdf")."""

import unicodedata

# Bidirectional marks, embeddings, overrides and isolates, and the line and paragraph separators.
_INVISIBLE_FORMATTING = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def is_control_character(character):
    return unicodedata.category(character) == "Cc" or character in _INVISIBLE_FORMATTING


def has_control_characters(text):
    return any(is_control_character(character) for character in text)


def single_line(text):
    """The text with every run of control characters and white space turned into one space."""
    spaced = "".join(" " if is_control_character(c) else c for c in text)
    return " ".join(spaced.split())
