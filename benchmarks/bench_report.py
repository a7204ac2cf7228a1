"""Wall time of ``geo report`` of one results file: warm runs, and a first run with cold files.

Run (timed: hold both slots, one core, one thread):

    /work/bin/cpu -n 2 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        taskset -c 1 .venv/bin/python -m benchmarks.bench_report results/headline-frontier.json \\
        [--repeats 3] [--first-run] [--no-moments-cache] [--code DIR]

Each run is ``python -P -m geo.cli report RESULTS --output TMP.html`` in a fresh process (``-P``:
the current directory does not shadow the code under test). ``--first-run`` makes one more run
before the warm ones after evicting from the page cache (``posix_fadvise(DONTNEED)``, no root
needed) every file such a run reads: the interpreter's library, the virtual environment, the geo
package with its compiled kernels, the data folder named by the results file, the moments cache
and the results file. That stands in for the first run after a pause (files no longer cached);
pages other processes hold mapped stay. ``--code DIR`` runs the geo package found in DIR (e.g.
an older commit unpacked by ``git archive``) to compare before and after in one session.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine_description


def files_under(folder: Path):
    for root, _, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def evict(paths: list[Path]) -> tuple[int, int]:
    """Drop the files' pages from the page cache; returns (files, bytes) advised."""
    count = size = 0
    for top in paths:
        for path in ([top] if top.is_file() else files_under(top) if top.is_dir() else []):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                count, size = count + 1, size + os.fstat(fd).st_size
            finally:
                os.close(fd)
    return count, size


def files_of_a_report(results: Path, code: Path, moments_dir: Path) -> list[Path]:
    spec = json.loads(results.read_text()).get("dataset", {}).get("spec", "")
    data = [Path(spec.split(":", 1)[1]).resolve().parent] if spec.startswith("csv:") else []
    return [Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"]), Path(sys.base_prefix) / "lib",
            Path(sys.prefix), code, *data, moments_dir, results]


def one_run(results: Path, env: dict[str, str], folder: str) -> tuple[float, float]:
    """(wall s, CPU s of the child) of one report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-P", "-m", "geo.cli", "report", str(results), "--output",
                    os.path.join(folder, "report.html")], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--first-run", action="store_true")
    parser.add_argument("--no-moments-cache", action="store_true")
    parser.add_argument("--code", type=Path, default=None, help="Folder holding the geo package to run.")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}  # as a user runs
    if args.code is not None:
        env["PYTHONPATH"] = str(args.code.resolve())
    if args.no_moments_cache:
        env["GEO_MOMENTS_CACHE"] = "off"
    code = subprocess.run([sys.executable, "-P", "-c", "import geo, os; print(os.path.dirname(geo.__file__))"],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()
    moments = subprocess.run([sys.executable, "-P", "-c", "from geo.data.cache import default_moments_dir as d; "
                              "print(d())"], env=env, capture_output=True, text=True).stdout.strip() or code
    print(machine_description())
    print(f"code {code}; moments cache {'off' if args.no_moments_cache else moments}; {args.results}")
    with tempfile.TemporaryDirectory() as folder:
        if args.first_run:
            files, size = evict(files_of_a_report(args.results.resolve(), Path(code), Path(moments)))
            wall, cpu = one_run(args.results, env, folder)
            print(f"first run (after evicting {files} files, {size / 2**20:.0f} MiB): {wall:.2f} s wall, "
                  f"{cpu:.2f} s CPU")
        for repeat in range(args.repeats):
            wall, cpu = one_run(args.results, env, folder)
            print(f"warm run {repeat + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
