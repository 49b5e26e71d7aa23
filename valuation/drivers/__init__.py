"""Earnings drivers.

How a narrative (capex, subsidies, growth, buybacks, FX, sentiment shocks)
moves EPS, free cash flow or the price, per share, vectorized over draws.
"""

from . import buyback, capex, fx, growth, shock, subsidy

__all__ = ["buyback", "capex", "fx", "growth", "shock", "subsidy"]
