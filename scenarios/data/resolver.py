"""Where prices come from: the resolver behind :func:`default_source` and :func:`get_prices`.

Resolution order for a request ``(symbol, start, end)``:

1. the DuckDB store (:class:`scenarios.data.barstore.BarStore`): if its coverage of the symbol
   contains the range, the answer comes from there and nothing else is touched;
2. ``$SCENARIOS_PRICES`` (a CSV folder): if the store misses part of the range and the
   symbol's file changed since it was last imported (size/mtime fingerprint), the whole file
   is read and cached into the store (one transaction);
3. Yahoo Finance (skipped when ``SCENARIOS_OFFLINE=1``): only the still-missing date ranges
   are downloaded, with a few days of overlap; if the overlap shows that Yahoo's adjustment
   changed (a dividend or split since the cached bars were saved) the whole history is
   re-downloaded so that adjusted closes never mix two adjustment dates.

Within one process every symbol is memoized (store content + coverage), so repeated ``get``
calls for the same symbol are in-memory slices. :meth:`Resolver.prefetch` loads many symbols
with one store query and caches CSV files in one transaction (the engine asks for ~30 per run).

"Today" is never treated as complete: coverage is only required up to yesterday
(exchange-local), so an intraday partial bar is never cached as final.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.csvdir import CsvDirSource, exchange_tz, slice_frame
from scenarios.data.frame import COLUMNS, as_day
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataError, DataUnavailableError, StoreError, YahooUnreachableError, shown_path
from scenarios.paths import env_path, expand

if TYPE_CHECKING:
    from scenarios.data.barstore import BarStore, BarWrite, Interval
    from scenarios.data.yahoo import YahooSource

log = logging.getLogger(__name__)

#: Days of overlap requested around a gap when filling it from Yahoo.
OVERLAP_DAYS = 10
#: Relative close difference on overlapping days above which Yahoo's adjustment is deemed changed.
ADJUSTMENT_TOLERANCE = 1e-4


def offline() -> bool:
    """Return True when ``SCENARIOS_OFFLINE`` is set to a true value (1/true/yes/on)."""
    return os.environ.get("SCENARIOS_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def unavailable_message(symbol: str, start: DateLike = None, end: DateLike = None, *,
                        csv_dir: Path | None = None, yahoo_tried: bool = False,
                        yahoo_unreachable: bool = False) -> str:
    """Return the one-paragraph explanation given when no source has ``symbol``."""
    a = pd.Timestamp(start).date().isoformat() if start is not None else "the first available day"
    b = pd.Timestamp(end).date().isoformat() if end is not None else "today"
    if csv_dir is None:
        csv_part = "SCENARIOS_PRICES is not set"
    else:
        csv_part = f"the CSV folder {csv_dir} (SCENARIOS_PRICES) has no file for it"
    if yahoo_unreachable:
        yahoo_part = "Yahoo Finance could not be reached (this machine looks offline)"
    elif yahoo_tried:
        yahoo_part = "Yahoo Finance returned nothing (offline, or an unknown symbol)"
    elif offline():
        yahoo_part = "Yahoo Finance was not asked because SCENARIOS_OFFLINE=1"
    else:
        yahoo_part = "Yahoo Finance was not part of this source"
    return (
        f"no price data for {symbol} from {a} to {b}: it is not in the local store, {csv_part}, "
        f"and {yahoo_part}. To fix it, either set SCENARIOS_PRICES to a folder of "
        "one-CSV-per-symbol files (e.g. 0700.HK.csv), or run `scenarios data import DIR` once to "
        "load such a folder into the store, or go online (unset SCENARIOS_OFFLINE) so the prices "
        "can be downloaded from Yahoo Finance and cached."
    )


@dataclass
class _Entry:
    """In-memory state of one symbol: all bars known so far (+ splits) and their coverage."""

    frame: pd.DataFrame  # canonical columns + 'splits'
    coverage: list[Interval] = field(default_factory=list)
    source: str | None = None
    fingerprint: str | None = None
    yahoo_failed: bool = False
    #: (the frame it was cut from, that frame's canonical columns): see :meth:`bars`
    _bars: tuple[pd.DataFrame, pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    def bars(self) -> pd.DataFrame:
        """``frame``'s canonical columns (no ``splits``), cut once per ``frame``.

        Kept until ``frame`` is replaced (the entry's frame is only ever replaced, never changed in
        place), so each ``get`` slices rows of it instead of selecting the columns again. Callers
        must not change the returned frame (:meth:`Resolver.get` hands out copies).
        """
        cut = self._bars
        if cut is None or cut[0] is not self.frame:
            frame, k = self.frame, len(COLUMNS)
            # the stored layout (canonical columns first, then splits): a positional slice of the
            # columns is 4x cheaper than selecting them by label, and the same frame
            same = tuple(frame.columns[:k]) == COLUMNS
            cut = self._bars = (frame, frame.iloc[:, :k] if same else frame.loc[:, list(COLUMNS)])
        return cut[1]


def _today(symbol: str) -> date:
    """Today's date at the exchange of ``symbol`` (its IANA time zone, through :mod:`zoneinfo`)."""
    return datetime.now(_zone(exchange_tz(symbol))).date()


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


