"""Pure valuation maths: numbers in, numbers out.

No I/O, no clock, never imports ``scenarios``. Every function validates its inputs first (raising
:mod:`valuation.exceptions` types), documents its units, accepts scalars, numpy arrays and pandas
objects, and broadcasts over a leading draws axis. Fractions everywhere (0.35 = 35%).

Modules: :mod:`.multiples`, :mod:`.decomposition`, :mod:`.reversion`, :mod:`.drivers` (capex,
subsidy, growth, buyback, fx, shock) and :mod:`.index` (weights, capping, drift, chain, calendar,
turnover, implied); :mod:`.cash_items` (one-off / programme / recurring cash, buybacks),
:mod:`.cashflow` (FCF conventions, FCF yield, two-stage DCF), :mod:`.attribution` (exact Shapley),
:mod:`.volatility` (history, EWMA, GARCH) and :mod:`.hac` (Newey-West mean tests).
See ``docs/finance.md`` for the finance behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuation._lazy import lazy_names

if TYPE_CHECKING:  # the names below load on first use (module ``__getattr__``): start-up time
    from . import (
        attribution,
        cash_items,
        cashflow,
        decomposition,
        drivers,
        exceptions,
        hac,
        index,
        multiples,
        reversion,
        volatility,
    )
    from .decomposition import ReturnDecomposition, decompose_prices, decompose_return, implied_rerating
    from .exceptions import (
        ConvergenceError,
        InfeasibleCapError,
        InputRangeError,
        InputShapeError,
        InputTypeError,
        MissingDependencyError,
        NonFiniteInputError,
        PercentNotFractionError,
        ValuationError,
    )
    from .multiples import (
        implied_ev_ebitda,
        implied_pe,
        implied_peg,
        implied_ps,
        price_from_ev_ebitda,
        price_from_pe,
        price_from_peg,
        price_from_ps,
    )
    from .reversion import reversion_fraction, reversion_rerating, revert_multiple

__all__ = [
    "decomposition", "drivers", "exceptions", "index", "multiples", "reversion",
    "attribution", "cash_items", "cashflow", "hac", "volatility", "MissingDependencyError",
    "ReturnDecomposition", "decompose_prices", "decompose_return", "implied_rerating",
    "ConvergenceError", "InfeasibleCapError", "InputRangeError", "InputShapeError",
    "InputTypeError", "NonFiniteInputError", "PercentNotFractionError", "ValuationError",
    "implied_ev_ebitda", "implied_pe", "implied_peg", "implied_ps", "price_from_ev_ebitda",
    "price_from_pe", "price_from_peg", "price_from_ps",
    "revert_multiple", "reversion_fraction", "reversion_rerating",
]

#: submodules, loaded on first use
_SUBMODULES = frozenset({"attribution", "cash_items", "cashflow", "decomposition", "drivers", "exceptions",
                         "hac", "index", "multiples", "reversion", "volatility"})
#: re-exported name -> the submodule that defines it
_NAMES: dict[str, str] = {
    **dict.fromkeys(("ReturnDecomposition", "decompose_prices", "decompose_return", "implied_rerating"),
                    "decomposition"),
    **dict.fromkeys(("ConvergenceError", "InfeasibleCapError", "InputRangeError", "InputShapeError",
                     "InputTypeError", "MissingDependencyError", "NonFiniteInputError",
                     "PercentNotFractionError", "ValuationError"), "exceptions"),
    **dict.fromkeys(("implied_ev_ebitda", "implied_pe", "implied_peg", "implied_ps", "price_from_ev_ebitda",
                     "price_from_pe", "price_from_peg", "price_from_ps"), "multiples"),
    **dict.fromkeys(("reversion_fraction", "reversion_rerating", "revert_multiple"), "reversion"),
}


__getattr__, __dir__ = lazy_names(
    __name__, globals(), {k: f"{__name__}.{m}" for k, m in _NAMES.items()}, _SUBMODULES, __all__)
