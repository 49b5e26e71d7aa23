"""Price panel of an index and its candidate constituents, in price-return terms.

Why: the Hang Seng indexes are price indexes while the snapshot's constituent closes are Yahoo
dividend-adjusted (total return). :func:`price_close` undoes that adjustment exactly, so a replica
built from these prices moves on price returns like the index it tracks.

Units: price levels in the file's currency (HKD for the HK listings; the index in index points);
returns are simple daily returns as fractions. :func:`odd_sessions` flags the snapshot's stale
sessions (half days and a few odd days), which the weight fits skip (see
:mod:`scenarios.recon.simulate`). :func:`load_index_panel` aligns everything on the
index's own trading days and computes the Hang Seng review effective dates on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scenarios.data.base import PriceSource
from scenarios.errors import DataFormatError, DataUnavailableError

__all__ = ["IndexPanel", "load_index_panel", "odd_sessions", "price_close"]


def price_close(close: pd.Series, dividends: pd.Series | None) -> pd.Series:
    """Unadjusted (price) closes from Yahoo dividend-adjusted closes.

    Yahoo multiplies every close before an ex-date ``t`` by ``1 - D_t / P_{t-1}`` where ``P_{t-1}``
    is the actual (unadjusted) close of the day before and ``D_t`` the cash dividend in the same
    currency. Walking backwards from the last row (where the factor is 1) the actual close is
    recovered exactly: ``P_{t-1} = A_{t-1} / M_t + D_t`` on an ex-date, ``P = A / M`` otherwise,
    with ``M`` the running product of factors. Split adjustment is left as it is (it does not move
    returns). ``close``: adjusted closes (any unit); ``dividends``: cash per share on ex-dates,
    0 or NaN elsewhere; ``None`` or all-NaN means "no dividend information": ``close`` is returned
    unchanged (its returns stay total returns).

    The series must run to the date the adjustment was made (the end of the source file): a slice
    that stops before a later dividend cannot be un-adjusted for it.
    """
    adj = pd.to_numeric(close, errors="coerce").to_numpy(dtype="float64")
    if dividends is None:
        return close.astype("float64")
    div = pd.to_numeric(dividends, errors="coerce").reindex(close.index).to_numpy(dtype="float64")
    if not np.isfinite(div).any():
        return close.astype("float64")
    div = np.where(np.isfinite(div), div, 0.0)
    if (div < 0).any():
        raise DataFormatError(f"negative dividend in {close.name or 'series'}")
    raw = np.full_like(adj, np.nan)
    m = 1.0  # adjustment factor in force on day t (adj_t = raw_t * m)
    valid = np.flatnonzero(np.isfinite(adj))
    if len(valid) == 0:
        return close.astype("float64")
    last = valid[-1]
    raw[last] = adj[last]
    # walking back from the last row: day t = ts[j] and the next valid day prev_t = nexts[j];
    # dividends with ex-date in (t, prev_t] apply between them. The factor changes only on such
    # days (a few a year): the rows between two of them are divided by the same m at once.
    ts, nexts = valid[:-1][::-1], valid[1:][::-1]
    positives = np.concatenate(([0], np.cumsum(div > 0)))  # positive dividends in div[:k]
    events = np.flatnonzero(positives[nexts + 1] > positives[ts + 1])
    start = 0
    for j in events.tolist():
        plain = ts[start:j]
        raw[plain] = adj[plain] / m
        t = ts[j]
        d = div[t + 1: nexts[j] + 1].sum()  # > 0: every dividend is >= 0 and one is > 0
        p = adj[t] / m + d
        m = adj[t] / p
        raw[t] = p
        start = j + 1
    plain = ts[start:]
    raw[plain] = adj[plain] / m
    return pd.Series(raw, index=close.index, name=close.name)


def odd_sessions(frames: Mapping[str, pd.DataFrame], threshold: float = 0.5) -> pd.DatetimeIndex:
    """Dates on which more than ``threshold`` of the files that have a row show a stale bar.

    A stale bar has ``volume == 0`` and ``open == high == low == close`` (the snapshot's half days
    and a few odd sessions). ``frames``: symbol -> canonical price frame. Dates with fewer than 5
    files are never flagged.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1) (got {threshold})")
    days: list[np.ndarray] = []
    flags: list[np.ndarray] = []
    for df in frames.values():
        if df.empty:
            continue
        o, h, low, c, v = (df[k].to_numpy(dtype="float64") for k in ("open", "high", "low", "close", "volume"))
        days.append(pd.DatetimeIndex(df.index).as_unit("ns").asi8)
        flags.append((v == 0) & (o == h) & (h == low) & (low == c))
    if not flags:
        return pd.DatetimeIndex([], name="date")
    # per date (the union of the files' dates): how many files have a row, how many a stale one
    dates, where = np.unique(np.concatenate(days), return_inverse=True)
    counts = np.bincount(where, minlength=len(dates))
    stale = np.bincount(where, weights=np.concatenate(flags), minlength=len(dates)).astype(np.int64)
    mask = (counts >= 5) & (stale > threshold * counts)
    return pd.DatetimeIndex(dates[mask].view("datetime64[ns]"), name="date")


