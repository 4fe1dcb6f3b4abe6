"""The shape of the package: the public surface is the documented one, sorted, and shown as
``booru_async.X``; the product's modules import each other without a cycle."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import booru_async as ba

PACKAGE = Path(ba.__file__).parent

#: The contract's public names (sections 2, 3 and 6) plus the supporting types users meet
#: in signatures. A change here is a change of the product's promise.
DOCUMENTED = {
    "Award", "BadQuery", "Blocked", "BooruError", "Budgets", "CachePolicy", "Client",
    "Comment", "CrawlPager", "DecodeError", "DnpEntry", "Filter", "Flavour", "Forbidden",
    "Forum", "ForumPost", "Gallery", "HTTPStatusError", "Image", "IntegrityError",
    "Intensities", "Interaction", "Link", "LocalScheduler", "Location", "MemoryCache",
    "NotFound", "Oembed", "Page", "Pager", "Priority", "RateLimited", "RedisCache",
    "RedisScheduler", "Representation",
    "Representations", "RequestInfo", "RetryPolicy", "SITES", "SQLiteCache", "ServerError",
    "Site", "Stats", "Tag", "Topic", "TransportError", "Unauthorized", "UnsupportedOperation",
    "UploadRejected", "User", "__version__", "query",
    # Section 6 (bots): ratings and credit.
    "Credit", "DARK_RATING_TAGS", "RATINGS", "RATING_TAGS", "Rating", "RatingTag",
    # Issue 11: what images.rankings() returns (the legacy /lists.json).
    "Rankings",
    # Issue 13: the sort names a type checker knows (images.search(sort=...)).
    "ImageSort",
}


def test_all_is_sorted_and_is_the_documented_surface() -> None:
    assert ba.__all__ == sorted(ba.__all__)
    assert set(ba.__all__) == DOCUMENTED
    for name in ba.__all__:
        assert hasattr(ba, name), name


def test_public_classes_show_as_booru_async() -> None:
    for name in ba.__all__:
        value = getattr(ba, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert value.__module__ == "booru_async", name


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    """Modules a module imports at module level (``TYPE_CHECKING`` blocks included: a cycle
    for the type checker is a cycle in the design)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    nodes: list[ast.stmt] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        is_guard = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        nodes.extend(node.body if is_guard else [node])  # type: ignore[attr-defined]
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("booru_async"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("booru_async"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _is_module(sub) else target)
    return found


def test_no_import_cycles_among_the_product_modules() -> None:
    paths = [p for p in PACKAGE.rglob("*.py") if "testing" not in p.relative_to(PACKAGE).parts]
    graph = {_module_name(p): _imports(p) - {_module_name(p)} for p in paths}
    for name in graph:
        importlib.import_module(name)  # every module imports on its own
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_cli_uses_public_names_only() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        for target in _imports(path):
            assert target.startswith("booru_async.cli") or target in (
                "booru_async", "booru_async.query", "booru_async.testing"
            ), f"{path.name} imports {target}"
