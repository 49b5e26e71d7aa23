"""Index maths.

Weights, capping, drift, chain-linking, rebalance calendar, turnover and implied weights.

The names load on first use (module ``__getattr__``), except :func:`turnover`: its submodule has
the same name, and importing it eagerly keeps ``valuation.index.turnover`` the function whichever
of the two is imported first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuation._lazy import lazy_names

from .turnover import turnover

if TYPE_CHECKING:
    from .calendar import hang_seng_rebalance_dates, quarterly_effective_dates, rebalance_mask
    from .capping import HANG_SENG_CAP, cap_holds, cap_weights, names_needed
    from .chain import ChainLinkedIndex, chain_link_index
    from .drift import drift_weights
    from .implied import ImpliedWeights, implied_weights
    from .schemes import HeldSegment, SchemeIndex, chain_link_schemes, hold_schemes, scheme_weights
    from .weights import equal_weights, exclude, market_cap_weights, normalize, tilt_weights

__all__ = [
    "hang_seng_rebalance_dates", "quarterly_effective_dates", "rebalance_mask",
    "HANG_SENG_CAP", "cap_holds", "cap_weights", "names_needed",
    "ChainLinkedIndex", "chain_link_index", "drift_weights", "ImpliedWeights",
    "implied_weights",
    "HeldSegment", "SchemeIndex", "chain_link_schemes", "hold_schemes", "scheme_weights",
    "turnover", "equal_weights", "exclude", "market_cap_weights", "normalize", "tilt_weights",
]

#: re-exported name -> the submodule that defines it
_NAMES: dict[str, str] = {
    **dict.fromkeys(("hang_seng_rebalance_dates", "quarterly_effective_dates", "rebalance_mask"), "calendar"),
    **dict.fromkeys(("HANG_SENG_CAP", "cap_holds", "cap_weights", "names_needed"), "capping"),
    **dict.fromkeys(("ChainLinkedIndex", "chain_link_index"), "chain"),
    "drift_weights": "drift",
    **dict.fromkeys(("ImpliedWeights", "implied_weights"), "implied"),
    **dict.fromkeys(("HeldSegment", "SchemeIndex", "chain_link_schemes", "hold_schemes", "scheme_weights"),
                    "schemes"),
    **dict.fromkeys(("equal_weights", "exclude", "market_cap_weights", "normalize", "tilt_weights"), "weights"),
}


__getattr__, __dir__ = lazy_names(__name__, globals(), {k: f"{__name__}.{m}" for k, m in _NAMES.items()},
                                   listed=__all__)
