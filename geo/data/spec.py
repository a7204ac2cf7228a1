"""DATASET specs (DESIGN.md, "Contracts"): one string names a data source.

    sp500-sample            20 S&P 500 stocks, daily 1990-2022, bundled (offline)
    orlib:PATH              OR-Library portN.txt (moments) or indtrackN.txt (prices)
    csv:PATH                wide prices or returns: a date column, one column per ticker
    moments:DIR             DIR/mean.csv (ticker,mean) and DIR/cov.csv (square matrix)
    yahoo:T1,T2,...         live adjusted closes through yfinance, cached
    yahoo:sp500             the same for the current S&P 500 list
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from geo.data.dataset import Dataset
from geo.data.moments import load_moments
from geo.data.moments_cache import cached_dataset, csv_key
from geo.data.options import ESTIMATION_OPTION_NAMES, EstimationOptions, reject_unknown
from geo.data.orlib import load_orlib
from geo.data.repair import checked_covariance, parse_repair
from geo.data.pipeline import dataset_from_table
from geo.data.sample import load_sp500_sample
from geo.data.tables import read_wide_table
from geo.data.yahoo import load_yahoo
from geo.core.errors import GeoError

SPEC_HELP = "use sp500-sample, orlib:PATH, csv:PATH, moments:DIR, yahoo:T1,T2,... or yahoo:sp500"
CSV_OPTIONS = ("kind", "sep", "sectors_file")
FRAME_OPTIONS = ("kind", "name", "sectors")
PREFIXES = ("orlib", "csv", "moments", "yahoo")
# Options every source takes.
COMMON_OPTIONS = ("repair_covariance",)

def load_dataset(spec: str, **options: Any) -> Dataset:
    """Load the data set named by ``spec`` and estimate its moments.

    Options of price and return sources (sp500-sample, csv:, yahoo:): ``start``, ``end``
    (inclusive dates), ``frequency`` (daily | weekly | monthly; default: the data's own),
    ``return_kind`` (simple | log), ``estimator`` (sample | ledoit-wolf), ``ddof`` (1),
    ``max_missing`` (0.05), ``detect_jumps`` (True). Every source takes ``repair_covariance``
    (none | nearest-psd): a covariance that is not positive semi-definite is refused, or with
    nearest-psd replaced by the nearest PSD matrix and reported (:mod:`geo.data.repair`).
    ``csv:`` also takes ``kind``
    (prices | returns), ``sep`` (",") and ``sectors_file``; ``yahoo:`` takes the options
    listed in :data:`YAHOO_OPTIONS`. ``orlib:`` and ``moments:`` data are
    used as given and take no other options.
    """
    repair = parse_repair(options.pop("repair_covariance", None))
    dataset = _load(spec, options, repair)
    if dataset.metadata.get("source") in ("moments", "csv"):
        return dataset  # checked (and repaired when asked) while reading cov.csv, or before caching
    return _check_covariance(dataset, repair)


def _load(spec: str, options: dict[str, Any], repair: str) -> Dataset:
    if isinstance(spec, pd.DataFrame):
        return _load_frame(spec, options)
    if not isinstance(spec, str) or not spec.strip():
        raise GeoError("no data set given", SPEC_HELP)
    spec = spec.strip()
    if spec.lower() == "sp500-sample":
        estimation = EstimationOptions.pop_from(options)
        reject_unknown(options, "sp500-sample", ESTIMATION_OPTION_NAMES + COMMON_OPTIONS)
        return load_sp500_sample(spec, estimation)
    prefix, separator, body = spec.partition(":")
    prefix = prefix.strip().lower()
    if not separator or prefix not in PREFIXES:
        raise GeoError(f"unknown data set {spec!r}", SPEC_HELP)
    body = body.strip()
    if not body:
        raise GeoError(f"{prefix}: needs a {'folder' if prefix == 'moments' else 'path' if prefix != 'yahoo' else 'ticker list'}", SPEC_HELP)
    if prefix == "orlib":
        reject_unknown(options, "orlib:", COMMON_OPTIONS)
        return load_orlib(body, spec)
    if prefix == "moments":
        reject_unknown(options, "moments:", COMMON_OPTIONS)
        return load_moments(body, spec, repair_covariance=repair)
    if prefix == "csv":
        return _load_csv(body, spec, options, repair)
    return load_yahoo(body, spec, EstimationOptions.pop_from(options), options)


def _load_csv(path: str, spec: str, options: dict[str, Any], repair: str) -> Dataset:
    """A ``csv:`` data set, through the moments cache (:mod:`geo.data.moments_cache`)."""
    estimation = EstimationOptions.pop_from(options)
    kind = options.pop("kind", "prices")
    sep = options.pop("sep", ",")
    sectors_file = options.pop("sectors_file", None) or sectors_beside(Path(path).expanduser())
    reject_unknown(options, "csv:", CSV_OPTIONS + ESTIMATION_OPTION_NAMES + COMMON_OPTIONS)

    def load() -> Dataset:
        table, report = read_wide_table(path, kind=kind, sep=sep)
        sectors = read_sectors_file(sectors_file) if sectors_file is not None else None
        dataset = dataset_from_table(
            table, kind=kind, name=Path(path).name.split(".")[0], spec=spec, source="csv", options=estimation,
            sectors=sectors, sorted_dates=report["sorted_dates"], extra_metadata={"path": str(Path(path).expanduser())},
        )
        return _check_covariance(dataset, repair)

    return cached_dataset(csv_key(spec, path, sectors_file, kind, sep, estimation, repair), load)


def _load_frame(frame: pd.DataFrame, options: dict[str, Any]) -> Dataset:
    """A DataFrame of prices or returns (dates x tickers), cleaned exactly as a ``csv:`` file's table."""
    from geo.data.tables import frame_as_wide_table

    estimation = EstimationOptions.pop_from(options)
    kind = options.pop("kind", "prices")
    name = str(options.pop("name", None) or kind)
    sectors = as_sectors(options.pop("sectors", None))
    reject_unknown(options, "DataFrame", FRAME_OPTIONS + ESTIMATION_OPTION_NAMES + COMMON_OPTIONS)
    table, report = frame_as_wide_table(frame, kind=kind)
    return dataset_from_table(table, kind=kind, name=name, spec=f"DataFrame {name}", source="dataframe",
                              options=estimation, sectors=sectors, sorted_dates=report["sorted_dates"])


def _check_covariance(dataset: Dataset, repair: str) -> Dataset:
    """An estimated covariance is PSD up to round-off: clip that (recorded), and repair when asked."""
    cov, report, warning, round_off = checked_covariance(dataset.cov, f"the covariance of {dataset.name}", repair)
    if repair == "none" and round_off is None:
        return dataset
    metadata = dict(dataset.metadata)
    cleaning = dict(metadata.get("cleaning") or {})
    if repair != "none":
        cleaning["covariance_repair"] = report or "not needed (already positive semi-definite)"
    if round_off:
        cleaning["covariance_round_off"] = round_off
    metadata["cleaning"] = cleaning
    if warning:
        metadata["warnings"] = [*metadata.get("warnings", []), warning]
    return replace(dataset, cov=cov, metadata=metadata)


def sectors_beside(path: Path) -> Path | None:
    """The one ``*sectors*.csv`` beside a price file (e.g. the shared S&P 500 folder's), if exactly one."""
    candidates = sorted(path.parent.glob("*sectors*.csv")) if path.parent.is_dir() else []
    return candidates[0] if len(candidates) == 1 else None


def as_sectors(sectors) -> dict[str, str] | None:
    """Sectors given as a CSV path (:func:`read_sectors_file`), a dict or a pandas Series ticker -> sector."""
    if sectors is None:
        return None
    if isinstance(sectors, (str, Path)):
        return read_sectors_file(sectors)
    if isinstance(sectors, pd.Series):
        sectors = sectors.dropna().to_dict()
    if not isinstance(sectors, dict):
        raise GeoError(f"sectors given as a {type(sectors).__name__}",
                       "give a CSV path, a dict or a pandas Series ticker -> sector")
    return {str(t).strip(): str(s).strip() for t, s in sectors.items()}


def read_sectors_file(path: str) -> dict[str, str]:
    """``Symbol,Sector`` CSV (extra columns ignored), e.g. the shared kaggle_tickers_sectors.csv."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GeoError(f"sectors file {path} does not exist", "give a CSV with Symbol and Sector columns")
    try:
        table = pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise GeoError(f"sectors file {path} cannot be read ({type(exc).__name__})", "give a CSV with Symbol and Sector columns") from None
    columns = {str(c).strip().lower(): c for c in table.columns}
    symbol = columns.get("symbol") or columns.get("ticker")
    sector = columns.get("sector") or columns.get("gics sector")
    if symbol is None or sector is None:
        raise GeoError(f"sectors file {path} has columns {list(table.columns)[:5]}", "give it Symbol and Sector columns")
    rows = table[[symbol, sector]].dropna()
    return {str(s).strip(): str(v).strip() for s, v in zip(rows[symbol], rows[sector])}
