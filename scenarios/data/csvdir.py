"""A folder of one-CSV-per-symbol price files (:class:`CsvDirSource`).

Three layouts are recognized, per file, from the header:

* the snapshot layout (``shared/hkdata/prices``):
  ``date,open,high,low,close,volume,dividends,splits`` with ``YYYY-MM-DD`` dates;
* a ``yfinance`` ``Ticker.history()`` export:
  ``Date,Open,High,Low,Close,Volume,Dividends,Stock Splits`` with dates such as
  ``2025-02-13 00:00:00+08:00`` (exchange-local wall time plus offset);
* a ``yfinance`` ``yf.download()`` export with the three-line header
  ``Price,Close,High,...`` / ``Ticker,0700.HK,...`` / ``Date,,,...`` (either level first).

Column names are matched case-insensitively (``Stock Splits`` = ``splits``, ``Adj Close`` =
``adj_close``). When an ``Adj Close`` column is present (``auto_adjust=False`` exports) it
becomes ``close`` and open/high/low are scaled by ``Adj Close / Close`` exactly like yfinance's
``auto_adjust`` does, so ``close`` is always the adjusted (total-return) close.

Blank rows are skipped. Anything else malformed (unparseable date, non-numeric value, ragged
row, missing ``close`` column, duplicated date) raises
:class:`~scenarios.errors.DataFormatError` naming the file and the 1-based line number.
Empty fields (and ``nan``) mean "not in the source" and become NaN.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data.base import DateLike
from scenarios.data.frame import COLUMNS, INDEX_NAME, as_day
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataFormatError, DataUnavailableError, shown_path
from scenarios.paths import expand

#: Extra column kept next to the canonical ones by :meth:`CsvDirSource.read`: split ratio on
#: its ex-date (0 or NaN elsewhere). ``get`` drops it (the canonical frame has no splits).
SPLITS = "splits"

_ALIASES: dict[str, str] = {
    "date": "date", "datetime": "date", "time": "date", "timestamp": "date",
    "open": "open", "high": "high", "low": "low", "close": "close",
    "adj_close": "adj_close", "adjclose": "adj_close", "adjusted_close": "adj_close",
    "volume": "volume", "vol": "volume",
    "dividends": "dividends", "dividend": "dividends",
    "splits": "splits", "stock_splits": "splits", "split": "splits",
}
_MISSING = {"", "nan", "NaN", "NAN", "NA", "N/A", "null", "None"}
_DATE_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
_MIDNIGHT = {None, "00:00", "00:00:00"}

#: Exchange time zone by Yahoo suffix, used only when a file's timestamps are not at
#: midnight (e.g. a history() export converted to UTC) to recover the exchange-local date.
_EXCHANGE_TZ = {".HK": "Asia/Hong_Kong", ".SS": "Asia/Shanghai", ".SZ": "Asia/Shanghai"}


def exchange_tz(symbol: str) -> str:
    """IANA time zone of the exchange that lists ``symbol`` (US when no known suffix)."""
    s = normalize_symbol(symbol)
    if s == "^HSI":
        return "Asia/Hong_Kong"
    for suffix, tz in _EXCHANGE_TZ.items():
        if s.endswith(suffix):
            return tz
    return "America/New_York"


def _norm_col(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class _Header:
    """Where the data starts and which file column holds which field."""

    data_start: int  # index (0-based) of the first data row in the list of physical rows
    date_col: int
    fields: dict[str, int]  # canonical field name -> column index
    width: int


def _parse_header(rows: list[tuple[int, list[str]]], path: Path, symbol: str) -> _Header:
    """Recognize the layout from the first non-blank rows."""
    if not rows:
        raise DataFormatError("the file is empty (no header)", file=path, line=1)
    line0, head0 = rows[0]
    first = head0[0].strip().lower() if head0 else ""
    if first in ("price", "ticker") and len(rows) >= 2 and rows[1][1] and \
            rows[1][1][0].strip().lower() in ("price", "ticker") and rows[1][1][0].strip().lower() != first:
        # yf.download() export: two header levels, then usually a 'Date,,,' row.
        price_row = head0 if first == "price" else rows[1][1]
        ticker_row = rows[1][1] if first == "price" else head0
        start = 2
        if len(rows) > 2 and rows[2][1] and rows[2][1][0].strip().lower() in ("date", "datetime") and \
                not any(c.strip() for c in rows[2][1][1:]):
            start = 3
        width = len(price_row)
        tickers = {normalize_symbol(t) for t in ticker_row[1:] if t.strip()}
        want = normalize_symbol(symbol)
        if len(tickers) > 1 and want not in tickers:
            raise DataFormatError(
                f"a yf.download() export with several tickers ({', '.join(sorted(tickers))}) "
                f"has no column for {want}", file=path, line=rows[1][0])
        fields: dict[str, int] = {}
        for i in range(1, width):
            t = ticker_row[i].strip() if i < len(ticker_row) else ""
            if len(tickers) > 1 and normalize_symbol(t) != want:
                continue
            name = _norm_col(price_row[i])
            if name in fields:
                raise DataFormatError(f"column {price_row[i]!r} appears twice", file=path, line=line0)
            fields[name] = i
        return _Header(start, 0, fields, width)

    names = [_norm_col(c) for c in head0]
    fields = {}
    for i, name in enumerate(names):
        if name in fields:
            raise DataFormatError(f"column {head0[i]!r} appears twice in the header", file=path, line=line0)
        fields[name] = i
    if "date" in fields:
        date_col = fields.pop("date")
    elif names and names[0] in ("", "unnamed:_0", "index"):
        date_col = 0
        fields.pop(names[0], None)
    else:
        raise DataFormatError(
            f"no date column in the header (got {', '.join(head0)}); expected "
            "'date,open,high,low,close,volume,...' or a yfinance export", file=path, line=line0)
    return _Header(1, date_col, fields, len(head0))


_NUMERIC = ("open", "high", "low", "close", "adj_close", "volume", "dividends", "splits")


def parse_price_csv(text: str, path: str | Path, symbol: str | None = None, *,
                    keep_duplicates: bool = False) -> pd.DataFrame:
    """Parse one price CSV into a canonical frame plus a ``splits`` column.

    ``symbol`` (default: the file stem) picks the ticker in multi-ticker ``yf.download()``
    exports and the exchange time zone for non-midnight timestamps. ``keep_duplicates=True``
    (used by ``scenarios data check``) returns duplicated dates instead of raising.

    A fast path (pandas' C parser) handles well-formed files; anything it cannot vouch for
    goes through the exact path (``csv`` module, one row at a time), which either accepts the
    file or raises :class:`DataFormatError` with the precise line.
    """
    path = Path(path)
    stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
    sym = normalize_symbol(symbol or stem)
    head_rows, header = _read_header(text, path, sym)
    fast = _parse_fast(text, path, sym, header, head_rows)
    if fast is not None:
        return fast
    return _parse_exact(text, path, sym, keep_duplicates=keep_duplicates)


class _Fallback(Exception):
    """The fast path cannot vouch for this file; use the exact path."""


def _read_header(text: str, path: Path, sym: str) -> tuple[list[tuple[int, list[str]]], _Header]:
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text[:4096]))
    prev = 0
    try:
        for row in reader:
            line = prev + 1
            prev = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            rows.append((line, row))
            if len(rows) >= 4:
                break
    except csv.Error as exc:
        raise DataFormatError(f"unreadable CSV header: {exc}", file=path, line=reader.line_num) from exc
    header = _parse_header(rows, path, sym)
    if "close" not in header.fields and "adj_close" not in header.fields:
        raise DataFormatError(
            "no 'close' column (needed: the adjusted close); header has "
            + ", ".join(sorted(header.fields)), file=path, line=rows[0][0] if rows else 1)
    return rows, header


def _parse_fast(text: str, path: Path, sym: str, header: _Header,
                head_rows: list[tuple[int, list[str]]]) -> pd.DataFrame | None:
    """Pandas C-parser path; ``None`` when the exact path must decide."""
    if '"' in text:
        return None
    skip = head_rows[header.data_start - 1][0] if header.data_start <= len(head_rows) else None
    if skip is None:
        return None
    wanted = {name: col for name, col in header.fields.items() if name in _NUMERIC}
    usecols = [header.date_col, *wanted.values()]
    try:
        raw = pd.read_csv(  # type: ignore[call-overload]
            io.StringIO(text), header=None, skiprows=skip, names=list(range(header.width)),
            usecols=usecols, dtype={header.date_col: str, **{c: "float64" for c in wanted.values()}},
            keep_default_na=False, na_values={c: sorted(_MISSING) for c in wanted.values()},
            skip_blank_lines=True, engine="c",
        )
    except (ValueError, pd.errors.ParserError):
        return None
    # every data line must have exactly `width` fields: pandas raises on longer rows but pads
    # shorter ones, so the comma count of the body must be exactly (width - 1) per row
    body_start = 0
    for _ in range(skip):
        body_start = text.index("\n", body_start) + 1
    if text.count(",", body_start) != (header.width - 1) * len(raw):
        return None
    try:
        dates = _fast_dates(raw[header.date_col].to_numpy(dtype=object), sym)
    except _Fallback:
        return None
    values = {name: raw[col].to_numpy(dtype="float64") for name, col in wanted.items()}
    out = _assemble(dates, values)
    if not out.index.is_monotonic_increasing or out.index.has_duplicates:
        return None
    return out


def _fast_dates(raw: np.ndarray, sym: str) -> np.ndarray:
    n = len(raw)
    if n == 0:
        return np.array([], dtype="datetime64[ns]")
    series = pd.Series(raw, dtype=object)
    if (series.str.len() == 10).all():
        day = raw
    else:
        suffixes = set(series.str.slice(10).unique())
        for suf in suffixes:
            m = _DATE_RE.match("2000-01-01" + suf)
            if m is None:
                raise _Fallback
            if m.group("time") not in _MIDNIGHT and m.group("tz"):
                raise _Fallback  # non-midnight stamps with offsets: exact path converts them
        day = series.str.slice(0, 10).to_numpy(dtype=object)
    parsed = pd.to_datetime(pd.Series(day, dtype=object), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        raise _Fallback
    return parsed.to_numpy(dtype="datetime64[ns]")


def _assemble(dates: np.ndarray, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Canonical columns plus ``splits`` from parsed arrays (applies ``Adj Close``)."""
    values = dict(values)
    if "adj_close" in values:
        adj = values.pop("adj_close")
        if "close" in values:
            close = values["close"]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(close != 0, adj / close, np.nan)
            for name in ("open", "high", "low"):
                if name in values:
                    values[name] = values[name] * ratio
        values["close"] = adj
    idx = pd.DatetimeIndex(dates, name=INDEX_NAME)
    n = len(idx)
    return pd.DataFrame(
        {c: np.asarray(values[c], dtype="float64") if c in values else np.full(n, np.nan)
         for c in (*COLUMNS, SPLITS)},
        index=idx,
    )


def _parse_exact(text: str, path: Path, sym: str, *, keep_duplicates: bool = False) -> pd.DataFrame:
    """Row-by-row path with exact line numbers in every error."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        prev_line = 0
        for row in reader:
            line = prev_line + 1  # physical line where this record starts
            prev_line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            rows.append((line, row))
    except csv.Error as exc:
        raise DataFormatError(f"unreadable CSV: {exc}", file=path, line=reader.line_num) from exc

    header = _parse_header(rows, path, sym)
    data = rows[header.data_start:]
    lines = np.fromiter((ln for ln, _ in data), dtype=np.int64, count=len(data))
    for ln, row in data:
        if len(row) != header.width:
            raise DataFormatError(
                f"expected {header.width} fields, got {len(row)}", file=path, line=ln)

    raw_dates = [row[header.date_col].strip() for _, row in data]
    dates = _parse_dates(raw_dates, lines, path, sym)
    values: dict[str, np.ndarray] = {}
    for name in _NUMERIC:
        col = header.fields.get(name)
        if col is None:
            continue
        values[name] = _parse_numbers([row[col].strip() for _, row in data], lines, path, name)

    out = _assemble(dates, values)
    if not out.index.is_monotonic_increasing:
        order = np.argsort(out.index.asi8, kind="stable")  # type: ignore[attr-defined]
        out = out.iloc[order]
        lines = lines[order]
    dup = out.index.duplicated()
    if dup.any() and not keep_duplicates:
        i = int(np.flatnonzero(dup)[0])
        raise DataFormatError(
            f"duplicated date {out.index[i].date()} (first seen on line {int(lines[i - 1])})",
            file=path, line=int(lines[i]))
    return out


def _parse_dates(raw: list[str], lines: np.ndarray, path: Path, symbol: str) -> np.ndarray:
    """Exchange-local midnight datetime64[ns] values of ``raw`` (see module docstring)."""
    n = len(raw)
    if n and all(len(s) == 10 for s in raw):
        parsed = pd.to_datetime(pd.Series(raw, dtype=object), format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna().to_numpy()
        if not bad.any():
            return parsed.to_numpy(dtype="datetime64[ns]")
    day: list[str] = []
    stamps_need_tz = False
    for i, s in enumerate(raw):
        m = _DATE_RE.match(s)
        if m is None:
            raise DataFormatError(f"bad date {s!r} (expected YYYY-MM-DD)", file=path, line=int(lines[i]))
        if m.group("time") not in _MIDNIGHT and m.group("tz"):
            stamps_need_tz = True
        day.append(m.group("date"))
    if stamps_need_tz:
        # timestamps carry an offset but are not at local midnight: convert to the exchange's zone
        ts = pd.to_datetime(pd.Series(raw, dtype=object), utc=True, format="ISO8601", errors="coerce")
        local = pd.DatetimeIndex(ts).tz_convert(exchange_tz(symbol)).tz_localize(None).normalize()
        return local.to_numpy(dtype="datetime64[ns]")
    parsed = pd.to_datetime(pd.Series(day, dtype=object), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"bad date {raw[i]!r} (not a calendar date)", file=path, line=int(lines[i]))
    return parsed.to_numpy(dtype="datetime64[ns]")


def _parse_numbers(raw: list[str], lines: np.ndarray, path: Path, name: str) -> np.ndarray:
    arr = np.array(raw, dtype=object)
    missing = np.fromiter((s in _MISSING for s in raw), dtype=bool, count=len(raw))
    arr[missing] = "nan"
    try:
        return arr.astype("float64")
    except ValueError:
        pass
    out = np.empty(len(raw), dtype="float64")
    for i, s in enumerate(arr):
        try:
            out[i] = float(s)
        except ValueError:
            raise DataFormatError(f"non-numeric {name} {raw[i]!r}", file=path, line=int(lines[i])) from None
    return out


def read_price_csv(path: str | Path, symbol: str | None = None, *,
                   keep_duplicates: bool = False) -> pd.DataFrame:
    """Read one price CSV file (canonical columns plus ``splits``); see :func:`parse_price_csv`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"not a UTF-8 text file ({exc.reason})", file=p) from exc
    return parse_price_csv(text, p, symbol, keep_duplicates=keep_duplicates)


