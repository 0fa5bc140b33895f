"""Suggest themes (from the theme vocabulary) and agencies (from the agency list and the usual role
names) for a recommendation. Suggestions only: an editor confirms them."""

import re

from learning.models import Agency, Theme

# The usual ways a report addresses an agency without using its name, with how to recognise that
# agency in the partnership's own list.
ROLE_NAMES = [
    (
        r"director of children'?s services|\bDCS\b|children'?s social care|local authority",
        {"sector": [Agency.Sector.LOCAL_AUTHORITY], "words": ["children"]},
    ),
    (
        r"(?:local )?safeguarding children(?:'s)? (?:board|partnership)|\bL?SCB\b|\bL?SCP\b|"
        r"\bKSCB\b|\bKSCP\b|safeguarding partners",
        {"words": ["safeguarding children"]},
    ),
    (
        r"\bpolice\b|chief constable|chief officer of police",
        {"sector": [Agency.Sector.POLICE]},
    ),
    (
        r"clinical commissioning group|\bCCGs?\b|integrated care board|\bICB\b",
        {"words": ["commissioning", "care board"]},
    ),
    (
        r"\bschools?\b|head ?teachers?|designated safeguarding leads?",
        {"sector": [Agency.Sector.EDUCATION]},
    ),
    (r"\bprobation\b", {"words": ["probation"]}),
    (r"youth offending|youth justice|\bYOT\b", {"words": ["youth"]}),
    (r"community safety partnership", {"words": ["community safety"]}),
]


def _normalise(text):
    return text.replace("’", "'").replace("‘", "'")


def _phrase_pattern(phrase):
    words = [re.escape(word) for word in _normalise(phrase).split()]
    return r"\b" + r"\s+".join(words) + r"s?\b"


STOPWORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


def _stem(word):
    """A crude stem, enough to match "share information" to "information sharing"."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _stems(text):
    return [_stem(word) for word in re.findall(r"[a-z0-9']+", _normalise(text).lower())]


class _Phrase:
    """A theme phrase matches when all its words appear close together, in any order."""

    def __init__(self, phrase):
        self.stems = [stem for stem in _stems(phrase) if stem not in STOPWORDS]
        self.window = len(self.stems) + 3

    def found_in(self, stems):
        if not self.stems:
            return False
        wanted = set(self.stems)
        if len(wanted) == 1:
            return self.stems[0] in stems
        return any(wanted <= set(stems[start : start + self.window]) for start in range(len(stems)))


def _theme_phrases(theme):
    """The theme's name, the parts of a name like "A and B", and its description's phrases."""
    phrases = {theme.name}
    for part in re.split(r",|/| and ", theme.name):
        part = part.strip()
        if len(part.split()) >= 2 or len(part) >= 6:
            phrases.add(part)
    for part in re.split(r"[,;]| and ", theme.description or ""):
        part = part.strip().removeprefix("the ").strip()
        if _distinctive(part):
            phrases.add(part)
    return phrases


def _distinctive(part):
    """Several words, an acronym ("CAMHS"), or a long word that is not a bare verb form."""
    if len(part.split()) >= 2:
        return True
    return (
        part.isupper()
        and len(part) >= 3
        or "-" in part
        or (len(part) >= 7 and not part.endswith(("ing", "ed", "s")))
    )


class Suggester:
    """Built once per import: the theme vocabulary and the agency list as patterns."""

    def __init__(self, themes=None, agencies=None):
        themes = list(Theme.objects.all() if themes is None else themes)
        agencies = list(Agency.objects.filter(active=True) if agencies is None else agencies)
        self.themes = [
            (theme, [_Phrase(phrase) for phrase in _theme_phrases(theme)]) for theme in themes
        ]
        self.agencies = []
        for agency in agencies:
            names = {agency.name, agency.short_name}
            names.update(line.strip() for line in (agency.aliases or "").splitlines())
            pattern = "|".join(_phrase_pattern(name) for name in names if name)
            self.agencies.append((agency, re.compile(pattern, re.I)))
        self.roles = [
            (re.compile(pattern, re.I), found)
            for pattern, rule in ROLE_NAMES
            if (found := _agency_for_role(agencies, rule)) is not None
        ]

    def themes_for(self, text):
        stems = _stems(text)
        return [theme for theme, phrases in self.themes if any(p.found_in(stems) for p in phrases)]

    def agencies_for(self, text):
        text = _normalise(text)
        found = [agency for agency, pattern in self.agencies if pattern.search(text)]
        for pattern, agency in self.roles:
            if agency not in found and pattern.search(text):
                found.append(agency)
        return sorted(found, key=lambda agency: agency.name)

    def suggest(self, recommendations):
        for recommendation in recommendations:
            recommendation.themes = self.themes_for(recommendation.text)
            # An action plan's "lead agency" column names the agencies outright.
            lead = getattr(recommendation, "lead", "")
            recommendation.agencies = self.agencies_for(lead) or self.agencies_for(
                recommendation.text
            )
        return recommendations


def _agency_for_role(agencies, rule):
    """The one agency of the partnership a role name points at, or None if it is ambiguous."""
    matches = []
    for agency in agencies:
        if "sector" in rule and agency.sector not in rule["sector"]:
            continue
        label = f"{agency.name} {agency.short_name}".lower().replace("’", "'")
        if "words" in rule and not any(word in label for word in rule["words"]):
            continue
        matches.append(agency)
    return matches[0] if len(matches) == 1 else None
