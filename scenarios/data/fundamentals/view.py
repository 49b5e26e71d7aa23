"""No look-ahead: fundamentals as they were known at ``as_of`` (:class:`FundamentalsView`).

Mirrors :class:`scenarios.data.view.PriceView`: rows whose ``known_from`` is after ``as_of``
are cut before a frame leaves the view, and asking for a period that was not yet public raises
:class:`~scenarios.errors.LookAheadError`.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from scenarios.data.base import DateLike
from scenarios.data.frame import as_day
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import LookAheadError


class FundamentalsSource(Protocol):
    """Source of canonical fundamentals frames by symbol.

    Anything with ``get_for(symbol) -> canonical fundamentals frame`` (rows of the symbol and
    of its ADS / HK twin, as saved).
    """

    def get_for(self, symbol: str) -> pd.DataFrame:
        """Return the fundamentals rows of ``symbol``."""
        ...


class FundamentalsView:
    """Fundamentals known at the close of ``as_of`` (inclusive), on each listing's share basis.

    Parameters
    ----------
    source:
        A :class:`FundamentalsSource` (a folder, the resolver, a live Yahoo source).
    as_of:
        Information cut-off date. Rows with ``known_from`` after it are invisible.
    splits:
        Optional ``symbol -> split ratios by ex-date`` used to put SEC per-share figures on the
        split-adjusted basis of the prices (:mod:`.splits`).
    """

    def __init__(self, source: FundamentalsSource, as_of: DateLike, splits=None) -> None:
        ts = as_day(as_of)
        if ts is None:
            raise ValueError("FundamentalsView needs an as_of date")
        self._source = source
        self._splits = splits
        self.as_of: pd.Timestamp = ts
        self._cache: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"FundamentalsView(as_of={self.as_of.date()})"

    def _all(self, symbol: str) -> pd.DataFrame:
        from scenarios.data.fundamentals.mapping import for_listing
        from scenarios.data.fundamentals.splits import adjust_sec

        sym = normalize_symbol(symbol)
        if sym not in self._cache:
            frame = self._source.get_for(sym)
            frame = frame.loc[frame["known_from"] <= self.as_of]
            frame = for_listing(frame, sym)
            if self._splits is not None and len(frame):
                frame = adjust_sec(frame, self._splits(sym))
            self._cache[sym] = frame
        return self._cache[sym]

    def frame(self, symbol: str, item: str | None = None) -> pd.DataFrame:
        """Canonical rows of ``symbol`` known at ``as_of`` (optionally one ``item``)."""
        f = self._all(symbol)
        if item is not None:
            f = f.loc[f["item"] == item]
        return f.copy()

    def value(self, symbol: str, item: str, period_end: DateLike, period_type: str = "FY",
              source: str | None = None) -> float:
        """Return the value of one period.

        Raises :class:`LookAheadError` when that period's figures were published after ``as_of``,
        ``KeyError`` when no source has them at all.
        """
        end = as_day(period_end)
        sym = normalize_symbol(symbol)
        rows = self.frame(sym, item)
        rows = rows.loc[(rows["period_end"] == end) & (rows["period_type"] == period_type)]
        if source is not None:
            rows = rows.loc[rows["source"] == source]
        if len(rows):
            return float(rows["value"].iloc[0])
        full = self._source.get_for(sym)
        later = full.loc[(full["item"] == item) & (full["period_end"] == end)
                         & (full["period_type"] == period_type)]
        if len(later):
            known = later["known_from"].min()
            raise LookAheadError(
                f"{sym} {item} for the period ending {end.date()} was published on "  # type: ignore[union-attr]
                f"{known.date()} (reporting-lag rule), after this view's as_of {self.as_of.date()}: "
                "figures published after as_of are invisible to scenario models (no look-ahead)")
        raise KeyError(f"no {item} for {sym} for the period ending {end.date()} ({period_type})")  # type: ignore[union-attr]
