"""Where fundamentals come from: saved folder, then the store, then live Yahoo (cached).

:func:`default_fundamentals` builds a :class:`FundamentalsResolver` from the environment:

1. ``$SCENARIOS_FUNDAMENTALS`` (a folder with ``yfinance/``, ``sec/``, ``estimates/``), else the
   ``fundamentals/`` folder beside ``$SCENARIOS_PRICES`` (``../shared/hkdata/fundamentals``);
2. the DuckDB store (``scenarios data import FUNDAMENTALS_DIR``, earlier Yahoo fetches);
3. Yahoo Finance (:class:`~.yahoo.YahooFundamentals`) unless ``SCENARIOS_OFFLINE=1``; what it
   returns is written to the store.

For each listing the resolver asks for the listing itself and its ADS / Hong Kong twin
(:func:`~.listings.data_symbols`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from scenarios.data.fundamentals.estimates import EstimatesDir
from scenarios.data.fundamentals.folder import FundamentalsDir
from scenarios.data.fundamentals.frame import concat, empty_frame
from scenarios.data.fundamentals.lags import shipment_in_force
from scenarios.data.fundamentals.listings import data_symbols
from scenarios.data.fundamentals.store import FundamentalsStore
from scenarios.data.fundamentals.yahoo import YahooFundamentals
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataUnavailableError, ScenarioError, YahooUnreachableError, shown_path
from scenarios.paths import env_path, expand

if TYPE_CHECKING:
    from scenarios.data.fundamentals.shipped import ShippedEstimates


class FundamentalsResolver:
    """Saved folder -> store -> Yahoo (see module docstring)."""

    name = "fundamentals"

    def __init__(self, folder: FundamentalsDir | None = None, store: FundamentalsStore | None = None,
                 yahoo: YahooFundamentals | None = None) -> None:
        self.folder = folder
        self.store = store
        self.yahoo = yahoo
        self.yahoo_errors: dict[str, str] = {}
        self._memo: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"FundamentalsResolver(folder={self.folder!r}, store={self.store!r}, yahoo={self.yahoo is not None})"

    def _one(self, sym: str) -> pd.DataFrame:
        if self.folder is not None and self.folder.files_of(sym):
            return self.folder.get(sym)
        if self.store is not None:
            frame = self.store.get(sym)
            if len(frame):
                return frame
        if self.yahoo is not None and sym not in self.yahoo_errors:
            try:
                frame = self.yahoo.get(sym)
            except YahooUnreachableError as exc:
                self.yahoo_errors[sym] = str(exc)
                self.yahoo = None  # stop asking for the rest of the process
                return empty_frame()
            except DataUnavailableError as exc:
                self.yahoo_errors[sym] = str(exc)
                return empty_frame()
            if self.store is not None:
                self.store.write(frame)
            return frame
        return empty_frame()

    def get(self, symbol: str) -> pd.DataFrame:
        """Return the fundamentals rows of ``symbol`` (resolved once, then cached)."""
        sym = normalize_symbol(symbol)
        if sym not in self._memo:
            self._memo[sym] = self._one(sym)
        return self._memo[sym]

    def get_for(self, symbol: str) -> pd.DataFrame:
        """Rows of ``symbol`` and of its ADS / Hong Kong twin (as saved)."""
        return concat([self.get(s) for s in data_symbols(symbol)])

    def describe(self) -> str:
        """Return what was searched, for error messages."""
        parts = []
        if self.folder is not None:
            parts.append(f"the folder {self.folder.path}")
        else:
            parts.append("no fundamentals folder (SCENARIOS_FUNDAMENTALS is not set and there is no "
                         "fundamentals/ folder beside SCENARIOS_PRICES)")
        parts.append("the store")
        from scenarios.data.resolver import offline

        if self.yahoo is not None:
            parts.append("Yahoo Finance")
        elif offline():
            parts.append("not Yahoo Finance (SCENARIOS_OFFLINE=1)")
        else:
            parts.append("not Yahoo Finance (unreachable)")
        return ", ".join(parts)


def fundamentals_folder() -> Path | None:
    """``$SCENARIOS_FUNDAMENTALS``, else ``fundamentals/`` beside ``$SCENARIOS_PRICES`` (if it exists)."""
    value = env_path("SCENARIOS_FUNDAMENTALS")
    if value:
        path = expand(value)
        if not path.is_dir():
            raise ScenarioError(f"SCENARIOS_FUNDAMENTALS={shown_path(value)} is not a folder: point it at a folder "
                                "with yfinance/ and sec/ subfolders (such as ../shared/hkdata/fundamentals)",
                                field="SCENARIOS_FUNDAMENTALS")
        return path
    prices = env_path("SCENARIOS_PRICES")
    if prices:
        sibling = expand(prices).parent / "fundamentals"
        if sibling.is_dir():
            return sibling
    return None


_DEFAULT: tuple[tuple[str, ...], FundamentalsResolver] | None = None


def default_fundamentals() -> FundamentalsResolver:
    """Return the resolver built from the environment (one instance while the variables stay the same).

    On a Dask worker running a task: the fundamentals the client shipped with it
    (:mod:`.shipped`), never the worker's own folder, store or network.
    """
    global _DEFAULT
    from scenarios.data.resolver import offline

    shipment = shipment_in_force()
    if shipment is not None:
        if shipment.shipped.resolver_error is not None:
            raise shipment.shipped.resolver_error
        return shipment.source

    key = tuple(os.environ.get(k, "") for k in ("SCENARIOS_HOME", "SCENARIOS_PRICES", "SCENARIOS_OFFLINE",
                                                  "SCENARIOS_FUNDAMENTALS", "SCENARIOS_REPORTING_LAGS"))
    if _DEFAULT is not None and _DEFAULT[0] == key:
        return _DEFAULT[1]
    folder = fundamentals_folder()
    resolver = FundamentalsResolver(FundamentalsDir(folder) if folder is not None else None,
                                    FundamentalsStore(), None if offline() else YahooFundamentals())
    _DEFAULT = (key, resolver)
    return resolver


def default_estimates() -> EstimatesDir | ShippedEstimates | None:
    """Return the ``estimates/`` folder of :func:`fundamentals_folder` (None when there is none).

    On a Dask worker running a task: the estimates the client shipped with it (:mod:`.shipped`).
    """
    shipment = shipment_in_force()
    if shipment is not None:
        shipped = shipment.shipped
        if not shipped.listings:  # nothing resolved yet: the first listing asked for is a miss
            return shipment.estimates
        if shipped.estimates_error is not None:
            raise shipped.estimates_error
        return None if shipped.estimates_path is None else shipment.estimates
    folder = fundamentals_folder()
    return EstimatesDir(folder / "estimates") if folder is not None and (folder / "estimates").is_dir() else None
