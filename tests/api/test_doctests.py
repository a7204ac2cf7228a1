"""The API's docstring examples run and print what they say (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("geo.api.run", "geo.api.result", "geo.core.units")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert outcome.attempted > 0, f"{name} has no examples"
    assert outcome.failed == 0
