"""Backtests: score scenario forecasts against realized prices (single as_of or walk-forward).

Modules: :mod:`~scenarios.backtest.metrics` (pure metric functions),
:mod:`~scenarios.backtest.realized` (realized returns with their kind),
:mod:`~scenarios.backtest.single` (one scenario at its ``as_of``),
:mod:`~scenarios.backtest.walkforward` (re-run at rolling ``as_of`` dates),
:mod:`~scenarios.backtest.index_recon` / :mod:`~scenarios.backtest.counterfactual` (index
reconstruction and counterfactual weighting, for ``index_weighting`` scenarios).

Nothing heavy is imported here: import the submodules you need.
"""
