"""The dependency inside an app runs one way: constants and rules at the bottom, models above them,
services above models, tasks and views at the top calling down. An import circle among these
modules (at module level or inside a function) fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The folders whose modules must not be part of an import circle, each with the app it is read in
# (a circle through learning/permissions.py and back into learning/models counts).
CHECKED = {"search": "search", "learning/models": "learning", "reviews/models": "reviews"}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path, known):
    """The project modules `path` imports anywhere in its body, resolved to names in `known`."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from . import sync` names a module; `from .models import Page` names a module's
            # attribute: try the longer name first.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(folders):
    paths = [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    known = {module_name(path): path for path in paths}
    return {name: imported_modules(path, known) for name, path in known.items()}


def circles(graph):
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in graph.get(node, ()):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_a_function_level_import_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "low.py").write_text("def f():\n    from .high import g\n")
    (tmp_path / "pkg" / "high.py").write_text("from pkg import low\n")
    assert circles(import_graph(["pkg"])) == [["pkg.high", "pkg.low"]]


@pytest.mark.parametrize("folder", CHECKED)
def test_no_import_circle_inside(folder):
    inside = folder.replace("/", ".")
    found = [
        group
        for group in circles(import_graph([CHECKED[folder]]))
        if any(name == inside or name.startswith(inside + ".") for name in group)
    ]
    assert found == []
