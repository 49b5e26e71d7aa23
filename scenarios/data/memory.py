"""In-memory price sources (the data layer's memory source) for tests, benchmarks and what-if runs.

:class:`MemorySource` satisfies :class:`~scenarios.data.base.PriceSource` and records every
request (``requests``), so a test can assert that nothing after ``as_of`` was asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scenarios.data.frame import to_canonical
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataUnavailableError


class MemorySource:
    """Canonical frames held in memory. ``closes`` maps symbol -> close Series (date index)."""

    def __init__(self, closes: dict[str, pd.Series], name: str = "memory") -> None:
        self.name = name
        self._frames: dict[str, pd.DataFrame] = {}
        for sym, series in closes.items():
            s = pd.Series(series, dtype="float64")
            self._frames[normalize_symbol(sym)] = to_canonical(pd.DataFrame({"close": s}))
        self.requests: list[tuple[str, Any, Any]] = []

    def get(self, symbol: str, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Return the synthetic bars of ``symbol`` between ``start`` and ``end`` (request recorded)."""
        sym = normalize_symbol(symbol)
        self.requests.append((sym, start, end))
        if sym not in self._frames:
            raise DataUnavailableError(f"no price data for {sym} in the in-memory source")
        f = self._frames[sym]
        mask = np.ones(len(f), dtype=bool)
        if start is not None:
            mask &= f.index >= pd.Timestamp(start)
        if end is not None:
            mask &= f.index <= pd.Timestamp(end)
        return f.loc[mask].copy()

    def symbols(self) -> list[str]:
        """Return the symbols the source has bars for, sorted."""
        return sorted(self._frames)


def synthetic_source(symbols: list[str], *, start: str = "2024-01-01", end: str = "2026-12-31",
                     seed: int = 0, level: float = 100.0, vol: float = 0.02) -> MemorySource:
    """Business-day random-walk closes for ``symbols`` (geometric, daily log sd ``vol``)."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(start, end)
    closes = {}
    for sym in symbols:
        steps = rng.normal(0.0, vol, len(idx))
        closes[sym] = pd.Series(level * np.exp(np.cumsum(steps)), index=idx)
    return MemorySource(closes, name="synthetic")


def flat_source(prices: dict[str, float], *, start: str = "2025-01-02", end: str = "2026-06-30"
                ) -> MemorySource:
    """Every symbol closes at a constant price on every business day from ``start`` to ``end``."""
    idx = pd.bdate_range(start, end)
    return MemorySource({s: pd.Series(float(p), index=idx) for s, p in prices.items()})
