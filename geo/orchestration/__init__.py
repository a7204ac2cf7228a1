"""Orchestration: running a method over a frontier's targets (:mod:`geo.orchestration.frontier`)
and over a backtest's rebalance dates (:mod:`geo.orchestration.backtest`)."""
