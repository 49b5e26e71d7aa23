"""Implied index weights fitted from constituent and index returns (data before a rebalance only).

Between two rebalances a capped cap-weighted index is a buy-and-hold portfolio, so
``I_t / I_0 = sum_i w_i G_i(t)`` with ``G_i`` the constituent's cumulative price growth;
differencing gives a regression linear in the start weights ``w`` (non-negative, sum 1), solved by
:func:`valuation.index.implied.implied_weights` (:func:`_fit_period`). :func:`_fit_trailing` is the
textbook variant: constant weights from a regression of daily returns. Inputs are daily simple
returns (fractions); outputs are weights (fractions summing to 1). A process remembers its fits
by their input arrays (the same rebalances recur across sweep batches, schemes of the loop and
scenarios on the same dates); :func:`clear_fit_cache` forgets them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scenarios.recon.panel import IndexPanel

__all__ = ["MIN_FIT_DAYS", "check_fit_args", "clear_fit_cache", "fit_returns", "simple_returns"]

#: Fewest daily observations accepted for a weight fit.
MIN_FIT_DAYS: int = 20


def fit_returns(panel: IndexPanel, method: str, window: int, skip_odd_sessions: bool
                ) -> tuple[pd.DataFrame, pd.Series]:
    """Return the returns the weights are fitted on, after checking the fit arguments.

    Shared by :func:`~scenarios.recon.simulate.simulate_index` and
    :func:`~scenarios.recon.batch.simulate_index_batch`. Returns ``(constituent returns, index
    returns)``, daily simple returns (fractions); with ``skip_odd_sessions`` the panel's odd
    sessions are merged into the next session. Raises ``ValueError`` for an unknown ``method``
    or a ``window`` shorter than :data:`MIN_FIT_DAYS` sessions.
    """
    check_fit_args(method, window)
    if skip_odd_sessions:
        return panel.clean_returns()
    return panel.returns, panel.index_returns


def check_fit_args(method: str, window: int) -> None:
    """Raise ``ValueError`` for an unknown fit ``method`` or a ``window`` under MIN_FIT_DAYS."""
    if method not in ("period", "trailing"):
        raise ValueError(f"method must be 'period' or 'trailing' (got {method!r})")
    if window < MIN_FIT_DAYS:
        raise ValueError(f"window must be >= {MIN_FIT_DAYS} trading days (got {window})")


def simple_returns(levels: np.ndarray) -> np.ndarray:
    """Daily simple returns of ``levels`` (rows = days): ``x_t / x_{t-1} - 1``, NaN on row 0.

    The arithmetic of ``DataFrame.pct_change(fill_method=None)`` on arrays (the same numbers).
    """
    out = np.empty(levels.shape, dtype="float64")
    out[:1] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(levels[1:], levels[:-1], out=out[1:])
    out[1:] -= 1.0
    return out


def _fit_period(returns: pd.DataFrame, index_returns: pd.Series, start_cap: float | None = None
                ) -> tuple[pd.Series, pd.Series]:
    """Buy-and-hold implied weights over one rebalance period.

    ``returns``: daily price returns (days x names, no NaN) of the period; ``index_returns``
    aligned. Returns ``(w_start, w_end)``: the weights at the start of the period and the same
    holdings drifted to its last close.
    """
    w0, end = _fit_period_arrays(returns.to_numpy(dtype="float64"),
                                 index_returns.to_numpy(dtype="float64"), start_cap)
    return pd.Series(w0, index=returns.columns), pd.Series(end, index=returns.columns)


def _fit_period_arrays(r: np.ndarray, index_r: np.ndarray, start_cap: float | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_fit_period` on arrays: ``r`` ``(T, N)`` and ``index_r`` ``(T,)`` daily returns.

    Returns ``(w_start, w_end)`` as ``(N,)`` arrays (fractions summing to 1). The fit is
    remembered for the process (see :func:`clear_fit_cache`).
    """
    key = _cache_key("period", r, index_r, start_cap)
    hit = _cache_get(key)
    if hit is not None:
        return hit[0], hit[1]
    w0, end = _solve_period(r, index_r, start_cap)
    _cache_put(key, (w0, end))
    return w0, end


