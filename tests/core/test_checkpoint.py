"""Interrupted runs: partial results on Ctrl-C, resume after a kill reaches the same answer."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.core.checkpoint import STATE_FILE, Checkpoint
from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem

ROOT = Path(__file__).resolve().parents[2]


def comparable(result_dict):
    data = dict(result_dict)
    data.pop("timing")
    details = dict(data.pop("details"))
    for key in ("command", "resumed", "checkpoint"):
        details.pop(key, None)
    data["details"] = details
    return data


class StopAfter:
    """A progress callback that presses Ctrl-C after ``steps`` units of work."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, done, total):
        if done >= self.steps:
            raise KeyboardInterrupt


@pytest.mark.parametrize("method_name, settings", [
    ("local-search", {}),
    ("annealing", {"steps": 300}),
    ("geo", {"generator": "independent", "iterations": 6}),
    ("enumeration", {}),
])
def test_ctrl_c_gives_partial_results_and_resume_matches(sp500_sample, tmp_path, method_name, settings):
    problem = Problem.from_dataset(sp500_sample, 4, w_min=0.02, w_max=0.6)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6)[:-1])
    kwargs = dict(seed=5, budget=None, checkpoint_interval=0.0)
    full = compute_frontier(problem, grid, make_method(method_name, **settings), **kwargs)
    folder = tmp_path / "ckpt"
    partial = compute_frontier(problem, grid, make_method(method_name, **settings), checkpoint_dir=folder,
                               progress=StopAfter(3), **kwargs)
    assert partial.details["interrupted"] and all(p.status == "interrupted" for p in partial.points)
    assert (folder / STATE_FILE).exists()
    resumed = compute_frontier(problem, grid, make_method(method_name, **settings), checkpoint_dir=folder,
                               resume=True, **kwargs)
    assert comparable(resumed.to_dict()) == comparable(full.to_dict())
    assert not (folder / STATE_FILE).exists()  # a finished run leaves no stale checkpoint


def test_corrupt_or_foreign_checkpoint_is_reported(tmp_path):
    folder = tmp_path / "c"
    Checkpoint(folder, "abc", interval_s=0).save({"x": np.arange(3)})
    assert Checkpoint(folder, "abc", resume=True).load()["x"].tolist() == [0, 1, 2]
    with pytest.raises(GeoError, match="different command"):
        Checkpoint(folder, "other", resume=True).load()
    raw = (folder / STATE_FILE).read_bytes()
    (folder / STATE_FILE).write_bytes(raw[:-5])
    with pytest.raises(GeoError, match="truncated or corrupt"):
        Checkpoint(folder, "abc", resume=True).load()
    (folder / STATE_FILE).write_bytes(b"garbage")
    with pytest.raises(GeoError, match="corrupt"):
        Checkpoint(folder, "abc", resume=True).load()


def run_geo(*args, **popen):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, "-m", "geo.cli", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


# The child runs the real command, but after the first checkpoint it has written it says so (a
# line on a pipe) and waits on its stdin, which never closes: the parent, blocked on that pipe
# until then, kills it at this synchronisation point, so the run can neither finish first nor be
# killed before a save, whatever the machine's load. No clock is involved.
PAUSE_AFTER_FIRST_SAVE = """
import os
import sys

from geo.core.checkpoint import Checkpoint

said, args = os.fdopen(int(sys.argv[1]), "w"), sys.argv[2:]
save = Checkpoint.save


def save_then_wait(self, state, force=False):
    saved = save(self, state, force)
    if saved:
        said.write("saved\\n")
        said.flush()
        sys.stdin.read()
    return saved


Checkpoint.save = save_then_wait
from geo.cli import main

main(args, prog_name="geo")
"""


def test_sigkill_then_resume_reaches_the_uninterrupted_result(tmp_path):
    args = ["frontier", "sp500-sample", "-k", 5, "--points", 6, "--method", "annealing", "--seed", 2, "--quiet"]
    reference = tmp_path / "reference.json"
    assert run_geo(*args, "--output", reference).wait() == 0
    out = tmp_path / "killed.json"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", PAUSE_AFTER_FIRST_SAVE, str(write_end), *map(str, args),
                                "--output", str(out)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_end,))
    os.close(write_end)
    try:
        with os.fdopen(read_end) as said:
            first_save = said.readline()  # blocks until the first save (or '' if the command ended)
        assert first_save == "saved\n", f"no checkpoint was saved: {process.poll()=}"
        assert process.poll() is None  # waiting at the synchronisation point
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    state = Path(f"{out}.checkpoint") / STATE_FILE
    assert state.exists() and not out.exists()
    resumed = run_geo(*args, "--output", out, "--resume")
    assert resumed.wait() == 0, resumed.stderr.read().decode()
    assert comparable(json.loads(out.read_text())) == comparable(json.loads(reference.read_text()))
