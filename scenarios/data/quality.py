"""Quality checks on daily price series (``scenarios data check``).

Each check looks at one canonical frame (plus the exchange calendar and, when the source has
them, split records) and returns :class:`Issue` objects; consecutive flagged rows are merged
into one issue with a first date, last date and count. Checks:

``missing_session``      exchange sessions (calendar of the symbol, see
                         :mod:`scenarios.data.exchange_calendar`) between the first and last row with no row
``ends_early``           the series stops before ``expected_end`` (by default the newest last date
                         among the source's series on the same calendar): the sessions in between
``unexpected_date``      rows on days that are not sessions of that calendar
``duplicate_date``       the same date twice (only raw CSV files can have this)
``missing_close``        close is NaN (error); ``missing_price``: open/high/low NaN (warning)
``non_positive_price``   open/high/low/close <= 0
``stale_flat``           volume 0, open = high = low = close and the close equal to the previous
                         close: nothing traded, the price is carried over (run and backtest use
                         the last valid session before it). The detail says whether it is a
                         half-day session.
``flat_close``           volume 0 and open = high = low = close, but the close moved: a real close
                         (typical of half-day sessions, Dec 24/31, Lunar New Year eve) whose
                         intraday data the source lacks; run and backtest use it and say so.
                         See :mod:`scenarios.data.flatbars`.
``low_volume``           volume below ``low_volume_fraction`` (5%) of the median of the previous
                         ``low_volume_window`` (60) rows with volume, on a full-day session
``close_outside_range``  close above high or below low (even by a rounding hair)
``jump``                 |close / previous close - 1| > ``jump_threshold`` (40%) on a day with no
                         split recorded: an unadjusted split, a bad tick, or a real crash

Severities: ``error`` for rows that make returns wrong or undefined (duplicated dates, missing
or non-positive close), ``warning`` for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CheckConfig:
    """Thresholds of the checks (fractions, not percents)."""

    low_volume_fraction: float = 0.05
    low_volume_window: int = 60
    low_volume_min_periods: int = 20
    jump_threshold: float = 0.40

    def __post_init__(self) -> None:
        if not 0 < self.low_volume_fraction < 1:
            raise ValueError("low_volume_fraction must be in (0, 1)")
        if self.low_volume_window < 2 or not 1 <= self.low_volume_min_periods <= self.low_volume_window:
            raise ValueError("need low_volume_window >= 2 and 1 <= low_volume_min_periods <= window")
        if self.jump_threshold <= 0:
            raise ValueError("jump_threshold must be positive")


@dataclass(frozen=True)
class Issue:
    """One problem (or one run of consecutive rows with the same problem) in one series."""

    symbol: str
    check: str
    severity: Severity
    first: date | None  # None: a problem of the whole series, at no date (unreadable, empty)
    last: date | None
    count: int
    detail: str
    dates: tuple[date, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as a JSON-ready dict (dates as ISO strings)."""
        d = asdict(self)
        d["first"] = self.first.isoformat() if self.first is not None else None
        d["last"] = self.last.isoformat() if self.last is not None else None
        d["dates"] = [x.isoformat() for x in self.dates]
        return d