def _solve_period(r: np.ndarray, index_r: np.ndarray, start_cap: float | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Fit as :func:`_fit_period_arrays` does, without the cache."""
    from valuation.index.implied import implied_weights

    growth = np.cumprod(1.0 + r, axis=0)
    prev = np.vstack([np.ones((1, r.shape[1])), growth[:-1]])
    lvl = np.cumprod(1.0 + index_r)
    lvl_prev = np.concatenate([[1.0], lvl[:-1]])
    x = growth - prev              # G_i(t) - G_i(t-1) = G_i(t-1) r_it
    y = lvl - lvl_prev             # I(t) - I(t-1) (I(0) = 1)
    # implied_weights validates its inputs as returns (> -1); level differences can go below
    # that after a big run-up. Scaling x and y by one constant leaves the fit unchanged.
    scale = 0.5 / max(float(np.abs(x).max()), float(np.abs(y).max()), 0.5)
    x, y = x * scale, y * scale
    cap = start_cap if start_cap is not None and start_cap * x.shape[1] >= 1 else None
    fit = implied_weights(x, y, cap=cap)
    w0 = np.asarray(fit.weights, dtype="float64")
    end = w0 * growth[-1]
    return w0, end / end.sum()


def _fit_trailing(returns: pd.DataFrame, index_returns: pd.Series) -> pd.Series:
    """Constant implied weights from a plain daily-returns regression."""
    return pd.Series(_fit_trailing_arrays(returns.to_numpy(), index_returns.to_numpy()),
                     index=returns.columns)


def _fit_trailing_arrays(r: np.ndarray, index_r: np.ndarray) -> np.ndarray:
    """:func:`_fit_trailing` on arrays: ``(N,)`` weights from ``(T, N)`` and ``(T,)`` returns.

    Remembered for the process like :func:`_fit_period_arrays`.
    """
    from valuation.index.implied import implied_weights

    key = _cache_key("trailing", r, index_r, None)
    hit = _cache_get(key)
    if hit is not None:
        return hit[0]
    w = np.asarray(implied_weights(r, index_r).weights, dtype="float64")
    _cache_put(key, (w,))
    return w


# --------------------------------------------------------------------------------------------
# fits remembered by their inputs
# --------------------------------------------------------------------------------------------
# A weight fit is a pure function of its input arrays, and the same fits recur within a process:
# every batch of a chunked sweep, every scheme of the per-scheme loop and every scenario of a
# backtest over the same dates refits the same rebalances. The key holds the arrays' bytes, shape
# and strides (the memory layout can change the last bits of the matrix products), so a hit
# returns exactly what the fit would compute; callers get copies.
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[object, ...], tuple[np.ndarray, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def clear_fit_cache() -> None:
    """Forget the weight fits remembered in this process (benchmarks time cold fits with it)."""
    with _cache_lock:
        _cache.clear()


def _cache_key(kind: str, r: np.ndarray, index_r: np.ndarray, cap: float | None
               ) -> tuple[object, ...] | None:
    if r.dtype != np.float64 or index_r.dtype != np.float64:
        return None
    return (kind, r.shape, r.strides, r.tobytes(), index_r.shape, index_r.strides,
            index_r.tobytes(), cap)


def _cache_get(key: tuple[object, ...] | None) -> tuple[np.ndarray, ...] | None:
    if key is None:
        return None
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    return None if hit is None else tuple(a.copy() for a in hit)


def _cache_put(key: tuple[object, ...] | None, value: tuple[np.ndarray, ...]) -> None:
    if key is None:
        return
    with _cache_lock:
        _cache[key] = tuple(a.copy() for a in value)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
