"""Sector caps: the total weight of each sector's held assets is at most its cap.

``sum_{i in s} w_i <= cap_s`` for every sector s. The caps are linear inequalities, so the
selection QP keeps its form (DAQP takes general inequality rows) and the MIQP and relaxation
take them as extra rows too.

Feasibility and the return range of a selection under caps come from one greedy rule:
starting from ``w_min`` everywhere, hand the rest of the budget to the best assets first, each
up to ``w_max`` and to what is left of its sector's cap. The individual bounds, the sector caps
and the budget form a laminar family, so this greedy allocation is an optimal solution of the
linear programme "maximise mu'w" (Edmonds' greedy algorithm over a polymatroid); with ``-mu``
it gives the lowest return. When the greedy cannot place the whole budget, no weights exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from geo.core.errors import GeoError

# Slack allowed on a cap, the budget and the bounds: rounding of a QP solution, not a position.
CAP_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class SectorCaps:
    """Per asset its sector (an index into ``names``), and per sector its cap."""

    sector_of: np.ndarray
    names: tuple[str, ...]
    caps: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "sector_of", np.asarray(self.sector_of, dtype=np.int64))
        object.__setattr__(self, "caps", np.asarray(self.caps, dtype=float))

    @classmethod
    def build(cls, tickers: Sequence[str], sectors: Mapping[str, str] | None, cap: float | None = None,
              caps: Mapping[str, float] | None = None) -> "SectorCaps":
        """Caps for ``tickers``: ``cap`` for every sector, ``caps`` per named sector (wins over ``cap``).

        Sectors named in ``caps`` must exist in ``sectors``; every ticker must have a sector;
        sectors with no cap from either source are uncapped (cap 1).
        """
        if not sectors:
            raise GeoError("sector caps need the sector of each ticker, and the data set records none",
                           "give --sectors FILE (CSV ticker,sector)")
        missing = [t for t in tickers if t not in sectors]
        if missing:
            raise GeoError(f"no sector known for {len(missing)} ticker(s): {', '.join(missing[:5])}",
                           "add them to the --sectors file (CSV ticker,sector)")
        names = tuple(sorted({sectors[t] for t in tickers}))
        caps = dict(caps or {})
        unknown = sorted(set(caps) - set(names))
        if unknown:
            raise GeoError(f"sector cap for unknown sector(s) {', '.join(repr(u) for u in unknown[:5])}",
                           f"use the data set's sectors: {', '.join(names)}")
        values = []
        for name in names:
            value = caps.get(name, cap if cap is not None else 1.0)
            if not (np.isfinite(value) and 0 < value <= 1):
                raise GeoError(f"the cap of sector {name!r} is {value:g}", "give caps in (0, 1]")
            values.append(float(value))
        if sum(values) < 1 - CAP_TOL:
            raise GeoError(f"the sector caps sum to {sum(values):.4g} < 1: no portfolio can be fully invested",
                           "raise the caps so that they sum to at least 1")
        index = {name: i for i, name in enumerate(names)}
        return cls(np.array([index[sectors[t]] for t in tickers]), names, np.array(values))

    def subset(self, positions: Sequence[int]) -> "SectorCaps":
        return SectorCaps(self.sector_of[np.asarray(positions, dtype=np.int64)], self.names, self.caps)

    def to_dict(self) -> dict[str, float]:
        return {name: float(c) for name, c in zip(self.names, self.caps)}

    # -- per selection ------------------------------------------------------------------------
    def local(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One selection's sectors as local ids 0..G-1 per held asset, and the G caps."""
        present, ids = np.unique(self.sector_of[index], return_inverse=True)
        return ids, self.caps[present]

    def hold(self, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """For selections ``index`` (M, K) and weights (M, K, T): whether every cap holds (M, T)."""
        ids = self.sector_of[index]
        ok = np.ones((weights.shape[0], weights.shape[2]), dtype=bool)
        for s in np.unique(ids):
            totals = np.einsum("mk,mkt->mt", (ids == s).astype(float), weights)
            ok &= totals <= self.caps[s] + CAP_TOL
        return ok

    def return_bounds(self, index: np.ndarray, mu_sel: np.ndarray, w_min: float,
                      w_max: float) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest return of each selection under bounds and caps (NaN: no weights)."""
        low = np.full(len(index), np.nan)
        high = np.full(len(index), np.nan)
        for m in range(len(index)):
            best = self.greedy(index[m], mu_sel[m], w_min, w_max)
            if best is not None:
                worst = self.greedy(index[m], -mu_sel[m], w_min, w_max)
                high[m], low[m] = mu_sel[m] @ best, mu_sel[m] @ worst
        return low, high

    def greedy(self, index: np.ndarray, score: np.ndarray, w_min: float, w_max: float) -> np.ndarray | None:
        """Weights maximising ``score'w`` under bounds, caps and the budget; None when none exist."""
        return capped_greedy(score, self.sector_of[index], self.caps, w_min, w_max)

    def feasible_selections(self, index: np.ndarray, w_min: float, w_max: float) -> np.ndarray:
        """Whether each selection (rows of ``index``) admits weights within bounds and caps."""
        out = np.empty(len(index), dtype=bool)
        for m in range(len(index)):
            ids = self.sector_of[index[m]]
            counts = np.bincount(ids, minlength=len(self.caps))
            held = counts > 0
            out[m] = bool(np.all(counts[held] * w_min <= self.caps[held] + CAP_TOL)
                          and np.minimum(self.caps[held], counts[held] * w_max).sum() >= 1 - CAP_TOL)
        return out

    def check_reachable(self, sizes: Sequence[int], w_min: float, w_max: float) -> None:
        """Raise a GeoError when no selection of an allowed size can meet the caps."""
        counts = np.bincount(self.sector_of, minlength=len(self.caps))
        # Most assets a sector can hold while its minimum weights fit under its cap.
        limit = counts if w_min <= 0 else np.minimum(counts, np.floor((self.caps + CAP_TOL) / w_min).astype(int))
        for size in sizes:
            if limit.sum() < size:
                continue
            # Capacity of j assets of a sector is min(cap, j w_max): concave in j, so taking the
            # largest increments first gives the largest total for `size` assets.
            increments = []
            for s, n in enumerate(limit):
                taken = np.minimum(self.caps[s], np.arange(n + 1) * w_max)
                increments += list(np.diff(taken))
            if sum(sorted(increments, reverse=True)[:size]) >= 1 - CAP_TOL:
                return
        raise GeoError(f"no selection of {', '.join(map(str, sizes))} asset(s) can meet the sector caps "
                       f"({', '.join(f'{n} {c:g}' for n, c in zip(self.names, self.caps))}) with w_max = {w_max:g}",
                       "raise the caps, raise --w-max or change K")


def sector_cap_rows(problem) -> list[tuple[np.ndarray, float]]:
    """For a whole-universe model (MIQP, relaxation): each capped sector's assets and its cap."""
    caps = problem.sector_caps
    if caps is None:
        return []
    rows = []
    for s, cap in enumerate(caps.caps):
        members = np.flatnonzero(caps.sector_of == s)
        if len(members) and min(len(members), problem.k) * problem.w_max > cap + CAP_TOL:
            rows.append((members, float(cap)))
    return rows


def capped_greedy(score: np.ndarray, ids: np.ndarray, caps: np.ndarray, w_min: float,
                  w_max: float) -> np.ndarray | None:
    """Weights maximising ``score'w`` with ``w_min <= w <= w_max``, sum 1 and ``sum_{ids == s} w <= caps[s]``.

    Optimal by the greedy rule of the module docstring; None when no such weights exist.
    """
    room = np.array(caps, dtype=float)
    np.subtract.at(room, ids, w_min)
    spare = 1.0 - len(ids) * w_min
    if np.any(room < -CAP_TOL) or spare < -CAP_TOL:
        return None
    weights = np.full(len(ids), w_min)
    for i in np.argsort(-score, kind="stable"):
        add = max(0.0, min(w_max - w_min, room[ids[i]], spare))
        weights[i] += add
        room[ids[i]] -= add
        spare -= add
    return weights if spare <= CAP_TOL else None


def read_sector_caps_file(path: str) -> dict[str, float]:
    """CSV ``sector,cap`` (a header row naming those columns)."""
    from geo.data.tables import read_named_numbers

    return read_named_numbers(path, "sector", "cap", "sector caps", "a number in (0, 1]")


def sector_caps_for(data, cap: float | None = None, caps_file=None, sectors_file=None) -> "SectorCaps | None":
    """The caps of ``--sector-cap`` / ``--sector-caps FILE`` over ``data``'s tickers, with sectors
    from ``--sectors FILE`` or the data set itself (None without caps)."""
    from geo.data.spec import read_sectors_file

    caps = read_sector_caps_file(caps_file) if caps_file else None
    if cap is None and not caps:
        return None
    sectors = read_sectors_file(sectors_file) if sectors_file else data.sectors
    return SectorCaps.build(data.tickers, sectors, cap=cap, caps=caps)