@dataclass(frozen=True)
class SeriesReport:
    """All issues found in one series."""

    symbol: str
    source: str
    first: date | None
    last: date | None
    rows: int
    calendar: str
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> int:
        """Number of issues of severity ``error``."""
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        """Number of issues of severity ``warning``."""
        return sum(1 for i in self.issues if i.severity == "warning")

    def by_check(self, check: str) -> list[Issue]:
        """Return the issues found by the check called ``check``."""
        return [i for i in self.issues if i.check == check]

    def flagged_dates(self, check: str) -> set[date]:
        """Every date flagged by ``check`` (all runs together)."""
        return {d for i in self.by_check(check) for d in i.dates}

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (dates as ISO strings)."""
        return {
            "symbol": self.symbol, "source": self.source,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "rows": self.rows, "calendar": self.calendar,
            "errors": self.errors, "warnings": self.warnings,
            "issues": [i.to_dict() for i in self.issues],
        }


class _Readable(Protocol):
    name: str

    def get(self, symbol: str, start: Any = None, end: Any = None) -> pd.DataFrame: ...

    def symbols(self) -> list[str]: ...


def _runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """Split sorted integer positions into runs of consecutive values: (start, stop) slices."""
    if len(positions) == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [len(positions)]))
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.6g}"


class _Collector:
    def __init__(self, symbol: str, index: pd.DatetimeIndex) -> None:
        self.symbol = symbol
        self.index = index
        self.issues: list[Issue] = []

    def add_mask(self, check: str, severity: Severity, mask: np.ndarray, detail,
                 group: bool = True) -> None:
        """One issue per run of consecutive rows where ``mask`` holds.

        ``detail(rows)`` gets the positions of a run and returns its text.
        """
        pos = np.flatnonzero(mask)
        runs = _runs(pos) if group else [(i, i + 1) for i in range(len(pos))]
        for a, b in runs:
            rows = pos[a:b]
            dates = tuple(d.date() for d in self.index[rows])
            self.issues.append(Issue(self.symbol, check, severity, dates[0], dates[-1], len(rows),
                                     detail(rows), dates))

    def add_dates(self, check: str, severity: Severity, dates: pd.DatetimeIndex, runs_of: pd.DatetimeIndex,
                  detail) -> None:
        """Issues for ``dates`` grouped by consecutiveness within the reference index ``runs_of``."""
        if len(dates) == 0:
            return
        pos = np.sort(runs_of.get_indexer(dates))
        for a, b in _runs(pos):
            ds = tuple(d.date() for d in runs_of[pos[a:b]])
            self.issues.append(Issue(self.symbol, check, severity, ds[0], ds[-1], len(ds), detail(ds), ds))


@dataclass(frozen=True)
class _Bars:
    """One series' columns as float arrays (prices in the frame's currency), dates sorted and unique."""

    frame: pd.DataFrame
    idx: pd.DatetimeIndex
    o: np.ndarray
    h: np.ndarray
    low: np.ndarray
    c: np.ndarray
    v: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Bars:
        o, h, low, c = (frame[k].to_numpy(dtype="float64") for k in ("open", "high", "low", "close"))
        return cls(frame, pd.DatetimeIndex(frame.index), o, h, low, c,
                   frame["volume"].to_numpy(dtype="float64"))


def check_frame(symbol: str, frame: pd.DataFrame, *, splits: pd.Series | None = None,
                config: CheckConfig | None = None, source: str = "", calendar: bool = True,
                expected_end: pd.Timestamp | None = None) -> SeriesReport:
    """Run every check on one series (``frame`` may have duplicated dates; it is not modified).

    ``splits``: split ratios indexed by ex-date (non-zero entries), used by the jump check.
    ``calendar=False`` skips the calendar-based checks (and the half-day distinction).
    ``expected_end``: the date the series should reach (sessions after its last row up to this
    date are reported as ``ends_early``).
    """
    from scenarios.data.exchange_calendar import calendar_name

    cfg = config or CheckConfig()
    sym = normalize_symbol(symbol)
    cal_name = calendar_name(sym) if calendar else "none"
    out = _Collector(sym, pd.DatetimeIndex(frame.index))
    if len(frame) == 0:  # a header and no rows: nothing a run could use, not "clean"
        empty = Issue(sym, "empty", "error", None, None, 0, "the series has no rows", ())
        return SeriesReport(sym, source, None, None, 0, cal_name, (empty,))
    bars = _Bars.of(_unique_sorted(out, frame))
    out.index = bars.idx
    half_days = _calendar_checks(out, bars.idx, cal_name, expected_end) if calendar else pd.DatetimeIndex([])
    is_half = bars.idx.isin(half_days)
    _price_checks(out, bars)
    flat = _flat_checks(out, bars, is_half)
    _volume_checks(out, bars, cfg, flat, is_half)
    _range_checks(out, bars)
    _jump_checks(out, bars, cfg, splits)
    _spike_checks(out, bars)
    order = {"error": 0, "warning": 1}
    issues = tuple(sorted(out.issues, key=lambda i: (order[i.severity], i.check, i.first)))
    idx = bars.idx
    return SeriesReport(sym, source, idx[0].date(), idx[-1].date(), len(bars.frame), cal_name, issues)


def _unique_sorted(out: _Collector, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with one row per date (the last) in date order; duplicated dates are issues."""
    idx = pd.DatetimeIndex(frame.index)
    dup_mask = idx.duplicated(keep=False)
    if dup_mask.any():
        for d in pd.DatetimeIndex(idx[dup_mask].unique()):
            n = int((idx == d).sum())
            out.issues.append(Issue(out.symbol, "duplicate_date", "error", d.date(), d.date(), n,
                                    f"{n} rows for {d.date()}", (d.date(),)))
        frame = frame[~idx.duplicated(keep="last")]
    if not pd.DatetimeIndex(frame.index).is_monotonic_increasing:
        frame = frame.sort_index(kind="mergesort")
    return frame


