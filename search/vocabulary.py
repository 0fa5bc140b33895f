"""The field's vocabulary: groups of terms that mean the same thing (CSE and child sexual
exploitation, LAC and CLA), shared by search expansion and recurrence so both read one list.

The groups ship in `search/data/thesaurus.txt`; the business unit may add more in the editor.
"""

from functools import lru_cache
from pathlib import Path

import snowballstemmer

from .terms import normalise_term, parse_groups

THESAURUS_FILE = Path(__file__).resolve().parent / "data" / "thesaurus.txt"
_STEMMER = snowballstemmer.stemmer("english")


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


def _stemmed(term):
    return " ".join(_STEMMER.stemWord(word) for word in term.split())


def _singular(term):
    return " ".join(
        word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word
        for word in term.split()
    )


def _is_abbreviation(term, group):
    # "send", "da", "ed": short words that stand for a group's first term and are also everyday
    # words, so "sending" must not find special educational needs. They are found as typed, or
    # in the plural ("DSLs", "GPs").
    return term != group[0] and " " not in term and len(term) <= 5


@lru_cache(maxsize=8)
def _by_stem(groups):
    """{stemmed term: its mates} for the terms other than short abbreviations; kept for the
    groups in force, so each search does not stem the whole vocabulary again."""
    mates = synonyms_by_term(groups)
    by_stem = {}
    for group in groups:
        for term in group:
            if not _is_abbreviation(term, group):
                by_stem.setdefault(_stemmed(term), mates[term])
    return by_stem


class Vocabulary:
    """Finds a typed term's group as the searcher wrote it: exactly, in the plural ("DSLs", "CP
    plans"), in the singular ("kid"), or in another form of its words ("notifications",
    "disagreeing", "babies")."""

    def __init__(self, groups=None):
        groups = tuple(tuple(g) for g in (synonym_groups() if groups is None else groups))
        self.mates = synonyms_by_term(groups)
        self.by_stem = _by_stem(groups)

    def mates_of(self, typed):
        """The terms that mean the same as `typed` (the one it matched first), or None when it
        is not a term of the vocabulary."""
        key = normalise_term(typed)
        # A short term listed in the plural ("kids", "gangs") is found in the singular too.
        found = self.mates.get(key) or self.mates.get(_singular(key)) or self.mates.get(f"{key}s")
        return found or self.by_stem.get(_stemmed(key))
