"""Every docstring example in geo runs and prints what it says (doctest).

The modules are found, not listed: any module whose source holds an example (``>>>``) is run, so
an example added to a docstring the API reference renders (docs/reference/*.md) is tested from
the moment it is written.
"""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def modules_with_examples() -> list[str]:
    names = []
    for path in sorted((ROOT / "geo").rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = modules_with_examples()


def test_the_api_reference_examples_are_among_them():
    """The search finds the API's examples, and every object the API reference renders lives in
    geo (so its examples, if any, are in a module searched here)."""
    assert {"geo.api.run", "geo.api.result"} <= set(MODULES)
    rendered = [line.split()[1] for page in sorted((ROOT / "docs" / "reference").glob("*.md"))
                for line in page.read_text(encoding="utf-8").splitlines() if re.match(r"::: \S", line)]
    assert rendered and all(name.startswith("geo.") for name in rendered)
    for name in rendered:  # each resolves: a module, or an attribute of one
        module, _, attribute = name.rpartition(".")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            assert hasattr(importlib.import_module(module), attribute), name


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert outcome.attempted > 0, f"{name} has no examples"
    assert outcome.failed == 0
