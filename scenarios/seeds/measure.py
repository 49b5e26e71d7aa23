"""Pure measurements on price series used by the claim checker (pandas in, numbers out).

No I/O here. Series are indexed by a sorted DatetimeIndex and hold prices (any unit).
Returns are simple fractions (0.1 = +10%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def dividend_factors(adj_close: pd.Series, dividends: pd.Series) -> pd.Series:
    """Return Yahoo's cumulative dividend adjustment factor per date.

    ``F(t)`` is such that ``traded_price(t) = adjusted_price(t) / F(t)``.

    Yahoo scales every price before an ex-date ``e`` by ``f_e = 1 - d_e / P(e-1)`` where
    ``P(e-1)`` is the *traded* close the session before ``e``; ``F(t)`` is the product of
    ``f_e`` over the ex-dates after ``t``. Only adjusted closes are stored, so the traded close
    before each ex-date is recovered backwards: with ``G`` the product of the factors of
    later ex-dates, ``adj(e-1) = (P(e-1) - d_e) * G``, hence ``P(e-1) = adj(e-1) / G + d_e``.

    ``dividends`` holds the cash amount on ex-dates and 0 (or NaN) elsewhere, in the price's
    currency. Returns a Series aligned with ``adj_close`` (1.0 after the last ex-date).
    """
    close = adj_close.astype(float)
    div = dividends.reindex(close.index).fillna(0.0).astype(float)
    factors = np.ones(len(close))
    positions = np.flatnonzero(div.to_numpy() > 0)
    g = 1.0
    values = close.to_numpy()
    for pos in positions[::-1]:
        if pos == 0:
            continue  # no session before the first ex-date: nothing to adjust
        d = div.iat[pos]
        prev_adj = values[pos - 1]
        if not math.isfinite(prev_adj):
            continue
        traded_prev = prev_adj / g + d
        f = 1.0 - d / traded_prev
        g *= f
        factors[:pos] *= f
    return pd.Series(factors, index=close.index, name="factor")


def window(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Values with ``start <= date <= end``."""
    return series.loc[(series.index >= start) & (series.index <= end)]


def last_before(series: pd.Series, day: pd.Timestamp) -> tuple[pd.Timestamp, float] | None:
    """(date, value) of the last observation strictly before ``day``; None if there is none."""
    before = series.loc[series.index < day]
    if before.empty:
        return None
    return before.index[-1], float(before.iat[-1])  # type: ignore[arg-type]


def last_on_or_before(series: pd.Series, day: pd.Timestamp) -> tuple[pd.Timestamp, float] | None:
    """(date, value) of the last observation on or before ``day``; None if there is none."""
    upto = series.loc[series.index <= day]
    if upto.empty:
        return None
    return upto.index[-1], float(upto.iat[-1])  # type: ignore[arg-type]


def max_drawdown(series: pd.Series) -> tuple[float, pd.Timestamp, pd.Timestamp]:
    """Largest peak-to-trough fall as a positive fraction (0.16 = -16%), with the peak and trough dates.

    A series that never falls has drawdown 0 (peak = trough = first date).
    """
    if series.empty:
        raise ValueError("max_drawdown needs at least one value")
    values = series.to_numpy(dtype=float)
    peaks = np.maximum.accumulate(values)
    dd = 1.0 - values / peaks
    trough = int(np.argmax(dd))
    peak = int(np.argmax(values[: trough + 1]))
    return float(dd[trough]), series.index[peak], series.index[trough]


def daily_moves(end_field: pd.Series, close: pd.Series) -> pd.Series:
    """Return the session returns to ``end_field`` from the previous close.

    ``end_field(t) / close(t-1) - 1`` for each session after the first (close-to-close when
    ``end_field`` is the close; previous close to intraday high when it is the high).
    """
    prev = close.shift(1)
    moves = end_field.reindex(close.index) / prev - 1.0
    return moves.iloc[1:]
