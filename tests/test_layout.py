"""The package reads as the data flow: no module imports from a floor above its own.

Floors, bottom to top (DESIGN.md): foundations, data, problem, generators, methods (classical
and GEO as peers), orchestration, metrics, report, then the API and the CLI. Imports inside
functions count too: a lazy import that points up is still a loop in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo"

# top-level package (or module) under geo/ -> floor
FLOORS = {
    "core": 0,
    "data": 1,
    "problem": 2,
    "generators": 3,
    "methods": 4, "classical": 4, "generator_enhanced": 4, "quantum": 4,
    "orchestration": 5, "distributed": 5,
    "metrics": 6,
    "report": 7,
    "api": 8, "cli": 8, "__init__": 8,
}


def unit_of(module: str) -> str:
    """'geo.classical.exact' -> 'classical'; 'geo' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_geo_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "geo"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "geo":
                found += [(node.lineno, f"geo.{alias.name}") for alias in node.names]
            elif node.module.split(".")[0] == "geo":
                found.append((node.lineno, node.module))
    return found


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(relative.parts)


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_has_a_floor():
    units = {unit_of(module_name(p)) for p in package_modules()}
    assert units <= set(FLOORS), f"give these a floor in FLOORS: {sorted(units - set(FLOORS))}"


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_points_up(path: Path):
    own = FLOORS[unit_of(module_name(path))]
    upward = [f"line {line}: {target} (floor {FLOORS.get(unit_of(target), '?')} > {own})"
              for line, target in imported_geo_modules(path)
              if unit_of(target) in FLOORS and FLOORS[unit_of(target)] > own]
    assert not upward, f"{path.relative_to(PACKAGE)} imports up a floor: " + "; ".join(upward)


def test_the_checker_sees_an_upward_import(tmp_path):
    """The walk can fail: a data module that imports the report is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from geo.report import render\n")
    assert imported_geo_modules(bad) == [(2, "geo.report")]
    assert FLOORS[unit_of("geo.report")] > FLOORS["data"]
