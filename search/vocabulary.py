"""The field's vocabulary: groups of terms that mean the same thing (CSE and child sexual
exploitation, LAC and CLA), shared by search expansion and recurrence so both read one list.

The groups ship in `search/data/thesaurus.txt`; the business unit may add more in the editor.
"""

import re
from functools import lru_cache
from pathlib import Path

THESAURUS_FILE = Path(__file__).resolve().parent / "data" / "thesaurus.txt"
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


@lru_cache(maxsize=1)
def file_groups():
    return tuple(parse_groups(THESAURUS_FILE.read_text(encoding="utf-8")))


def editor_groups():
    """Groups the business unit added in the editor (Settings → Search vocabulary)."""
    from .models import VocabularyGroup

    texts = VocabularyGroup.objects.values_list("terms", flat=True)
    return [group for text in texts for group in parse_groups(text.replace("\n", " "))]


def synonym_groups():
    """Every group in force: the shipped file's groups, then the editor's additions."""
    return list(file_groups()) + editor_groups()


def synonyms_by_term(groups=None):
    """Each term of the vocabulary mapped to every term it shares a group with (itself first)."""
    mates = {}
    for group in synonym_groups() if groups is None else groups:
        for term in group:
            found = mates.setdefault(term, [term])
            found += [other for other in group if other not in found]
    return mates
