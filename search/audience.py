"""Who is searching, in the terms the search documents carry: the visibility clauses of
`learning.permissions.visibility_clauses`, each partnership named by its slug.

Every engine filters by an audience inside its query (SQL, Elasticsearch, the ORM), so counts,
facets, suggestions and "said before" never reach past what the person may open."""

from dataclasses import dataclass

from django.db.models import Q

from learning import permissions


@dataclass(frozen=True)
class Audience:
    # ((levels, partnership slugs or None for any partnership), ...)
    clauses: tuple

    @classmethod
    def of(cls, user):
        clauses = permissions.visibility_clauses(user)
        ids = set().union(*(ids for _levels, ids in clauses if ids is not None))
        slugs = permissions.partnership_slugs(user, ids) if ids else {}
        return cls(
            tuple(
                (
                    tuple(str(level) for level in levels),
                    None if ids is None else frozenset(slugs[pk] for pk in ids if pk in slugs),
                )
                for levels, ids in clauses
            )
        )

    @classmethod
    def for_levels(cls, levels):
        """Everything at these levels, in any partnership (benchmarks, the library's own checks)."""
        return cls(((tuple(str(level) for level in levels), None),))

    def _open_clauses(self):
        return [(levels, slugs) for levels, slugs in self.clauses if slugs is None or slugs]

    @property
    def levels(self):
        """Every level open somewhere (for keys of caches; never a filter on its own)."""
        return sorted({level for levels, _slugs in self._open_clauses() for level in levels})

    def q(self, visibility="visibility", partnership="partnership"):
        allowed = Q(pk__in=[])
        for levels, slugs in self._open_clauses():
            clause = Q(**{f"{visibility}__in": list(levels)})
            if slugs is not None:
                clause &= Q(**{f"{partnership}__in": sorted(slugs)})
            allowed |= clause
        return allowed

    def sql(self, alias="d"):
        """One WHERE clause (parenthesised) and its parameters."""
        parts, params = [], []
        for levels, slugs in self._open_clauses():
            part = f"{alias}.visibility IN ({', '.join(['%s'] * len(levels))})"
            params += list(levels)
            if slugs is not None:
                part += f" AND {alias}.partnership IN ({', '.join(['%s'] * len(slugs))})"
                params += sorted(slugs)
            parts.append(f"({part})")
        return f"({' OR '.join(parts) or '1 = 0'})", params

    def es(self):
        """The same filter for Elasticsearch."""
        from elasticsearch.dsl import Q as ESQ

        should = []
        for levels, slugs in self._open_clauses():
            must = [ESQ("terms", visibility=list(levels))]
            if slugs is not None:
                must.append(ESQ("terms", partnership=sorted(slugs)))
            should.append(ESQ("bool", filter=must))
        if not should:
            return ESQ("match_none")
        return ESQ("bool", should=should, minimum_should_match=1)

    def key(self):
        """A short stable name of this audience, for caches."""
        return ";".join(
            f"{','.join(levels)}@{'*' if slugs is None else ','.join(sorted(slugs))}"
            for levels, slugs in self._open_clauses()
        )
