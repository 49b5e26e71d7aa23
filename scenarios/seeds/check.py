"""Check the articles' price-verifiable claims against price data.

``check_claims(claims, source=None)`` returns one :class:`ClaimCheck` per claim with the
verdict ``confirmed``, ``approximately``, ``contradicted`` or ``not verifiable`` (with the
reason). The rules below are the contract; ``docs/claims.md`` repeats them for users.

Measurement (all on daily closes unless the claim sets ``field: high|low``)
--------------------------------------------------------------------------
* Window ``[start, end]`` lists the sessions the claim covers, both inclusive.
* ``price_return``: from the last close *before* ``start`` to the last ``field`` value on or
  before ``end``. "In 2025" (2025-01-01..2025-12-31) is last close of 2024 -> last close of
  2025. ``excess_return`` is the first symbol's return minus the second's.
* ``drawdown``: largest peak-to-trough fall of the closes inside the window, as a positive
  fraction. ``max_gain``: highest ``field`` value in the window over the last close before it.
  ``rebound``: last ``field`` value over the lowest close in the window.
* ``daily_move``: ``field(t) / close(t-1) - 1`` (close-to-close by default); a one-day window
  must be a session; a longer window takes ``stat: min`` (worst day) or ``max`` (best day).
* ``index_level`` / ``price_level``: ``stat: last`` (value on the last session on or before
  ``end``; a one-day window must be a session), ``max`` or ``min`` of ``field`` in the window.
* ``new_high`` / ``new_low``: the ``field`` value on ``end`` beats every value from ``start``
  to the session before. ``listing``: the series starts inside the window.
  ``price_above``: on some session in the window the first symbol's close exceeds the
  second's. ``turnover``: sum of ``volume * close`` over the window.

Return basis: index levels are price levels (price returns). Stock closes in the snapshot
are adjusted for dividends (total returns). For stock claims with ``basis: price`` (the
default: articles quote share-price moves) dividends are removed again with the ``dividends``
column (:func:`scenarios.seeds.measure.dividend_factors`); a stock file with no dividend
record is used as is and the result says so ("total return (adjusted closes...)").

Coverage: a claim is ``not verifiable`` when a symbol is missing, when the data start after
the window start (returns need a close in the 14 days before ``start``), when they end more
than 3 days before ``end``, when a one-day claim falls on a day without a session, or when
the currency of the prices differs from the claim's unit.

Verdicts (``tol_c`` / ``tol_a`` = confirmed / approximately tolerance)
-----------------------------------------------------------------------
Fractions (returns, moves) compare in absolute terms (0.01 = 1 percentage point); every
other unit compares relative to the stated value (0.01 = 1% of it).

* ``about X``: confirmed if ``|data - X| <= tol_c``; approximately if ``<= tol_a``.
* ``over X``: confirmed if ``data > X``; approximately if it falls short by at most ``tol_a``.
* ``under X``: confirmed if ``data < X``; approximately if it exceeds by at most ``tol_a``.
* ``between [L, H]``: confirmed inside (inclusive); approximately within ``tol_a`` outside.
* ``is true|false``: confirmed when the data agree, else contradicted.
* anything else: contradicted. The gap (data minus the nearest stated bound) is reported.

Defaults per kind (:data:`DEFAULT_TOLERANCE`): returns, gains, drawdowns 1 / 3 points;
daily moves 0.5 / 1.5 points; levels 1% / 3%; turnover 5% / 15%. A claim may override
them with ``tolerance: {confirmed, approximately}`` (e.g. 0/0 for "it fell").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from scenarios.data.symbols import INDEX_SYMBOLS, currency_of, is_index
from scenarios.errors import DataError, DataUnavailableError
from scenarios.seeds import measure
from scenarios.seeds.claims import BOOL_KINDS, PRICE_KINDS, Claim

#: (confirmed, approximately) tolerance per kind; see the module docstring.
DEFAULT_TOLERANCE: dict[str, tuple[float, float]] = {
    "price_return": (0.01, 0.03),
    "excess_return": (0.01, 0.03),
    "drawdown": (0.01, 0.03),
    "max_gain": (0.01, 0.03),
    "rebound": (0.01, 0.03),
    "daily_move": (0.005, 0.015),
    "index_level": (0.01, 0.03),
    "price_level": (0.01, 0.03),
    "turnover": (0.05, 0.15),
}

VERDICTS = ("confirmed", "approximately", "contradicted", "not verifiable")

_BASE_GAP_DAYS = 14   # a return's base close may sit this many days before the window
_START_SLACK_DAYS = 10  # first session may come this long after the window start (holidays)
_END_SLACK_DAYS = 3   # last session may come this long before the window end (weekends)
_UNIT_SCALE = {"HKD_bn": 1e9, "USD_bn": 1e9, "RMB_bn": 1e9}
_UNIT_CURRENCY = {"HKD": "HKD", "HKD_bn": "HKD", "USD": "USD", "USD_bn": "USD",
                  "CNY": "CNY", "RMB": "CNY", "RMB_bn": "CNY"}


class Unverifiable(Exception):
    """Raised inside a measurement when the data cannot decide the claim."""


@dataclass(frozen=True)
class ClaimCheck:
    """Outcome of checking one claim.

    ``observed`` is in the claim's unit (fraction, points, HKD...) or a bool; ``gap`` is
    ``observed`` minus the nearest stated bound in that unit (None when not applicable);
    ``basis`` says which prices were used (price vs total return, index level...).
    """

    claim: Claim
    verdict: str
    said: str
    data: str
    observed: float | bool | None = None
    gap: float | None = None
    reason: str | None = None
    basis: str | None = None
    dates: dict[str, str] = field(default_factory=dict)

    @property
    def verdict_text(self) -> str:
        """Verdict with its gap or reason: ``approximately (-0.4 pt)``."""
        if self.verdict == "not verifiable":
            return f"not verifiable: {self.reason}"
        if self.verdict in ("approximately", "contradicted") and self.gap is not None:
            return f"{self.verdict} ({format_gap(self.claim, self.gap)})"
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary."""
        c = self.claim
        return {
            "id": c.id, "article": c.article, "kind": c.kind, "symbols": list(c.symbols),
            "window": ({"start": c.window.start.isoformat(), "end": c.window.end.isoformat()}
                       if c.window else None),
            "comparator": c.comparator, "value": c.value, "unit": c.unit,
            "said": self.said, "data": self.data, "observed": self.observed, "gap": self.gap,
            "verdict": self.verdict, "reason": self.reason, "basis": self.basis,
            "dates": dict(self.dates), "paraphrase": c.paraphrase,
        }


