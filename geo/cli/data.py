"""``geo data``: inspect, download and list data sets."""

from __future__ import annotations

from typing import Any

import click

from geo.cli.options import data_options, load_data, progress_bar, reports_errors
from geo.core.errors import GeoError
from geo.core.units import DisplayUnits


@click.group()
def data() -> None:
    """Inspect data sets."""


@data.command("info")
@click.argument("dataset")
@data_options
@reports_errors
def data_info(dataset: str, **data_opts: Any) -> None:
    """Tickers, window, cleaning report and a moments summary of DATASET."""
    loaded = load_data(dataset, data_opts)
    click.echo(format_dataset_info(loaded))


@data.command("fetch")
@click.argument("dataset")
@data_options
@click.option("--quiet", is_flag=True, help="No progress bar.")
@reports_errors
def data_fetch(dataset: str, quiet: bool, **data_opts: Any) -> None:
    """Download yahoo: prices into the cache (only what it does not hold yet).

    Each batch is cached as it arrives: an interrupted fetch keeps what it got, and running
    the same command again downloads only the rest.
    """
    if not dataset.startswith("yahoo:"):
        raise GeoError(f"'geo data fetch' downloads yahoo: data sets, not {dataset!r}",
                       "use yahoo:T1,T2,... or yahoo:sp500 (other data sets need no download)")
    with progress_bar(0, "download", quiet, unit="batch") as progress:
        loaded = load_data(dataset, {**data_opts, "progress": progress})
    report = loaded.metadata.get("download", {})
    click.echo(f"{loaded.n_assets} tickers cached in {loaded.metadata.get('cache_dir')}: "
               f"{len(report.get('cache_hits', []))} already there, {len(report.get('downloads', []))} batches "
               f"downloaded, {len(report.get('failed', {}))} failed")


@data.command("list")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="The cache folder (default $GEO_CACHE_DIR, else the user cache folder, e.g. ~/.cache/geo/prices).")
@reports_errors
def data_list(cache_dir: str | None) -> None:
    """What the price cache holds: one line per ticker with the dates it covers."""
    from geo.data.cache import PriceCache
    from geo.data.cache import default_cache_dir

    cache = PriceCache(cache_dir or default_cache_dir())
    entries = cache.entries()
    if not entries:
        click.echo(f"no cached prices in {cache.folder}")
        return
    click.echo(f"{len(entries)} tickers cached in {cache.folder}")
    for entry in entries:
        click.echo(f"{entry.ticker:<10} {entry.covered_start.date()} .. {entry.covered_end.date()} "
                   f"{len(entry.closes):6d} closes")


def format_dataset_info(dataset) -> str:
    import numpy as np

    meta = dataset.metadata
    vols = np.sqrt(np.diag(dataset.cov))
    lines = [f"data set     {dataset.name}", f"assets       {dataset.n_assets}",
             f"tickers      {', '.join(dataset.tickers[:12])}{' ...' if dataset.n_assets > 12 else ''}"]
    for key in ("source", "start", "end", "frequency", "return_kind", "estimator", "n_observations"):
        if meta.get(key) is not None:
            lines.append(f"{key:<12} {meta[key]}")
    lines.append(f"mean         min {dataset.mu.min():.4g}  median {np.median(dataset.mu):.4g}  max {dataset.mu.max():.4g}"
                 " (per period)")
    lines.append(f"stdev        min {vols.min():.4g}  median {np.median(vols):.4g}  max {vols.max():.4g} (per period)")
    units = DisplayUnits.of(meta.get("frequency"))
    if units.annualised:
        yearly_mu = [units.expected_return(m) for m in dataset.mu]
        yearly_vol = [units.volatility(v) for v in np.diag(dataset.cov)]
        lines.append(f"mean % p.a.  min {min(yearly_mu):.2f}  median {np.median(yearly_mu):.2f}  max {max(yearly_mu):.2f}")
        lines.append(f"stdev % p.a. min {min(yearly_vol):.2f}  median {np.median(yearly_vol):.2f}  "
                     f"max {max(yearly_vol):.2f}")
    cleaning = meta.get("cleaning") or {}
    for key, value in cleaning.items():
        if value:
            lines.append(f"cleaning     {key}: {value}")
    if dataset.published_uef is not None:
        lines.append(f"published    unconstrained frontier with {len(dataset.published_uef)} points")
    return "\n".join(lines)
