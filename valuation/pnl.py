"""Buy-and-hold P&L of long/short positions and its risk summary (pure numpy).

A position of size ``N`` (base currency, > 0) with sign ``s`` (+1 long, -1 short) in an asset of
simple local return ``r`` whose currency moves by ``f`` against the base (base units per local
unit, fraction) is worth ``N (1 + r)(1 + f)`` base units at the horizon, so its P&L is
``s N ((1 + r)(1 + f) - 1)``. Costs are ``bps / 10,000`` of every notional traded: the opening
trade ``N`` and, when the position is closed at the horizon, the closing trade
``N (1 + r)(1 + f)``. Nothing here knows dates or data: returns in, money out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuation.exceptions import InputRangeError, InputShapeError, NonFiniteInputError

__all__ = ["PnlRisk", "long_short_pnl", "pnl_risk"]


def long_short_pnl(returns: np.ndarray, signs: np.ndarray, notionals: np.ndarray, *,
                   fx_change: np.ndarray | None = None, costs_bps: float = 0.0,
                   close_at_horizon: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P&L of buy-and-hold positions in the base currency, per draw.

    Parameters
    ----------
    returns : ndarray, shape (draws, k)
        Simple returns of the k assets over the window in their own currency (fractions, > -1).
    signs : ndarray, shape (k,)
        +1 for a long position, -1 for a short.
    notionals : ndarray, shape (k,)
        Entry sizes in the base currency (> 0).
    fx_change : ndarray, shape (k,), optional
        Change of each asset's currency against the base over the window (base units per local
        unit, fraction > -1); default 0.
    costs_bps : float
        Costs in basis points of notional traded (>= 0).
    close_at_horizon : bool
        Count the closing trade at the horizon as traded notional.

    Returns
    -------
    pnl : ndarray, shape (draws,)
        P&L after costs, base currency.
    costs : ndarray, shape (draws,)
        Costs, base currency (>= 0); ``pnl + costs`` is the P&L before costs.
    traded : ndarray, shape (draws,)
        Notional traded, base currency.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2:
        raise InputShapeError(f"returns must be (draws, k), got shape {r.shape}")
    k = r.shape[1]
    s = np.asarray(signs, dtype=np.float64).reshape(-1)
    n = np.asarray(notionals, dtype=np.float64).reshape(-1)
    f = np.zeros(k) if fx_change is None else np.asarray(fx_change, dtype=np.float64).reshape(-1)
    for name, a in (("signs", s), ("notionals", n), ("fx_change", f)):
        if a.size != k:
            raise InputShapeError(f"{name} has {a.size} entries for {k} assets")
    if not (np.isfinite(r).all() and np.isfinite(n).all() and np.isfinite(f).all()):
        raise NonFiniteInputError("returns, notionals and fx_change must be finite")
    if not np.isin(s, (-1.0, 1.0)).all():
        raise InputRangeError("signs must be +1 (long) or -1 (short)")
    if (n <= 0).any():
        raise InputRangeError("notionals must be > 0 (the side is in signs)")
    if (r <= -1).any() or (f <= -1).any():
        raise InputRangeError("returns and fx_change must be > -1 (-100%)")
    if not (np.isfinite(costs_bps) and costs_bps >= 0):
        raise InputRangeError(f"costs_bps must be >= 0 (got {costs_bps!r})")
    growth = (1.0 + r) * (1.0 + f)               # base value at the horizon per base unit invested
    pnl = (growth - 1.0) @ (s * n)
    traded = np.full(r.shape[0], n.sum())
    if close_at_horizon:
        traded = traded + growth @ n
    costs = traded * (costs_bps / 1e4)
    return pnl - costs, costs, traded


@dataclass(frozen=True)
class PnlRisk:
    """Summary of a P&L distribution (same units as the draws; losses as positive numbers)."""

    mean: float
    median: float
    p05: float
    p95: float
    prob_loss: float
    var_05: float        #: 5% value-at-risk: ``-quantile(pnl, 0.05)``
    es_05: float         #: expected shortfall: ``-mean(pnl[pnl <= quantile(pnl, 0.05)])``
    mc_se_mean: float    #: Monte Carlo standard error of the mean


def pnl_risk(pnl: np.ndarray, alpha: float = 0.05) -> PnlRisk:
    """Return the risk summary of P&L draws.

    Return expected value, median, 5-95% band (linear interpolation), P(loss) = share of draws
    below 0, value-at-risk and expected shortfall at ``alpha`` as positive losses.

    The expected shortfall is the mean of the draws at or below the ``alpha`` quantile, so it is
    never smaller than the value-at-risk. Both are negative when even the ``alpha`` tail gains.

    Parameters
    ----------
    pnl : ndarray, shape (draws,)
    alpha : float in (0, 0.5)
    """
    x = np.asarray(pnl, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise InputShapeError("pnl has no draws")
    if not np.isfinite(x).all():
        raise NonFiniteInputError("pnl draws must be finite")
    if not 0 < alpha < 0.5:
        raise InputRangeError(f"alpha must be in (0, 0.5) (got {alpha!r})")
    lo, med, hi = np.quantile(x, [alpha, 0.5, 1 - alpha])
    tail = x[x <= lo]
    se = float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")
    return PnlRisk(mean=float(x.mean()), median=float(med), p05=float(lo), p95=float(hi),
                   prob_loss=float((x < 0).mean()), var_05=float(-lo), es_05=float(-tail.mean()),
                   mc_se_mean=se)
