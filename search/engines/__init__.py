"""The two search engines behind one interface, and the choice between them."""

from django.conf import settings

from .answer import EngineAnswer

__all__ = ["EngineAnswer", "get_engine"]


def get_engine(name=None):
    name = name or settings.SEARCH_ENGINE
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine()
    from .database import DatabaseEngine

    return DatabaseEngine()
