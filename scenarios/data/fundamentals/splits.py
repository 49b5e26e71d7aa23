"""Split-adjust SEC per-share figures so that they match split-adjusted prices.

The SEC extract keeps the figure of the LATEST filing that reported a period. A period last
reported before a stock split is on the old share basis (AMZN 2019 diluted EPS 23.01 before the
2022 20:1 split; NVDA FY2022 3.85 before the 2024 10:1 split); one reported again after the split
(as a comparative) is already restated. Rule used here (a 10-K shows three years of EPS and
shares, a 10-Q the same quarter of the year before): an annual figure was last filed about
2 years + 60 days after its period end, a quarterly one 1 year + 40 days after. Every split
with an ex-date after that last filing divides EPS and multiplies share counts.

Prices in the store and the snapshot are split-adjusted to today's basis, so every per-share
figure is put on today's basis too (a units convention, not knowledge of the future: the
adjusted price series already is on that basis).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scenarios.data.fundamentals.items import ITEMS


def last_filing(period_end: pd.Timestamp, period_type: str) -> pd.Timestamp:
    """Approximate date of the last filing that reported ``period_end`` (see module docstring)."""
    if period_type == "Q":
        return period_end + pd.DateOffset(years=1) + pd.Timedelta(days=40)
    return period_end + pd.DateOffset(years=2) + pd.Timedelta(days=60)


def split_factor(splits: pd.Series, after: pd.Timestamp) -> float:
    """Product of split ratios with an ex-date after ``after`` (1.0 when none)."""
    if splits is None or len(splits) == 0:
        return 1.0
    s = splits[(splits.index > after) & (splits > 0) & (splits != 1)]
    return float(np.prod(s.to_numpy(dtype="float64"))) if len(s) else 1.0


def adjust_sec(frame: pd.DataFrame, splits: pd.Series | None) -> pd.DataFrame:
    """``frame`` with SEC per-share values and share counts on today's split basis."""
    if frame.empty or splits is None or len(splits) == 0:
        return frame
    values = frame["value"].to_numpy(dtype="float64").copy()
    changed = False
    for i, (src, item, end, ptype) in enumerate(zip(frame["source"], frame["item"], frame["period_end"],
                                                     frame["period_type"], strict=True)):
        if src != "sec" or ptype == "point" or item not in ITEMS:
            continue
        kind = ITEMS[item].kind
        if kind not in ("per_share", "shares"):
            continue
        f = split_factor(splits, last_filing(pd.Timestamp(end), ptype))
        if f != 1.0:
            values[i] = values[i] / f if kind == "per_share" else values[i] * f
            changed = True
    return frame.assign(value=values) if changed else frame


def splits_provider(prices: Any) -> Callable[[str], pd.Series] | None:
    """``symbol -> split ratios`` read from a price source with a ``splits`` method (None when it has none).

    A symbol without a price series gives an empty Series.
    """
    getter = getattr(prices, "splits", None)
    if not callable(getter):
        return None

    def splits(sym: str) -> pd.Series:
        try:
            s = getter(sym)
        except Exception:  # noqa: BLE001 - no price series: no split information
            return pd.Series(dtype="float64")
        return s if isinstance(s, pd.Series) else pd.Series(dtype="float64")
    return splits
