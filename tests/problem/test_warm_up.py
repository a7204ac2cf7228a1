"""``make install``'s warm-up compiles every kernel signature the package uses.

After :func:`geo.problem.warm_up.warm_up`, a varied workload (local search and GEO frontiers,
the unconstrained frontier, sector caps, at-most cardinality, bounds, risk aversion) must add no
compiled signature to any kernel: whatever it runs was compiled, and cached, by the warm-up.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
from numba.core.registry import CPUDispatcher

import geo
import geo.problem
from geo.problem.warm_up import warm_up


def kernels() -> dict[str, CPUDispatcher]:
    found = {}
    for info in pkgutil.iter_modules(geo.problem.__path__, "geo.problem."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def signatures() -> dict[str, set]:
    return {name: set(kernel.signatures) for name, kernel in kernels().items()}


def test_every_kernel_is_cached_with_cache_true():
    found = kernels()
    assert len(found) >= 20
    assert not [name for name, kernel in found.items() if not kernel._cache.__class__.__name__ == "FunctionCache"]


def test_a_varied_workload_compiles_nothing_after_the_warm_up(sp500_sample):
    warm_up()
    before = signatures()
    data = sp500_sample
    sectors = {ticker: f"s{i % 3}" for i, ticker in enumerate(data.tickers)}
    geo.frontier(data, k=4, points=4, budget=400, seed=1)
    geo.frontier(data, k=4, points=3, budget=400, seed=1, method="geo")
    geo.frontier(data, k=4, points=3, budget=300, seed=1, cardinality="at-most", w_min=0.05, w_max=0.4)
    geo.frontier(data, k=4, points=3, method="unconstrained", w_max=0.3)
    geo.optimize(data, k=4, risk_aversion=0.5, budget=300, seed=1)
    from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
    from geo.problem.sector_caps import SectorCaps

    capped = Problem.from_dataset(data, 4, sector_caps=SectorCaps.build(data.tickers, sectors, cap=0.5))
    low, high = capped.return_range()
    selections = np.zeros((5, data.n_assets), dtype=bool)
    for row in range(5):
        selections[row, np.random.default_rng(row).choice(data.n_assets, 4, replace=False)] = True
    SelectionEvaluator(capped, ObjectiveGrid.target_returns(np.linspace(low, high, 5))).costs(selections)
    after = signatures()
    grown = {name: after[name] - before.get(name, set()) for name in after if after[name] - before.get(name, set())}
    assert not grown, f"compiled after the warm-up (add them to warm_up): {grown}"
