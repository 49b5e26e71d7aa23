"""Where prices come from: the resolver chain behind :func:`default_source`.

Order: the DuckDB store, then ``$SCENARIOS_PRICES`` (a CSV folder), then Yahoo (skipped when
``SCENARIOS_OFFLINE=1``). (First cut: CSV folder only; store caching lands next.)
"""

from __future__ import annotations

import os

import pandas as pd

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.csvdir import CsvDirSource
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataUnavailableError


def offline() -> bool:
    """True when ``SCENARIOS_OFFLINE`` is set to a true value (1/true/yes)."""
    return os.environ.get("SCENARIOS_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def unavailable_message(symbol: str, start: DateLike = None, end: DateLike = None) -> str:
    """The one-paragraph explanation given when no source has ``symbol``."""
    rng = f"{pd.Timestamp(start).date() if start is not None else 'the beginning'} to " \
          f"{pd.Timestamp(end).date() if end is not None else 'today'}"
    return (
        f"no price data for {symbol} ({rng}): it is not in the local store, "
        + ("SCENARIOS_PRICES is not set" if not os.environ.get("SCENARIOS_PRICES")
           else f"the CSV folder SCENARIOS_PRICES={os.environ['SCENARIOS_PRICES']} has no file for it")
        + (", and Yahoo was skipped (SCENARIOS_OFFLINE=1)" if offline() else ", and Yahoo returned nothing")
        + ". To fix: set SCENARIOS_PRICES to a folder of one-CSV-per-symbol files, or run "
        "`scenarios data import DIR` once to load such a folder into the store, or go online "
        "(unset SCENARIOS_OFFLINE) so it can be downloaded from Yahoo Finance."
    )


class Resolver:
    """A :class:`PriceSource` that asks its sources in order and memoizes per symbol."""

    name = "resolver"

    def __init__(self, sources: list[PriceSource]) -> None:
        self.sources = list(sources)
        self._memo: dict[str, tuple[str, pd.DataFrame]] = {}

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        sym = normalize_symbol(symbol)
        if sym not in self._memo:
            for src in self.sources:
                try:
                    frame = src.get(sym)
                except DataUnavailableError:
                    continue
                self._memo[sym] = (src.name, frame)
                break
            else:
                raise DataUnavailableError(unavailable_message(sym, start, end))
        from scenarios.data.csvdir import slice_frame

        return slice_frame(self._memo[sym][1], start, end)

    def symbols(self) -> list[str]:
        out: set[str] = set()
        for src in self.sources:
            out.update(src.symbols())
        return sorted(out)


def default_source() -> Resolver:
    """The standard chain (see module docstring), built from the environment."""
    sources: list[PriceSource] = []
    folder = os.environ.get("SCENARIOS_PRICES")
    if folder:
        sources.append(CsvDirSource(folder))
    return Resolver(sources)


def get_prices(symbol: str, start: DateLike = None, end: DateLike = None,
               source: PriceSource | None = None) -> pd.DataFrame:
    """Canonical frame of ``symbol`` from ``source`` (default: :func:`default_source`)."""
    src = source if source is not None else _default()
    return src.get(symbol, start, end)


_DEFAULT: dict[str, Resolver] = {}


def _default() -> Resolver:
    key = "|".join(os.environ.get(k, "") for k in ("SCENARIOS_HOME", "SCENARIOS_PRICES", "SCENARIOS_OFFLINE"))
    if key not in _DEFAULT:
        _DEFAULT.clear()
        _DEFAULT[key] = default_source()
    return _DEFAULT[key]
