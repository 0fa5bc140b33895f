"""The recurrence report: groups of recommendations that say the same thing across reviews, the
theme × financial-year matrix with persistent and emerging themes, and findings that came back
after the earlier actions were assured. Built only from what the reader may see.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from learning.models import RecurrenceLink
from reviews.yearly_report import financial_year_label, financial_year_start

from . import verdict
from .audience import Audience
from .models import RecurrenceNeighbour, SearchDocumentTag
from .recurrence import assured_dates, recommendation_documents

YEARS_SHOWN = 5
PERSISTENT_YEARS = 3  # of the last five


def financial_year(moment):
    """The April-to-March year a date (or a moment, on the local calendar) falls in, named by its
    first calendar year: the yearly report's financial year."""
    if moment is None:
        return None
    day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
    return financial_year_start(day).year


@dataclass
class Member:
    id: int
    review: str
    review_id: int
    number: str
    text: str
    year: int
    fy: int
    url: str
    status: str
    published: datetime.date | None = None
    agencies: list = field(default_factory=list)


@dataclass
class Group:
    """Recommendations each the same finding as every other member (a person confirmed it, or
    the verdict says *same*), or each confirmed as the same as the group's centre."""

    members: list
    confirmed: bool = False  # every tie in the group was confirmed by the business unit

    @property
    def years(self):
        return sorted({m.year for m in self.members if m.year})

    @property
    def reviews(self):
        return list(dict.fromkeys(m.review for m in self.members))

    @property
    def agencies(self):
        return sorted({a for m in self.members for a in m.agencies})

    @property
    def latest(self):
        return max(m.year or 0 for m in self.members)


@dataclass
class MatrixRow:
    theme: str
    slug: str
    cells: list  # [(fy, recommendations, reviews)]
    persistent: bool
    emerging: bool
    new: bool


@dataclass
class Recurrence:
    earlier: Member
    later: Member
    assured_on: datetime.datetime


@dataclass
class RecurrenceReport:
    groups: list
    years: list
    matrix: list
    after_assurance: list
    selected: list = field(default_factory=list)
    selection_label: str = ""

    @property
    def year_labels(self):
        return [financial_year_label(y) for y in self.years]


def _members(levels):
    rows = recommendation_documents(levels).values_list(
        "object_id",
        "review",
        "page_id",
        "number",
        "text",
        "year",
        "published_at",
        "url",
        "status",
    )
    from .models import SearchDocument

    labels = {value: str(label) for value, label in SearchDocument.Status.choices}
    # A review's recommendations share its publication moment: each moment's year found once.
    years = {}

    def year_of(published):
        if published not in years:
            years[published] = financial_year(published)
        return years[published]

    members = {
        pk: Member(
            pk,
            review,
            page,
            number,
            text,
            year or 0,
            year_of(published),
            url,
            labels.get(status, status),
            published.date() if published else None,
        )
        for pk, review, page, number, text, year, published, url, status in rows
    }
    return members


def _agencies(levels, members):
    visible = recommendation_documents(levels)
    for object_id, label in SearchDocumentTag.objects.filter(
        facet=SearchDocumentTag.Facet.AGENCY, document__in=visible
    ).values_list("document__object_id", "label"):
        if object_id in members:
            members[object_id].agencies.append(label)


def _edges(levels):
    """Pairs that are the same finding, each once (smaller id first), as an n × 2 array, and
    which of them a person confirmed: recorded links, and neighbours the verdict calls *same*.
    Both ends must be visible; the filter is part of the query."""
    import numpy as np

    visible = recommendation_documents(levels).values("object_id")
    neighbours = RecurrenceNeighbour.objects.filter(
        score__gte=verdict.model().same, recommendation_id__in=visible, neighbour_id__in=visible
    ).values_list("recommendation_id", "neighbour_id")
    sql, params = neighbours.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    links = list(
        RecurrenceLink.objects.filter(earlier_id__in=visible, later_id__in=visible).values_list(
            "earlier_id", "later_id"
        )
    )
    confirmed = {tuple(sorted(pair)) for pair in links}
    rows += links
    if not rows:
        return np.zeros((0, 2), dtype=np.int64), confirmed
    pairs = np.sort(np.array(rows, dtype=np.int64), axis=1)
    codes = np.unique((pairs[:, 0] << 32) | pairs[:, 1])
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1), confirmed


