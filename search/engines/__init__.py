"""The two search engines behind one interface, and the choice between them."""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class EngineAnswer:
    """What an engine found: the total, one page of (document key, raw snippet), facet counts."""

    count: int
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)  # facet -> {value: count}
    engine: str = "database"


def get_engine(name=None):
    name = name or settings.SEARCH_ENGINE
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine()
    from .database import DatabaseEngine

    return DatabaseEngine()
