"""The architecture of DESIGN.md as a test: every module's imports (those under `if TYPE_CHECKING:` too)
parsed, each forbidden arrow between packages and each import cycle between modules a failure.

Floors: zorka (4) wires everything; flight, sim and ground (3) meet only through hal and ccsds (2);
native (1) imports nothing of the project.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("zorka", "flight", "sim", "ground", "ccsds", "hal", "native")
ALLOWED = {
    "zorka": {"zorka", "flight", "sim", "ground", "ccsds", "hal", "native"},
    "flight": {"flight", "hal", "ccsds", "native"},
    "sim": {"sim", "hal", "native"},
    "ground": {"ground", "ccsds", "native"},
    "hal": {"hal", "native"},
    "ccsds": {"ccsds", "native"},
    "native": {"native"},
}
ZORKA_TOP_LEVEL = {"__init__.py", "__main__.py", "cli.py"}


def imported_modules(path: Path):
    """(line, dotted name) of every absolute import; for `from a.b import c` both a.b and a.b.c."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a package import means its __init__)."""
    names = {module_name(p): p for p in modules()}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = {target for _, target in imported_modules(path) if target in names and target != name}
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that returns to its start, or None (iterative depth-first)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(step) == 1:
                return [*path[path.index(step) :], step]
            elif not state.get(step):
                state[step] = 1
                path.append(step)
                stack.append(iter(sorted(graph[step])))
    return None


def test_every_package_has_modules_to_check():
    assert {p.relative_to(ROOT).parts[0] for p in modules()} == set(PACKAGES)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_floors(path):
    package = path.relative_to(ROOT).parts[0]
    forbidden = {
        f"{path.relative_to(ROOT)}:{line} imports {target.split('.')[0]}"
        for line, target in imported_modules(path)
        if target.split(".")[0] in PACKAGES and target.split(".")[0] not in ALLOWED[package]
    }
    assert not forbidden, "DESIGN.md forbids: " + "; ".join(sorted(forbidden))


def test_no_import_cycle_between_modules():
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_planted_cycle():
    """The check above is only as good as its search: a known cycle two modules deep is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_zorka_keeps_its_modules_in_rooms():
    """Only the command's entry points sit at the top of zorka/; the work lives in its rooms."""
    loose = sorted(p.name for p in (ROOT / "zorka").glob("*.py") if p.name not in ZORKA_TOP_LEVEL)
    assert not loose, f"move into a room of zorka/ (DESIGN.md, The folders): {loose}"


def test_relative_imports_do_not_hide_arrows():
    """Relative imports could cross floors unseen by the checks above; the project uses none."""
    offenders = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{path.relative_to(ROOT)}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level > 0
        ]
    assert not offenders
