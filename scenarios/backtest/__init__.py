"""Backtests: score scenario forecasts against realized prices (single as_of or walk-forward).

Modules: :mod:`~scenarios.backtest.realized` (realized returns with their kind),
:mod:`~scenarios.backtest.scoring` (a forecast against the realized returns),
:mod:`~scenarios.backtest.scenario` (one scenario at its ``as_of``, or rolled: walk-forward),
:mod:`~scenarios.backtest.walkforward` (the rolling machinery). The metric functions are in
:mod:`scenarios.metrics`; the index reconstruction in :mod:`scenarios.recon`.

Nothing heavy is imported here: import the submodules you need.
"""