def slice_frame(frame: pd.DataFrame, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
    """Rows of ``frame`` with ``start <= date <= end`` (inclusive; ``None`` = unbounded), a copy."""
    s, e = as_day(start), as_day(end)
    if s is None and e is None:
        return frame.copy()
    idx = frame.index
    lo = 0 if s is None else idx.searchsorted(s, side="left")
    hi = len(idx) if e is None else idx.searchsorted(e, side="right")
    return frame.iloc[lo:hi].copy()


class CsvDirSource:
    """A folder of ``<SYMBOL>.csv`` files (any of the layouts in the module docstring).

    File names are normalized like symbols (``700.HK.csv`` serves ``0700.HK``). Parsed files
    are memoized per (path, size, mtime), so repeated ``get`` calls are cheap.
    """

    name = "csv"

    def __init__(self, path: str | Path) -> None:
        self.path = expand(path)
        if not self.path.is_dir():
            raise DataUnavailableError(f"price folder {shown_path(self.path)} does not exist or is not a folder")
        self._files: dict[str, Path] | None = None
        self._passed: list[tuple[str, str]] = []
        self._memo: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}

    def __repr__(self) -> str:
        return f"CsvDirSource({str(self.path)!r})"

    def _index(self) -> dict[str, Path]:
        if self._files is None:
            files: dict[str, Path] = {}
            passed: list[tuple[str, str]] = []
            for p in sorted(self.path.iterdir()):
                if p.suffix.lower() != ".csv" and p.name.lower() != ".csv":
                    continue
                if p.name.startswith("."):
                    passed.append((p.name, "a hidden file"))
                    continue
                if not p.is_file():
                    passed.append((p.name, "a folder" if p.is_dir() else "not a regular file: a link "
                                   "to nothing, a device or a pipe"))
                    continue
                stem = p.name[:-4]
                try:
                    sym = normalize_symbol(stem)
                except ValueError:
                    sym = ""
                if not sym or not sym.isprintable():
                    # "A<newline>C.csv" would become a symbol that breaks every table it is in
                    passed.append((p.name, "its name is not a symbol"))
                    continue
                if sym in files:
                    raise DataFormatError(
                        f"two files hold {sym}: {files[sym].name} and {p.name}; keep one", file=p)
                files[sym] = p
            self._files = files
            self._passed = passed
        return self._files

    def passed_over(self) -> list[tuple[str, str]]:
        """Return ``(name, why)`` of the ``.csv`` entries of the folder that are not read.

        Hidden files, folders, links to nothing and names that are not a symbol: a listing says
        what it left out rather than importing fewer series without a word.
        """
        self._index()
        return list(self._passed)

    def symbols(self) -> list[str]:
        """Return normalized symbols of the CSV files in the folder (sorted)."""
        return sorted(self._index())

    def file_of(self, symbol: str) -> Path | None:
        """Return the file that holds ``symbol`` (``None`` if the folder has none)."""
        return self._index().get(normalize_symbol(symbol))

    def fingerprint(self, symbol: str) -> str | None:
        """``size:mtime_ns`` of the symbol's file: changes whenever the file is rewritten."""
        p = self.file_of(symbol)
        if p is None:
            return None
        st = p.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def read(self, symbol: str) -> pd.DataFrame:
        """Return the whole file of ``symbol``: canonical columns plus ``splits`` (memoized)."""
        sym = normalize_symbol(symbol)
        p = self.file_of(sym)
        if p is None:
            raise DataUnavailableError(f"no file for {sym} in {self.path}")
        st = os.stat(p)
        key = (st.st_size, st.st_mtime_ns)
        hit = self._memo.get(sym)
        if hit is not None and hit[0] == key:
            return hit[1]
        frame = read_price_csv(p, sym)
        self._memo[sym] = (key, frame)
        return frame

    def last_date(self, symbol: str) -> pd.Timestamp | None:
        """Date of the file's last row, read from its tail (cheap; ``None`` if unparseable)."""
        p = self.file_of(symbol)
        if p is None:
            return None
        with open(p, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            tail = fh.read().decode("utf-8", errors="replace")
        for line in reversed(tail.splitlines()):
            first = line.split(",", 1)[0].strip()
            m = _DATE_RE.match(first)
            if m:
                try:
                    return pd.Timestamp(m.group("date"))
                except ValueError:  # shaped like a date but not one (2004-02-30): the full read says where
                    return None
            if line.strip(" ,\t"):
                return None
        return None

    def read_unchecked(self, symbol: str) -> pd.DataFrame:
        """Like :meth:`read` but duplicated dates are returned, not raised (for quality checks)."""
        p = self.file_of(symbol)
        if p is None:
            raise DataUnavailableError(f"no file for {normalize_symbol(symbol)} in {self.path}")
        return read_price_csv(p, normalize_symbol(symbol), keep_duplicates=True)

    def splits(self, symbol: str) -> pd.Series:
        """Split ratios on their ex-dates (only the non-zero, non-NaN entries)."""
        s = self.read(symbol)[SPLITS]
        return s[s.notna() & (s != 0)]

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Canonical frame of ``symbol`` between ``start`` and ``end`` (inclusive)."""
        return slice_frame(self.read(symbol), start, end).loc[:, list(COLUMNS)]
