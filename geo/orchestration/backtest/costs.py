"""Trading costs, paid: ``--cost-bps C`` charges C basis points of the value traded at every rebalance.

At a rebalance the portfolio trades ``T = sum |w_new - w_drifted|`` of its value (buys plus
sells; the first purchase from cash is ``T = 1``), and pays ``c T`` of its value, ``c = C / 10^4``.
The trades are sized on the value before the cost (the usual first-order form: the cost of
trading the cost itself, ``c^2`` terms, is left out). The cost leaves the portfolio at the close
where it trades, so the day's net return is ``(1 + gross) (1 - c T) - 1``; the first purchase
happens at the close before the first day of the backtest, so its cost is in the first day's
return. Weights are unchanged by the cost: it is taken pro rata from every holding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from geo.core.errors import GeoError

BASIS_POINT = 1e-4


def cost_rate(cost_bps: float) -> float:
    """The cost per unit of value traded, from basis points (a one-line error when negative)."""
    try:
        value = float(cost_bps)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise GeoError(f"--cost-bps {cost_bps!r} is not a cost", "give the cost per trade in basis points, 0 or more "
                       "(10 = 0.1 % of the value traded)")
    return value * BASIS_POINT


@dataclass(frozen=True)
class NetReturns:
    gross: np.ndarray      # daily returns before costs
    net: np.ndarray        # daily returns after costs
    costs: list[float]     # per rebalance: the cost paid, as a share of the portfolio's value then


def net_of_costs(gross: np.ndarray, positions: Sequence[int], traded: Sequence[float], rate: float) -> NetReturns:
    """Daily returns net of a proportional cost ``rate`` on the value ``traded`` at each rebalance.

    ``gross[i]`` is the return of price row ``positions[0] + 1 + i`` (as :func:`simulate` gives
    it); ``traded[j]`` was traded at the close of row ``positions[j]``.
    """
    gross = np.asarray(gross, dtype=float)
    kept = np.ones(len(gross))
    costs = []
    for position, value in zip(positions, traded):
        cost = rate * float(value)
        costs.append(cost)
        # The close of the formation day precedes the first return: its cost is in the first day's.
        day = max(position - positions[0] - 1, 0)
        if cost and len(gross):
            kept[day] *= 1.0 - cost
    # Days without a cost keep their gross return exactly ((1 + g) - 1 need not give g back).
    net = np.where(kept == 1.0, gross, (1.0 + gross) * kept - 1.0)
    return NetReturns(gross=gross, net=net, costs=costs)
