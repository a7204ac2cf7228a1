"""``import geo`` is light, and its public names are the API's."""

from __future__ import annotations

import subprocess
import sys


def test_import_geo_loads_no_heavy_library():
    code = ("import sys, geo; heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'matplotlib', 'geo.api') "
            "if m in sys.modules]; print(heavy)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_public_names():
    import geo
    from geo.api import Frontier, gap_table, load, optimize, read
    from geo.api.run import frontier

    assert (geo.load, geo.optimize, geo.Frontier, geo.gap_table, geo.read) == (load, optimize, Frontier, gap_table, read)
    from geo.api.backtest import backtest

    assert (geo.frontier, geo.backtest) == (frontier, backtest)
    assert "frontier" in dir(geo) and "backtest" in dir(geo)


def test_orchestration_packages_do_not_shadow_the_api():
    """Importing the orchestration packages leaves geo.frontier and geo.backtest the API's functions."""
    import geo
    import geo.orchestration.backtest.run  # noqa: F401
    import geo.orchestration.frontier.run  # noqa: F401
    from geo.api.run import frontier

    assert geo.frontier is frontier and callable(geo.backtest) and geo.backtest.__name__ == "backtest"
