"""Public facade of the HSTECH reconstruction machinery (:mod:`scenarios.backtest.recon`).

The code lives in one module per concept under :mod:`scenarios.backtest.recon` (panel,
membership, rules, fit, reference, simulate, recon; the method and its units are described in
that package's docstring). This module re-exports every name that the CLI,
:mod:`scenarios.backtest.counterfactual`, the tests and the benchmarks import, so
``from scenarios.backtest.index_recon import ...`` keeps working unchanged. Add new code to the
package, not here.

The public API (signatures and units) is listed in the package docstring of
:mod:`scenarios.backtest.recon`.
"""

from __future__ import annotations

from scenarios.backtest.recon.fit import MIN_FIT_DAYS, _fit_period, _fit_trailing
from scenarios.backtest.recon.membership import Membership
from scenarios.backtest.recon.panel import (
    IndexPanel,
    _rebalance_dates,
    load_index_panel,
    odd_sessions,
    price_close,
)
from scenarios.backtest.recon.recon import (
    TRADING_DAYS,
    WARMUP_DAYS,
    ReconResult,
    _missing_table,
    _te_table,
    annualized_te,
    broker_weight_check,
    reconstruct_hstech,
)
from scenarios.backtest.recon.reference import (
    _default_reference_dir,
    _read_estimates,
    _reference_weights,
    load_broker_weights,
    load_entry_weights,
)
from scenarios.backtest.recon.rules import DEFAULT_CAP, Base, WeightRule, _cap, _normalize
from scenarios.backtest.recon.simulate import Method, Simulation, simulate_index

__all__ = [
    "DEFAULT_CAP", "TRADING_DAYS", "IndexPanel", "Membership", "ReconResult", "Simulation",
    "WeightRule", "annualized_te", "broker_weight_check", "load_broker_weights",
    "load_entry_weights", "load_index_panel",
    "odd_sessions", "price_close", "reconstruct_hstech", "simulate_index",
]

# Names kept importable for existing callers (constants, type aliases and private helpers used by
# counterfactual.py and the tests); not part of ``__all__``, as before the split.
_COMPAT = (MIN_FIT_DAYS, WARMUP_DAYS, Base, Method, _fit_period, _fit_trailing, _rebalance_dates,
           _missing_table, _te_table, _default_reference_dir, _read_estimates, _reference_weights,
           _cap, _normalize)
