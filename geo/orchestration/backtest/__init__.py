"""Out-of-sample backtests: rebalance, estimate on the trailing window, solve, hold, measure."""
