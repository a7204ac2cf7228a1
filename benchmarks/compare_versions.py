"""Results unchanged: the same `geo frontier` commands run by an older version and by this tree.

Run: .venv/bin/python benchmarks/compare_versions.py [--old REF|worktree] [--cold] [--only NAME,...] [--headline]
     [--book]

The older commit's ``geo`` package is taken with ``git archive REF geo`` into a temporary folder
and put first on ``PYTHONPATH``, this tree's ``geo`` for the new runs; both run from a temporary
folder (checked: each run imports the package it should). ``--cold`` makes the old side price
every neighbourhood as ``SelectionEvaluator.costs`` prices any batch (its cold path), every
descent step made in Python (no compiled descent): with
``--old worktree --cold`` this tree's warm neighbourhood path is compared with its own cold path,
which must change nothing. Each case runs in its own process, once per side, and every point
must match: the same status, the same tickers, the variance to 1e-12 relative, and the same
``details.evaluations`` and ``details.screened``. Exits 1 on any difference (each is printed).
``--book`` adds runs from a held book (a turnover penalty, ``--max-changes``, ``geo optimize
--max-sharpe``): their own pricers and the batch route, for an old side that has them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.common import SHARED_DATA, orlib_spec  # noqa: E402

RTOL = 1e-12
SP500 = f"csv:{SHARED_DATA / 'sp500_daily_2013_2018' / 'sp500_close_wide_2013_2018.csv.gz'}"
PORT1, PORT4 = orlib_spec("port1"), orlib_spec("port4")
CASES = {
    "sample-enumeration": ["sp500-sample", "-k", "5", "--points", "20", "--method", "enumeration", "--seed", "7"],
    "sample-local-search": ["sp500-sample", "-k", "5", "--points", "10", "--method", "local-search"],
    "sample-geo": ["sp500-sample", "-k", "5", "--points", "10", "--method", "geo", "--budget", "3000"],
    "sample-caps": ["sp500-sample", "-k", "8", "--points", "10", "--sector-cap", "0.3", "--budget", "5000"],
    # notebooks/01-quickstart.ipynb's run: w_max binding at K = 5
    "quickstart-local-search": ["sp500-sample", "--start", "2015-01-01", "-k", "5", "--w-max", "0.5", "--points",
                                "20", "--seed", "7", "--method", "local-search", "--budget", "20000"],
    "quickstart-geo": ["sp500-sample", "--start", "2015-01-01", "-k", "5", "--w-max", "0.5", "--points", "20",
                       "--seed", "7", "--method", "geo", "--generator", "mps", "--budget", "20000"],
    "port1-at-most": [PORT1, "-k", "10", "--cardinality", "at-most", "--points", "20", "--budget", "20000"],
    "port1-bounds": [PORT1, "-k", "10", "--cardinality", "at-most", "--points", "20", "--budget", "20000",
                     "--w-min", "0.02", "--w-max", "0.3"],
    "port1-geo": [PORT1, "-k", "10", "--points", "10", "--method", "geo", "--generator", "independent",
                  "--budget", "5000"],
    "port1-annealing": [PORT1, "-k", "10", "--points", "10", "--method", "annealing", "--budget", "5000"],
    "port4-local-search": [PORT4, "-k", "10", "--cardinality", "at-most", "--points", "20", "--budget", "30000"],
    "port4-bounds": [PORT4, "-k", "10", "--points", "10", "--budget", "20000", "--w-min", "0.02", "--w-max", "0.2"],
    "port4-geo": [PORT4, "-k", "10", "--points", "10", "--method", "geo", "--budget", "10000"],
}
# Runs from a held book ({book}: a CSV written at run time); a case starting with "optimize" runs
# `geo optimize`, the others `geo frontier`.
BOOK = {"AAPL": 0.3, "KO": 0.3, "JNJ": 0.2, "XOM": 0.2}
BOOK_CASES = {
    "book-turnover": ["sp500-sample", "-k", "6", "--points", "6", "--holdings", "{book}", "--turnover-penalty",
                      "1e-4", "--budget", "3000", "--seed", "3"],
    "book-max-changes": ["sp500-sample", "-k", "6", "--points", "6", "--holdings", "{book}", "--max-changes", "3",
                         "--budget", "3000", "--seed", "3"],
    "book-max-changes-geo": ["sp500-sample", "-k", "6", "--points", "6", "--holdings", "{book}", "--max-changes",
                             "3", "--budget", "3000", "--seed", "3", "--method", "geo"],
    "max-sharpe": ["optimize", "sp500-sample", "-k", "6", "--max-sharpe", "--risk-free-rate", "0.02", "--budget",
                   "3000", "--seed", "3"],
    "book-max-sharpe": ["optimize", "sp500-sample", "-k", "6", "--max-sharpe", "--holdings", "{book}",
                        "--max-changes", "4", "--budget", "3000", "--seed", "3"],
}
HEADLINE = {"headline": [SP500, "-k", "50", "--w-max", "0.1", "--start", "2013-02-08", "--end", "2016-12-31",
                         "--points", "10", "--budget", "100000"]}


def export(ref: str, folder: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref, "geo"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


# The command line with every neighbourhood priced as ``costs`` prices any batch: the reference
# whose counting and prices the warm neighbourhood path must reproduce.
COLD_NEIGHBOURHOODS = """
import geo.problem.evaluator as evaluator
def cold(self, current, neighbours, column, cutoff=None):
    return self.costs(neighbours, [column], cutoff)[:, 0]