class Resolver:
    """A :class:`~scenarios.data.base.PriceSource` over store → CSV folder → Yahoo.

    Parameters
    ----------
    store:
        The bar store (``None``: no caching, nothing persisted).
    csv:
        A CSV folder source (``None``: skip).
    yahoo:
        A Yahoo source (``None``: never go online).
    today:
        Injected clock for tests: returns the exchange-local date for a symbol.
    """

    name = "resolver"

    def __init__(self, store: BarStore | None = None, csv: CsvDirSource | None = None,
                 yahoo: YahooSource | None = None, today: Callable[[str], date] = _today) -> None:
        self.store = store
        self.csv = csv
        self.yahoo = yahoo
        self._today = today
        self._memo: dict[str, _Entry] = {}
        #: symbol -> the union of the ranges asked of it (see :meth:`reads`)
        self._reads: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]] = {}
        #: set when Yahoo proved unreachable: no further network attempts in this process
        self.yahoo_unreachable = False

    def __repr__(self) -> str:
        parts = [repr(x) for x in (self.store, self.csv, self.yahoo) if x is not None]
        return f"Resolver({', '.join(parts)})"

    # -- public API ----------------------------------------------------------------------
    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Canonical frame of ``symbol`` in ``[start, end]`` (inclusive, ``None`` = open).

        Raises :class:`DataUnavailableError` when no source knows the symbol at all.
        """
        self._note_read(symbol, start, end)
        self._resolve(symbol, start, end)
        # the caller's own copy of the rows: the memo never changes under it
        return slice_frame(self._memo[normalize_symbol(symbol)].bars(), start, end)

    def splits(self, symbol: str) -> pd.Series:
        """Split ratios on their ex-dates (non-zero entries), as far as the sources report them."""
        self._note_read(symbol, None, None)
        s = self._resolve(symbol, None, None)["splits"]
        return s[s.notna() & (s != 0)]

    def source_of(self, symbol: str) -> str | None:
        """Where the bars of ``symbol`` came from (``csv``/``yahoo``), once it was resolved."""
        entry = self._memo.get(normalize_symbol(symbol))
        return entry.source if entry is not None else None

    def last_date(self, symbol: str) -> pd.Timestamp | None:
        """Last date available offline for ``symbol`` (store or CSV file), without reading it all."""
        sym = normalize_symbol(symbol)
        entry = self._memo.get(sym)
        if entry is not None and len(entry.frame):
            return entry.frame.index[-1]
        if self.store is not None:
            try:
                info = self.store.info(sym)
            except StoreError:
                info = None
            if info is not None and info.last is not None:
                return pd.Timestamp(info.last)
        return self.csv.last_date(sym) if self.csv is not None else None

    def symbols(self) -> list[str]:
        """Symbols available without the network: the store's and the CSV folder's."""
        out: set[str] = set()
        if self.store is not None:
            try:
                out.update(self.store.symbols())
            except StoreError as exc:
                log.warning("store unavailable: %s", exc)
        if self.csv is not None:
            out.update(self.csv.symbols())
        return sorted(out)

    def clear(self) -> None:
        """Forget the in-memory memo (the store is untouched)."""
        self._memo.clear()

    def reads(self) -> dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]:
        """Every symbol asked of this resolver so far, with the union of the ranges asked.

        ``{symbol: (first day or None, last day or None)}`` (``None``: open-ended). Kept for the
        life of the resolver (also for symbols no source has), so a computation's price inputs can
        be named afterwards and read again: :mod:`scenarios.report.scored` checks with it that a
        kept score still holds.
        """
        return dict(self._reads)

    def _note_read(self, symbol: str, start: DateLike, end: DateLike) -> None:
        sym = normalize_symbol(symbol)
        lo, hi = as_day(start), as_day(end)
        old = self._reads.get(sym)
        if old is not None:
            lo = None if lo is None or old[0] is None else min(lo, old[0])
            hi = None if hi is None or old[1] is None else max(hi, old[1])
        self._reads[sym] = (lo, hi)

    def prefetch(self, symbols: Iterable[str], start: DateLike = None, end: DateLike = None) -> None:
        """Prepare many symbols at once: one store query, one transaction for CSV imports.

        Afterwards ``get`` for these symbols (within ``[start, end]``) is an in-memory slice.
        Symbols no source knows are skipped here (``get`` raises for them).
        """
        syms = [normalize_symbol(s) for s in symbols]
        todo = [s for s in dict.fromkeys(syms) if s not in self._memo]
        if todo and self.store is not None:
            self._load_from_store(todo)
        # CSV files for symbols whose requested range is not covered: import in one transaction
        writes: list[BarWrite] = []
        for sym in dict.fromkeys(syms):
            entry = self._memo.get(sym) or self._new_entry(sym)
            if self._gaps(sym, entry, start, end):
                try:
                    w = self._csv_update(sym, entry)
                except DataError:  # a malformed file: `get` raises it for this symbol alone
                    continue
                if w is not None:
                    writes.append(w)
        self._persist(writes)
        for sym in dict.fromkeys(syms):
            try:
                self._resolve(sym, start, end)
            except DataError:  # unknown symbol or malformed file: `get` raises it for this one
                continue

    # -- internals -----------------------------------------------------------------------
    def _new_entry(self, sym: str) -> _Entry:
        entry = _Entry(frame=_empty_with_splits())
        self._memo[sym] = entry
        return entry

    def _load_from_store(self, syms: list[str]) -> None:
        assert self.store is not None
        try:  # one connection, two statements: the bars, then coverage and origin
            frames = self.store.read_many(syms, splits=True)
            meta = self.store.series_meta(syms)
        except StoreError as exc:
            log.warning("price store unavailable, continuing without it: %s", exc)
            self.store = None
            return
        finally:
            self._release()
        for sym in syms:
            coverage, source, fingerprint = meta.get(sym, ([], None, None))
            frame = frames.get(sym)
            self._memo[sym] = _Entry(frame=_empty_with_splits() if frame is None else frame, coverage=coverage,
                                     source=source, fingerprint=fingerprint)

    def _gaps(self, sym: str, entry: _Entry, start: DateLike, end: DateLike) -> list[Interval]:
        from scenarios.data.barstore import MIN_DATE, subtract_intervals

        lo = pd.Timestamp(start).date() if start is not None else MIN_DATE
        yesterday = self._today(sym) - timedelta(days=1)
        hi = min(pd.Timestamp(end).date(), yesterday) if end is not None else yesterday
        if hi < lo:
            return []
        return subtract_intervals(lo, hi, entry.coverage)

    def _csv_update(self, sym: str, entry: _Entry) -> BarWrite | None:
        """Read the CSV file of ``sym`` if it changed since it was cached; update ``entry``."""
        from scenarios.data.barstore import MIN_DATE, BarWrite, merge_intervals

        if self.csv is None or self.csv.file_of(sym) is None:
            return None
        fp = self.csv.fingerprint(sym)
        if fp is not None and fp == entry.fingerprint:
            return None  # already cached from this very file: it has nothing more
        frame = self.csv.read(sym)
        covered = (MIN_DATE, frame.index[-1].date()) if len(frame) else None
        # keep bars the store has after the file's end (e.g. a later Yahoo fill)
        tail = entry.frame[entry.frame.index > frame.index[-1]] if len(frame) else entry.frame
        entry.frame = pd.concat([frame, tail]) if len(tail) else frame
        if covered is not None:
            entry.coverage = merge_intervals([*entry.coverage, covered])
        entry.source = "csv"
        entry.fingerprint = fp
        return BarWrite(sym, frame, "csv", covered=covered, origin=str(self.csv.file_of(sym)),
                        fingerprint=fp)

    def _persist(self, writes: list[BarWrite]) -> None:
        if not writes or self.store is None:
            return
        try:
            self.store.write_many(writes)
        except StoreError as exc:  # a locked or read-only store must not stop a run
            log.warning("could not cache prices in the store (%s); continuing in memory", exc)
        finally:
            self._release()

    def _release(self) -> None:
        """Close the store connection between uses.

        DuckDB locks the file for as long as a process holds it open, and other processes (recording
        their runs) must not wait for this one to finish.
        """
        if self.store is not None:
            self.store.close()

    def _resolve(self, symbol: str, start: DateLike, end: DateLike) -> pd.DataFrame:
        sym = normalize_symbol(symbol)
        entry = self._memo.get(sym)
        if entry is None:
            if self.store is not None:
                self._load_from_store([sym])
            entry = self._memo.get(sym) or self._new_entry(sym)
        if self._gaps(sym, entry, start, end):
            w = self._csv_update(sym, entry)
            if w is not None:
                self._persist([w])
        gaps = [g for g in self._gaps(sym, entry, start, end) if _has_weekday(*g)]
        if gaps and self.yahoo is not None and not entry.yahoo_failed and not self.yahoo_unreachable:
            self._fill_from_yahoo(sym, entry, gaps)
        if entry.frame.empty and not entry.coverage:
            raise DataUnavailableError(unavailable_message(
                sym, start, end, csv_dir=self.csv.path if self.csv is not None else None,
                yahoo_tried=self.yahoo is not None, yahoo_unreachable=self.yahoo_unreachable))
        return entry.frame

    def _fill_from_yahoo(self, sym: str, entry: _Entry, gaps: list[Interval]) -> None:
        from scenarios.data.barstore import MIN_DATE, BarWrite, merge_intervals

        assert self.yahoo is not None
        yesterday = self._today(sym) - timedelta(days=1)
        writes: list[BarWrite] = []
        for lo, hi in gaps:
            has_neighbours = not entry.frame.empty
            w_lo = None if lo == MIN_DATE else lo - timedelta(days=OVERLAP_DAYS if has_neighbours else 0)
            w_hi = min(hi + timedelta(days=OVERLAP_DAYS if has_neighbours else 0), yesterday)
            try:
                fetched = self.yahoo.fetch(sym, w_lo, w_hi)
            except YahooUnreachableError as exc:
                if not entry.frame.empty:  # otherwise the DataUnavailableError says it all
                    log.warning("%s; using cached and CSV prices only for the rest of this run",
                                str(exc).split(" while fetching")[0])
                self.yahoo_unreachable = True
                entry.yahoo_failed = True
                break
            except DataUnavailableError as exc:
                log.info("Yahoo could not fill %s %s..%s: %s", sym, lo, hi, exc)
                entry.yahoo_failed = True
                break
            old = entry.frame
            common = old.index.intersection(fetched.index)
            if has_neighbours and len(common) == 0 and (fetched.index.min() > pd.Timestamp(lo)
                                                        or fetched.index.max() < pd.Timestamp(hi)):
                # no overlap to vouch that this answer is complete and on the same adjustment
                log.info("Yahoo answer for %s has no overlap with the cached bars; not cached", sym)
                entry.yahoo_failed = True
                break
            if len(common):
                a = old.loc[common, "close"].to_numpy()
                b = fetched.loc[common, "close"].to_numpy()
                ok = np.isfinite(a) & np.isfinite(b) & (a != 0)
                if ok.any() and np.max(np.abs(b[ok] / a[ok] - 1.0)) > ADJUSTMENT_TOLERANCE:
                    # adjustment changed since the cached bars were saved: take the whole history
                    try:
                        full = self.yahoo.fetch(sym, None, yesterday)
                    except DataUnavailableError:
                        entry.yahoo_failed = True
                        break
                    entry.frame = full
                    entry.coverage = [(MIN_DATE, yesterday)]
                    entry.source = "yahoo"
                    writes = [BarWrite(sym, full, "yahoo", covered=(MIN_DATE, yesterday), replace=True,
                                       origin="yahoo")]
                    break
            part = fetched[(fetched.index >= pd.Timestamp(lo)) & (fetched.index <= pd.Timestamp(hi))]
            keep = old[(old.index < pd.Timestamp(lo)) | (old.index > pd.Timestamp(hi))]
            entry.frame = pd.concat([keep, part]).sort_index(kind="mergesort")
            entry.coverage = merge_intervals([*entry.coverage, (lo, min(hi, yesterday))])
            entry.source = entry.source or "yahoo"
            writes.append(BarWrite(sym, part, "yahoo", covered=(lo, min(hi, yesterday)), origin="yahoo"))
        self._persist(writes)


def _has_weekday(lo: date, hi: date) -> bool:
    """Return True when ``[lo, hi]`` holds a Monday-Friday date (a weekend-only gap has no sessions to fetch)."""
    return hi >= lo and ((hi - lo).days >= 2 or any(
        (lo + timedelta(days=i)).weekday() < 5 for i in range((hi - lo).days + 1)))


def _empty_with_splits() -> pd.DataFrame:
    from scenarios.data.frame import INDEX_NAME

    idx = pd.DatetimeIndex(np.array([], dtype="datetime64[ns]"), name=INDEX_NAME)
    return pd.DataFrame({c: np.array([], dtype="float64") for c in (*COLUMNS, "splits")}, index=idx)


def build_source(*, store: bool = True, prices: str | Path | None = None,
                 online: bool | None = None) -> Resolver:
    """Build a resolver from explicit settings (``prices``: CSV folder; ``online``: allow Yahoo)."""
    from scenarios.data.barstore import BarStore

    csv = CsvDirSource(prices) if prices else None
    yahoo = None
    if online if online is not None else not offline():
        from scenarios.data.yahoo import YahooSource

        yahoo = YahooSource()
    return Resolver(store=BarStore() if store else None, csv=csv, yahoo=yahoo)


_DEFAULT: dict[tuple[str, ...], Resolver] = {}


def default_source() -> Resolver:
    """Return the standard resolver for the current environment (shared within the process).

    Store at ``$SCENARIOS_HOME/store.duckdb``, CSV folder ``$SCENARIOS_PRICES`` (if set),
    Yahoo unless ``SCENARIOS_OFFLINE=1``. The instance is reused while those variables stay
    the same, so its per-symbol memo serves every caller.
    """
    key = tuple(os.environ.get(k, "") for k in ("SCENARIOS_HOME", "SCENARIOS_PRICES", "SCENARIOS_OFFLINE"))
    src = _DEFAULT.get(key)
    if src is None:
        for old in _DEFAULT.values():
            if old.store is not None:
                old.store.close()
        _DEFAULT.clear()
        prices = env_path("SCENARIOS_PRICES")
        if prices and not expand(prices).is_dir():
            raise DataUnavailableError(
                f"SCENARIOS_PRICES={shown_path(prices)} is not a folder: point it at a folder of "
                "one-CSV-per-symbol price files, or unset it")
        src = build_source(prices=prices)
        _DEFAULT[key] = src
    return src


def get_prices(symbol: str, start: DateLike = None, end: DateLike = None,
               source: PriceSource | None = None) -> pd.DataFrame:
    """Canonical frame of ``symbol`` in ``[start, end]`` from ``source`` (default: :func:`default_source`)."""
    src = source if source is not None else default_source()
    return src.get(symbol, start, end)
