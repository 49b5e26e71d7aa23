"""Flat, volume-0 bars: a stale price or a real close with the intraday data missing.

Half-day and odd sessions (Dec 24, Dec 31, Lunar New Year eve) often come as bars with volume 0
and open = high = low = close. Two different things hide behind that shape:

``stale``
    the close repeats the previous valid close: nothing traded (or nothing was recorded) and
    the price was carried over. It says nothing about that day; the last valid session
    before it is the day's price.
``half_day_close``
    the close moved from the previous close: a real close of a short session whose open,
    high, low and volume the source lacks. It is a price and is used as one.

Both are told apart from the bar and its predecessor only (no calendar needed). Prices in the
frame's currency; no units otherwise.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["FlatKind", "flat_bar_kinds", "flat_bars", "stale_mask"]

FlatKind = Literal["stale", "half_day_close"]


def _flat_and_prev(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flat volume-0 bars, closes, the previous valid close of each row: NaN when none)."""
    o, h, low, c = (frame[k].to_numpy(dtype="float64") for k in ("open", "high", "low", "close"))
    v = frame["volume"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        flat = (v == 0) & (o == h) & (h == low) & (low == c) & np.isfinite(c)
        valid = np.isfinite(c) & (c > 0)
    # the last valid row on or before each row (-1: none), then the one before each row
    last = np.maximum.accumulate(np.where(valid, np.arange(len(c)), -1)) if len(c) else np.zeros(0, np.int64)
    before = np.concatenate(([-1], last[:-1])) if len(c) else last
    prev = np.where(before >= 0, c[np.maximum(before, 0)] if len(c) else c, np.nan)
    return flat, c, prev


def flat_bars(frame: pd.DataFrame) -> tuple[np.ndarray, dict[pd.Timestamp, str]]:
    """:func:`stale_mask` of ``frame`` and :func:`flat_bar_kinds` as a dict (date -> kind), from one pass."""
    flat, c, prev = _flat_and_prev(frame)
    repeated = c == prev
    kinds = np.where(repeated[flat], "stale", "half_day_close").tolist()  # the flat rows only
    return flat & repeated, dict(zip(pd.DatetimeIndex(frame.index)[flat], kinds, strict=True))


def stale_mask(frame: pd.DataFrame) -> np.ndarray:
    """Boolean array, True where a bar is stale.

    Volume 0, open = high = low = close, and the close equal to the previous valid close (shape
    ``(len(frame),)``).
    """
    flat, c, prev = _flat_and_prev(frame)
    return flat & (c == prev)


def flat_bar_kinds(frame: pd.DataFrame) -> pd.Series:
    """Kind of every flat volume-0 bar of ``frame`` (a canonical price frame, ascending dates).

    Returns a Series indexed by the flat bars' dates with values ``"stale"`` or
    ``"half_day_close"`` (the first bar of a series, with no predecessor, counts as a real
    close).
    """
    flat, c, prev = _flat_and_prev(frame)
    return _kinds(frame, flat, c, prev)


def _kinds(frame: pd.DataFrame, flat: np.ndarray, c: np.ndarray, prev: np.ndarray) -> pd.Series:
    kinds = np.where(c == prev, "stale", "half_day_close")
    return pd.Series(kinds[flat], index=pd.DatetimeIndex(frame.index)[flat], name="flat_kind",
                     dtype="object")
