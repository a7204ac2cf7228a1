"""The :class:`Dataset`: what every data source produces and every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """Asset universe with its estimated moments.

    ``mu`` and ``cov`` are per period of ``metadata["frequency"]`` (daily, weekly, ...), in
    the return convention of ``metadata["return_kind"]`` (simple or log).
    ``returns`` holds the cleaned return series the moments came from, when there are any
    (a ``moments:`` or ``orlib:`` source has none). ``published_uef`` is a published
    unconstrained efficient frontier (columns ``return``, ``variance``) when the source ships
    one (OR-Library ``portef`` files). ``metadata`` records the source, the window, the
    frequency, the estimator and what cleaning removed, and goes into every results file.
    """

    name: str
    tickers: tuple[str, ...]
    mu: np.ndarray
    cov: np.ndarray
    returns: pd.DataFrame | None = None
    sectors: dict[str, str] | None = None
    published_uef: pd.DataFrame | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tickers", tuple(str(t) for t in self.tickers))
        object.__setattr__(self, "mu", np.asarray(self.mu, dtype=float))
        object.__setattr__(self, "cov", np.asarray(self.cov, dtype=float))

    @property
    def n_assets(self) -> int:
        return len(self.tickers)

    def subset(self, tickers: list[str] | tuple[str, ...]) -> "Dataset":
        """The same dataset restricted to ``tickers`` (in that order)."""
        index = [self.tickers.index(t) for t in tickers]
        return Dataset(
            name=self.name,
            tickers=tuple(tickers),
            mu=self.mu[index],
            cov=self.cov[np.ix_(index, index)],
            returns=None if self.returns is None else self.returns[list(tickers)],
            sectors=None if self.sectors is None else {t: self.sectors[t] for t in tickers if t in self.sectors},
            published_uef=None,
            metadata={**self.metadata, "subset_of": self.n_assets},
        )
