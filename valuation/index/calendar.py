"""Rebalance calendars as pure functions of the trading days.

The trading days are passed in (no exchange calendar, no clock): give it ``exchange_calendars``'
XHKG sessions, or weekday business days in tests.

Hang Seng indexes (HSI, HSCEI, HSTECH) are reviewed quarterly; changes take effect after the close
of the FIRST FRIDAY of March, June, September and December, i.e. from the first trading day after
that Friday (usually the Monday: 2025-03-10, 2025-06-09, 2025-09-08, 2025-12-08, 2026-03-09; a
holiday pushes it on, as in June 2024 when the Tuen Ng holiday made it Tuesday 2024-06-11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._types import BoolArray
from ..exceptions import InputRangeError, InputShapeError, InputTypeError

__all__ = [
    "nth_weekday",
    "quarterly_effective_dates",
    "hang_seng_rebalance_dates",
    "rebalance_mask",
]

#: Longest plausible gap (calendar days) between a review's anchor Friday and its effective day.
_MAX_GAP_DAYS = 14

DateLike = str | dt.date | dt.datetime | pd.Timestamp | np.datetime64


def _days(trading_days: Any, func: str) -> pd.DatetimeIndex:
    try:
        idx = pd.DatetimeIndex(trading_days)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"{func}: trading_days must be dates ({exc})") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.normalize()
    if idx.hasnans:
        raise InputTypeError(f"{func}: trading_days contains NaT")
    if not idx.is_monotonic_increasing or not idx.is_unique:
        raise InputShapeError(f"{func}: trading_days must be sorted ascending and unique")
    return idx


def _ts(value: DateLike | None, name: str, func: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"{func}: {name} is not a date ({value!r}: {exc})") from None
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def nth_weekday(year: int, month: int, weekday: int = 4, n: int = 1) -> pd.Timestamp:
    """Return the ``n``-th ``weekday`` (Monday=0 ... Friday=4) of a month, e.g. the first Friday."""
    if not 0 <= weekday <= 6 or not 1 <= n <= 5 or not 1 <= month <= 12:
        raise InputRangeError(f"nth_weekday: bad arguments (year={year}, month={month}, "
                              f"weekday={weekday}, n={n})")
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    if day.month != month:
        raise InputRangeError(f"nth_weekday: {year}-{month:02d} has no weekday #{n} of kind {weekday}")
    return pd.Timestamp(day)


def quarterly_effective_dates(trading_days: Any, start: DateLike | None = None,
                              end: DateLike | None = None, *,
                              months: Sequence[int] = (3, 6, 9, 12), weekday: int = 4,
                              n: int = 1) -> pd.DatetimeIndex:
    """First trading day strictly after the ``n``-th ``weekday`` of each of ``months``.

    Only dates in ``[start, end]`` (inclusive; default: the span of ``trading_days``) are returned;
    a review whose next trading day is beyond the last trading day given, or more than 14 calendar
    days after the anchor (the trading days do not cover it), is left out.
    """
    f = "quarterly_effective_dates"
    days = _days(trading_days, f)
    if len(days) == 0:
        return pd.DatetimeIndex([])
    lo = _ts(start, "start", f) or days[0]
    hi = _ts(end, "end", f) or days[-1]
    out: list[pd.Timestamp] = []
    for year in range(lo.year - 1, hi.year + 1):
        for month in months:
            anchor = nth_weekday(year, month, weekday, n)
            pos = days.searchsorted(anchor, side="right")
            if pos < len(days):
                eff = days[int(pos)]
                # a first trading day more than two weeks after the anchor means the trading days
                # do not cover that review (e.g. they start after it): skip it, never guess
                if lo <= eff <= hi and (eff - anchor).days <= _MAX_GAP_DAYS:
                    out.append(eff)
    return pd.DatetimeIndex(sorted(set(out)))


def hang_seng_rebalance_dates(trading_days: Any, start: DateLike | None = None,
                              end: DateLike | None = None) -> pd.DatetimeIndex:
    """Effective dates of the Hang Seng quarterly reviews.

    The first trading day after the first Friday of March, June, September and December, within
    ``[start, end]``.

    Args:
        trading_days: the exchange's trading days (any date-like sequence; sorted, unique).
        start, end: inclusive bounds (default: the first and last trading day).
    """
    return quarterly_effective_dates(trading_days, start, end, months=(3, 6, 9, 12), weekday=4, n=1)


def rebalance_mask(trading_days: Any, dates: Iterable[DateLike]) -> BoolArray:
    """Boolean array over ``trading_days``: True on the given rebalance dates.

    Dates that are not trading days raise (a silent miss would skip a rebalance).
    """
    f = "rebalance_mask"
    days = _days(trading_days, f)
    wanted = _days(sorted({_ts(d, "dates", f) for d in dates}), f)
    missing = wanted.difference(days)
    if len(missing):
        raise InputRangeError(f"{f}: {len(missing)} date(s) are not trading days: "
                              f"{', '.join(str(d.date()) for d in missing[:5])}")
    return np.asarray(days.isin(wanted), dtype=bool)