@dataclass(frozen=True)
class IndexPanel:
    """Aligned daily price levels of an index and its candidate constituents.

    ``prices``: price levels (HKD; dividends undone where known) on the index's trading days,
    NaN outside each file's coverage, single-day holes inside it forward-filled. ``index``: the
    actual index level. ``return_kind``: symbol -> ``"price"`` or ``"total"``.
    ``odd``: odd sessions (see :func:`odd_sessions`); they stay in ``prices``, fits skip them.
    ``no_data``: requested symbols the source does not have. ``filled``: symbol -> number of
    forward-filled holes. ``rebalance_dates``: Hang Seng review effective dates computed on the
    index's own sessions.
    """

    prices: pd.DataFrame
    index: pd.Series
    index_symbol: str
    return_kind: dict[str, str]
    odd: pd.DatetimeIndex
    no_data: tuple[str, ...]
    filled: dict[str, int]
    rebalance_dates: pd.DatetimeIndex

    @property
    def returns(self) -> pd.DataFrame:
        """Daily simple price returns of the constituents (NaN outside coverage)."""
        return self.prices.pct_change(fill_method=None)

    @property
    def index_returns(self) -> pd.Series:
        """Daily simple price returns of the index."""
        return self.index.pct_change(fill_method=None)

    def clean_returns(self) -> tuple[pd.DataFrame, pd.Series]:
        """Constituent and index returns with the odd sessions merged into the next session."""
        keep = self.prices.index.difference(self.odd)
        return (self.prices.loc[keep].pct_change(fill_method=None),
                self.index.loc[keep].pct_change(fill_method=None))

    def last_valid(self) -> dict[str, pd.Timestamp | None]:
        """Symbol -> last date with a price (None when never)."""
        return {c: self.prices[c].last_valid_index() for c in self.prices.columns}  # type: ignore[misc]


def load_index_panel(
    source: PriceSource | None,
    symbols: Iterable[str],
    index_symbol: str,
    start: str | date | pd.Timestamp,
    end: str | date | pd.Timestamp,
    *,
    price_returns: bool = True,
    odd_threshold: float = 0.5,
) -> IndexPanel:
    """Load ``index_symbol`` and ``symbols`` from ``source`` on the index's calendar.

    ``start``/``end`` bound the panel (inclusive). Constituent files are read to their own end so
    that dividends after ``end`` can be undone (see :func:`price_close`). Raises
    :class:`~scenarios.errors.DataUnavailableError` when the index has no data in the range.
    """
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 < t0:
        raise ValueError(f"end {t1.date()} is before start {t0.date()}")
    idx_frame = source.get(index_symbol, t0, t1)
    level = idx_frame["close"].dropna()
    if level.empty:
        raise DataUnavailableError(
            f"{index_symbol} has no closes between {t0.date()} and {t1.date()}")
    calendar = pd.DatetimeIndex(level.index, name="date")

    frames: dict[str, pd.DataFrame] = {}
    days: dict[str, np.ndarray] = {}  # each frame's dates, int64 ns
    no_data: list[str] = []
    batch = getattr(source, "prefetch", None)
    if callable(batch):  # the constituents in one store query, not one per symbol
        batch(list(dict.fromkeys(symbols)))
    for sym in dict.fromkeys(symbols):
        try:
            df = source.get(sym, t0, None)
        except DataUnavailableError:
            no_data.append(sym)
            continue
        if df.empty or not (~np.isnan(df["close"].to_numpy(dtype="float64", na_value=np.nan))).any():
            no_data.append(sym)
            continue
        frames[sym] = df
        days[sym] = pd.DatetimeIndex(df.index).as_unit("ns").asi8

    # rows of each frame in [t0, t1] (the frames' dates ascend, as canonical frames do)
    span = {sym: (int(np.searchsorted(d, t0.value, side="left")), int(np.searchsorted(d, t1.value, side="right")))
            for sym, d in days.items()}
    rebal = _rebalance_dates(calendar)
    odd = pd.DatetimeIndex([], name="date")
    if frames:
        odd = calendar.intersection(
            odd_sessions({s: f.iloc[span[s][0]:span[s][1]] for s, f in frames.items()}, odd_threshold))

    cal = calendar.as_unit("ns").asi8
    cols: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    filled: dict[str, int] = {}
    for sym, df in frames.items():
        # a price return needs the dividends inside the panel's range: a file whose dividend
        # record starts later (BYD and Midea: from 2025-10-31) only carries a constant factor
        # into the range, so its returns there stay total returns
        lo, hi = span[sym]
        dividends = df["dividends"].to_numpy(dtype="float64", na_value=np.nan)
        has_div = bool((~np.isnan(dividends[lo:hi])).any())
        px = price_close(df["close"], df["dividends"]) if (price_returns and has_div) else df["close"]
        kinds[sym] = "price" if (price_returns and has_div) else "total"
        values = px.to_numpy(dtype="float64", na_value=np.nan)
        keep = ~np.isnan(values)
        px_days, px_values = days[sym][keep], values[keep]
        # the last close on or before each index day; on the index calendar: the exact day's
        j = np.searchsorted(px_days, cal, side="right") - 1
        carried = px_values[np.maximum(j, 0)]
        on_cal = np.where((j >= 0) & (px_days[np.maximum(j, 0)] == cal), carried, np.nan)
        inside = (cal >= px_days[0]) & (cal <= px_days[-1])
        holes = int((np.isnan(on_cal) & inside).sum())
        if holes:
            # a stock missing on an index day inside its coverage: carry the last close
            # (the move lands on the next session); sessions off the index calendar are
            # skipped the same way
            on_cal = np.where(inside, carried, np.nan)
        filled[sym] = holes
        cols[sym] = on_cal
    prices = pd.DataFrame(cols, index=calendar)
    prices.index.name = "date"
    return IndexPanel(
        prices=prices.astype("float64"),
        index=level.reindex(calendar).astype("float64"),
        index_symbol=index_symbol,
        return_kind=kinds,
        odd=odd,
        no_data=tuple(no_data),
        filled=filled,
        rebalance_dates=rebal,
    )


def _rebalance_dates(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    from valuation.index.calendar import hang_seng_rebalance_dates

    out = hang_seng_rebalance_dates(days, days[0], days[-1])
    return pd.DatetimeIndex(out, name="date").normalize()
