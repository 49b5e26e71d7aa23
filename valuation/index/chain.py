"""A chain-linked, periodically rebalanced index (Hang Seng style).

Its level is computed from the constituents' daily returns alone.

Timing: ``returns[t]`` is the simple return of each name on day ``t`` (close ``t-1`` to close
``t``). On a rebalance day ``t`` (``rebalance_mask[t]``) the new target weights are the weights at
the START of day ``t`` (the review takes effect before the open, e.g. Monday 2025-03-10 for the
March 2025 Hang Seng review), so day ``t``'s return is already earned on the new weights. Between
rebalances the weights drift with prices (:mod:`valuation.index.drift`). Levels are chained::

    level_t = level_{t-1} * (1 + sum_i w_start[t, i] * returns[t, i]),    level_{-1} = base

so a rebalance never makes the level jump: on a rebalance day with zero returns the level is
unchanged whatever the new weights (property-tested).

NaN returns mean "no price": a name not yet listed, suspended or removed. On the day its return is
NaN its weight is treated as 0 and the other names are renormalized; it keeps weight 0 until the
next rebalance gives it a weight again (a name that resumes trading between reviews stays out:
fill its suspended days with 0.0 returns if you want to keep it).

Each segment between rebalances is computed with cumulative products (no per-day Python loop).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._types import ArrayLike, FloatArray
from .._validate import as_float_array, check_finite, check_range, first_position
from ..exceptions import InputRangeError, InputShapeError, InputTypeError
from ._rows import normalize_rows
from .drift import holdings_growth

__all__ = ["ChainLinkedIndex", "chain_link_index"]


@dataclass(frozen=True)
class ChainLinkedIndex:
    """Result of :func:`chain_link_index`. Unpacks as ``levels, weights = result``.

    Attributes
    ----------
        levels: ``(T,)`` index level at each close (``base`` before day 0).
        weights: ``(T, N)`` end-of-day weights (after the day's drift).
        returns: ``(T,)`` simple index return of each day (price return of the constituents'
            returns you passed).
        start_weights: ``(T, N)`` weights that earned each day's return (after rebalancing and
            after dropping names with NaN returns).
        turnover: ``(T,)`` one-way turnover at each rebalance (0 on other days; day 0 is 0).
    Pandas inputs give Series/DataFrames labelled by the returns' index and columns.
    """

    levels: Any
    weights: Any
    returns: Any
    start_weights: Any
    turnover: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.levels, self.weights))


def _targets_for_days(tw: FloatArray, mask: np.ndarray, T: int) -> tuple[FloatArray, np.ndarray]:
    """Rows of target weights to apply on each rebalance day (and day 0)."""
    reb = mask.copy()
    reb[0] = True
    days = np.flatnonzero(reb)
    k = tw.shape[0]
    if k == T:  # per-day targets: row t applies on rebalance day t
        return tw[days], days
    n_mask = int(mask.sum())
    if mask[0] and k == n_mask:
        return tw, days
    if not mask[0] and k == n_mask + 1:
        return tw, days
    need = f"{n_mask}" if mask[0] else f"{n_mask + 1} (the first row = the starting weights)"
    raise InputShapeError(
        f"chain_link_index: target_weights has {k} rows; expected one row per day ({T}) or one per "
        f"rebalance: {need}")


def chain_link_index(returns: ArrayLike, target_weights: ArrayLike, rebalance_mask: ArrayLike,
                     base: float = 100.0) -> ChainLinkedIndex:
    """Chain-linked index levels and the weights path.

    Args:
        returns: ``(T, N)`` daily simple returns of the constituents (fractions >= -1; NaN = no
            price that day, see the module docstring).
        target_weights: weights applied at rebalances (>= 0, each row renormalized to 1): either
            ``(K, N)`` with one row per True in ``rebalance_mask`` (plus a first row with the
            starting weights when ``rebalance_mask[0]`` is False), or ``(T, N)`` per day (only the
            rows of rebalance days, and day 0, are used).
        rebalance_mask: ``(T,)`` booleans, True on the days new weights take effect (before that
            day's return). Day 0 always starts from target weights.
        base: level before day 0 (> 0).

    Returns
    -------
        :class:`ChainLinkedIndex` (unpacks as ``levels, weights``).
    """
    f = "chain_link_index"
    r = as_float_array(returns, "returns", f)
    if r.ndim != 2:
        raise InputShapeError(f"{f}: returns must be 2-D (T days, N names); got shape {r.shape}")
    T, N = r.shape
    if T == 0 or N == 0:
        raise InputShapeError(f"{f}: returns is empty (shape {r.shape})")
    check_finite(r, "returns", f, allow_nan=True)
    check_range(r, "returns", f, ge=-1.0)
    tw = as_float_array(target_weights, "target_weights", f)
    if tw.ndim == 1:
        tw = tw[None, :]
    if tw.ndim != 2 or tw.shape[1] != N:
        raise InputShapeError(f"{f}: target_weights must be (K, {N}) to match returns{r.shape}; "
                              f"got {tw.shape}")
    check_finite(tw, "target_weights", f)
    check_range(tw, "target_weights", f, ge=0.0)
    if isinstance(returns, pd.DataFrame) and isinstance(target_weights, pd.DataFrame):
        if not target_weights.columns.equals(returns.columns):
            raise InputShapeError(f"{f}: target_weights columns differ from returns columns; "
                                  "reindex them to the same symbols")
    m_raw = rebalance_mask.to_numpy() if isinstance(rebalance_mask, pd.Series) else \
        np.asarray(rebalance_mask)
    if (isinstance(rebalance_mask, pd.Series) and isinstance(returns, pd.DataFrame)
            and not rebalance_mask.index.equals(returns.index)):
        raise InputShapeError(f"{f}: rebalance_mask is indexed differently from returns; "
                              "reindex it to the returns' dates")
    if m_raw.dtype != np.bool_:
        raise InputTypeError(f"{f}: rebalance_mask must be boolean (got dtype {m_raw.dtype})")
    if m_raw.shape != (T,):
        raise InputShapeError(f"{f}: rebalance_mask must have shape ({T},); got {m_raw.shape}")
    if not (isinstance(base, (int, float)) and np.isfinite(base) and base > 0):
        raise InputRangeError(f"{f}: base must be a finite number > 0 (got {base!r})")
    rows, days = _targets_for_days(tw, m_raw, T)
    rows = normalize_rows(rows, "target_weights", f)

    idx_ret = np.empty(T)
    w_end = np.empty((T, N))
    w_start = np.empty((T, N))
    turn = np.zeros(T)
    bounds = list(days) + [T]
    prev_end: FloatArray | None = None
    for j in range(len(days)):
        s, e = bounds[j], bounds[j + 1]
        w0 = rows[j]
        if prev_end is not None:
            turn[s] = 0.5 * np.abs(w0 - prev_end).sum()
        seg = r[s:e]
        growth, alive = holdings_growth(seg)
        prev_growth = np.vstack([np.ones((1, N)), growth[:-1]])
        hold_end = w0 * growth * alive
        hold_start = w0 * prev_growth * alive
        denom = hold_start.sum(axis=1)
        if np.any(denom <= 0):
            day = s + first_position(denom <= 0)[0]
            raise InputRangeError(f"{f}: on day {day} no name with weight has a return (all NaN) "
                                  "or all of them lost their whole value")
        num = hold_end.sum(axis=1)
        # sum(w_start * r) is more precise than num / denom - 1 for small returns
        idx_ret[s:e] = (hold_start * np.where(np.isnan(seg), 0.0, seg)).sum(axis=1) / denom
        w_start[s:e] = hold_start / denom[:, None]
        if np.any(num <= 0):
            day = s + first_position(num <= 0)[0]
            raise InputRangeError(f"{f}: the index lost its whole value on day {day}")
        w_end[s:e] = hold_end / num[:, None]
        prev_end = w_end[e - 1]
    levels = base * np.cumprod(1.0 + idx_ret)

    if isinstance(returns, pd.DataFrame):
        ix, cols = returns.index, returns.columns
        return ChainLinkedIndex(
            levels=pd.Series(levels, index=ix, name="level"),
            weights=pd.DataFrame(w_end, index=ix, columns=cols),
            returns=pd.Series(idx_ret, index=ix, name="return"),
            start_weights=pd.DataFrame(w_start, index=ix, columns=cols),
            turnover=pd.Series(turn, index=ix, name="turnover"),
        )
    return ChainLinkedIndex(levels=levels, weights=w_end, returns=idx_ret, start_weights=w_start,
                            turnover=turn)
