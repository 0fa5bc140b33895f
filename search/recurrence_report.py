"""The recurrence report: groups of recommendations that say the same thing across reviews, the
theme × financial-year matrix with persistent and emerging themes, and findings that came back
after the earlier actions were assured. Built only from what the reader may see.
"""

import contextlib
import datetime
import gc
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


@contextlib.contextmanager
def _without_cycle_collection():
    """Building the report makes a few hundred thousand objects that form no cycles (a member
    for every visible recommendation, a number for every same pair); each few hundred of them
    set off Python's cycle collector, which walks every object alive, again and again. It is held
    off while the report is built and runs once after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
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
    partnership: str = ""  # the name of the partnership whose review said it
    described: bool = False  # its wording, link, status and agencies have been read


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
    def partnerships(self):
        """The partnerships whose reviews said it: more than one when children's, adults' and
        domestic abuse learning recur across the business unit."""
        return list(dict.fromkeys(m.partnership for m in self.members if m.partnership))

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
    confirmed: bool = False  # the business unit linked the two; else the verdict suggests it


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

    # What a person confirmed is counted apart from what the wording suggests: on findings the
    # verdict never learned, a quarter or more of its *same* verdicts among the pairs search
    # brings were wrong (evaluate_recurrence, held out), so a figure that goes into an annual
    # report must say which it is.
    @property
    def confirmed_groups(self):
        return sum(1 for group in self.groups if group.confirmed)

    @property
    def suggested_groups(self):
        return len(self.groups) - self.confirmed_groups

    @property
    def confirmed_after_assurance(self):
        return sum(1 for r in self.after_assurance if r.confirmed)

    @property
    def suggested_after_assurance(self):
        return len(self.after_assurance) - self.confirmed_after_assurance

    def describe(self, groups):
        """Read the wording, links and agencies of these groups' members."""
        _describe([m for group in groups for m in group.members])


