"""Weights drifting with returns between rebalances.

After a period with simple returns ``r`` a buy-and-hold portfolio with weights ``w`` holds
``w * (1 + r) / sum(w * (1 + r))``. For a ``(T, N)`` matrix of daily returns the end-of-day weights
of every day are ``w * G_t / sum(w * G_t)`` with ``G_t = prod_{s <= t} (1 + r_s)``: computed with
one cumulative product, no loop.

NaN returns mean "no price" (not listed yet, delisted, removed): a name with a NaN return on a day
loses its weight from that day on (its holding leaves the portfolio and the rest is renormalized),
the same rule as :func:`valuation.index.chain.chain_link_index`. A NaN return for a name with zero
weight changes nothing.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .._types import ArrayLike, BoolArray, FloatArray
from .._validate import Inputs
from ..exceptions import InputRangeError, InputShapeError
from ._rows import normalize_rows

__all__ = ["drift_weights", "holdings_growth"]


def holdings_growth(returns: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Return the cumulative growth and the alive mask of the holdings.

    Cumulative growth ``G`` (NaN returns counted as 0) and the alive mask (no NaN so far),
    both ``(T, ...)``, along axis 0.
    """
    nan = np.isnan(returns)
    growth = np.cumprod(1.0 + np.where(nan, 0.0, returns), axis=0)
    alive = np.logical_and.accumulate(~nan, axis=0)
    return cast(FloatArray, growth), alive


def drift_weights(weights: ArrayLike, returns: ArrayLike) -> ArrayLike:
    """Weights after one period, or the path of end-of-period weights over ``T`` periods.

    Args:
        weights: starting weights (>= 0), names on the last axis: ``(N,)`` or ``(draws, N)``;
            normalized to sum to 1.
        returns: simple returns (fractions, >= -1; NaN = no price, see the module docstring).
            Same number of dimensions as ``weights`` (broadcastable): one period. One more leading
            dimension, e.g. ``(T, N)`` with weights ``(N,)``: a path along axis 0.

    Returns
    -------
        One period: weights shaped like the broadcast inputs. Path: ``(T, ...)`` end-of-period
        weights (a DataFrame labelled like ``returns`` when it is one). Rows sum to 1.
    """
    f = "drift_weights"
    inp = Inputs(f, weights=weights, returns=returns)
    w = inp.get("weights", ge=0.0)
    r = inp.get("returns", allow_nan=True, ge=-1.0)
    if w.ndim == 0:
        raise InputShapeError(f"{f}: weights must have at least one name (got a scalar)")
    w = normalize_rows(w, "weights", f)
    if r.ndim == w.ndim + 1:
        try:
            np.broadcast_shapes(r.shape[1:], w.shape)
        except ValueError:
            raise InputShapeError(f"{f}: returns{r.shape} (a path over axis 0) does not match "
                                  f"weights{w.shape}") from None
        growth, alive = holdings_growth(r)
        hold = w * growth * alive
    elif r.ndim <= w.ndim:
        inp.broadcast()
        hold = w * (1.0 + np.where(np.isnan(r), 0.0, r)) * ~np.isnan(r)
    else:
        raise InputShapeError(f"{f}: returns{r.shape} has more than one extra dimension over "
                              f"weights{w.shape}")
    total = hold.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise InputRangeError(f"{f}: every name with weight lost its whole value or its price "
                              "(returns of -100% or NaN); the weights are undefined")
    return inp.wrap(hold / total)
