"""Realized returns over a window, each labelled total return or price return.

Stock closes in every source are adjusted for dividends and splits, so a stock's return is a
**total return**; index levels (``^HSI``, ``HSTECH.HK``, ``000300.SS`` ...) are never adjusted,
so an index's return is a **price return** (dividends not reinvested: lower by roughly the
dividend yield). Every number here carries that kind; :func:`require_same_kind` refuses to
compare across kinds unless told to.

Window convention (the same as the engine's baseline): the start close is the last valid close
on or before ``start`` (the scenario's ``as_of``); the end close is the last valid close on or
before ``end`` (the horizon). A window is

* ``"complete"`` when the series has data beyond the last trading day before ``end`` or its
  last bar is within :data:`HOLIDAY_TOLERANCE_DAYS` of ``end``,
* ``"partial"`` when the series stops before ``end`` (the snapshot ends, the stock was
  delisted): the return runs to the last available close and ``end_date`` says where,
* ``"unavailable"`` when there is no start close (not listed yet, or stale by more than
  :data:`MAX_STALENESS_DAYS`) or no close after the start date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.symbols import INDEX_SYMBOLS, ReturnKind, is_index, normalize_symbol, return_kind
from scenarios.errors import DataUnavailableError

__all__ = [
    "CloseCache", "HOLIDAY_TOLERANCE_DAYS", "INDEX_SYMBOLS", "MAX_STALENESS_DAYS", "RealizedReturn",
    "ReturnKind", "is_index", "realized_closes", "realized_return", "realized_returns",
    "require_same_kind", "return_kind", "summarize_kinds",
]

Status = Literal["complete", "partial", "unavailable"]

#: A start close older than this many calendar days before ``start`` is stale (unavailable).
MAX_STALENESS_DAYS: int = 10
#: A series whose last bar is this close to ``end`` (calendar days) counts as complete even
#: when it has no later bar (end falls on a holiday stretch at the very end of the data).
HOLIDAY_TOLERANCE_DAYS: int = 4


@dataclass(frozen=True)
class RealizedReturn:
    """One symbol's realized return over ``[start_date, end_date]``.

    ``value`` is a simple return as a fraction (NaN when unavailable); ``kind`` says total or
    price return; ``requested_start`` / ``requested_end`` are what was asked for and
    ``start_date`` / ``end_date`` the trading days actually used; ``note`` explains a partial
    or unavailable window.
    """

    symbol: str
    value: float
    kind: ReturnKind
    status: Status
    requested_start: pd.Timestamp
    requested_end: pd.Timestamp
    start_date: pd.Timestamp | None
    end_date: pd.Timestamp | None
    start_close: float
    end_close: float
    note: str = ""

    @property
    def scoreable(self) -> bool:
        """True when the window is complete (the realized return spans the whole horizon)."""
        return self.status == "complete"

    def to_dict(self) -> dict[str, object]:
        """Return the realized return as a JSON-ready dict (dates as ISO strings)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("requested_start", "requested_end", "start_date", "end_date"):
            d[k] = None if d[k] is None else d[k].date().isoformat()
        return d


def _ts(value: DateLike, what: str) -> pd.Timestamp:
    if value is None:
        raise ValueError(f"{what} date is required")
    ts = pd.Timestamp(value)
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _source(source: PriceSource | None) -> PriceSource:
    if source is not None:
        return source
    from scenarios.data import default_source

    return default_source()


