"""Same command, same seed: identical results apart from timings, for every method."""

import pytest

from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem

QCBM_SMALL = {"generator": "qcbm", "iterations": 2, "samples_per_iteration": 50, "segments": 1,
              "generator_options": {"max_iterations": 3}}
METHODS = [
    ("local-search", {}),
    ("annealing", {"steps": 200}),
    ("relaxation", {}),
    ("enumeration", {}),
    ("exact", {}),
    ("unconstrained", {}),
    ("geo", {"generator": "mps", "iterations": 3}),
    ("geo", {"generator": "independent", "iterations": 3}),
    ("geo", {"generator": "uniform", "iterations": 3}),
    ("geo", QCBM_SMALL),
]


def without_timings(result):
    data = result.to_dict()
    data.pop("timing")
    data["details"].pop("sdp_seconds", None)  # the exact method's SDP: solved once, then from the memo
    for point in data["points"]:
        for key in ("solve_seconds", "time_limit_s", "warm_start_seconds"):
            point.pop(key, None)
    return data


@pytest.mark.parametrize("name, settings", METHODS, ids=[f"{m}-{s.get('generator', '')}" for m, s in METHODS])
def test_same_seed_same_results(sp500_sample, name, settings):
    # Eight assets keep the QCBM (8 qubits) and SCIP at fractions of a second.
    data = sp500_sample.subset(list(sp500_sample.tickers[:8]))
    problem = Problem.from_dataset(data, 3, w_min=0.05, w_max=0.7)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4))
    runs = [compute_frontier(problem, grid, make_method(name, **settings), seed=17) for _ in range(2)]
    assert without_timings(runs[0]) == without_timings(runs[1])