# ---------------------------------------------------------------- formatting


def _fmt_value(v: float, unit: str, *, signed: bool = False) -> str:
    if unit == "fraction":
        if v == 0:
            return "0%"
        return f"{v * 100:+.2f}%" if signed else f"{v * 100:.4g}%"
    if unit == "bool":
        return "yes" if v else "no"
    text = f"{v:,.2f}" if abs(v) < 1e5 else f"{v:,.0f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text} {unit}"


def describe_claim(c: Claim) -> str:
    """Return what the article said, compactly: ``about +27.7%`` / ``between 533 and 548 HKD``."""
    v = c.value
    if c.comparator == "is":
        return "yes" if v else "no"
    if c.comparator == "between":
        if c.unit == "fraction":
            return f"between {v[0] * 100:.4g}% and {v[1] * 100:.4g}%"
        return f"between {_fmt_value(v[0], c.unit).split()[0]} and {_fmt_value(v[1], c.unit)}"
    signed = c.unit == "fraction" and c.kind != "drawdown"
    text = _fmt_value(v, c.unit, signed=signed)
    if signed:
        text = text.replace(".00%", "%")
        if "." in text:
            text = text.rstrip("%").rstrip("0").rstrip(".") + "%"
    return f"{c.comparator} {text}"


def format_gap(c: Claim, gap: float) -> str:
    """``-1.4 pt`` for fractions, ``+2.3%`` (relative) for other units."""
    if c.unit == "fraction":
        return f"{gap * 100:+.1f} pt"
    ref = _reference(c)
    if ref:
        return f"{gap / abs(ref) * 100:+.1f}%"
    return f"{gap:+g} {c.unit}"