class CloseCache:
    """Valid closes (finite, > 0) per symbol, read once from ``source`` (whole history).

    For scoring many windows (walk-forward): each symbol is read once and every window is
    cut from it with binary searches. It reads the future on purpose (realized returns are
    the future), so it is for scoring only; forecasts must go through a ``PriceView``.
    Unknown symbols are remembered with their error message.
    """

    def __init__(self, source: PriceSource | None = None) -> None:
        self.source = _source(source)
        self._data: dict[str, tuple[np.ndarray, np.ndarray] | str] = {}
        self._bad: dict[str, np.ndarray] = {}
        self._flat: dict[str, tuple[frozenset[pd.Timestamp], frozenset[pd.Timestamp]]] = {}

    def get(self, symbol: str) -> tuple[np.ndarray, np.ndarray] | str:
        """``(dates as datetime64[ns], closes)`` of ``symbol``, or the unavailability message.

        Stale bars (flat, volume 0, the previous close repeated: :mod:`scenarios.data.flatbars`)
        are not closes of their day and are left out, so the last valid session before them
        stands for that day.
        """
        sym = normalize_symbol(symbol)
        hit = self._data.get(sym)
        if hit is None:
            from scenarios.data.flatbars import flat_bars

            try:
                frame = self.source.get(sym)
            except DataUnavailableError as exc:
                hit = str(exc)
                self._flat[sym] = (frozenset(), frozenset())
            else:
                c = frame["close"]
                v = c.to_numpy(dtype="float64", na_value=np.nan)
                with np.errstate(invalid="ignore"):
                    valid = np.isfinite(v) & (v > 0)
                stale, kinds = flat_bars(frame)
                ok = valid & ~stale
                days = c.index.to_numpy(dtype="datetime64[ns]")
                hit = (days[ok], v[ok])
                self._bad[sym] = days[~valid]
                self._flat[sym] = (frozenset(d for d, k in kinds.items() if k == "stale"),
                                   frozenset(d for d, k in kinds.items() if k == "half_day_close"))
            self._data[sym] = hit
        return hit

    def screen(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
        """Screen the rows of ``symbol`` in ``(start, end]`` for bad closes.

        Rows with a missing, infinite or non-positive close in ``(start, end]``: a
        :class:`~scenarios.errors.BadPriceError` (exit 3, symbol, file, dates), or with
        ``--drop-bad-rows`` a note saying they were left out ("" when there are none).
        """
        from scenarios.data.screen import describe_dates, drop_bad_rows
        from scenarios.errors import BadPriceError

        sym = normalize_symbol(symbol)
        bad = self._bad.get(sym)
        if bad is None or not bad.size:
            return ""
        inside = bad[(bad > start.to_datetime64()) & (bad <= end.to_datetime64())]
        if not inside.size:
            return ""
        dates = describe_dates(pd.DatetimeIndex(inside))
        csv = getattr(self.source, "csv", None)
        path = csv.file_of(sym) if csv is not None and hasattr(csv, "file_of") else None
        where = f"{sym} ({path or getattr(self.source, 'name', 'price source')})"
        if not drop_bad_rows():
            raise BadPriceError(
                f"{where}: {inside.size} row(s) of the realized window {start.date()}..{end.date()} "
                f"have a close that is missing, infinite or <= 0: {dates}. Fix the data "
                f"(`scenarios data check {sym}` lists them), or pass --drop-bad-rows to leave them out.")
        return f"left out {inside.size} row(s) with a bad close ({dates}; --drop-bad-rows)"

    def flat(self, symbol: str) -> tuple[frozenset[pd.Timestamp], frozenset[pd.Timestamp]]:
        """``(stale dates, half-day-close dates)`` of ``symbol`` (see :meth:`get`)."""
        sym = normalize_symbol(symbol)
        self.get(sym)
        return self._flat[sym]


def _substitution_notes(sym: str, asked: pd.Timestamp, used: pd.Timestamp, what: str,
                        flat: tuple[frozenset[pd.Timestamp], frozenset[pd.Timestamp]]) -> list[str]:
    """Say why the close of ``used`` stands for ``asked`` (a stale bar, a missing session).

    Also say when the close used is a flat half-day bar (a real close without intraday data).
    """
    from scenarios.data.exchange_calendar import sessions

    stale, half = flat
    notes = []
    if used < asked:
        if asked in stale:
            notes.append(f"{what} {asked.date()}: stale bar (flat, volume 0, close repeated), "
                         f"{used.date()} close used")
        else:
            try:
                is_session = len(sessions(sym, asked, asked)) > 0
            except Exception:  # noqa: BLE001 - no calendar for this symbol: nothing to say
                is_session = False
            if is_session:
                notes.append(f"{what} {asked.date()}: no bar for that session, {used.date()} close used")
    if used in half:
        notes.append(f"{what} {used.date()}: half-day close (flat bar, volume 0, close moved), used")
    return notes


def _window(sym: str, data: tuple[np.ndarray, np.ndarray] | str, s: pd.Timestamp, e: pd.Timestamp,
            k: ReturnKind,
            flat: tuple[frozenset[pd.Timestamp], frozenset[pd.Timestamp]] = (frozenset(), frozenset()),
            ) -> RealizedReturn:
    """Return the window rules of the module docstring on one symbol's valid closes."""
    def unavailable(note: str, start_date=None, start_close=math.nan) -> RealizedReturn:
        return RealizedReturn(sym, math.nan, k, "unavailable", s, e, start_date, None,
                              start_close, math.nan, note)

    if isinstance(data, str):
        return unavailable(data)
    dates, closes = data
    i0 = int(np.searchsorted(dates, s.to_datetime64(), side="right")) - 1  # last close <= s
    if i0 < 0:
        first = pd.Timestamp(dates[0]).date() if dates.size else None
        return unavailable(f"no close on or before {s.date()}"
                           + (f" (the series starts {first})" if first else ""))
    d0, c0 = pd.Timestamp(dates[i0]), float(closes[i0])
    if (s - d0).days > MAX_STALENESS_DAYS:
        return unavailable(f"the last close before {s.date()} is from {d0.date()} "
                           f"(more than {MAX_STALENESS_DAYS} days stale)", d0, c0)
    i1 = int(np.searchsorted(dates, e.to_datetime64(), side="right")) - 1  # last close <= e
    has_later = i1 + 1 < dates.size
    if i1 <= i0:
        if not has_later:
            return unavailable(f"no close after {d0.date()}: the data ends before the window "
                               f"({s.date()} to {e.date()}) starts", d0, c0)
        # no trading day inside the window (start and end within one holiday stretch)
        return RealizedReturn(sym, 0.0, k, "complete", s, e, d0, d0, c0, c0,
                              "no trading day inside the window")
    d1, c1 = pd.Timestamp(dates[i1]), float(closes[i1])
    status: Status = "complete"
    notes = _substitution_notes(sym, s, d0, "start", flat)
    if not has_later and (e - d1).days > HOLIDAY_TOLERANCE_DAYS:
        status = "partial"
        notes.append(f"data ends {d1.date()}, before the horizon {e.date()}: "
                     f"return covers {d0.date()} to {d1.date()} only")
    else:
        notes += _substitution_notes(sym, e, d1, "horizon", flat)
    return RealizedReturn(sym, c1 / c0 - 1.0, k, status, s, e, d0, d1, c0, c1, "; ".join(notes))


def realized_return(symbol: str, start: DateLike, end: DateLike, source: PriceSource | None = None,
                    *, kind: ReturnKind | None = None, cache: CloseCache | None = None) -> RealizedReturn:
    """Realized return of ``symbol`` from the close at ``start`` to the close at ``end``.

    See the module docstring for the window rules. ``kind`` overrides :func:`return_kind`
    (e.g. for a total-return index). Unknown symbols give an ``"unavailable"`` result (the
    note carries the data layer's explanation) rather than an exception, so one missing name
    does not sink a cross-section. ``cache`` (a :class:`CloseCache` on the same source) avoids
    re-reading the prices for each window.
    """
    sym = normalize_symbol(symbol)
    s, e = _ts(start, "start"), _ts(end, "end")
    if e < s:
        raise ValueError(f"end {e.date()} is before start {s.date()}")
    k: ReturnKind = kind or return_kind(sym)
    if cache is None:
        cache = CloseCache(source)
    out = _window(sym, cache.get(sym), s, e, k, cache.flat(sym))
    note = cache.screen(sym, s, e)
    if note:
        from dataclasses import replace

        out = replace(out, note=f"{out.note}; {note}" if out.note else note)
    return out


def realized_returns(symbols: Iterable[str], start: DateLike, end: DateLike,
                     source: PriceSource | None = None, *,
                     kinds: Mapping[str, ReturnKind] | None = None,
                     cache: CloseCache | None = None) -> pd.DataFrame:
    """Realized returns of several symbols over one window, one row per symbol.

    Columns: ``return`` (fraction), ``kind`` (``"total"``/``"price"``), ``status``
    (``"complete"``/``"partial"``/``"unavailable"``), ``start_date``, ``end_date``,
    ``start_close``, ``end_close``, ``note``. The index is the normalized symbols, in input
    order. ``kinds`` overrides the return kind per symbol. ``frame.attrs["kinds"]`` lists the
    kinds present, so a consumer can refuse mixed frames (:func:`require_same_kind`).
    """
    cache = cache if cache is not None else CloseCache(source)
    overrides = {normalize_symbol(k): v for k, v in (kinds or {}).items()}
    rows = []
    for sym in dict.fromkeys(normalize_symbol(x) for x in symbols):
        r = realized_return(sym, start, end, kind=overrides.get(sym), cache=cache)
        rows.append({
            "symbol": r.symbol, "return": r.value, "kind": r.kind, "status": r.status,
            "start_date": r.start_date, "end_date": r.end_date, "start_close": r.start_close,
            "end_close": r.end_close, "note": r.note,
        })
    cols = ["return", "kind", "status", "start_date", "end_date", "start_close", "end_close", "note"]
    if not rows:
        out = pd.DataFrame(columns=cols, index=pd.Index([], name="symbol"))
    else:
        out = pd.DataFrame(rows).set_index("symbol")[cols]
        out["start_date"] = pd.to_datetime(out["start_date"])
        out["end_date"] = pd.to_datetime(out["end_date"])
        out["return"] = out["return"].astype("float64")
    out.attrs["kinds"] = sorted(set(out["kind"])) if len(out) else []
    out.attrs["start"] = _ts(start, "start").date().isoformat()
    out.attrs["end"] = _ts(end, "end").date().isoformat()
    return out


def require_same_kind(*kinds: str, allow_mixed: bool = False, what: str = "these returns") -> str:
    """Return the common return kind of ``kinds``; ``"mixed"`` (only with ``allow_mixed``) otherwise.

    Raises ``ValueError`` on mixed kinds unless ``allow_mixed``: total and price returns
    differ by the dividend yield and must not be compared silently.
    """
    present = sorted(set(kinds))
    if len(present) == 1:
        return present[0]
    if not present:
        raise ValueError(f"no return kind given for {what}")
    if allow_mixed:
        return "mixed"
    raise ValueError(f"{what} mix total returns (adjusted stock closes) and price returns "
                     "(index levels); compare like with like or pass allow_mixed=True")


def realized_closes(symbols: Iterable[str], start: DateLike, end: DateLike,
                    source: PriceSource | None = None) -> pd.DataFrame:
    """Return daily closes (dates x symbols) from each start close to ``end``.

    Each symbol starts from its close on or before ``start``; the columns are outer-joined on dates
    (NaN where a symbol did not trade).

    The first row, dated at the latest start-close date among the symbols, holds every symbol's
    start close (so every column starts with a value); later rows are the closes after ``start`` (no
    filling); ``frame.attrs["kinds"]`` maps symbol to return kind. Raises
    :class:`DataUnavailableError` when a symbol has no data.
    """
    src = _source(source)
    s, e = _ts(start, "start"), _ts(end, "end")
    cols: dict[str, pd.Series] = {}
    first_dates: list[pd.Timestamp] = []
    start_close: dict[str, float] = {}
    for sym in dict.fromkeys(normalize_symbol(x) for x in symbols):
        c = src.get(sym, s - pd.Timedelta(days=MAX_STALENESS_DAYS + 30), e)["close"].dropna()
        before = c.loc[c.index <= s]
        if before.empty:
            raise DataUnavailableError(f"no close for {sym} on or before {s.date()}")
        first_dates.append(before.index[-1])
        start_close[sym] = float(before.iloc[-1])
        cols[sym] = c.loc[c.index > s]
    if not cols:
        return pd.DataFrame()
    d0 = max(first_dates)
    out = pd.DataFrame(cols).sort_index()
    head = pd.DataFrame({sym: [v] for sym, v in start_close.items()}, index=pd.DatetimeIndex([d0]))
    out = pd.concat([head, out.loc[out.index > d0]]) if not out.empty else head
    out.attrs["kinds"] = {sym: return_kind(sym) for sym in cols}
    out.index.name = "date"
    return out.astype("float64") if not out.empty else out


def summarize_kinds(kinds: Iterable[str]) -> str:
    """Human label: ``"total return"``, ``"price return"`` or ``"mixed (total and price)"``."""
    k = sorted(set(kinds))
    if k == ["total"]:
        return "total return"
    if k == ["price"]:
        return "price return"
    if not k:
        return "-"
    return "mixed (total and price)"

