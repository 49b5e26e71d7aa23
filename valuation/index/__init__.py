"""Index maths.

Weights, capping, drift, chain-linking, rebalance calendar, turnover and implied weights.
"""

from .calendar import hang_seng_rebalance_dates, quarterly_effective_dates, rebalance_mask
from .capping import HANG_SENG_CAP, cap_weights
from .chain import ChainLinkedIndex, chain_link_index
from .drift import drift_weights
from .implied import ImpliedWeights, implied_weights
from .schemes import HeldSegment, SchemeIndex, chain_link_schemes, hold_schemes, scheme_weights
from .turnover import turnover
from .weights import equal_weights, exclude, market_cap_weights, normalize, tilt_weights

__all__ = [
    "hang_seng_rebalance_dates", "quarterly_effective_dates", "rebalance_mask",
    "HANG_SENG_CAP", "cap_weights", "ChainLinkedIndex", "chain_link_index", "drift_weights", "ImpliedWeights",
    "implied_weights",
    "HeldSegment", "SchemeIndex", "chain_link_schemes", "hold_schemes", "scheme_weights",
    "turnover", "equal_weights", "exclude", "market_cap_weights", "normalize", "tilt_weights",
]