def _calendar_checks(out: _Collector, idx: pd.DatetimeIndex, cal_name: str,
                     expected_end: pd.Timestamp | None) -> pd.DatetimeIndex:
    """Missing sessions, rows on non-sessions, an early end; returns the calendar's half days."""
    from scenarios.data.exchange_calendar import calendar_bounds, early_closes, sessions

    sym = out.symbol
    first_cal, last_cal = calendar_bounds(sym)
    lo, hi = max(idx[0], first_cal), min(idx[-1], last_cal)
    sess = sessions(sym, lo, hi)
    if len(sess):
        inside = idx[(idx >= lo) & (idx <= hi)]
        missing = sess.difference(inside)
        out.add_dates("missing_session", "warning", missing, sess,
                      lambda ds: f"no row for {len(ds)} {cal_name} session{'s' if len(ds) > 1 else ''}")
        extra = inside.difference(sess)
        out.add_mask("unexpected_date", "warning", idx.isin(extra),
                     lambda rows: f"not a {cal_name} session", group=False)
    if expected_end is not None and pd.Timestamp(expected_end) > idx[-1]:
        tail = sessions(sym, idx[-1] + pd.Timedelta(days=1), min(pd.Timestamp(expected_end), last_cal))
        if len(tail):
            out.issues.append(Issue(
                sym, "ends_early", "warning", tail[0].date(), tail[-1].date(), len(tail),
                f"ends {idx[-1].date()}, {len(tail)} {cal_name} session(s) before the newest "
                f"{cal_name} series ({pd.Timestamp(expected_end).date()})",
                tuple(d.date() for d in tail)))
    return early_closes(sym)


def _price_checks(out: _Collector, b: _Bars) -> None:
    """Prices present, finite and positive."""
    o, h, low, c = b.o, b.h, b.low, b.c
    out.add_mask("missing_close", "error", np.isnan(c), lambda rows: "close is missing")
    out.add_mask("infinite_price", "error", np.isinf(o) | np.isinf(h) | np.isinf(low) | np.isinf(c),
                 lambda rows: "a price is infinite")
    ohl_missing = np.isnan(o) | np.isnan(h) | np.isnan(low)
    if ohl_missing.any():
        def _which(rows: np.ndarray) -> str:
            names = [n for n, a in (("open", o), ("high", h), ("low", low)) if np.isnan(a[rows]).any()]
            return f"{', '.join(names)} missing"
        out.add_mask("missing_price", "warning", ohl_missing & ~np.isnan(c), _which)
    with np.errstate(invalid="ignore"):
        non_pos = (o <= 0) | (h <= 0) | (low <= 0) | (c <= 0)
    out.add_mask("non_positive_price", "error", non_pos,
                 lambda rows: f"price <= 0 (min {_fmt(float(np.nanmin(np.r_[o[rows], h[rows], low[rows], c[rows]])))})")


