"""Yahoo Finance through ``yfinance`` (:class:`YahooSource`).

``yfinance`` does not raise when it is offline or the symbol is unknown: ``Ticker.history``
and ``yf.download`` log the problem and return an EMPTY frame. :class:`YahooSource` treats an
empty answer as :class:`~scenarios.errors.DataUnavailableError` naming the symbol, the date
range and the offline alternatives. Rate limits (``YFRateLimitError``, which yfinance does
raise) are retried with exponential back-off.

Requests use ``auto_adjust=True`` (yfinance's default): ``Close`` is the dividend- and
split-adjusted close, as the canonical frame wants; ``actions=True`` brings the ``Dividends``
and ``Stock Splits`` columns. ``end`` is inclusive here (yfinance's is exclusive).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from scenarios.data.base import DateLike
from scenarios.data.frame import COLUMNS, INDEX_NAME
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataFormatError, DataUnavailableError, YahooUnreachableError

#: yfinance column name -> canonical name (``splits`` rides along as an extra column).
_YF_COLUMNS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume",
               "Dividends": "dividends", "Stock Splits": "splits"}

_T = TypeVar("_T")

OFFLINE_ALTERNATIVES = (
    "Offline alternatives: set SCENARIOS_PRICES to a folder of one-CSV-per-symbol price files, "
    "or load such a folder once with `scenarios data import DIR`."
)


#: The host yfinance asks for prices and statements (``yfinance.const._BASE_URL_``).
YAHOO_HOST = "query2.finance.yahoo.com"


def probe_applies() -> bool:
    """Return True when :func:`check_resolvable` should run before yfinance is imported.

    It does not when ``yfinance`` is imported already (the import it saves is paid, and a caller
    may have configured yfinance, e.g. with a proxy) or when any proxy is configured: a
    ``*_proxy`` variable in any letter case, or the system's proxy settings on macOS and Windows
    (:func:`urllib.request.getproxies`, which yfinance's ``requests`` fallback uses too). A proxy,
    not this machine, then resolves the host name.
    """
    if "yfinance" in sys.modules:
        return False
    import urllib.request

    return not urllib.request.getproxies()


def check_resolvable(host: str = YAHOO_HOST, timeout: float = 20.0) -> None:
    """Raise ``ConnectionError`` when this machine cannot resolve ``host`` within ``timeout`` seconds.

    A machine without a network answers in milliseconds, where importing yfinance alone takes
    about 0.4 s (and is what a run would otherwise pay, every run, to learn that it is offline).
    The messages use curl's words, so :func:`call_yahoo` names the error
    :class:`~scenarios.errors.YahooUnreachableError` exactly as when yfinance fails on its own.
    The lookup runs on a daemon thread: :func:`socket.getaddrinfo` has no timeout of its own.
    """
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            failure.append(exc)

    worker = threading.Thread(target=lookup, name="scenarios-yahoo-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ConnectionError(f"Could not resolve host {host}: the lookup timed out after {timeout:g} s")
    if failure and isinstance(failure[0], socket.gaierror):
        raise ConnectionError(f"Could not resolve host {host} ({failure[0]})")


#: What yfinance logs or prints when the network, not the symbol, is the problem.
_NETWORK_PATTERN = re.compile(
    r"could not resolve host|curl: \((6|7|28|35)\)|dnserror|failed to perform|connection ?error"
    r"|timed out|network is unreachable|name or service not known", re.IGNORECASE)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def _quiet_yfinance() -> Iterator[list[str]]:
    """Silence yfinance and collect what it said.

    yfinance logs and prints its failures instead of raising; what it said is collected so that one
    clear error can be raised instead of a screenful of noise.
    """
    logger = logging.getLogger("yfinance")
    handler = _Capture()
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield handler.lines
    finally:
        logger.handlers, logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])
        handler.lines.extend(line for line in (out.getvalue() + err.getvalue()).splitlines() if line.strip())


def _short_reason(text: object) -> str:
    """yfinance/curl's message without the trailing "See https://..." advice, at most 160 chars."""
    reason = re.sub(r"\s*See https?://\S+.*$", "", str(text).strip(), flags=re.DOTALL).rstrip(" .")
    return reason[:160]


def _is_rate_limit(exc: BaseException) -> bool:
    return type(exc).__name__ == "YFRateLimitError" or "rate limit" in str(exc).lower() \
        or "too many requests" in str(exc).lower()


def call_yahoo(call: Callable[[], _T], *, what: str, retries: int, backoff: float,
               sleep: Callable[[float], None], alternatives: str) -> tuple[_T, list[str]]:
    """``call()`` with yfinance's log noise captured and rate limits retried with back-off.

    The one retry policy of the price and the statements sources: ``retries`` attempts after
    the first, waiting ``backoff`` seconds and doubling. ``what`` names the request in messages
    (``"0700.HK (2025-01-02..2025-03-31)"``); ``alternatives`` says what to do offline.
    Returns ``(result, captured log lines)`` (see :func:`unreachable_in`).

    Raises
    ------
    YahooUnreachableError
        The network is down (no retry).
    DataUnavailableError
        Another failure, or rate limits after every attempt.
    """
    wait = backoff
    last: BaseException | None = None
    for attempt in range(retries + 1):
        try:
            with _quiet_yfinance() as said:
                result = call()
            return result, said
        except Exception as exc:  # yfinance raises only a few kinds; rate limits are retried
            if _NETWORK_PATTERN.search(f"{type(exc).__name__} {exc}"):
                raise YahooUnreachableError(
                    f"Yahoo Finance is unreachable ({type(exc).__name__}: {_short_reason(exc)}) while "
                    f"fetching {what}. {alternatives}") from exc
            if not _is_rate_limit(exc):
                raise DataUnavailableError(
                    f"Yahoo Finance failed for {what}: {type(exc).__name__}: {_short_reason(exc)}. "
                    f"{alternatives}") from exc
            last = exc
            if attempt < retries:
                sleep(wait)
                wait *= 2
    raise DataUnavailableError(
        f"Yahoo Finance kept rate-limiting the request for {what} after {retries + 1} attempts "
        f"({last}); wait a few minutes and retry. {alternatives}")


def unreachable_in(said: list[str], what: str, alternatives: str) -> YahooUnreachableError | None:
    """Return the error to raise when yfinance answered with nothing and logged a network failure.

    None when no line of ``said`` names a network failure.
    """
    reason = next((line for line in said if _NETWORK_PATTERN.search(line)), None)
    if reason is None:
        return None
    return YahooUnreachableError(f"Yahoo Finance is unreachable (yfinance: {_short_reason(reason)}) "
                                 f"while fetching {what}. {alternatives}")


def _range_text(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    a = start.date().isoformat() if start is not None else "the first listing day"
    b = end.date().isoformat() if end is not None else "today"
    return f"{a} to {b}"


def from_yfinance(raw: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """Canonical frame (plus ``splits``) from what ``history()`` or ``download()`` returned.

    Accepts single-level columns (``history()``, ``download(multi_level_index=False)``) and
    ``download()``'s ``(Price, Ticker)`` MultiIndex (either level order). The index may be
    tz-aware: the exchange-local wall date is kept.
    """
    sym = normalize_symbol(symbol)
    df = raw
    if isinstance(df.columns, pd.MultiIndex):
        names = list(df.columns.names)
        level = names.index("Ticker") if "Ticker" in names else (
            1 if set(df.columns.get_level_values(0)) & set(_YF_COLUMNS) else 0)
        tickers = list(dict.fromkeys(df.columns.get_level_values(level)))
        match = [t for t in tickers if normalize_symbol(str(t)) == sym]
        if not match and len(tickers) == 1:
            match = tickers
        if not match:
            raise DataFormatError(f"yfinance returned columns for {tickers}, not {sym}")
        df = df.xs(match[0], axis=1, level=level)  # type: ignore[assignment]
    if "Adj Close" in df.columns and "Close" in df.columns:  # auto_adjust=False answer
        ratio = df["Adj Close"] / df["Close"]
        df = df.assign(Open=df["Open"] * ratio, High=df["High"] * ratio, Low=df["Low"] * ratio,
                       Close=df["Adj Close"])
    if "Close" not in df.columns:
        raise DataFormatError(f"yfinance answer for {sym} has no Close column (got {list(df.columns)})")
    idx = pd.DatetimeIndex(df.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = pd.DatetimeIndex(idx.normalize().as_unit("ns"), name=INDEX_NAME)
    out = pd.DataFrame(index=idx)
    for yf_name, name in _YF_COLUMNS.items():
        out[name] = df[yf_name].to_numpy(dtype="float64") if yf_name in df.columns else np.nan
    out = out[out["close"].notna() | out[["open", "high", "low"]].notna().any(axis=1)]
    out = out.sort_index(kind="mergesort")
    out = out[~out.index.duplicated(keep="last")]
    return out.loc[:, [*COLUMNS, "splits"]]


class YahooSource:
    """Daily bars from Yahoo Finance, with retry and back-off on rate limits.

    Parameters
    ----------
    method:
        ``"history"`` (``yf.Ticker(symbol).history``, the default: it raises on rate limits
        instead of logging them) or ``"download"`` (``yf.download``).
    retries:
        Attempts after the first one when Yahoo rate-limits us.
    backoff:
        First wait in seconds; doubles on every retry.
    sleep:
        Injected for tests (default :func:`time.sleep`).
    """

    name = "yahoo"

    def __init__(self, method: Literal["history", "download"] = "history", retries: int = 4,
                 backoff: float = 2.0, timeout: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if method not in ("history", "download"):
            raise ValueError(f"method must be 'history' or 'download' (got {method!r})")
        self.method = method
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"YahooSource(method={self.method!r})"

    def symbols(self) -> list[str]:
        """Yahoo has no local list: nothing is available without the network."""
        return []

    def _call(self, sym: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
        if probe_applies():
            check_resolvable(timeout=self.timeout)
        import yfinance as yf

        kwargs: dict[str, object] = {"auto_adjust": True, "actions": True, "timeout": self.timeout}
        if start is None and end is None:
            kwargs["period"] = "max"
        else:
            kwargs["start"] = (start if start is not None else pd.Timestamp("1970-01-02")).strftime("%Y-%m-%d")
            if end is not None:  # yfinance's end is exclusive
                kwargs["end"] = (end + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        if self.method == "history":
            return yf.Ticker(sym).history(interval="1d", **kwargs)
        return yf.download(sym, interval="1d", progress=False, threads=False, **kwargs)

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Canonical frame of ``symbol`` from Yahoo (inclusive dates).

        Raises :class:`DataUnavailableError` when Yahoo answers with nothing (offline, unknown
        symbol, no bars in the range) or keeps rate-limiting after ``retries`` attempts.
        """
        return self.fetch(symbol, start, end).loc[:, list(COLUMNS)]

    def fetch(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Like :meth:`get` but keeps the ``splits`` column."""
        sym = normalize_symbol(symbol)
        s = pd.Timestamp(start).normalize() if start is not None else None
        e = pd.Timestamp(end).normalize() if end is not None else None
        what = f"{sym} ({_range_text(s, e)})"
        raw, said = call_yahoo(lambda: self._call(sym, s, e), what=what, retries=self.retries,
                               backoff=self.backoff, sleep=self._sleep, alternatives=OFFLINE_ALTERNATIVES)
        if raw is None or raw.empty:
            unreachable = unreachable_in(said, what, OFFLINE_ALTERNATIVES)
            if unreachable is not None:
                raise unreachable
            raise DataUnavailableError(
                f"Yahoo Finance returned no prices for {what}: either this "
                "machine is offline or Yahoo does not know the symbol (Hong Kong codes look like "
                f"0700.HK, indexes like ^HSI) or it has no bars in that range. {OFFLINE_ALTERNATIVES}")
        frame = from_yfinance(raw, sym)
        if s is not None:
            frame = frame[frame.index >= s]
        if e is not None:
            frame = frame[frame.index <= e]
        return frame
