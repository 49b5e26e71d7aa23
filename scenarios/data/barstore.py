"""Cached daily price bars in the DuckDB store.

Tables (created on first write):

``bars``
    one row per (symbol, date): the canonical columns (``open, high, low, close, volume,
    dividends`` as DOUBLE, NaN stored as NULL) plus ``splits`` (split ratio on its ex-date),
    the ``source`` that delivered the row and its ``fetched_at`` time (UTC).
``bar_series``
    one row per symbol: the source of the last write, where it came from (``origin``: a file
    path or ``yahoo``), a ``fingerprint`` of that origin (CSV ``size:mtime``) and ``fetched_at``.
``bar_coverage``
    the date intervals ``[lo, hi]`` (inclusive) the store *knows completely* for a symbol:
    every trading day in them that the source had is in ``bars``. A range query that falls
    inside the coverage is answered without asking any other source; :meth:`BarStore.missing`
    returns the parts that are not covered, so fetches fill only those.

Every write runs in one transaction (:func:`scenarios.store.db.transaction`): an exception or
a KeyboardInterrupt part way through a multi-symbol import leaves the previous data intact.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd

from scenarios.data.base import DateLike
from scenarios.data.frame import COLUMNS, INDEX_NAME
from scenarios.data.symbols import normalize_symbol
from scenarios.dates import as_date
from scenarios.errors import StoreError
from scenarios.store.db import (
    StoreConnection,
    connect,
    connect_for_read,
    describe_error,
    store_path,
    transaction,
)

#: Earliest / latest dates an open-ended coverage interval stands for.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)

_BAR_COLUMNS = (*COLUMNS, "splits")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bars (
        symbol VARCHAR NOT NULL, date DATE NOT NULL,
        open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, dividends DOUBLE,
        splits DOUBLE, source VARCHAR NOT NULL, fetched_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bar_series (
        symbol VARCHAR NOT NULL, source VARCHAR NOT NULL, origin VARCHAR,
        fingerprint VARCHAR, fetched_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bar_coverage (
        symbol VARCHAR NOT NULL, lo DATE NOT NULL, hi DATE NOT NULL,
        source VARCHAR NOT NULL, fetched_at TIMESTAMP NOT NULL)""",
)

Interval = tuple[date, date]


