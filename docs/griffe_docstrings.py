"""A griffe extension for the API reference: geo's docstrings, written for reading in code and
for doctest, rendered as Markdown.

Two habits of the code's docstrings read badly as Markdown: reStructuredText roles
(``:class:`Frontier```) and doctest examples left bare in the text (``>>> import geo``, which
Markdown takes for nested quotes). The docstrings stay as they are (doctest runs them: see
tests/api/test_doctests.py); the site shows the roles as code and the examples as code blocks.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

# :class:`~geo.api.result.Frontier` -> `Frontier`; :func:`geo.load` -> `geo.load`.
_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`(~?)([^`]+)`")


def _code_span(match: re.Match) -> str:
    """A role as code; ``~`` keeps only the last dotted name, as Sphinx shows it."""
    name = match.group(2).rsplit(".", 1)[-1] if match.group(1) else match.group(2)
    return f"``{name}``"


def as_markdown(text: str) -> str:
    """The docstring ``text`` with roles as code spans and each doctest example in a pycon block."""
    lines = _ROLE.sub(_code_span, text).split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.lstrip().startswith(">>>"):
            out.append(line)
            index += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(f"{indent}```pycon")
        # An example runs to the first blank line, as doctest reads it.
        while index < len(lines) and lines[index].strip():
            out.append(lines[index])
            index += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DocstringsAsMarkdown(griffe.Extension):
    """Rewrite each docstring before mkdocstrings parses it."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = as_markdown(obj.docstring.value)
