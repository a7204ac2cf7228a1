"""Generative models of the GEO loop, all following :class:`geo.generators.base.Generator`.

Imports are lazy: asking for ``mps`` must not import cirq, and the reverse.
"""

from __future__ import annotations

from typing import Any

from geo.core.registry import build
from geo.generators.base import Generator

# name -> (module, class)
GENERATORS: dict[str, tuple[str, str]] = {
    "mps": ("geo.generators.mps", "MPSGenerator"),
    "qcbm": ("geo.generators.qcbm", "QCBMGenerator"),
    "independent": ("geo.generators.independent", "IndependentGenerator"),
    "uniform": ("geo.generators.uniform", "UniformGenerator"),
}


def generator_names() -> tuple[str, ...]:
    return tuple(GENERATORS)


def make_generator(name: str, **settings: Any) -> Generator:
    return build(GENERATORS, "generator", name, **settings)


__all__ = ["GENERATORS", "Generator", "generator_names", "make_generator"]