def _flat_checks(out: _Collector, b: _Bars, is_half: np.ndarray) -> np.ndarray:
    """Flat volume-0 rows: stale (close repeated) or a real close (it moved); returns the flat mask."""
    flat = (b.v == 0) & (b.o == b.h) & (b.h == b.low) & (b.low == b.c)
    if flat.any():
        from scenarios.data.flatbars import stale_mask

        stale = stale_mask(b.frame)

        def _session(rows: np.ndarray) -> str:
            halfs = int(is_half[rows].sum())
            return ("half-day session" if halfs == len(rows) else
                    "full-day session" if halfs == 0 else f"{halfs} half-day session(s)")

        out.add_mask("stale_flat", "warning", flat & stale,
                     lambda rows: f"volume 0, open = high = low = close = previous close, "
                                  f"{_session(rows)}: price stale (the last valid session is used)",
                     group=True)
        out.add_mask("flat_close", "warning", flat & ~stale,
                     lambda rows: f"volume 0, open = high = low = close but the close moved, "
                                  f"{_session(rows)}: a real close without intraday data (used as is)",
                     group=True)
    return flat


def _volume_checks(out: _Collector, b: _Bars, cfg: CheckConfig, flat: np.ndarray, is_half: np.ndarray) -> None:
    """Volume below a fraction of the trailing median (flat rows and half days excepted)."""
    v = b.v
    vol = pd.Series(np.where(v > 0, v, np.nan), index=b.idx)
    if vol.notna().sum() <= cfg.low_volume_min_periods:
        return
    med = vol.shift(1).rolling(cfg.low_volume_window, min_periods=cfg.low_volume_min_periods).median()
    medv = med.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        low_vol = (v >= 0) & ~flat & ~is_half & (medv > 0) & (v < cfg.low_volume_fraction * medv)
    out.add_mask(
        "low_volume", "warning", low_vol,
        lambda rows: f"volume {_fmt(v[rows[0]])} = {100 * v[rows[0]] / medv[rows[0]]:.1f}% of the "
                     f"trailing {cfg.low_volume_window}-row median {_fmt(medv[rows[0]])}",
        group=False)


def _range_checks(out: _Collector, b: _Bars) -> None:
    """Check that the close lies inside [low, high]."""
    c, h, low = b.c, b.h, b.low
    with np.errstate(invalid="ignore"):
        above, below = c > h, c < low

    def _outside(side: str, excess: np.ndarray, ref: np.ndarray):
        def detail(rows: np.ndarray) -> str:
            rel = float(np.max(excess[rows] / np.abs(ref[rows])))
            note = " (float32 rounding in the source)" if rel < 1e-6 else ""
            return (f"close {side} by up to {_fmt(float(np.max(excess[rows])))} "
                    f"(relative {rel:.2g}){note}")
        return detail

    out.add_mask("close_outside_range", "warning", above, _outside("above high", c - h, h))
    out.add_mask("close_outside_range", "warning", below, _outside("below low", low - c, low))


