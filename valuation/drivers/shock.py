"""Sentiment shocks that fade.

A price jump (simple return) whose log effect decays with a half-life measured in days (calendar or
trading days: whatever unit both arguments use).

``remaining(t) = log1p(shock) * 2 ** (-t / half_life)``; ``half_life = inf`` = permanent.
"""

from __future__ import annotations

import numpy as np

from .._types import ArrayLike
from .._validate import Inputs
from ..exceptions import InputRangeError
from ._trailing import wrap_trailing

__all__ = ["decayed_shock", "shock_path"]


def decayed_shock(shock: ArrayLike, half_life_days: ArrayLike, elapsed_days: ArrayLike) -> ArrayLike:
    """Log-return of a shock still in the price after ``elapsed_days``.

    Args:
        shock: the initial move as a simple return (fraction > -1, e.g. -0.10 for -10%).
        half_life_days: days for half of the (log) effect to fade (> 0; ``inf`` = never fades).
        elapsed_days: days since the shock (>= 0).

    Returns
    -------
        ``log1p(shock) * 2 ** (-elapsed / half_life)`` (a log-return; ``expm1`` of it is the
        remaining simple return).
    """
    inp = Inputs("decayed_shock", shock=shock, half_life_days=half_life_days,
                 elapsed_days=elapsed_days)
    s = inp.get("shock", gt=-1.0)
    hl = inp.get("half_life_days", gt=0.0, allow_inf=True, unit="days")
    t = inp.get("elapsed_days", ge=0.0, unit="days")
    inp.broadcast()
    return inp.wrap(np.log1p(s) * np.exp2(-t / hl))


def shock_path(shock: ArrayLike, half_life_days: ArrayLike, n_days: int, *,
               cumulative: bool = False) -> ArrayLike:
    """Daily log-returns of a fading shock, days 0..n_days-1 along a trailing axis.

    Day 0 carries the full shock ``log1p(shock)``; day ``k >= 1`` carries
    ``remaining(k) - remaining(k - 1)`` (the reversal). The cumulative sum up to day ``k`` equals
    :func:`decayed_shock` ``(shock, half_life_days, k)``; ``cumulative=True`` returns that instead.

    Args:
        shock: simple return (> -1).
        half_life_days: > 0 (``inf`` allowed).
        n_days: path length (integer >= 1).

    Returns
    -------
        ndarray ``broadcast(shock, half_life) + (n_days,)``; Series inputs give a DataFrame with
        columns 0..n_days-1.
    """
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)) or n_days < 1:
        raise InputRangeError(f"shock_path: n_days must be an integer >= 1 (got {n_days!r})")
    inp = Inputs("shock_path", shock=shock, half_life_days=half_life_days)
    s = inp.get("shock", gt=-1.0)
    hl = inp.get("half_life_days", gt=0.0, allow_inf=True, unit="days")
    shape = inp.broadcast()
    days = np.arange(int(n_days), dtype=np.float64)
    remaining = (np.broadcast_to(np.log1p(s), shape)[..., None]
                 * np.exp2(-days / np.broadcast_to(hl, shape)[..., None]))
    out = remaining if cumulative else np.diff(remaining, axis=-1, prepend=0.0)
    return wrap_trailing(inp, out, list(range(int(n_days))), "day")