def _reference(c: Claim) -> float:
    v = c.value
    if isinstance(v, list):
        return float(max(abs(v[0]), abs(v[1])))
    return float(v) if not isinstance(v, bool) else 0.0


# ---------------------------------------------------------------- verdicts


def tolerance_of(c: Claim) -> tuple[float, float]:
    """Return the (confirmed, approximately) tolerance for ``c``: its override or the kind default."""
    if c.tolerance is not None:
        return c.tolerance.confirmed, c.tolerance.approximately
    return DEFAULT_TOLERANCE.get(c.kind, (0.01, 0.03))


def judge(comparator: str, value: Any, observed: float | bool, *, tol_confirmed: float,
          tol_approx: float, relative: bool) -> tuple[str, float | None]:
    """Verdict and gap for one comparison (see the module docstring).

    ``relative`` scales the tolerances by the magnitude of the stated bound. The gap is
    ``observed`` minus the nearest stated bound (0 inside a ``between`` range).
    """
    if comparator == "is":
        return ("confirmed" if bool(observed) == bool(value) else "contradicted"), None
    obs = float(observed)

    def band(ref: float, tol: float) -> float:
        return tol * abs(ref) if relative else tol

    if comparator == "about":
        gap = obs - float(value)
        if abs(gap) <= band(value, tol_confirmed) + 1e-12:
            return "confirmed", gap
        if abs(gap) <= band(value, tol_approx) + 1e-12:
            return "approximately", gap
        return "contradicted", gap
    if comparator == "over":
        gap = obs - float(value)
        if gap > 0:
            return "confirmed", gap
        return ("approximately" if -gap <= band(value, tol_approx) + 1e-12 and tol_approx > 0
                else "contradicted"), gap
    if comparator == "under":
        gap = obs - float(value)
        if gap < 0:
            return "confirmed", gap
        return ("approximately" if gap <= band(value, tol_approx) + 1e-12 and tol_approx > 0
                else "contradicted"), gap
    if comparator == "between":
        lo, hi = float(value[0]), float(value[1])
        if lo <= obs <= hi:
            return "confirmed", 0.0
        gap = obs - lo if obs < lo else obs - hi
        ref = lo if obs < lo else hi
        return ("approximately" if abs(gap) <= band(ref, tol_approx) + 1e-12 else "contradicted"), gap
    raise ValueError(f"unknown comparator {comparator!r}")


