"""The relevance set: practitioners' searches with graded judgements, the small library they are
asked of, and the figures (MRR, nDCG@10, zero-result queries) that say how well an engine answers.

`evaluate_search` prints the figures for both engines; the relevance test asserts the targets.
A query graded with nothing relevant asks about something the library does not hold: it counts
in no mean and is judged by whether the search shows anything for it. Unrelated results (graded
nothing) among the first five say how much a relaxed search shows that was not asked for.
The held-out set asks other searches of the same library, written before the ranking was looked
at; its failures point only to general causes (vocabulary, word forms, how partial matches rank),
never to a query to tune for, so its figures say how search does on questions it was not fitted to.
"""

import datetime
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

RELEVANCE_FILE = Path(settings.BASE_DIR) / "tests" / "fixtures" / "search_relevance.json"
HELD_OUT_FILE = RELEVANCE_FILE.with_name("search_relevance_held_out.json")
CUTOFF = 10
# The results a searcher reads before deciding a search has failed them.
FIRST_RESULTS = 5


def load_relevance_set(path=RELEVANCE_FILE):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def build_library(data):
    """Create the set's themes, reviews, recommendations and briefings as live pages; returns
    {item id: search-document key}. The search-document table follows through the signals."""
    from home.models import HomePage
    from learning.models import Recommendation, Theme
    from reviews.models import BriefingIndexPage, ReviewIndexPage, ReviewPage

    home = HomePage.objects.get()

    def index(model, title, slug):
        return model.objects.first() or home.add_child(instance=model(title=title, slug=slug))

    reviews_index = index(ReviewIndexPage, "Reviews", "reviews")
    briefings_index = index(BriefingIndexPage, "Briefings", "briefings")
    themes = {
        slug: Theme.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in data["themes"]
    }
    keys, pages = {}, {}
    for n, item in enumerate(data["items"]):
        chosen = [themes[slug] for slug in item.get("themes", [])]
        if item["kind"] == "review":
            page = reviews_index.add_child(
                instance=ReviewPage(
                    title=item["title"],
                    slug=f"relevance-{item['id']}",
                    kind=item["review_kind"],
                    reference=item.get("reference", ""),
                    child_pseudonym=item.get("pseudonym", ""),
                    visibility="public",
                    publication_date=datetime.date(item["year"], 6, 1),
                    summary=item.get("summary", ""),
                    findings=item.get("findings", ""),
                )
            )
            page.themes.set(chosen)
            page.save()
            for number, rec in enumerate(item.get("recommendations", []), 1):
                recommendation = Recommendation.objects.create(
                    review=page, number=str(number), text=rec["text"], sort_order=number
                )
                recommendation.themes.set([themes[slug] for slug in rec.get("themes", [])])
                recommendation.save()
                keys[rec["id"]] = f"recommendation:{recommendation.pk}"
        else:
            page = _briefing(
                briefings_index, item, n, chosen, [pages[r] for r in item.get("reviews", [])]
            )
        pages[item["id"]] = page
        keys[item["id"]] = f"{item['kind']}:{page.pk}"
    return keys


def _briefing(parent, item, n, themes, reviews):
    from reviews.models import BRIEFING_PARTS, BriefingPage

    # Parts the set does not quote are required by the page: a dash keeps them out of search.
    parts = {name: item.get(name) or "-" for name, _ in BRIEFING_PARTS}
    page = parent.add_child(
        instance=BriefingPage(
            title=item["title"],
            slug=f"relevance-{item['id']}",
            visibility="public",
            summary=item.get("summary", ""),
            **parts,
        )
    )
    page.themes.set(themes)
    page.reviews.set(reviews)
    page.save()
    return page


@dataclass
class QueryFigures:
    q: str
    style: str
    reciprocal_rank: float
    ndcg: float
    count: int
    top: list = field(default_factory=list)
    answerable: bool = True  # something in the library is graded relevant
    unrelated: int = 0  # results graded nothing among the first FIRST_RESULTS


@dataclass
class EngineFigures:
    engine: str
    queries: list

    @property
    def answerable(self):
        return [f for f in self.queries if f.answerable]

    @property
    def mrr(self):
        return sum(f.reciprocal_rank for f in self.answerable) / len(self.answerable)

    @property
    def ndcg(self):
        return sum(f.ndcg for f in self.answerable) / len(self.answerable)

    @property
    def zero_results(self):
        """Answerable queries that found nothing."""
        return [f.q for f in self.answerable if f.count == 0]

    @property
    def unrelated(self):
        """Results graded nothing among each query's first five, on average over every query."""
        return sum(f.unrelated for f in self.queries) / len(self.queries)

    @property
    def answered_unanswerable(self):
        """Queries on something the library does not hold that were shown results anyway."""
        return [f.q for f in self.queries if not f.answerable and f.count]

    def by_style(self):
        styles = {}
        for figures in self.answerable:
            styles.setdefault(figures.style, []).append(figures)
        return {
            style: (
                sum(f.reciprocal_rank for f in rows) / len(rows),
                sum(f.ndcg for f in rows) / len(rows),
                len(rows),
            )
            for style, rows in sorted(styles.items())
        }


def dcg(gains):
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def judge(ranked_keys, grades):
    """Reciprocal rank of the first relevant result and nDCG@10 with graded gains (2^grade - 1)."""
    reciprocal = 0.0
    for rank, key in enumerate(ranked_keys, 1):
        if grades.get(key, 0) > 0:
            reciprocal = 1 / rank
            break
    gains = [2 ** grades.get(key, 0) - 1 for key in ranked_keys[:CUTOFF]]
    ideal = sorted((2**grade - 1 for grade in grades.values()), reverse=True)[:CUTOFF]
    return reciprocal, (dcg(gains) / dcg(ideal)) if ideal else 0.0


def evaluate(data, keys, engine_name, user=None):
    """Ask every query of the set through the search service, as the page and the API do."""
    from .query import SearchRequest
    from .services import search

    figures = []
    for query in data["queries"]:
        grades = {keys[item]: grade for item, grade in query["relevant"].items()}
        answer = search(SearchRequest(q=query["q"]), user, engine_name=engine_name)
        ranked = [doc.key for doc in answer.results]
        reciprocal, ndcg = judge(ranked, grades)
        unrelated = sum(1 for key in ranked[:FIRST_RESULTS] if not grades.get(key))
        figures.append(
            QueryFigures(
                query["q"],
                query["style"],
                reciprocal,
                ndcg,
                answer.count,
                ranked[:3],
                answerable=bool(grades),
                unrelated=unrelated,
            )
        )
    return EngineFigures(engine_name, figures)