def _as_date(value: DateLike | date, default: date) -> date:
    d = as_date(value)
    return default if d is None else d


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of inclusive date intervals; adjacent ones (``hi + 1 day == lo``) are joined."""
    out: list[list[date]] = []
    for lo, hi in sorted(i for i in intervals if i[0] <= i[1]):
        if out and lo <= out[-1][1] + timedelta(days=1):
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def subtract_intervals(lo: date, hi: date, covered: Iterable[Interval]) -> list[Interval]:
    """Parts of ``[lo, hi]`` not inside any of ``covered`` (inclusive intervals)."""
    gaps: list[Interval] = []
    cur = lo
    for a, b in merge_intervals(covered):
        if b < cur:
            continue
        if a > hi:
            break
        if a > cur:
            gaps.append((cur, min(hi, a - timedelta(days=1))))
        cur = max(cur, b + timedelta(days=1))
        if cur > hi:
            break
    if cur <= hi:
        gaps.append((cur, hi))
    return gaps


@dataclass(frozen=True)
class SeriesInfo:
    """One row of :meth:`BarStore.list`: what the store holds for a symbol."""

    symbol: str
    first: date | None
    last: date | None
    rows: int
    source: str
    origin: str | None
    fingerprint: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class BarWrite:
    """One symbol's bars to write.

    ``covered`` is the interval the frame describes completely (default: its first to last
    date). With ``replace=True`` every stored bar and coverage of the symbol is dropped first;
    otherwise stored bars inside ``covered`` are replaced and the coverage grows.
    """

    symbol: str
    frame: pd.DataFrame
    source: str
    covered: Interval | None = None
    replace: bool = False
    origin: str | None = None
    fingerprint: str | None = None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _store_errors(doing: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Turn DuckDB errors of a :class:`BarStore` method into a :class:`StoreError`.

    The :class:`StoreError` names the cause (corrupted file -> how to rebuild it; full disk; busy).
    """
    def wrap(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(fn)
        def inner(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            import duckdb

            try:
                return fn(*args, **kwargs)
            except duckdb.Error as exc:
                store = args[0]
                raise describe_error(store.path, exc, doing) from exc  # type: ignore[attr-defined]
        return inner
    return wrap


#: Seconds a :class:`BarStore` waits for a busy store by default: as a price cache it is
#: optional (the resolver falls back to the CSV folder); ``data import`` waits the full
#: ``SCENARIOS_STORE_TIMEOUT`` (``timeout=None``).
CACHE_WAIT = 1.0


class BarStore:
    """Price bars in the DuckDB file at ``path`` (default :func:`scenarios.store.db.store_path`).

    The connection opens lazily on first use. Reads on a store file that does not exist yet
    behave like an empty store (no file is created until something is written).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 timeout: float | None = CACHE_WAIT) -> None:
        self.path = Path(path) if path is not None else store_path()
        #: seconds to wait for a store another process holds (None: SCENARIOS_STORE_TIMEOUT)
        self.timeout = timeout
        #: read-only: a read-only connection (listing works on a read-only file); no writes
        self.read_only = read_only
        self._con: StoreConnection | None = None
        self._schema_ok = False

    def __repr__(self) -> str:
        return f"BarStore({str(self.path)!r})"

    # -- connection ---------------------------------------------------------------------
    def _connection(self, create: bool) -> StoreConnection | None:
        if self._con is None:
            if not create and not self.path.exists():
                return None
            if self.read_only:
                if create:
                    raise StoreError(f"the store at {self.path} was opened read-only: cannot write")
                self._con = connect_for_read(self.path, timeout=self.timeout)
                self._schema_ok = self._has_schema(self._con)
                return self._con if self._schema_ok else None
            self._con = connect(self.path, timeout=self.timeout)
        if not self._schema_ok:
            import duckdb

            try:
                for stmt in _SCHEMA:
                    self._con.execute(stmt)
            except duckdb.Error as exc:
                raise describe_error(self.path, exc, "preparing its tables") from exc
            self._schema_ok = True
        return self._con

    @staticmethod
    def _has_schema(con: StoreConnection) -> bool:
        import duckdb

        try:
            row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                              "('bars', 'bar_series', 'bar_coverage')").fetchone()
        except duckdb.Error:
            return False
        return bool(row and row[0] == 3)

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        if self._con is not None:
            self._con.close()
            self._con = None
            self._schema_ok = False

    def __enter__(self) -> BarStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reads --------------------------------------------------------------------------
    @_store_errors("listing its symbols")
    def symbols(self) -> list[str]:
        """Symbols with at least one stored bar (sorted)."""
        con = self._connection(create=False)
        if con is None:
            return []
        return [r[0] for r in con.execute("SELECT DISTINCT symbol FROM bars ORDER BY symbol").fetchall()]

    @_store_errors("reading it")
    def has(self, symbol: str) -> bool:
        """Return True when the store knows anything about ``symbol`` (bars or coverage)."""
        con = self._connection(create=False)
        if con is None:
            return False
        sym = normalize_symbol(symbol)
        return con.execute("SELECT count(*) FROM bar_series WHERE symbol = ?", [sym]).fetchone()[0] > 0

    @_store_errors("reading price bars")
    def read(self, symbol: str, start: DateLike = None, end: DateLike = None,
             *, splits: bool = False) -> pd.DataFrame:
        """Canonical frame of the stored bars of ``symbol`` in ``[start, end]`` (inclusive).

        With ``splits=True`` a ``splits`` column follows the canonical ones. An unknown
        symbol gives an empty frame (use :meth:`has` to tell the two apart).
        """
        sym = normalize_symbol(symbol)
        cols = _BAR_COLUMNS if splits else COLUMNS
        con = self._connection(create=False)
        if con is None:
            return _empty(cols)
        lo, hi = _as_date(start, MIN_DATE), _as_date(end, MAX_DATE)
        rel = con.execute(
            f"SELECT date, {_nan_select(cols)} FROM bars WHERE symbol = ? AND date BETWEEN ? AND ? "
            "ORDER BY date", [sym, lo, hi])
        return _to_frame(rel.fetchnumpy(), cols)

    @_store_errors("reading price bars")
    def read_many(self, symbols: Iterable[str], *, splits: bool = False,
                  end: DateLike = None) -> dict[str, pd.DataFrame]:
        """Read the stored series of several symbols with one SQL statement (absent: not stored).

        The whole series, or its rows up to ``end`` (inclusive). The rows come unordered (no
        ``ORDER BY``: DuckDB would sort all of them) and are put in (symbol, date) order here.
        """
        wanted = sorted({normalize_symbol(s) for s in symbols})
        cols = _BAR_COLUMNS if splits else COLUMNS
        con = self._connection(create=False)
        if con is None or not wanted:
            return {}
        # the symbol's position in the list as the filter (not ``symbol IN (...)``, which DuckDB
        # runs as a join for a long list): faster, and the rows stay in insertion order
        params: list[object] = [wanted]
        sql = f"SELECT * FROM (SELECT list_position(?, symbol) AS k, date, {_nan_select(cols)} FROM bars) WHERE k > 0"
        if end is not None:
            sql += " AND date <= ?"
            params.append(_as_date(end, MAX_DATE))
        arrays = con.execute(sql, params).fetchnumpy()
        k = np.asarray(arrays.pop("k"), dtype=np.int64)  # 1-based position in ``wanted``
        arrays["date"] = np.asarray(arrays["date"]).astype("datetime64[ns]")
        rows = _symbol_rows(k, arrays["date"].view(np.int64))
        if rows is None:  # not one dated run per symbol: put them in (symbol, date) order
            order = np.lexsort((arrays["date"], k))
            k = k[order]
            arrays = {c: np.asarray(v)[order] for c, v in arrays.items()}
            cuts = np.searchsorted(k, np.arange(1, len(wanted) + 2))
            rows = {i + 1: (int(cuts[i]), int(cuts[i + 1])) for i in range(len(wanted)) if cuts[i + 1] > cuts[i]}
        out: dict[str, pd.DataFrame] = {}
        for i, sym in enumerate(wanted):
            if i + 1 in rows:
                a, b = rows[i + 1]
                out[sym] = _to_frame({c: v[a:b] for c, v in arrays.items()}, cols)
        return out

    @_store_errors("reading its coverage")
    def series_meta(self, symbols: Iterable[str]) -> dict[str, tuple[list[Interval], str | None, str | None]]:
        """Coverage, source and fingerprint of several symbols with one SQL statement.

        Returns symbol -> (merged coverage intervals, source, fingerprint) for every asked symbol
        (``([], None, None)`` when the store knows nothing of it): :meth:`coverage_many` and the
        ``source``/``fingerprint`` of :meth:`list`, without ``list``'s count over every stored bar.
        """
        wanted = sorted({normalize_symbol(s) for s in symbols})
        con = self._connection(create=False)
        raw: dict[str, list[Interval]] = {s: [] for s in wanted}
        info: dict[str, tuple[str | None, str | None]] = {}
        if con is not None and wanted:
            rows = con.execute(  # coverage rows (lo, hi) and series rows (source, fingerprint)
                "SELECT symbol, lo, hi, NULL, NULL FROM bar_coverage WHERE list_contains($1, symbol) "
                "UNION ALL SELECT symbol, NULL, NULL, source, fingerprint FROM bar_series "
                "WHERE list_contains($1, symbol)", [wanted]).fetchall()
            for sym, lo, hi, source, fingerprint in rows:
                if lo is not None:
                    raw[sym].append((lo, hi))
                else:
                    info[sym] = (source, fingerprint)
        return {s: (merge_intervals(v), *info.get(s, (None, None))) for s, v in raw.items()}

    @_store_errors("reading its coverage")
    def coverage_many(self, symbols: Iterable[str]) -> dict[str, list[Interval]]:
        """:meth:`coverage` of several symbols with one query."""
        wanted = sorted({normalize_symbol(s) for s in symbols})
        con = self._connection(create=False)
        out: dict[str, list[Interval]] = {s: [] for s in wanted}
        if con is None or not wanted:
            return out
        rows = con.execute(
            f"SELECT symbol, lo, hi FROM bar_coverage WHERE symbol IN ({', '.join('?' for _ in wanted)})",
            wanted).fetchall()
        raw: dict[str, list[Interval]] = {s: [] for s in wanted}
        for sym, lo, hi in rows:
            raw[sym].append((lo, hi))
        return {s: merge_intervals(v) for s, v in raw.items()}

    @_store_errors("reading its coverage")
    def coverage(self, symbol: str) -> list[Interval]:
        """Return merged intervals the store knows completely for ``symbol``."""
        con = self._connection(create=False)
        if con is None:
            return []
        rows = con.execute("SELECT lo, hi FROM bar_coverage WHERE symbol = ?",
                           [normalize_symbol(symbol)]).fetchall()
        return merge_intervals((r[0], r[1]) for r in rows)

    def missing(self, symbol: str, start: DateLike = None, end: DateLike = None) -> list[Interval]:
        """Parts of ``[start, end]`` the store does not cover for ``symbol``."""
        lo, hi = _as_date(start, MIN_DATE), _as_date(end, MAX_DATE)
        return subtract_intervals(lo, hi, self.coverage(symbol))

    def info(self, symbol: str) -> SeriesInfo | None:
        """Return what the store holds for one symbol (``None`` if nothing)."""
        rows = self.list([symbol])
        return rows[0] if rows else None

    @_store_errors("listing its series")
    def list(self, symbols: Iterable[str] | None = None) -> list[SeriesInfo]:
        """One :class:`SeriesInfo` per stored symbol (all, or those in ``symbols``)."""
        con = self._connection(create=False)
        if con is None:
            return []
        sql = (
            "SELECT s.symbol, b.first, b.last, coalesce(b.rows, 0), s.source, s.origin, "
            "s.fingerprint, s.fetched_at FROM bar_series s LEFT JOIN ("
            "  SELECT symbol, min(date) AS first, max(date) AS last, count(*) AS rows "
            "  FROM bars GROUP BY symbol) b USING (symbol)"
        )
        params: list[object] = []
        if symbols is not None:
            wanted = sorted({normalize_symbol(s) for s in symbols})
            if not wanted:
                return []
            sql += f" WHERE s.symbol IN ({', '.join('?' for _ in wanted)})"
            params = list(wanted)
        sql += " ORDER BY s.symbol"
        return [SeriesInfo(*r) for r in con.execute(sql, params).fetchall()]

    # -- writes -------------------------------------------------------------------------
    def write(self, symbol: str, frame: pd.DataFrame, source: str, *, covered: Interval | None = None,
              replace: bool = False, origin: str | None = None, fingerprint: str | None = None) -> None:
        """Store one symbol's bars in one transaction (see :class:`BarWrite`)."""
        self.write_many([BarWrite(symbol, frame, source, covered, replace, origin, fingerprint)])

    def write_many(self, writes: Iterable[BarWrite]) -> int:
        """Store several symbols in ONE transaction: all of them or none. Returns the count.

        ``writes`` may be a generator (e.g. one that reads files as it goes): if it raises
        part way, the transaction is rolled back and the store keeps its previous content.
        """
        import duckdb

        con = self._connection(create=True)
        assert con is not None
        now = datetime.now(UTC).replace(tzinfo=None)
        n = 0
        try:
            with transaction(con):
                batch: list[tuple[str, BarWrite]] = []
                for w in writes:
                    self._write_one(con, w, now)
                    batch.append((normalize_symbol(w.symbol), w))
                    n += 1
                    if sum(len(x.frame) for _, x in batch) > 200_000:
                        _insert_bars(con, batch, now)
                        batch = []
                _insert_bars(con, batch, now)
        except duckdb.Error as exc:
            raise describe_error(self.path, exc, "writing price bars (nothing was changed)") from exc
        return n

    def _write_one(self, con: StoreConnection, w: BarWrite, now: datetime) -> None:
        """Write the deletes, coverage and series rows of one write (bars are inserted in batches)."""
        sym = normalize_symbol(w.symbol)
        frame = w.frame
        if not isinstance(frame.index, pd.DatetimeIndex) or not frame.index.is_monotonic_increasing \
                or not frame.index.is_unique:
            raise StoreError(f"{sym}: refusing to store bars whose dates are not sorted and unique")
        if w.covered is not None:
            lo, hi = w.covered
        elif len(frame):
            lo, hi = frame.index[0].date(), frame.index[-1].date()
        else:
            lo, hi = None, None
        if len(frame) and lo is not None and (frame.index[0].date() < lo or frame.index[-1].date() > hi):  # type: ignore[operator]
            raise StoreError(f"{sym}: bars outside the declared coverage {lo}..{hi}")
        if w.replace:
            con.execute("DELETE FROM bars WHERE symbol = ?", [sym])
            con.execute("DELETE FROM bar_coverage WHERE symbol = ?", [sym])
        elif lo is not None:
            con.execute("DELETE FROM bars WHERE symbol = ? AND date BETWEEN ? AND ?", [sym, lo, hi])
        if lo is not None:
            old = [] if w.replace else con.execute(
                "SELECT lo, hi FROM bar_coverage WHERE symbol = ?", [sym]).fetchall()
            merged = merge_intervals([*((r[0], r[1]) for r in old), (lo, hi)])  # type: ignore[list-item]
            con.execute("DELETE FROM bar_coverage WHERE symbol = ?", [sym])
            con.executemany("INSERT INTO bar_coverage VALUES (?, ?, ?, ?, ?)",
                            [[sym, x, y, w.source, now] for x, y in merged])
        con.execute("DELETE FROM bar_series WHERE symbol = ?", [sym])
        con.execute("INSERT INTO bar_series VALUES (?, ?, ?, ?, ?)",
                    [sym, w.source, w.origin, w.fingerprint, now])

    def delete(self, symbol: str) -> None:
        """Forget everything about ``symbol``."""
        con = self._connection(create=False)
        if con is None:
            return
        sym = normalize_symbol(symbol)
        with transaction(con):
            for table in ("bars", "bar_coverage", "bar_series"):
                con.execute(f"DELETE FROM {table} WHERE symbol = ?", [sym])


def _insert_bars(con: StoreConnection, batch: list[tuple[str, BarWrite]], now: datetime) -> None:
    """Bulk insert (one statement) of the bars of ``batch``; the caller holds the transaction."""
    batch = [(sym, w) for sym, w in batch if len(w.frame)]
    if not batch:
        return
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("symbol", "date", "source", *_BAR_COLUMNS)}
    for sym, w in batch:
        frame, n = w.frame, len(w.frame)
        parts["symbol"].append(np.full(n, sym, dtype=object))
        parts["source"].append(np.full(n, w.source, dtype=object))
        parts["date"].append(pd.DatetimeIndex(frame.index).as_unit("ns").to_numpy())
        for c in _BAR_COLUMNS:
            parts[c].append(frame[c].to_numpy(dtype="float64") if c in frame.columns else np.full(n, np.nan))
    incoming = pd.DataFrame({k: np.concatenate(v) for k, v in parts.items()})
    con.register("_incoming_bars", incoming)
    try:
        con.execute(
            f"INSERT INTO bars SELECT symbol, CAST(date AS DATE), {', '.join(_BAR_COLUMNS)}, "
            "CAST(source AS VARCHAR), ? FROM _incoming_bars", [now])
    finally:
        con.unregister("_incoming_bars")


def _symbol_rows(k: np.ndarray, days: np.ndarray) -> dict[int, tuple[int, int]] | None:
    """Return symbol key -> (first row, end row) when the rows come as one dated run per symbol.

    DuckDB returns rows in insertion order: an import writes each symbol's bars in one block,
    dated; ``None`` when that does not hold (a later write appended to a symbol), and the caller
    sorts.
    """
    if not len(k):
        return {}
    same = np.diff(k) == 0
    if not (np.diff(days)[same] > 0).all():
        return None
    change = np.flatnonzero(~same) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(k)]))
    keys = k[starts]
    if len(np.unique(keys)) != len(keys):
        return None
    return {int(x): (int(a), int(b)) for x, a, b in zip(keys, starts, ends, strict=True)}


def _nan_select(cols: tuple[str, ...]) -> str:
    """Select list that turns stored NULLs back into NaN (plain, unmasked float arrays)."""
    return ", ".join(f"coalesce({c}, 'NaN'::DOUBLE) AS {c}" for c in cols)


def _empty(cols: tuple[str, ...]) -> pd.DataFrame:
    idx = pd.DatetimeIndex(np.array([], dtype="datetime64[ns]"), name=INDEX_NAME)
    return pd.DataFrame({c: np.array([], dtype="float64") for c in cols}, index=idx)


def _to_frame(arrays: dict[str, np.ndarray], cols: tuple[str, ...]) -> pd.DataFrame:
    idx = pd.DatetimeIndex(np.asarray(arrays["date"]).astype("datetime64[ns]"), name=INDEX_NAME)
    data = {}
    for c in cols:
        a = arrays[c]
        data[c] = np.ma.filled(a.astype("float64"), np.nan) if isinstance(a, np.ma.MaskedArray) \
            else np.asarray(a, dtype="float64")
    return pd.DataFrame(data, index=idx)
