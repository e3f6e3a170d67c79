"""The architecture of DESIGN.md as a test: parse every module's imports, fail on a forbidden arrow.

Floors: zorka (4) wires everything; flight and sim (3) meet only at hal; ground and hal (2); native (1).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("zorka", "flight", "sim", "ground", "hal", "native")
ALLOWED = {
    "zorka": {"zorka", "flight", "sim", "ground", "hal", "native"},
    "flight": {"flight", "hal", "native"},
    "sim": {"sim", "hal", "native"},
    "ground": {"ground", "hal", "native"},
    "hal": {"hal", "native"},
    "native": {"native"},
}


def project_imports(path: Path):
    """(line, top-level project package) for every absolute import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                yield node.lineno, top


def modules():
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_package_has_modules_to_check():
    assert {p.relative_to(ROOT).parts[0] for p in modules()} >= {"zorka", "flight", "sim", "hal", "native"}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_floors(path):
    package = path.relative_to(ROOT).parts[0]
    forbidden = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for line, target in project_imports(path)
        if target not in ALLOWED[package]
    ]
    assert not forbidden, "DESIGN.md forbids: " + "; ".join(forbidden)


def test_relative_imports_do_not_hide_arrows():
    """Relative imports could cross floors unseen by the check above; the project uses none."""
    offenders = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{path.relative_to(ROOT)}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level > 0
        ]
    assert not offenders