def _cliques(edges, confirmed):
    """Groups in which every member is the same finding as every other, never a chain (A like B
    like C with A unlike C is two groups at most, not one). Confirmed links come first: the
    recommendations a person linked to a centre form its group with them, and a suggestion joins
    a group only if it is the same as every member. Each recommendation is in one group.
    Returns [(ids, confirmed)]."""
    import numpy as np

    # Who is the same as whom, built with numpy: 100,000 recommendations have a few hundred
    # thousand such pairs, too many to walk one by one in Python.
    ends = np.concatenate([edges[:, 0], edges[:, 1]])
    others = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.argsort(ends, kind="stable")
    ends, others = ends[order], others[order]
    nodes, starts, counts = np.unique(ends, return_index=True, return_counts=True)
    others, bounds = others.tolist(), [*starts.tolist(), len(ends)]
    same = defaultdict(set)
    same.update(
        (node, set(others[start:stop]))
        for node, start, stop in zip(nodes.tolist(), bounds, bounds[1:], strict=False)
    )
    # Most connected first, then the smaller id: each node's place in that order.
    by_degree = nodes[np.lexsort((nodes, -counts))].tolist()
    rank = {node: n for n, node in enumerate(by_degree)}
    linked = defaultdict(set)
    for a, b in confirmed:
        linked[a].add(b)
        linked[b].add(a)
    placed = set()
    groups = []

    def grow(members, candidates):
        for candidate in sorted(candidates, key=lambda c: (rank.get(c, len(rank)), c)):
            if (
                candidate not in placed
                and candidate not in members
                and all(candidate in same[m] for m in members)
            ):
                members.append(candidate)
        return members

    # A confirmed centre: the recommendation with the most confirmed links, and those links.
    for centre in sorted(linked, key=lambda c: (-len(linked[c]), c)):
        if centre in placed:
            continue
        members = [centre] + sorted(o for o in linked[centre] if o not in placed)
        if len(members) < 2:
            continue
        confirmed_members = len(members)
        members = grow(members, set().union(*(same[m] for m in members)))
        placed.update(members)
        groups.append((members, len(members) == confirmed_members))
    for start in by_degree:
        if start in placed:
            continue
        members = grow([start], same[start])
        if len(members) < 2:
            continue
        placed.update(members)
        groups.append((members, False))
    return groups


def _matrix(levels, members):
    """Theme × financial year: recommendations and reviews, with flags."""
    visible = recommendation_documents(levels)
    counts = defaultdict(lambda: defaultdict(lambda: [0, set()]))
    names = {}
    for object_id, slug, label in SearchDocumentTag.objects.filter(
        facet=SearchDocumentTag.Facet.THEME, document__in=visible
    ).values_list("document__object_id", "value", "label"):
        member = members.get(object_id)
        if member is None or member.fy is None:
            continue
        names[slug] = label
        cell = counts[slug][member.fy]
        cell[0] += 1
        cell[1].add(member.review_id)
    all_years = [m.fy for m in members.values() if m.fy is not None]
    if not all_years:
        return [], []
    last = max(all_years)
    years = list(range(last - YEARS_SHOWN + 1, last + 1))
    rows = []
    for slug, by_year in counts.items():
        cells = [
            (y, by_year[y][0], len(by_year[y][1])) if y in by_year else (y, 0, 0) for y in years
        ]
        present = sum(1 for _, n, _ in cells if n)
        latest, previous = cells[-1][1], [cells[-2][1], cells[-3][1]]
        new = latest > 0 and not any(y < years[-1] for y in by_year)
        # Emerging: new, or at least double the average of the two years before.
        emerging = latest > 0 and latest >= 2 * (sum(previous) / 2)
        rows.append(
            MatrixRow(
                theme=names[slug],
                slug=slug,
                cells=cells,
                persistent=present >= PERSISTENT_YEARS,
                emerging=emerging,
                new=new,
            )
        )
    rows.sort(key=lambda r: (-sum(n for _, n, _ in r.cells), r.theme.lower()))
    return years, rows


def build_report(user, theme=None, fy=None, group=None):
    levels = Audience.of(user)
    members = _members(levels)
    _agencies(levels, members)
    edges, confirmed = _edges(levels)
    groups = []
    for ids, all_confirmed in _cliques(edges, confirmed):
        found = [members[pk] for pk in ids if pk in members]
        if len({m.review_id for m in found}) < 2:
            continue
        found.sort(key=lambda m: (m.year, m.id))
        groups.append(Group(found, confirmed=all_confirmed))
    groups.sort(key=lambda g: (-len(g.members), -g.latest))
    years, matrix = _matrix(levels, members)

    assured = dict(assured_dates())
    import numpy as np

    touched = np.isin(edges, list(assured)).any(axis=1) if assured else []
    after = []
    for a, b in edges[touched].tolist() if assured else []:
        first, second = sorted([members[a], members[b]], key=lambda m: (m.year, m.id))
        when = assured.get(first.id)
        later_date = second.published
        if (
            when
            and later_date
            and when.date() <= later_date
            and first.review_id != second.review_id
        ):
            after.append(Recurrence(first, second, when))
    unique = {(r.earlier.id, r.later.id): r for r in after}
    after = sorted(unique.values(), key=lambda r: (-r.later.year, r.later.id))

    report = RecurrenceReport(groups=groups, years=years, matrix=matrix, after_assurance=after)
    if theme and fy is not None:
        tagged = set(
            SearchDocumentTag.objects.filter(
                facet=SearchDocumentTag.Facet.THEME,
                value=theme,
                document__in=recommendation_documents(levels),
            ).values_list("document__object_id", flat=True)
        )
        report.selected = sorted(
            (m for pk, m in members.items() if pk in tagged and m.fy == fy),
            key=lambda m: (m.year, m.id),
        )
        label = next((r.theme for r in matrix if r.slug == theme), theme)
        report.selection_label = f"{label}, {financial_year_label(fy)}"
    return report
