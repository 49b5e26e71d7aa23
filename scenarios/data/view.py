"""No look-ahead by construction: a read-only window on prices that ends at ``as_of``.

Every model and scenario reads prices through a :class:`PriceView`. Asking for any bar after
``as_of`` raises :class:`~scenarios.errors.LookAheadError`; frames it hands out never contain
rows after ``as_of`` (they are cut before they leave the view, so a caller cannot see them
even by accident).
"""

from __future__ import annotations

import pandas as pd

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.frame import as_day
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataUnavailableError, LookAheadError


class PriceView:
    """Prices as they were known at the close of ``as_of`` (inclusive).

    Parameters
    ----------
    source:
        Any :class:`~scenarios.data.base.PriceSource`.
    as_of:
        Information cut-off date (exchange-local). Bars dated after it are invisible.
    """

    def __init__(self, source: PriceSource, as_of: DateLike) -> None:
        ts = as_day(as_of)
        if ts is None:
            raise ValueError("PriceView needs an as_of date")
        self._source = source
        self.as_of: pd.Timestamp = ts
        self._cache: dict[str, pd.DataFrame] = {}
        #: warnings about the prices used (dropped bad rows, spikes left out of estimates)
        self.warnings: list[str] = []

    def reads_from(self, source: object) -> bool:
        """Tell whether this view reads ``source`` (by identity).

        The source itself is not handed out: through it, bars after ``as_of`` would be in reach.
        """
        return self._source is source

    def __repr__(self) -> str:
        return f"PriceView(as_of={self.as_of.date()}, source={getattr(self._source, 'name', self._source)!r})"

    def _guard(self, when: pd.Timestamp | None, what: str) -> None:
        if when is not None and when > self.as_of:
            raise LookAheadError(
                f"{what} asks for {when.date()}, after this view's as_of {self.as_of.date()}: "
                "prices after as_of are invisible to scenario models (no look-ahead)"
            )

    def prefetch(self, symbols: list[str]) -> None:
        """Load many symbols up to ``as_of`` at once when the source can batch.

        The resolver can batch (one store query, one transaction for CSV imports); for other
        sources this is a no-op.
        """
        batch = getattr(self._source, "prefetch", None)
        if callable(batch):
            batch([normalize_symbol(s) for s in symbols], None, self.as_of)

    def history(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Canonical frame of ``symbol`` from ``start`` to ``end`` (default: ``as_of``), inclusive.

        Raises :class:`LookAheadError` if ``end`` (or ``start``) lies after ``as_of``.
        """
        sym = normalize_symbol(symbol)
        s, e = as_day(start), as_day(end)
        self._guard(s, f"history({sym}) start")
        self._guard(e, f"history({sym}) end")
        if sym not in self._cache:
            self._cache[sym] = _until(self._source.get(sym, None, self.as_of), self.as_of)
        frame = self._cache[sym]
        e = self.as_of if e is None else e
        idx = frame.index
        if idx.is_monotonic_increasing:  # (canonical frames) the rows in [s, e] are one block
            lo = 0 if s is None else int(idx.searchsorted(s, side="left"))
            return frame.iloc[lo:int(idx.searchsorted(e, side="right"))].copy()
        mask = idx <= e
        if s is not None:
            mask &= idx >= s
        return frame.loc[mask].copy()

    def close(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.Series:
        """Return adjusted close series of ``symbol`` (see :meth:`history`)."""
        return self.history(symbol, start, end)["close"].rename(normalize_symbol(symbol))

    def last_close(self, symbol: str, max_staleness_days: int = 10) -> tuple[pd.Timestamp, float]:
        """(date, close) of the last bar on or before ``as_of`` with a valid close.

        A stale bar (flat, volume 0, the previous close repeated; see
        :mod:`scenarios.data.flatbars`) is skipped: the session before it stands for its day.

        Raises :class:`DataUnavailableError` when the last valid close is more than
        ``max_staleness_days`` calendar days before ``as_of`` (a delisted or missing series must
        not silently price a scenario).
        """
        from scenarios.data.flatbars import stale_mask

        sym = normalize_symbol(symbol)
        hist = self.history(sym)
        closes = hist["close"][~stale_mask(hist)]  # a stale bar is not that day's close
        if len(closes):  # the baseline row must be a real price (or dropped, --drop-bad-rows)
            self._screen_bad(sym, closes.iloc[-1:], "the baseline close")
            closes = closes[~closes.index.isin(_bad(closes))]
        if closes.empty:
            raise DataUnavailableError(f"no close for {sym} on or before {self.as_of.date()}")
        last = closes.index[-1]
        if (self.as_of - last).days > max_staleness_days:
            raise DataUnavailableError(
                f"the last close of {sym} before {self.as_of.date()} is from {last.date()}, "
                f"more than {max_staleness_days} days stale"
            )
        return last, float(closes.iloc[-1])

    def origin(self, symbol: str) -> str:
        """Where ``symbol``'s bars come from, for messages.

        The CSV file when known, else the source's name.
        """
        sym = normalize_symbol(symbol)
        csv = getattr(self._source, "csv", None)
        file_of = getattr(csv, "file_of", None) or getattr(self._source, "file_of", None)
        if callable(file_of):
            path = file_of(sym)
            if path is not None:
                return str(path)
        source_of = getattr(self._source, "source_of", None)
        name = source_of(sym) if callable(source_of) else None
        return str(name or getattr(self._source, "name", type(self._source).__name__))

    def _screen_bad(self, sym: str, window: pd.Series, what: str) -> pd.Series:
        from scenarios.data.screen import bad_close_dates, describe_dates, drop_bad_rows
        from scenarios.errors import BadPriceError

        bad = bad_close_dates(window)
        if not len(bad):
            return window
        where = f"{sym} ({self.origin(sym)})"
        if not drop_bad_rows():
            raise BadPriceError(
                f"{where}: {len(bad)} row(s) in {what} have a close that is missing, infinite or "
                f"<= 0: {describe_dates(bad)}. Fix the data (`scenarios data check {sym}` lists "
                "them), or pass --drop-bad-rows to leave those rows out.")
        self._warn(f"warning: {where}: dropped {len(bad)} row(s) with a missing, infinite or "
                   f"non-positive close from {what}: {describe_dates(bad)} (--drop-bad-rows)")
        return window[~window.index.isin(bad)]

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def screened_close(self, symbol: str, lookback: int) -> pd.Series:
        """Return the closes for an estimate over ``lookback`` daily returns.

        The last ``lookback + 1`` closes on or before ``as_of`` (the window of ``lookback`` daily
        returns): error-level rows stop the run (or are dropped with ``--drop-bad-rows``), one-day
        spikes that revert are left out with a warning.
        """
        from scenarios.data.screen import describe_dates, spike_dates

        sym = normalize_symbol(symbol)
        closes = self.close(sym)
        window = closes.iloc[-(lookback + 1):] if lookback > 0 else closes
        window = self._screen_bad(sym, window, f"the {lookback}-session estimation window")
        spikes = spike_dates(window)
        if len(spikes):
            self._warn(f"warning: {sym} ({self.origin(sym)}): one-day price spike(s) that revert on "
                       f"{describe_dates(spikes)} left out of the volatility estimate")
            window = window[~window.index.isin(spikes)]
        return window

    def close_substitution(self, symbol: str, day: pd.Timestamp) -> str | None:
        """How the close of ``day`` (from :meth:`last_close`) stands for ``as_of``.

        ``"stale"`` (the ``as_of`` bar is stale and was skipped), ``"missing"`` (``as_of`` is a
        session of the symbol's exchange without a bar), ``"half_day"`` (the close used is a flat
        volume-0 bar whose close moved: a real half-day close), or None (an ordinary close, or
        ``as_of`` is not a session). Reads nothing after ``as_of``.
        """
        from scenarios.data.flatbars import flat_bar_kinds

        sym = normalize_symbol(symbol)
        hist = self.history(sym)
        kinds = flat_bar_kinds(hist)
        day = pd.Timestamp(day)
        return substitution(sym, self.as_of, day, kinds.get(self.as_of), self.as_of in hist.index,
                            kinds.get(day))


def substitution(sym: str, as_of: pd.Timestamp, day: pd.Timestamp, as_of_kind: str | None,
                 as_of_has_bar: bool, day_kind: str | None) -> str | None:
    """:meth:`PriceView.close_substitution` from the facts it needs.

    The facts: the flat-bar kinds of the ``as_of`` bar and of ``day``'s (None for an ordinary bar)
    and whether ``as_of`` has a bar.
    """
    if day < as_of:
        if as_of_kind == "stale":
            return "stale"
        from scenarios.data.exchange_calendar import sessions

        try:
            if len(sessions(sym, as_of, as_of)) and not as_of_has_bar:
                return "missing"
        except Exception:  # noqa: BLE001 - no calendar for this symbol: nothing to say
            pass
    return "half_day" if day_kind == "half_day_close" else None


def _until(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the rows of ``frame`` dated on or before ``as_of`` (``frame.loc[frame.index <= as_of]``).

    A source's frame usually ends by ``as_of`` already: an ascending, naive ``DatetimeIndex``
    without NaT or ``freq`` (as every canonical frame has) is then kept as it is or cut at one
    binary search, instead of a comparison of every date and a copy of the rows. Anything else
    takes the mask.
    """
    idx = frame.index
    if (isinstance(idx, pd.DatetimeIndex) and idx.tz is None and idx.freq is None
            and idx.is_monotonic_increasing and not idx.hasnans):
        n = int(idx.searchsorted(as_of, side="right"))
        return frame if n == len(idx) else frame.iloc[:n]
    return frame.loc[idx <= as_of]


def _bad(closes: pd.Series) -> pd.DatetimeIndex:
    from scenarios.data.screen import bad_close_dates

    return bad_close_dates(closes)
