"""No import circle between the top-level domain packages (STYLE.md: no circles)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "auth", "loyalty", "mall", "analytics", "engagement", "till", "wallet",
            "care", "games", "crm")


def _imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, function-local imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def package_graph() -> dict[str, set[str]]:
    """Package -> the other domain packages its modules import."""
    graph = {}
    for package in PACKAGES:
        imported = set()
        for path in (ROOT / package).rglob("*.py"):
            imported |= _imported_packages(path)
        graph[package] = (imported & set(PACKAGES)) - {package}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph[node])
    return False


def circles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every pair (a imports b) where b also reaches back to a."""
    return sorted((a, b) for a, targets in graph.items() for b in targets
                  if _reaches(graph, b, a))


def test_the_circle_finder_sees_a_circle_through_a_third_package():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [("a", "b"), ("b", "c"), ("c", "a")]


def test_no_domain_package_imports_one_that_imports_it_back():
    assert circles(package_graph()) == []


def test_loyalty_and_mall_import_no_higher_package():
    graph = package_graph()
    higher = {"till", "care", "crm", "wallet", "games"}
    assert graph["loyalty"] & higher == set()
    assert graph["mall"] & higher == set()
