"""The moments cache (geo.data.moments_cache): a hit is the cold load to the bit; a changed file,
window, estimator or sectors file misses; a damaged entry is rewritten; it can be turned off.

tests/conftest.py points GEO_CACHE_DIR at a fresh folder per test, so the cache starts empty."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import geo.data.moments_cache
import geo.data.spec
from geo.data import DataWarning, load_dataset
from geo.data.cache import default_moments_dir
from geo.data.moments_cache import MOMENTS_CACHE_VARIABLE


@pytest.fixture
def table_reads(monkeypatch) -> list[str]:
    """The price files actually read (a cache hit reads none)."""
    reads: list[str] = []
    read = geo.data.spec.read_wide_table

    def counting(path, *args, **kwargs):
        reads.append(str(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(geo.data.spec, "read_wide_table", counting)
    return reads


def assert_same_dataset(hit, cold) -> None:
    """Equal to the bit: every array, the returns frame, the sectors and the metadata."""
    assert (hit.name, hit.tickers, hit.sectors) == (cold.name, cold.tickers, cold.sectors)
    assert hit.mu.tobytes() == cold.mu.tobytes() and hit.cov.tobytes() == cold.cov.tobytes()
    pd.testing.assert_frame_equal(hit.returns, cold.returns, check_exact=True, check_freq=True)
    assert hit.metadata == cold.metadata


def cache_entries() -> list:
    return sorted(default_moments_dir().glob("*.npz"))


def test_a_hit_is_the_cold_estimate_to_the_bit(prices_csv, table_reads, monkeypatch):
    (prices_csv.parent / "sectors.csv").write_text("Symbol,Sector\nAAA,Energy\nBBB,Financials\n")
    spec = f"csv:{prices_csv}"
    first = load_dataset(spec, start="2020-02-01")
    hit = load_dataset(spec, start="2020-02-01")
    assert table_reads == [str(prices_csv)] and len(cache_entries()) == 1
    monkeypatch.setenv(MOMENTS_CACHE_VARIABLE, "off")
    cold = load_dataset(spec, start="2020-02-01")
    assert len(table_reads) == 2
    assert hit.sectors == {"AAA": "Energy", "BBB": "Financials"}
    assert_same_dataset(hit, cold)
    assert_same_dataset(first, cold)


@pytest.mark.parametrize("change", ["prices", "touched", "sectors", "window", "estimator", "return_kind"])
def test_a_changed_file_or_option_misses(prices_csv, table_reads, change):
    sectors = prices_csv.parent / "sectors.csv"
    sectors.write_text("Symbol,Sector\nAAA,Energy\n")
    spec, options = f"csv:{prices_csv}", {"start": "2020-02-01"}
    before = load_dataset(spec, **options)
    if change == "prices":  # new closes, and the same size and modification time as before
        stat = prices_csv.stat()
        lines = prices_csv.read_text().split("\n")
        date, price, *rest = lines[100].split(",")  # a day inside the window; one digit changes
        point = price.index(".")
        lines[100] = ",".join([date, price[:point + 1] + str((int(price[point + 1]) + 5) % 10) + price[point + 2:], *rest])
        prices_csv.write_text("\n".join(lines))
        os.utime(prices_csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert prices_csv.stat().st_size == stat.st_size
    elif change == "touched":
        os.utime(prices_csv, ns=(prices_csv.stat().st_atime_ns, prices_csv.stat().st_mtime_ns + 10**9))
    elif change == "sectors":
        sectors.write_text("Symbol,Sector\nAAA,Utilities\n")
    elif change == "window":
        options["start"] = "2020-03-01"
    elif change == "estimator":
        options["estimator"] = "ledoit-wolf"
    else:
        options["return_kind"] = "log"
    after = load_dataset(spec, **options)
    assert len(table_reads) == 2, "the second load must read the file again"
    if change == "touched":
        assert_same_dataset(after, before)
    else:
        assert after.cov.tobytes() != before.cov.tobytes() or after.sectors != before.sectors


@pytest.mark.parametrize("damage", [b"", b"not a zip file", "truncated"])
def test_a_damaged_entry_is_ignored_and_rewritten(prices_csv, table_reads, damage, caplog):
    spec = f"csv:{prices_csv}"
    cold = load_dataset(spec)
    (entry,) = cache_entries()
    entry.write_bytes(entry.read_bytes()[:1000] if damage == "truncated" else damage)
    again = load_dataset(spec)
    assert "ignoring unreadable moments cache entry" in caplog.text
    assert_same_dataset(again, cold)
    assert len(table_reads) == 2 and cache_entries() == [entry]
    assert_same_dataset(load_dataset(spec), cold)  # rewritten: read from the cache again
    assert len(table_reads) == 2


def test_an_entry_of_another_key_is_not_used(prices_csv, table_reads, make_prices, tmp_path):
    """Two files' entries swapped by hand: each is refused by the key it records."""
    other = tmp_path / "other.csv"
    make_prices(seed=1).to_csv(other, index_label="date")
    first, second = load_dataset(f"csv:{prices_csv}"), load_dataset(f"csv:{other}")
    entries = cache_entries()
    contents = [path.read_bytes() for path in entries]
    for path, content in zip(entries, reversed(contents)):
        path.write_bytes(content)
    assert_same_dataset(load_dataset(f"csv:{prices_csv}"), first)
    assert_same_dataset(load_dataset(f"csv:{other}"), second)
    assert len(table_reads) == 4


