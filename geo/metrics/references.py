"""Reference frontiers to measure a computed frontier against.

The published ones are the exact cardinality-constrained frontiers of Cesarone, Scozzari &
Tardella (2013) for the OR-Library sets (``<data_root>/orlib/ccef/``, see its README):

- ``RetRisk<n>_SolVal.txt``: tab-separated, one row per target return: column 1 the target,
  columns 2..10 the optimal variance for K = 2..10 (AT MOST K assets, weights >= 0, no bounds),
  column 11 the unconstrained variance. An empty cell means infeasible.
- ``Xi<n>K<K>_SolVal.txt``: column 1 the target, then K cells of 1-based asset indices, then the
  weights of the held assets. When fewer than K assets are held the unused index cells are empty
  and the row simply has fewer weight cells; rows end with a tab. A row with no index at all
  reports no portfolio for that target.

Their variances are printed to about 5 significant digits, so they are the best published
reference, not exact to the last digit (see ``gaps.py`` for what that means for the gap).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.metrics.gaps import match_targets
from geo.metrics.frontier_arrays import targets_and_variances

# Universe sizes with a published frontier: port1..port5 (31, 85, 89, 98, 225 assets) and
# indtrack6 (457 S&P 500 stocks).
PUBLISHED_CCEF_SIZES: tuple[int, ...] = (31, 85, 89, 98, 225, 457)
PUBLISHED_K_RANGE = range(2, 11)  # the RetRisk columns 2..10 hold K = 2..10
_RETRISK_COLUMNS = 11


def published_ccef_path(n_assets: int, data_root: str | Path) -> Path | None:
    """The RetRisk file for a universe of ``n_assets``, or None when none is published/present."""
    if int(n_assets) not in PUBLISHED_CCEF_SIZES:
        return None
    path = Path(data_root) / "orlib" / "ccef" / f"RetRisk{int(n_assets)}_SolVal.txt"
    return path if path.is_file() else None


def read_published_ccef(path: str | Path, k: int) -> pd.DataFrame:
    """The published frontier for at most ``k`` assets: columns ``target_return``, ``variance``.

    ``variance`` is NaN where the file reports the target infeasible (an empty cell).
    """
    if int(k) not in PUBLISHED_K_RANGE:
        raise GeoError(f"the published frontiers cover K = 2..10, not K = {k}",
                       "choose K between 2 and 10, or compute a reference with an exact solver")
    table = _read_retrisk(path)
    return pd.DataFrame({"target_return": table[:, 0], "variance": table[:, int(k) - 1]})


def read_published_uef_from_retrisk(path: str | Path) -> pd.DataFrame:
    """The unconstrained frontier of a RetRisk file (column 11): columns ``return``, ``variance``.

    Named like ``Dataset.published_uef``; on this frontier the return is the target.
    """
    table = _read_retrisk(path)
    return pd.DataFrame({"return": table[:, 0], "variance": table[:, _RETRISK_COLUMNS - 1]})


def read_published_ccef_portfolios(path: str | Path,
                                   k: int | None = None) -> list[tuple[float, dict[int, float]]]:
    """The published optimal portfolios: per row ``(target, {asset_index_1based: weight})``.

    ``k`` (the number of index cells) defaults to the ``K<k>`` in the file name. A row that
    reports no portfolio gives an empty dict.
    """
    path = Path(path)
    if k is None:
        match = re.search(r"K(\d+)_", path.name)
        if match is None:
            raise GeoError(f"cannot tell K from the file name {path.name}",
                           "pass k= explicitly (the number of index columns)")
        k = int(match.group(1))
    rows = []
    for number, cells in _tab_rows(path):
        cells = cells + [""] * max(0, 1 + 2 * k - len(cells))
        try:
            target = float(cells[0])
            indices = [int(c) for c in cells[1:1 + k] if c.strip()]
            weights = [float(c) for c in cells[1 + k:] if c.strip()]
        except ValueError as exc:
            raise _malformed(path, number, str(exc)) from None
        if len(indices) != len(weights):
            raise _malformed(path, number, f"{len(indices)} asset indices but {len(weights)} weights")
        rows.append((target, dict(zip(indices, weights))))
    return rows


def published_selections_at(ccef_path: str | Path, k: int, targets: np.ndarray, n_assets: int) -> np.ndarray | None:
    """The published optimal selection at each of ``targets`` (targets of the RetRisk file
    ``ccef_path``) as bool rows (T, ``n_assets``), all False where the file publishes none or no
    published target matches (:func:`~geo.metrics.gaps.match_targets`); None when no
    ``Xi<n>K<k>_SolVal.txt`` lies beside it (published for K = 5 and 10 only)."""
    ccef_path = Path(ccef_path)
    path = ccef_path.with_name(ccef_path.name.replace("RetRisk", "Xi").replace("_SolVal", f"K{int(k)}_SolVal"))
    if not path.is_file():
        return None
    portfolios = read_published_ccef_portfolios(path, k)
    matches = match_targets(np.asarray(targets, dtype=float), np.array([target for target, _ in portfolios]))
    selections = np.zeros((len(matches), int(n_assets)), dtype=bool)
    for row, match in enumerate(matches):
        if match >= 0:
            selections[row, [index - 1 for index in portfolios[match][1]]] = True
    return selections


def reference_from_results(result: FrontierResult) -> pd.DataFrame:
    """A computed frontier (e.g. an exact solver's) as a reference: ``target_return``, ``variance``.

    Infeasible, failed or errored points get NaN variance, like the published files' empty cells.
    """
    targets, variances = targets_and_variances(result)
    return pd.DataFrame({"target_return": targets, "variance": variances})


def _read_retrisk(path: str | Path) -> np.ndarray:
    """The RetRisk table as floats, NaN for empty cells (parsed by hand: trailing tabs vary)."""
    path = Path(path)
    rows = []
    for number, cells in _tab_rows(path):
        if len(cells) > _RETRISK_COLUMNS and any(c.strip() for c in cells[_RETRISK_COLUMNS:]):
            raise _malformed(path, number, f"{len(cells)} columns, expected {_RETRISK_COLUMNS}")
        cells = (cells + [""] * _RETRISK_COLUMNS)[:_RETRISK_COLUMNS]
        try:
            rows.append([float(c) if c.strip() else math.nan for c in cells])
        except ValueError as exc:
            raise _malformed(path, number, str(exc)) from None
        if math.isnan(rows[-1][0]):
            raise _malformed(path, number, "no target return in column 1")
    if not rows:
        raise _malformed(path, 0, "no rows")
    return np.array(rows, dtype=float)


def _tab_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank line of a tab-separated file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise GeoError(f"published frontier file {path} does not exist",
                       "check the path; the OR-Library references live in <data_root>/orlib/ccef") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GeoError(f"cannot read {path} ({exc})", "check the file") from None
    return [(number, line.split("\t")) for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()]


def _malformed(path: Path, line: int, why: str) -> GeoError:
    return GeoError(f"{path} line {line} is not in the published frontier format ({why})",
                    "give an OR-Library RetRisk<n>_SolVal.txt or Xi<n>K<k>_SolVal.txt file")


def pick_reference_targets(reference: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` rows of a reference frontier, evenly spaced over its feasible rows.

    Benchmarks solve at these exact targets so the gap is taken point by point, never
    through interpolation of the reference.
    """
    feasible = reference[np.isfinite(reference["variance"])].reset_index(drop=True)
    if len(feasible) <= count:
        return feasible
    rows = np.unique(np.round(np.linspace(0, len(feasible) - 1, count)).astype(int))
    return feasible.iloc[rows].reset_index(drop=True)