evaluator.SelectionEvaluator.neighbourhood_costs = cold
if hasattr(evaluator.SelectionEvaluator, "compiled_moves"):  # every descent step in Python too
    evaluator.SelectionEvaluator.compiled_moves = property(lambda self: False)
from geo.cli import main
main(prog_name="geo")
"""


def run(args: list[str], pythonpath: Path, output: Path, cold: bool = False) -> dict:
    """One ``geo frontier`` run with ``pythonpath``'s ``geo`` package (``cold``: neighbourhoods by
    the cold path).

    The process starts in the output's folder, not in the repository: ``python -m`` puts its
    working directory first on ``sys.path``, so a run started in the repository would import this
    tree's ``geo`` whatever ``PYTHONPATH`` says. ``imported`` checks which package ran.
    """
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    command = ["-c", COLD_NEIGHBOURHOODS] if cold else ["-m", "geo.cli"]
    verb, args = (args[0], args[1:]) if args[0] == "optimize" else ("frontier", args)
    subprocess.run([sys.executable, *command, verb, *args, "--quiet", "--output", str(output)],
                   cwd=output.parent, env=env, check=True, capture_output=True)
    return json.loads(output.read_text())


def imported(pythonpath: Path, folder: Path) -> Path:
    """The folder of the ``geo`` package a run with ``pythonpath`` imports (from ``folder``)."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    found = subprocess.run([sys.executable, "-c", "import geo; print(geo.__file__)"], cwd=folder, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    return Path(found).resolve().parent


def differences(old: dict, new: dict) -> list[str]:
    found = []
    for key in ("evaluations", "screened"):
        if old["details"].get(key) != new["details"].get(key):
            found.append(f"details.{key}: {old['details'].get(key)} -> {new['details'].get(key)}")
    for i, (a, b) in enumerate(zip(old["points"], new["points"])):
        if a["status"] != b["status"]:
            found.append(f"point {i}: status {a['status']} -> {b['status']}")
        if sorted(a.get("weights") or {}) != sorted(b.get("weights") or {}):
            found.append(f"point {i}: tickers differ")
        va, vb = a.get("variance"), b.get("variance")
        if (va is None) != (vb is None) or (va is not None and abs(va - vb) > RTOL * abs(va)):
            found.append(f"point {i}: variance {va!r} -> {vb!r}")
    if len(old["points"]) != len(new["points"]):
        found.append(f"{len(old['points'])} points -> {len(new['points'])}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", default="5e4d0b7",
                        help="the commit to compare with (default: before issue 18); 'worktree': this tree")
    parser.add_argument("--cold", action="store_true", help="the old side prices neighbourhoods by its cold path")
    parser.add_argument("--only", default=None, help="comma-separated case names")
    parser.add_argument("--headline", action="store_true", help="also the K = 50 S&P 500 frontier (a minute or more)")
    parser.add_argument("--book", action="store_true", help="also the runs from a held book and max-Sharpe")
    args = parser.parse_args()
    cases = dict(CASES, **(HEADLINE if args.headline else {}), **(BOOK_CASES if args.book else {}))
    names = args.only.split(",") if args.only else list(cases)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.csv"
        book.write_text("ticker,weight\n" + "".join(f"{t},{w}\n" for t, w in BOOK.items()))
        cases = {name: [str(book) if a == "{book}" else a for a in case] for name, case in cases.items()}
        old_tree = ROOT if args.old == "worktree" else export(args.old, Path(tmp) / "old")
        for tree in (old_tree, ROOT):
            if imported(tree, Path(tmp)) != (tree / "geo").resolve():
                raise SystemExit(f"a run with PYTHONPATH={tree} does not import {tree / 'geo'}")
        for name in names:
            old = run(cases[name], old_tree, Path(tmp) / f"{name}-old.json", cold=args.cold)
            new = run(cases[name], ROOT, Path(tmp) / f"{name}-new.json")
            found = differences(old, new)
            worst = max((abs(a["variance"] - b["variance"]) / abs(a["variance"])
                         for a, b in zip(old["points"], new["points"])
                         if a.get("variance") and b.get("variance")), default=0.0)
            print(f"{name}: {len(new['points'])} points, {new['details'].get('evaluations')} evaluations, "
                  f"max rel. variance difference {worst:.1e}, "
                  f"time {old['timing']['wall_s']:.1f} s -> {new['timing']['wall_s']:.1f} s: "
                  f"{'same' if not found else 'DIFFERENT'}", flush=True)
            for line in found:
                print("   ", line)
            failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
