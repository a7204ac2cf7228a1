"""Run every benchmark script, each in its own process, and stop at the first that fails.

Run: .venv/bin/python benchmarks/run_all.py [--full] [--only pricing,evaluator]   (``make bench``)

By default each script runs with small arguments (a smoke run of a few minutes in all: it shows
the scripts work and gives rough figures). ``--full`` runs them with their own defaults, the
settings behind the figures in benchmarks/RESULTS.md (an hour or more: the SCIP and frontier
benchmarks dominate). The figures in RESULTS.md each name the exact command that produced them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# script -> arguments of the quick run (the full run passes none: each script's defaults)
QUICK = {
    "pricing": ["--quick", "--seeds", "0"],
    "evaluator": ["--selections", "1000", "--cvxpy-selections", "30"],
    "frontiers": ["--sets", "port1", "--runs", "local-search", "--budget", "5000", "--points", "10"],
    "scip": ["--sets", "port1", "--limit", "10", "--points", "3"],
    "certify": ["--sets", "port1", "--points", "3"],
    "mps": ["--sites", "100", "--ks", "10", "--bonds", "4", "--train", "200", "--samples", "200", "--sweeps", "1"],
    "qcbm": ["--qubits", "12", "--threads", "1", "--full-cirq-max", "12", "--cirq-circuits", "2"],
    "memory": ["--k", "20", "--points", "5", "--budget", "2000"],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="each script's own defaults (the RESULTS.md settings)")
    parser.add_argument("--only", default=",".join(QUICK), help="comma-separated, from " + ",".join(QUICK))
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUICK]
    if unknown:
        print(f"run_all: error: unknown benchmark {unknown[0]!r}; choose from {', '.join(QUICK)}", file=sys.stderr)
        return 2
    for name in names:
        command = [sys.executable, str(HERE / f"bench_{name}.py"), *([] if args.full else QUICK[name])]
        print(f"\n## {name}: {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        result = subprocess.run(command)
        if result.returncode:
            print(f"run_all: bench_{name}.py failed (exit {result.returncode})", file=sys.stderr)
            return result.returncode
        print(f"({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
