"""The command line loads what a command uses: ``geo --help`` and the start of ``geo report`` import no
kernels (numba), no plotting and none of the API (each run in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numba", "pandas", "matplotlib", "scipy", "sklearn", "cvxpy", "geo.api", "geo.problem.evaluator")


def modules_loaded_by(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint([m for m in {HEAVY!r} if m in sys.modules])"
    return eval(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
                .stdout.strip().splitlines()[-1])


def test_help_loads_no_heavy_library():
    code = "from geo.cli import main\ntry:\n    main(['--help'], prog_name='geo')\nexcept SystemExit:\n    pass"
    assert modules_loaded_by(code) == []


@pytest.mark.parametrize("command", ["frontier", "report", "backtest", "data"])
def test_a_command_s_help_loads_no_heavy_library(command):
    code = f"from geo.cli import main\ntry:\n    main([{command!r}, '--help'], prog_name='geo')\nexcept SystemExit:\n    pass"
    assert modules_loaded_by(code) == []


def test_telling_a_backtest_file_from_a_frontier_file_draws_nothing(tmp_path):
    path = tmp_path / "frontier.json"
    path.write_text('{"method": "local-search"}')
    code = f"from geo.report.backtest import is_backtest_file\nassert not is_backtest_file({str(path)!r})"
    assert modules_loaded_by(code) == []
