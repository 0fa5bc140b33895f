""" "Did you mean …?": the nearest word of the library's own vocabulary to a word that finds nothing.

The vocabulary is the words of the documents this visitor may open, the theme names and the
thesaurus, so a suggestion never names something restricted. It is built once per change of the
library and kept in the cache."""

import difflib
import hashlib
import re
from collections import Counter

from django.core.cache import cache
from django.db.models import Count, Max

from learning.models import Theme

from .models import SearchDocument
from .vocabulary import synonym_groups

_WORD = re.compile(r"[^\W\d_]{3,}")
# Below this, common words ("being") would be "corrected" to unrelated ones ("bring").
MIN_SIMILARITY = 0.85
# A short word keeps its first letter when respelled (as Lucene's spell checker and Elasticsearch's
# term suggester keep a prefix): one letter added or dropped at the start of a short word makes
# another ordinary word ("call", "all"), not a slip. A longer word may differ there: a prefix
# joined on without its hyphen is a slip of spacing.
SHORT_WORD = 6


def _words(text):
    return (w.lower() for w in _WORD.findall(text or ""))


def library_vocabulary(audience):
    """{word: how often it occurs} over the documents this audience may open."""
    visible = SearchDocument.objects.filter(audience.q())
    state = visible.aggregate(count=Count("id"), changed=Max("updated_at"))
    changed = state["changed"].timestamp() if state["changed"] else 0
    who = hashlib.sha256(audience.key().encode()).hexdigest()[:16]
    key = f"search-vocabulary-{who}-{state['count']}-{changed}"
    found = cache.get(key)
    if found is not None:
        return found
    counts = Counter()
    for title, keywords, text in visible.values_list("title", "keywords", "text").iterator(
        chunk_size=2000
    ):
        counts.update(_words(title))
        counts.update(_words(keywords))
        counts.update(_words(text))
    for name in Theme.objects.values_list("name", flat=True):
        counts.update(_words(name))
    for group in synonym_groups():
        for term in group:
            counts.update(_words(term))
    found = dict(counts)
    cache.set(key, found, 3600)
    return found


def suggest(word, audience):
    """The library's closest word to this one, or None when it is known or nothing is close."""
    word = word.lower()
    vocabulary = library_vocabulary(audience)
    if not _WORD.fullmatch(word) or word in vocabulary:
        return None
    candidates = [
        v
        for v in vocabulary
        if abs(len(v) - len(word)) <= 2 and (len(word) >= SHORT_WORD or v[0] == word[0])
    ]
    close = difflib.get_close_matches(word, candidates, n=5, cutoff=MIN_SIMILARITY)
    if not close:
        return None
    return max(
        close,
        key=lambda v: (
            round(difflib.SequenceMatcher(None, word, v).ratio(), 2),
            vocabulary[v],
        ),
    )
