"""The site's rendering of docstrings (docs/griffe_docstrings.py): roles as code, examples as code blocks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _as_markdown():
    spec = importlib.util.spec_from_file_location("griffe_docstrings", DOCS / "griffe_docstrings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.as_markdown


def test_roles_become_code_spans():
    as_markdown = _as_markdown()
    text = "Wraps :class:`~geo.core.results.FrontierResult`; see :func:`geo.load` and :mod:`geo.core.units`."
    assert as_markdown(text) == "Wraps ``FrontierResult``; see ``geo.load`` and ``geo.core.units``."


def test_each_doctest_example_becomes_a_pycon_block_up_to_the_blank_line():
    as_markdown = _as_markdown()
    text = "Prose.\n\n    >>> 1 + 1\n    2\n    >>> print('a')\n    a\n\nMore prose.\n>>> x = 1\n"
    assert as_markdown(text) == (
        "Prose.\n\n    ```pycon\n    >>> 1 + 1\n    2\n    >>> print('a')\n    a\n    ```\n\nMore prose.\n"
        "```pycon\n>>> x = 1\n```\n")


def test_text_without_roles_or_examples_is_unchanged():
    as_markdown = _as_markdown()
    text = "The ``k`` cheapest selections, a > b and >> c.\n\n- a list\n"
    assert as_markdown(text) == text
