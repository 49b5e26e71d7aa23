"""EPS from growth, margin changes and revenue uplifts.

Per-share amounts are in one currency (price currency after :func:`valuation.drivers.fx.convert`);
rates are fractions. ``margin`` means a PRE-TAX (operating) margin unless ``tax_rate=0`` is passed,
in which case it is read as a net margin.
"""

from __future__ import annotations

import numpy as np

from .._types import ArrayLike
from .._validate import Inputs

__all__ = ["grow_eps", "margin_change_eps", "revenue_uplift_eps", "growth_to_log"]


def grow_eps(eps: ArrayLike, growth: ArrayLike, years: ArrayLike = 1.0) -> ArrayLike:
    """EPS after compounding ``growth`` per year for ``years``: ``eps * (1 + growth) ** years``.

    Args:
        eps: current EPS (any sign; growth of a loss is applied mechanically).
        growth: annual growth rate, fraction (> -1; 0.15 = 15% a year).
        years: years of growth (>= 0, may be fractional).
    """
    inp = Inputs("grow_eps", eps=eps, growth=growth, years=years)
    e = inp.get("eps")
    g = inp.get("growth", gt=-1.0)
    y = inp.get("years", ge=0.0, unit="years")
    inp.broadcast()
    return inp.wrap(e * np.exp(y * np.log1p(g)))


def growth_to_log(growth: ArrayLike, years: ArrayLike = 1.0) -> ArrayLike:
    """Log growth over ``years``: ``years * log1p(growth)`` (growth a fraction > -1)."""
    inp = Inputs("growth_to_log", growth=growth, years=years)
    g = inp.get("growth", gt=-1.0)
    y = inp.get("years", ge=0.0)
    inp.broadcast()
    return inp.wrap(y * np.log1p(g))


def margin_change_eps(revenue_per_share: ArrayLike, margin_change: ArrayLike,
                      tax_rate: ArrayLike = 0.0) -> ArrayLike:
    """EPS change from a change of the pre-tax margin on unchanged revenue.

    ``revenue_per_share * margin_change * (1 - tax_rate)``.

    Args:
        revenue_per_share: annual revenue per share (>= 0), price currency.
        margin_change: change of the margin in fraction points (-0.02 = margin 2 points lower);
            between -1 and 1.
        tax_rate: tax rate on the incremental profit (fraction in [0, 1)).
    """
    inp = Inputs("margin_change_eps", revenue_per_share=revenue_per_share,
                 margin_change=margin_change, tax_rate=tax_rate)
    r = inp.get("revenue_per_share", ge=0.0)
    m = inp.get("margin_change", ge=-1.0, le=1.0, fraction=True)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    inp.broadcast()
    return inp.wrap(r * m * (1.0 - t))


def revenue_uplift_eps(revenue_per_share: ArrayLike, uplift: ArrayLike, margin: ArrayLike,
                       tax_rate: ArrayLike = 0.0) -> ArrayLike:
    """EPS change from extra revenue earned at an incremental margin.

    ``revenue_per_share * uplift * margin * (1 - tax_rate)``.

    Args:
        revenue_per_share: annual revenue per share (>= 0), price currency.
        uplift: revenue change as a fraction of current revenue (> -1; 0.05 = +5%).
        margin: incremental pre-tax margin on that revenue (fraction in [-1, 1]).
        tax_rate: fraction in [0, 1).
    """
    inp = Inputs("revenue_uplift_eps", revenue_per_share=revenue_per_share, uplift=uplift,
                 margin=margin, tax_rate=tax_rate)
    r = inp.get("revenue_per_share", ge=0.0)
    u = inp.get("uplift", gt=-1.0)
    m = inp.get("margin", ge=-1.0, le=1.0, fraction=True)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    inp.broadcast()
    return inp.wrap(r * u * m * (1.0 - t))
