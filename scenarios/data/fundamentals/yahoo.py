"""Live statements from Yahoo Finance (:class:`YahooFundamentals`).

Asks ``yfinance.Ticker(symbol)`` for ``.info``, ``.income_stmt``, ``.balance_sheet``,
``.cashflow`` and their ``quarterly_`` versions, turns each frame into the dumps' shape
(``{period end: {field: value}}``, NaN = absent) and parses it with the same code as the saved
dumps (:func:`~.yfdump.parse_yfinance`), so the live path and the dumps give the same canonical
frame. Offline, empty answers and rate limits are handled exactly like prices
(:mod:`scenarios.data.yahoo`: captured yfinance chatter, :class:`YahooUnreachableError` on
network failures, exponential back-off on rate limits).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.data.fundamentals.jsonio import JsonFile
from scenarios.data.fundamentals.lags import ReportingLags, lags_from_env
from scenarios.data.fundamentals.yfdump import parse_yfinance
from scenarios.data.symbols import normalize_symbol
from scenarios.data.yahoo import call_yahoo, check_resolvable, probe_applies, unreachable_in
from scenarios.errors import DataUnavailableError

OFFLINE_ALTERNATIVES = (
    "Offline alternatives: set SCENARIOS_FUNDAMENTALS to a folder of saved statements (yfinance/ "
    "and sec/ subfolders, such as ../shared/hkdata/fundamentals), or load one into the store "
    "with `scenarios data import DIR`.")

#: dump key -> yfinance Ticker attribute
ATTRIBUTES = {"financials": "income_stmt", "balance_sheet": "balance_sheet", "cashflow": "cashflow",
              "quarterly_financials": "quarterly_income_stmt",
              "quarterly_balance_sheet": "quarterly_balance_sheet",
              "quarterly_cashflow": "quarterly_cashflow"}


def frame_to_dump(frame: Any) -> dict[str, dict[str, float]]:
    """Return a yfinance statement frame (fields x period-end columns) in the dumps' shape."""
    if frame is None or not isinstance(frame, pd.DataFrame) or frame.empty:
        return {}
    out: dict[str, dict[str, float]] = {}
    for col in frame.columns:
        key = pd.Timestamp(col).date().isoformat()
        values = {str(k): float(v) for k, v in frame[col].items() if pd.notna(v)}
        if values:
            out[key] = values
    return out


class YahooFundamentals:
    """Statements of one symbol from Yahoo Finance (see module docstring).

    ``ticker`` is injected for tests (default ``yfinance.Ticker``); ``sleep`` likewise.
    """

    name = "yahoo"

    def __init__(self, retries: int = 4, backoff: float = 2.0, lags: ReportingLags | None = None,
                 ticker: Callable[[str], Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date()) -> None:
        self.retries = retries
        self.backoff = backoff
        self.lags = lags or lags_from_env()
        self._ticker = ticker
        self._sleep = sleep
        self._today = today

    def _call(self, sym: str) -> dict[str, Any]:
        if self._ticker is None:
            if probe_applies():
                check_resolvable()
            import yfinance as yf

            t = yf.Ticker(sym)
        else:
            t = self._ticker(sym)
        doc: dict[str, Any] = {"ticker": sym, "info": dict(getattr(t, "info", None) or {})}
        for key, attr in ATTRIBUTES.items():
            doc[key] = frame_to_dump(getattr(t, attr, None))
        doc["last_updated"] = self._today().isoformat()
        return doc

    def dump(self, symbol: str) -> dict[str, Any]:
        """Return the yfinance answer for ``symbol`` in the dumps' shape (raises when there is none)."""
        sym = normalize_symbol(symbol)
        what = f"the statements of {sym}"
        doc, said = call_yahoo(lambda: self._call(sym), what=what, retries=self.retries,
                               backoff=self.backoff, sleep=self._sleep, alternatives=OFFLINE_ALTERNATIVES)
        if not any(doc[k] for k in ATTRIBUTES):
            unreachable = unreachable_in(said, what, OFFLINE_ALTERNATIVES)
            if unreachable is not None:
                raise unreachable
            raise DataUnavailableError(
                f"Yahoo Finance returned no statements for {sym}: either this machine is offline or "
                f"Yahoo has no statements for the symbol. {OFFLINE_ALTERNATIVES}")
        return doc

    def get(self, symbol: str) -> pd.DataFrame:
        """Canonical frame of ``symbol`` from Yahoo (source ``yahoo``)."""
        doc = self.dump(symbol)
        text = json.dumps(doc, indent=1)
        parsed = JsonFile(Path(f"<yahoo:{normalize_symbol(symbol)}>"), text=text)
        return parse_yfinance(parsed, source="yahoo", lags=self.lags)

    def get_for(self, symbol: str) -> pd.DataFrame:
        """Return the fundamentals rows of ``symbol`` (same as :meth:`get`)."""
        return self.get(symbol)

    def symbols(self) -> list[str]:
        """Return no symbols: the source fetches on demand and lists nothing."""
        return []


__all__ = ["OFFLINE_ALTERNATIVES", "YahooFundamentals", "frame_to_dump"]
