"""How a vocabulary group is written: comma-separated terms, one group a line. Below the models
(which check a group typed in the editor) and the vocabulary (which reads the groups in force)."""

import re

_SPACES = re.compile(r"[\s\-]+")


def normalise_term(term):
    """Lower case, apostrophes dropped, hyphens and runs of spaces as one space."""
    term = term.lower().replace("’", "'").replace("'s", "").replace("'", "")
    return _SPACES.sub(" ", term).strip()


def parse_groups(text):
    """Groups from thesaurus text: one comma-separated group a line, `#` starts a comment."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        terms = tuple(dict.fromkeys(t for t in (normalise_term(p) for p in line.split(",")) if t))
        if len(terms) > 1:
            groups.append(terms)
    return groups