def _members(levels):
    """Every recommendation the reader may see, with what grouping and the matrix need (its
    review, year and financial year); the wording, links and agencies are read only for those
    shown (`_describe`)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    # A review's recommendations share its publication moment, so each distinct moment is read
    # as a date once and the rows carry it as text: a hundred thousand rows are not each turned
    # into a datetime.
    documents = recommendation_documents(levels).annotate(moment=Cast("published_at", CharField()))
    moments = {
        moment: (financial_year(published), published.date() if published else None)
        for moment, published in documents.values_list("moment", "published_at").distinct()
    }
    members = {}
    for pk, page, year, moment in documents.values_list("object_id", "page_id", "year", "moment"):
        fy, published = moments[moment]
        members[pk] = Member(pk, "", page, "", "", year or 0, fy, "", "", published)
    return members


def _describe(members, chunk=5000):
    """Fill in the review, number, wording, link, status and agencies of these members (each
    visible to the reader already), a few queries per `chunk` of them."""
    from learning.models import Partnership

    from .models import SearchDocument

    labels = {value: str(label) for value, label in SearchDocument.Status.choices}
    names = dict(Partnership.objects.values_list("slug", "name"))
    waiting = {m.id: m for m in members if not m.described}
    ids = list(waiting)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        documents = SearchDocument.objects.filter(
            kind=SearchDocument.Kind.RECOMMENDATION, object_id__in=part
        )
        for pk, review, number, text, url, status, partnership in documents.values_list(
            "object_id", "review", "number", "text", "url", "status", "partnership"
        ):
            member = waiting[pk]
            member.review, member.number, member.text, member.url = review, number, text, url
            member.status = labels.get(status, status)
            member.partnership = names.get(partnership, "")
            member.described = True
        for pk, label in SearchDocumentTag.objects.filter(
            facet=SearchDocumentTag.Facet.AGENCY, document__in=documents
        ).values_list("document__object_id", "label"):
            waiting[pk].agencies.append(label)


def _edges(visible):
    """Pairs that are the same finding, each once (smaller id first), as an n × 2 array, and
    which of them a person confirmed: recorded links, and neighbours the verdict calls *same*.
    Both ends must be among `visible` (the ids the reader may see, a dict or set)."""
    import numpy as np

    # A large library has about a million such rows: they come back as one string of
    # (recommendation << 32 | neighbour) codes, parsed by numpy, not as a million row tuples.
    table = RecurrenceNeighbour._meta.db_table
    code = "(recommendation_id << 32) | neighbour_id"
    joined = (
        f"group_concat({code})"
        if connection.vendor == "sqlite"
        else (f"string_agg(({code})::text, ',')")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {joined} FROM {table} WHERE score >= %s",  # noqa: S608 - names are constants
            [verdict.model().same],
        )
        found = cursor.fetchone()[0]
    codes = np.fromstring(found or "", dtype=np.int64, sep=",")
    pairs = np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1)
    pairs = pairs[np.isin(pairs, np.fromiter(visible, dtype=np.int64)).all(axis=1)]
    # The links a person recorded are few; both ends are checked here, as a filter in SQL on
    # two sub-queries of the visible documents made SQLite take a minute over sixty links.
    links = [
        pair
        for pair in RecurrenceLink.objects.values_list("earlier_id", "later_id")
        if pair[0] in visible and pair[1] in visible
    ]
    confirmed = {tuple(sorted(pair)) for pair in links}
    if links:
        pairs = np.concatenate([pairs, np.array(links, dtype=np.int64)])
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64), confirmed
    pairs = np.sort(pairs, axis=1)
    codes = np.sort((pairs[:, 0] << 32) | pairs[:, 1])
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1), confirmed


def _cliques(edges, confirmed):
    """Groups in which every member is the same finding as every other, never a chain (A like B
    like C with A unlike C is two groups at most, not one). Confirmed links come first: the
    recommendations a person linked to a centre form its group with them, and a suggestion joins
    a group only if it is the same as every member. Each recommendation is in one group.
    Returns [(ids, confirmed)]."""
    import numpy as np

    # Who is the same as whom, built with numpy: 100,000 recommendations have several hundred
    # thousand such pairs, too many to walk one by one in Python. A pair is one number (smaller
    # id << 32 | larger id), so "is a the same as b" is one look-up in a set.
    pairs = set(((edges[:, 0] << 32) | edges[:, 1]).tolist())
    ends = np.concatenate([edges[:, 0], edges[:, 1]])
    others = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.argsort(ends, kind="stable")
    ends, others = ends[order], others[order]
    starts = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]]) if len(ends) else ends
    nodes, counts = ends[starts], np.diff(np.r_[starts, len(ends)])
    # Most connected first, then the smaller id: each node's place in that order.
    degree_order = np.lexsort((nodes, -counts))
    by_degree = nodes[degree_order]
    rank_of = np.empty(len(nodes), dtype=np.int64)
    rank_of[degree_order] = np.arange(len(nodes))
    # Each node's others, in the order they are offered to its group: by rank.
    order = np.lexsort((rank_of[np.searchsorted(nodes, others)], ends))
    others = others[order]
    where = dict(zip(nodes.tolist(), starts.tolist(), strict=True))
    count_of = dict(zip(nodes.tolist(), counts.tolist(), strict=True))

    def ranked(node):
        if node not in where:
            return []
        return others[where[node] : where[node] + count_of[node]].tolist()

    by_degree = by_degree.tolist()
    rank = {node: n for n, node in enumerate(by_degree)}
    linked = defaultdict(set)
    for a, b in confirmed:
        linked[a].add(b)
        linked[b].add(a)
    placed = set()
    groups = []

    def grow(members, candidates):
        # The innermost loop of the report (hundreds of thousands of checks): written out.
        for candidate in candidates:
            if candidate in placed or candidate in members:
                continue
            for member in members:
                if (
                    (candidate << 32) | member if candidate < member else (member << 32) | candidate
                ) not in pairs:
                    break
            else:
                members.append(candidate)
        return members

    def by_rank(candidates):
        return sorted(candidates, key=lambda c: (rank.get(c, len(rank)), c))

    # A confirmed centre: the recommendation with the most confirmed links, and those links.
    for centre in sorted(linked, key=lambda c: (-len(linked[c]), c)):
        if centre in placed:
            continue
        members = [centre] + sorted(o for o in linked[centre] if o not in placed)
        if len(members) < 2:
            continue
        confirmed_members = len(members)
        members = grow(members, by_rank({o for m in members for o in ranked(m)}))
        placed.update(members)
        groups.append((members, len(members) == confirmed_members))
    for start in by_degree:
        if start in placed:
            continue
        members = grow([start], ranked(start))
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


def build_report(user, theme=None, fy=None, group=None, describe_groups=True):
    """The report as `user` may see it. With `describe_groups` off, the groups' members carry
    only what sorts and counts them; `RecurrenceReport.describe` reads the wording of the groups
    a page shows (a large library has thousands)."""
    with _without_cycle_collection():
        return _build_report(user, theme, fy, describe_groups)


def _build_report(user, theme, fy, describe_groups):
    levels = Audience.of(user)
    members = _members(levels)
    edges, confirmed = _edges(members)
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
            pair = tuple(sorted((first.id, second.id)))
            after.append(Recurrence(first, second, when, confirmed=pair in confirmed))
    unique = {(r.earlier.id, r.later.id): r for r in after}
    # Confirmed first: those are the ones to report.
    after = sorted(unique.values(), key=lambda r: (not r.confirmed, -r.later.year, r.later.id))

    report = RecurrenceReport(groups=groups, years=years, matrix=matrix, after_assurance=after)
    _describe([m for r in after for m in (r.earlier, r.later)])
    if describe_groups:
        report.describe(groups)
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
        _describe(report.selected)
        label = next((r.theme for r in matrix if r.slug == theme), theme)
        report.selection_label = f"{label}, {financial_year_label(fy)}"
    return report