def _jump_checks(out: _Collector, b: _Bars, cfg: CheckConfig, splits: pd.Series | None) -> None:
    """Close-to-close moves over ``cfg.jump_threshold`` on a day with no split recorded."""
    c, idx = b.c, b.idx
    prev = pd.Series(c, index=idx).ffill().shift(1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = c / prev - 1.0
    split_days = pd.DatetimeIndex(splits.index) if splits is not None and len(splits) else pd.DatetimeIndex([])
    jump = (np.abs(ret) > cfg.jump_threshold) & ~idx.isin(split_days) & (prev > 0)
    out.add_mask("jump", "warning", jump,
                 lambda rows: f"close {_fmt(prev[rows[0]])} -> {_fmt(c[rows[0]])} "
                              f"({100 * ret[rows[0]]:+.1f}%) with no split recorded", group=False)


def _spike_checks(out: _Collector, b: _Bars) -> None:
    """One-day spikes that revert (left out of volatility estimates by run/backtest)."""
    from scenarios.data.screen import SPIKE_FACTOR, spike_dates

    c, idx = b.c, b.idx
    spikes = spike_dates(pd.Series(c, index=idx))
    if not len(spikes):
        return
    pos = {d: i for i, d in enumerate(idx)}

    def _spike(rows: np.ndarray) -> str:
        i = int(rows[0])
        before = c[:i][np.isfinite(c[:i]) & (c[:i] > 0)]
        after = c[i + 1:][np.isfinite(c[i + 1:]) & (c[i + 1:] > 0)]
        return (f"close {_fmt(c[i])} between {_fmt(before[-1]) if len(before) else '?'} and "
                f"{_fmt(after[0]) if len(after) else '?'}: a one-day spike (over {SPIKE_FACTOR:g}x "
                "both neighbours) that reverts; runs leave it out of volatility estimates")
    out.add_mask("spike", "warning", np.isin(np.arange(len(idx)), [pos[d] for d in spikes]),
                 _spike, group=False)


def _unreadable(symbol: str, exc: Exception, source: str) -> SeriesReport:
    issue = Issue(normalize_symbol(symbol), "unreadable", "error", None, None, 0, str(exc), ())
    return SeriesReport(normalize_symbol(symbol), source, None, None, 0, "none", (issue,))


def check_source(source: _Readable, symbols: Sequence[str] | None = None, *,
                 config: CheckConfig | None = None, calendar: bool = True) -> list[SeriesReport]:
    """Check ``symbols`` (default: every symbol the source has offline) from ``source``.

    A series that cannot be read (malformed file, unknown symbol) becomes a report with one
    ``unreadable`` error instead of stopping the whole check.
    """
    syms = [normalize_symbol(s) for s in symbols] if symbols else list(source.symbols())
    prefetch = getattr(source, "prefetch", None)
    if callable(prefetch):  # the resolver loads/caches everything in one go
        prefetch(syms)
    ends = peer_ends(source) if calendar else {}
    reports: list[SeriesReport] = []
    for sym in syms:
        try:
            reader = getattr(source, "read_unchecked", None)
            splits: pd.Series | None = None
            if reader is not None:  # raw file: duplicated dates are reported, not raised
                frame = reader(sym)
                if "splits" in frame.columns:
                    s = frame["splits"]
                    splits = s[s.notna() & (s != 0)]
            else:
                frame = source.get(sym)
                splits_of = getattr(source, "splits", None)
                splits = splits_of(sym) if splits_of is not None else None
            origin = getattr(source, "source_of", None)
            name = (origin(sym) if origin is not None else None) or source.name
        except DataError as exc:
            reports.append(_unreadable(sym, exc, source.name))
            continue
        from scenarios.data.exchange_calendar import calendar_name

        reports.append(check_frame(sym, frame, splits=splits, config=config, source=name,
                                   calendar=calendar, expected_end=ends.get(calendar_name(sym))))
    return reports


def peer_ends(source: _Readable) -> dict[str, pd.Timestamp]:
    """Newest last date per calendar among the source's offline series (cheap: no full reads).

    Sources without a ``last_date(symbol)`` method give ``{}`` (no ``ends_early`` check).
    """
    from scenarios.data.exchange_calendar import calendar_name

    last_date = getattr(source, "last_date", None)
    if last_date is None:
        return {}
    ends: dict[str, pd.Timestamp] = {}
    for sym in source.symbols():
        try:
            d = last_date(sym)
        except DataError:
            continue
        if d is not None:
            cal = calendar_name(sym)
            ends[cal] = max(ends.get(cal, d), d)
    return ends
