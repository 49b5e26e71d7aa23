"""Screening the closes a run uses: error-level rows and one-day spikes.

* :func:`bad_close_dates`: closes that are NaN, infinite or <= 0. A run or backtest whose
  window holds one stops (:class:`~scenarios.errors.BadPriceError`, exit 3) unless the user
  asked to drop them (``--drop-bad-rows``, :func:`set_drop_bad_rows`).
* :func:`spike_dates`: a one-day spike that reverts: a close more than ``factor`` (default
  :data:`SPIKE_FACTOR` = 5) times BOTH neighbouring closes, or less than both divided by
  ``factor``. Such a row is a data error far more often than a market move (a 5x day that
  fully reverts the next day); ``data check`` reports it as a ``spike`` warning and volatility
  estimates leave it out (with a printed warning).

Pure functions on pandas Series (DatetimeIndex, adjusted closes); no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: a close this many times both neighbours (or 1/this of them) is a one-day spike
SPIKE_FACTOR = 5.0

_POLICY = {"drop_bad_rows": False}


def set_drop_bad_rows(drop: bool) -> None:
    """Process-wide choice of the CLI's ``--drop-bad-rows`` (``False``: bad rows stop the run)."""
    _POLICY["drop_bad_rows"] = bool(drop)


def drop_bad_rows() -> bool:
    """Return True when bad rows are dropped (with a warning) instead of stopping the run."""
    return _POLICY["drop_bad_rows"]


def bad_close_dates(closes: pd.Series) -> pd.DatetimeIndex:
    """Dates whose close is NaN, +-inf or <= 0."""
    c = closes.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(c) | (c <= 0)
    return pd.DatetimeIndex(closes.index[bad])


def spike_dates(closes: pd.Series, factor: float = SPIKE_FACTOR) -> pd.DatetimeIndex:
    """Dates of one-day spikes that revert.

    ``c[t] > factor * max(c[t-1], c[t+1])`` or ``c[t] < min(c[t-1], c[t+1]) / factor`` (neighbours:
    the previous and next valid closes).
    """
    if factor <= 1:
        raise ValueError("factor must be > 1")
    values = closes.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values <= 0)
    c = closes[~closes.index.isin(closes.index[bad])] if bad.any() else closes  # bad_close_dates' rows out
    if len(c) < 3:
        return pd.DatetimeIndex([])
    v = c.to_numpy(dtype="float64")
    prev, mid, nxt = v[:-2], v[1:-1], v[2:]
    up = mid > factor * np.maximum(prev, nxt)
    down = mid * factor < np.minimum(prev, nxt)
    return pd.DatetimeIndex(c.index[1:-1][up | down])


def describe_dates(dates: pd.DatetimeIndex, limit: int = 5) -> str:
    """``2025-01-02, 2025-03-04 and 3 more``."""
    shown = [d.date().isoformat() for d in dates[:limit]]
    more = f" and {len(dates) - limit} more" if len(dates) > limit else ""
    return ", ".join(shown) + more