def test_off_writes_nothing_and_a_folder_moves_it(prices_csv, table_reads, monkeypatch, tmp_path):
    monkeypatch.setenv(MOMENTS_CACHE_VARIABLE, "off")
    load_dataset(f"csv:{prices_csv}")
    load_dataset(f"csv:{prices_csv}")
    assert len(table_reads) == 2 and not default_moments_dir().exists()
    monkeypatch.setenv(MOMENTS_CACHE_VARIABLE, str(tmp_path / "elsewhere"))
    load_dataset(f"csv:{prices_csv}")
    load_dataset(f"csv:{prices_csv}")
    assert len(table_reads) == 3 and len(list((tmp_path / "elsewhere").glob("*.npz"))) == 1


def test_a_hit_repeats_the_data_warnings(tmp_path, table_reads, make_prices):
    """Fewer returns than assets: the sample covariance warns, from the cache as when estimated."""
    path = tmp_path / "short.csv"
    make_prices(tickers=tuple(f"T{i}" for i in range(12)), periods=8).to_csv(path, index_label="date")
    with pytest.warns(DataWarning, match="observations for 12 assets"):
        cold = load_dataset(f"csv:{path}")
    with pytest.warns(DataWarning, match="observations for 12 assets"):
        hit = load_dataset(f"csv:{path}")
    assert len(table_reads) == 1
    assert_same_dataset(hit, cold)


def test_an_unwritable_folder_only_loses_the_entry(prices_csv, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(MOMENTS_CACHE_VARIABLE, str(blocker / "moments"))  # a folder inside a file
    assert np.isfinite(load_dataset(f"csv:{prices_csv}").cov).all()


def test_on_keeps_the_default_folder(prices_csv, monkeypatch):
    monkeypatch.setenv(MOMENTS_CACHE_VARIABLE, "on")
    load_dataset(f"csv:{prices_csv}")
    assert len(cache_entries()) == 1


def test_the_least_recently_used_entries_go_first(prices_csv, table_reads, monkeypatch):
    monkeypatch.setattr(geo.data.moments_cache, "MAX_ENTRIES", 2)
    spec = f"csv:{prices_csv}"
    for start in ("2020-02-01", "2020-03-01"):
        load_dataset(spec, start=start)
    (first, second) = sorted(cache_entries(), key=lambda p: p.stat().st_mtime_ns)
    os.utime(second, ns=(0, 10**18))  # the second entry was used last
    os.utime(first, ns=(0, 10**18 - 10**9))
    load_dataset(spec, start="2020-02-01")  # a hit: now the most recent
    load_dataset(spec, start="2020-04-01")  # a third entry: the least recently used goes
    assert len(table_reads) == 3 and len(cache_entries()) == 2
    load_dataset(spec, start="2020-02-01")
    assert len(table_reads) == 3
    load_dataset(spec, start="2020-03-01")
    assert len(table_reads) == 4