# ---------------------------------------------------------------- data access


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _d(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()


class _Prices:
    """Per-run cache of frames and of the derived price series."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.frames: dict[str, pd.DataFrame | None] = {}
        self.missing: dict[str, str] = {}

    def prefetch(self, symbols: Iterable[str]) -> None:
        """Read many symbols at once (one store query through the source's ``prefetch``, when it has one).

        A symbol it cannot read is left to :meth:`frame`, which says why.
        """
        batch = getattr(self.source, "prefetch", None)
        wanted = [s for s in dict.fromkeys(symbols) if s not in self.frames]
        if callable(batch) and wanted:
            try:
                batch(wanted)
            except DataError:
                pass

    def frame(self, symbol: str) -> pd.DataFrame:
        if symbol not in self.frames:
            from scenarios.data import get_prices

            try:
                self.frames[symbol] = get_prices(symbol, source=self.source)
            except DataUnavailableError:
                self.frames[symbol] = None
        frame = self.frames[symbol]
        if frame is None or frame.empty:
            raise Unverifiable(f"no data for {symbol} in the price source")
        return frame

    def series(self, symbol: str, column: str, basis: str) -> tuple[pd.Series, str]:
        """Return valid (non-NaN) values of ``column`` and a description of the basis."""
        frame = self.frame(symbol)
        if column not in frame.columns:
            raise Unverifiable(f"no {column} column for {symbol}")
        raw = frame[column].astype(float)
        if is_index(symbol):
            desc = "index level (price return)"
            out = raw
        elif basis == "total":
            desc = "adjusted closes (total return)"
            out = raw
        else:
            divs = frame["dividends"] if "dividends" in frame.columns else None
            if divs is None or divs.isna().all():
                desc = "adjusted closes (total return; the file has no dividend record)"
                out = raw
            else:
                factors = measure.dividend_factors(frame["close"], divs)
                out = raw / factors
                desc = "traded prices (price return; dividends removed with the dividends column)"
        valid = out.dropna()
        if valid.empty:
            raise Unverifiable(f"no {column} data for {symbol}")
        return valid, desc


def _what(column: str, symbol: str) -> str:
    """Return ``data for 0700.HK`` or ``high data for ^HSI``."""
    return f"data for {symbol}" if column == "close" else f"{column} data for {symbol}"


def _need_base(s: pd.Series, symbol: str, column: str, start: pd.Timestamp) -> tuple[pd.Timestamp, float]:
    base = measure.last_before(s, start)
    if base is None:
        raise Unverifiable(f"no {_what(column, symbol)} before {_d(start)}")
    if (start - base[0]).days > _BASE_GAP_DAYS:
        raise Unverifiable(f"no {column} for {symbol} in the {_BASE_GAP_DAYS} days before {_d(start)} "
                           f"(last {_d(base[0])})")
    return base


def _need_start(s: pd.Series, symbol: str, column: str, start: pd.Timestamp) -> None:
    first = s.index[0]
    if (first - start).days > _START_SLACK_DAYS:
        raise Unverifiable(f"no {_what(column, symbol)} before {_d(first)} "
                           f"(window starts {_d(start)})")


def _need_end(s: pd.Series, symbol: str, column: str, end: pd.Timestamp) -> None:
    last = s.index[-1]
    if last < end and (end - last).days > _END_SLACK_DAYS:
        raise Unverifiable(f"no {_what(column, symbol)} after {_d(last)} "
                           f"(window ends {_d(end)})")


def _need_session(s: pd.Series, symbol: str, column: str, day: pd.Timestamp) -> float:
    if day not in s.index:
        _need_end(s, symbol, column, day)
        if s.index[0] > day:
            raise Unverifiable(f"no {_what(column, symbol)} before {_d(s.index[0])}")
        raise Unverifiable(f"no {column} for {symbol} on {_d(day)} (no session that day in the data)")
    return float(s.loc[day])


def _need_end_value(s: pd.Series, symbol: str, column: str, start: pd.Timestamp,
                    end: pd.Timestamp) -> tuple[pd.Timestamp, float]:
    _need_end(s, symbol, column, end)
    point = measure.last_on_or_before(s, end)
    if point is None or point[0] < start:
        raise Unverifiable(f"no {column} for {symbol} between {_d(start)} and {_d(end)}")
    return point


def _fmt_px(v: float) -> str:
    return f"{v:,.2f}"


# ---------------------------------------------------------------- per-kind measurements


@dataclass
class _Measured:
    observed: float | bool
    data: str
    basis: str | None
    dates: dict[str, str]


def _return(px: _Prices, c: Claim, symbol: str) -> _Measured:
    assert c.window is not None
    start, end = _ts(c.window.start), _ts(c.window.end)
    close, basis = px.series(symbol, "close", c.basis)
    base_d, base_v = _need_base(close, symbol, "close", start)
    s = close if c.field == "close" else px.series(symbol, c.field, c.basis)[0]
    end_d, end_v = _need_end_value(s, symbol, c.field, start, end)
    r = end_v / base_v - 1.0
    label = "" if c.field == "close" else f" ({c.field})"
    text = f"{r * 100:+.2f}% ({_d(base_d)} {_fmt_px(base_v)} -> {_d(end_d)} {_fmt_px(end_v)}{label})"
    return _Measured(r, text, basis, {"base": _d(base_d), "end": _d(end_d)})


def _m_price_return(px: _Prices, c: Claim) -> _Measured:
    return _return(px, c, c.symbols[0])


def _m_excess_return(px: _Prices, c: Claim) -> _Measured:
    a, b = (_return(px, c, s) for s in c.symbols)
    diff = float(a.observed) - float(b.observed)
    text = (f"{diff * 100:+.2f} pt ({c.symbols[0]} {float(a.observed) * 100:+.2f}% vs "
            f"{c.symbols[1]} {float(b.observed) * 100:+.2f}%)")
    basis = a.basis if a.basis == b.basis else f"{c.symbols[0]}: {a.basis}; {c.symbols[1]}: {b.basis}"
    return _Measured(diff, text, basis, a.dates)


def _in_window(px: _Prices, c: Claim, symbol: str, column: str) -> tuple[pd.Series, str]:
    assert c.window is not None
    start, end = _ts(c.window.start), _ts(c.window.end)
    s, basis = px.series(symbol, column, c.basis)
    _need_start(s, symbol, column, start)
    _need_end(s, symbol, column, end)
    w = measure.window(s, start, end)
    if w.empty:
        raise Unverifiable(f"no {column} for {symbol} between {_d(start)} and {_d(end)}")
    return w, basis


def _m_drawdown(px: _Prices, c: Claim) -> _Measured:
    sym = c.symbols[0]
    w, basis = _in_window(px, c, sym, "close")
    dd, peak, trough = measure.max_drawdown(w)
    text = (f"{dd * 100:.2f}% ({_d(peak)} {_fmt_px(float(w.loc[peak]))} -> "
            f"{_d(trough)} {_fmt_px(float(w.loc[trough]))})")
    return _Measured(dd, text, basis, {"peak": _d(peak), "trough": _d(trough)})


def _m_max_gain(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    close, basis = px.series(sym, "close", c.basis)
    base_d, base_v = _need_base(close, sym, "close", _ts(c.window.start))
    w, _ = _in_window(px, c, sym, c.field)
    top = w.idxmax()
    g = float(w.loc[top]) / base_v - 1.0  # type: ignore[call-overload]
    text = f"{g * 100:+.2f}% at best ({_d(base_d)} {_fmt_px(base_v)} -> {_d(top)} {_fmt_px(float(w.loc[top]))})"  # type: ignore[arg-type, call-overload]
    return _Measured(g, text, basis, {"base": _d(base_d), "peak": _d(top)})  # type: ignore[arg-type]


def _m_rebound(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    w, basis = _in_window(px, c, sym, "close")
    low = w.idxmin()
    s = w if c.field == "close" else _in_window(px, c, sym, c.field)[0]
    end_d, end_v = s.index[-1], float(s.iat[-1])  # type: ignore[arg-type]
    r = end_v / float(w.loc[low]) - 1.0  # type: ignore[call-overload]
    text = f"{r * 100:+.2f}% from the low ({_d(low)} {_fmt_px(float(w.loc[low]))} -> {_d(end_d)} {_fmt_px(end_v)})"  # type: ignore[arg-type, call-overload]
    return _Measured(r, text, basis, {"low": _d(low), "end": _d(end_d)})  # type: ignore[arg-type]


def _m_daily_move(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    start, end = _ts(c.window.start), _ts(c.window.end)
    close, basis = px.series(sym, "close", c.basis)
    top = close if c.field == "close" else px.series(sym, c.field, c.basis)[0]
    _need_base(close, sym, "close", start)
    if start == end:
        _need_session(top, sym, c.field, start)
    else:
        _need_end(top, sym, c.field, end)
    moves = measure.window(measure.daily_moves(top, close), start, end).dropna()
    if moves.empty:
        raise Unverifiable(f"no {sym} session between {_d(start)} and {_d(end)}")
    day = moves.idxmin() if c.stat == "min" else moves.idxmax() if c.stat == "max" else moves.index[-1]
    m = float(moves.loc[day])  # type: ignore[index]
    how = "" if c.field == "close" else f" (previous close to {c.field})"
    which = {"min": "worst day ", "max": "best day "}.get(c.stat or "", "")
    return _Measured(m, f"{m * 100:+.2f}% {which}on {_d(day)}{how}", basis, {"day": _d(day)})  # type: ignore[arg-type]


def _check_currency(c: Claim, symbol: str) -> None:
    want = _UNIT_CURRENCY.get(c.unit)
    if want is not None and not is_index(symbol):
        have = currency_of(symbol)
        if have != want:
            raise Unverifiable(f"{symbol} is priced in {have}, the claim is in {c.unit}")


def _m_level(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    _check_currency(c, sym)
    start, end = _ts(c.window.start), _ts(c.window.end)
    s, basis = px.series(sym, c.field, c.basis)
    if not is_index(sym):
        basis = basis.replace("(price return; ", "(").replace("(total return; ", "(")
    stat = c.stat or "last"
    if stat == "last":
        if start == end:
            v = _need_session(s, sym, c.field, start)
            day = start
        else:
            day, v = _need_end_value(s, sym, c.field, start, end)
    else:
        w, _ = _in_window(px, c, sym, c.field)
        day = w.idxmax() if stat == "max" else w.idxmin()  # type: ignore[assignment]
        v = float(w.loc[day])
    label = {"last": "", "max": "highest ", "min": "lowest "}[stat]
    return _Measured(v, f"{label}{c.field} {_fmt_px(v)} on {_d(day)}", basis, {"day": _d(day)})


def _m_extreme(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    start, end = _ts(c.window.start), _ts(c.window.end)
    s, basis = px.series(sym, c.field, c.basis)
    _need_start(s, sym, c.field, start)
    v = _need_session(s, sym, c.field, end)
    prior = s.loc[(s.index >= start) & (s.index < end)]
    if prior.empty:
        raise Unverifiable(f"no {c.field} for {sym} before {_d(end)} in the window")
    if c.kind == "new_high":
        ref_d = prior.idxmax()
        ok = v > float(prior.loc[ref_d])  # type: ignore[call-overload]
        word = "max"
    else:
        ref_d = prior.idxmin()
        ok = v < float(prior.loc[ref_d])  # type: ignore[call-overload]
        word = "min"
    text = (f"{c.field} {_fmt_px(v)} on {_d(end)} vs previous {word} {_fmt_px(float(prior.loc[ref_d]))} "  # type: ignore[call-overload]
            f"on {_d(ref_d)} (since {_d(prior.index[0])})")  # type: ignore[arg-type]
    return _Measured(ok, text, basis, {"day": _d(end), "previous": _d(ref_d)})  # type: ignore[arg-type]


def _m_listing(px: _Prices, c: Claim) -> _Measured:
    assert c.window is not None
    sym = c.symbols[0]
    frame = px.frame(sym)
    first = frame["close"].dropna().index[0]
    ok = _ts(c.window.start) <= first <= _ts(c.window.end)
    return _Measured(ok, f"first session in the data {_d(first)}", "first date of the price series",
                     {"first": _d(first)})


def _m_price_above(px: _Prices, c: Claim) -> _Measured:
    a, b = c.symbols
    wa, basis = _in_window(px, c, a, "close")
    wb, _ = _in_window(px, c, b, "close")
    both = pd.concat([wa, wb], axis=1, join="inner").dropna()
    if both.empty:
        raise Unverifiable(f"no common sessions for {a} and {b} in the window")
    above = both.iloc[:, 0] > both.iloc[:, 1]
    if above.any():
        day = above.idxmax()
        return _Measured(True, f"{a} {_fmt_px(float(both.loc[day].iat[0]))} > {b} "  # type: ignore[call-overload]
                         f"{_fmt_px(float(both.loc[day].iat[1]))} first on {_d(day)}", basis, {"day": _d(day)})  # type: ignore[arg-type, call-overload]
    return _Measured(False, f"{a} stayed below {b} on all {len(both)} common sessions", basis, {})


def _m_turnover(px: _Prices, c: Claim) -> _Measured:
    sym = c.symbols[0]
    _check_currency(c, sym)
    w, basis = _in_window(px, c, sym, "close")
    vol, _ = _in_window(px, c, sym, "volume")
    value = float((w * vol.reindex(w.index)).sum()) / _UNIT_SCALE.get(c.unit, 1.0)
    return _Measured(value, f"{value:,.1f} {c.unit} over {len(w)} sessions (volume x close)",
                     basis, {"first": _d(w.index[0]), "last": _d(w.index[-1])})


_MEASURES = {
    "price_return": _m_price_return,
    "excess_return": _m_excess_return,
    "drawdown": _m_drawdown,
    "max_gain": _m_max_gain,
    "rebound": _m_rebound,
    "daily_move": _m_daily_move,
    "index_level": _m_level,
    "price_level": _m_level,
    "new_high": _m_extreme,
    "new_low": _m_extreme,
    "listing": _m_listing,
    "price_above": _m_price_above,
    "turnover": _m_turnover,
}
assert set(_MEASURES) == set(PRICE_KINDS)


# ---------------------------------------------------------------- entry points


def check_claim(claim: Claim, source: Any = None, *, _prices: _Prices | None = None) -> ClaimCheck:
    """Check one claim against ``source`` (default :func:`scenarios.data.default_source`)."""
    said = describe_claim(claim)
    if claim.kind not in PRICE_KINDS:
        return ClaimCheck(claim, "not verifiable", said, "-",
                          reason=f"a {claim.kind} claim needs data other than prices")
    px = _prices if _prices is not None else _Prices(source if source is not None else _source())
    try:
        m = _MEASURES[claim.kind](px, claim)
    except Unverifiable as exc:
        return ClaimCheck(claim, "not verifiable", said, "-", reason=str(exc))
    tol_c, tol_a = tolerance_of(claim)
    relative = claim.unit != "fraction" and claim.kind not in BOOL_KINDS
    if isinstance(m.observed, float) and not math.isfinite(m.observed):
        return ClaimCheck(claim, "not verifiable", said, m.data, reason="the data give no finite value")
    verdict, gap = judge(claim.comparator, claim.value, m.observed, tol_confirmed=tol_c,
                         tol_approx=tol_a, relative=relative)
    return ClaimCheck(claim, verdict, said, m.data, observed=m.observed, gap=gap,
                      basis=m.basis, dates=m.dates)


def check_claims(claims: Iterable[Claim], source: Any = None, *,
                 include_all: bool = False) -> list[ClaimCheck]:
    """Check every price-verifiable claim.

    ``include_all``: every claim, the others marked not verifiable with their reason. Claims are
    checked in input order, sharing one data cache.
    """
    px = _Prices(source if source is not None else _source())
    claims = list(claims)
    px.prefetch(s for c in claims if c.kind in PRICE_KINDS for s in c.symbols)
    out: list[ClaimCheck] = []
    for claim in claims:
        if not include_all and claim.kind not in PRICE_KINDS:
            continue
        out.append(check_claim(claim, _prices=px))
    return out


def verdict_counts(results: Iterable[ClaimCheck]) -> dict[str, int]:
    """Return number of results per verdict, in :data:`VERDICTS` order."""
    counts = {v: 0 for v in VERDICTS}
    for r in results:
        counts[r.verdict] += 1
    return counts


def _source() -> Any:
    from scenarios.data import default_source

    return default_source()


__all__ = ["DEFAULT_TOLERANCE", "INDEX_SYMBOLS", "VERDICTS", "ClaimCheck", "check_claim",
           "check_claims", "describe_claim", "format_gap", "judge", "tolerance_of", "verdict_counts"]

