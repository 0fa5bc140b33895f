"""What an engine answers, in one shape for both engines (they import it from here, below the
choice between them)."""

from dataclasses import dataclass, field


@dataclass
class EngineAnswer:
    """What an engine found: the total, one page of (document key, raw snippet), facet counts."""

    count: int
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)  # facet -> {value: count}
    engine: str = "database"
