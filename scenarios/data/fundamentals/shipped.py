"""Fundamentals the client resolved for Dask workers (:class:`ShippedFundamentals`).

A parallel sweep (:mod:`scenarios.parallel`) ships everything a ``from_data`` baseline reads with
the tasks, so that workers open no fundamentals folder, no store and no network:

* the canonical rows of each data symbol asked for (the client's
  :func:`~.resolver.default_fundamentals` ``get``, from its folder, store or Yahoo), or the error
  the client got for it;
* each listing's dated forward estimates (one entry per estimates file, or the error that file
  raised on the client), or the error the estimates folder itself raised;
* the client's reporting-lag rule (``$SCENARIOS_REPORTING_LAGS`` applied) or its error;
* what the client searched (:meth:`~.resolver.FundamentalsResolver.describe`, for messages).

On a worker, :func:`shipped_to_worker` makes them the defaults of the thread that runs one task,
for the duration of the task: :func:`~.resolver.default_fundamentals`, :func:`~.resolver.default_estimates` and
:func:`~.lags.lags_from_env` answer from the shipment. A listing the shipment lacks is noted as
a miss and raises :class:`FundamentalsMiss`; the client then ships it and re-sends the task (as
for prices). The numbers are the serial ones: the same frames, the same estimates, the same rule.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.data.fundamentals.estimates import Estimate, EstimatesDir
from scenarios.data.fundamentals.frame import concat
from scenarios.data.fundamentals.lags import ReportingLags
from scenarios.data.fundamentals.listings import data_symbols
from scenarios.data.fundamentals.resolver import FundamentalsResolver
from scenarios.data.symbols import normalize_symbol

__all__ = ["FundamentalsMiss", "Shipment", "ShippedEstimates", "ShippedFundamentals", "ShippedSource", "active",
           "ship_fundamentals", "shipped_to_worker"]

#: one estimates file as shipped for one listing: (file date, the listing's estimate in it or None,
#: or the error reading that file raised on the client)
EstimateEntry = tuple[pd.Timestamp, "Estimate | None | Exception"]


class FundamentalsMiss(Exception):
    """A task asked for fundamentals the shipment does not hold (not a ScenariosError: never shown)."""


@dataclass
class ShippedFundamentals:
    """Fundamentals resolved on the client for the workers (picklable, no handle on any file).

    ``listings``: the listings shipped (each with its data symbols and estimates); ``frames``:
    data symbol -> canonical rows (``default_fundamentals().get``); ``errors``: data symbol ->
    what that raised on the client; ``estimates``: listing -> one entry per estimates file,
    oldest first; ``estimates_path``: the client's estimates folder (None: it had none);
    ``estimates_error``: what listing that folder raised on the client; ``lags`` / ``lags_error``: the
    client's reporting-lag rule or its error; ``resolver_error``: what building the client's
    resolver raised (a bad ``$SCENARIOS_FUNDAMENTALS``); ``described``: what it searched.
    """

    listings: set[str] = field(default_factory=set)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)
    estimates: dict[str, list[EstimateEntry]] = field(default_factory=dict)
    estimates_path: str | None = None
    estimates_error: Exception | None = None
    lags: ReportingLags | None = None
    lags_error: Exception | None = None
    resolver_error: Exception | None = None
    described: str = ""

    def __contains__(self, listing: str) -> bool:
        return normalize_symbol(listing) in self.listings


def _client_lags() -> tuple[ReportingLags | None, Exception | None]:
    from scenarios.data.fundamentals.lags import lags_from_env
    from scenarios.errors import ScenarioError

    try:
        return lags_from_env(), None
    except ScenarioError as exc:
        return None, exc


def ship_fundamentals(listings: Iterable[str], base: ShippedFundamentals | None = None) -> ShippedFundamentals:
    """Resolve the fundamentals of ``listings`` on the client (added to a copy of ``base``).

    Runs on the client only, with its own :func:`~.resolver.default_fundamentals` (which may
    fetch from Yahoo and write the store: only the client does) and estimates folder.
    """
    from scenarios.data.fundamentals.resolver import default_estimates, default_fundamentals

    if base is None:
        lags, lags_error = _client_lags()
        out = ShippedFundamentals(lags=lags, lags_error=lags_error)
    else:
        out = replace(base, listings=set(base.listings), frames=dict(base.frames), errors=dict(base.errors),
                      estimates=dict(base.estimates))
    todo = []
    for s in listings:
        try:
            todo.append(normalize_symbol(s))
        except ValueError:
            continue
    todo = [s for s in dict.fromkeys(todo) if s not in out.listings]
    if not todo:
        return out
    resolver: FundamentalsResolver | None = None
    try:
        resolver = default_fundamentals()
    except Exception as exc:  # noqa: BLE001 - raised again on the worker where the serial run raised it
        out.resolver_error = exc
    estimates: EstimatesDir | None = None
    files: list[tuple[pd.Timestamp, Path]] = []
    try:
        found = default_estimates()
        estimates = found if isinstance(found, EstimatesDir) else None  # (never shipped ones: client side)
        files = estimates.dated_files() if estimates is not None else []
    except Exception as exc:  # noqa: BLE001 - likewise
        out.estimates_error = exc
    out.estimates_path = None if estimates is None else str(estimates.path)
    for sym in todo:
        if resolver is not None:
            for d in data_symbols(sym):
                if d in out.frames or d in out.errors:
                    continue
                try:
                    out.frames[d] = resolver.get(d)
                except Exception as exc:  # noqa: BLE001 - likewise
                    out.errors[d] = exc
        entries: list[EstimateEntry] = []
        for day, path in files:
            try:
                entries.append((day, estimates.read(day, path).get(sym)))  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001 - likewise
                entries.append((day, exc))
        out.estimates[sym] = entries
        out.listings.add(sym)
    if resolver is not None:
        out.described = resolver.describe()
    return out


# ------------------------------------------------------------------------------ worker side

class ShippedSource(FundamentalsResolver):
    """The fundamentals resolver of a worker: the shipped rows, no folder, no store, no Yahoo.

    A data symbol outside the shipment is noted in ``misses`` and raises :class:`FundamentalsMiss`.
    """

    def __init__(self, shipped: ShippedFundamentals, misses: set[str]) -> None:
        super().__init__()
        self.shipped = shipped
        self.misses = misses

    def __repr__(self) -> str:
        return f"ShippedSource({len(self.shipped.listings)} listings)"

    def _one(self, sym: str) -> pd.DataFrame:
        exc = self.shipped.errors.get(sym)
        if exc is not None:
            raise exc
        frame = self.shipped.frames.get(sym)
        if frame is None:
            self.misses.add(sym)
            raise FundamentalsMiss(sym)
        return frame

    def get(self, symbol: str) -> pd.DataFrame:
        """Return the shipped rows of ``symbol`` (what the client's resolver returned)."""
        return self._one(normalize_symbol(symbol))

    def get_for(self, symbol: str) -> pd.DataFrame:
        """Rows of ``symbol`` and of its ADS / Hong Kong twin (as the client's resolver has them)."""
        sym = normalize_symbol(symbol)
        if sym not in self.shipped.listings:  # ship the listing (its twins and its estimates)
            self.misses.add(sym)
            raise FundamentalsMiss(sym)
        return concat([self.get(s) for s in data_symbols(sym)])

    def describe(self) -> str:
        """Return what the client searched."""
        return self.shipped.described


class ShippedEstimates:
    """The estimates folder of a worker: the shipped entries of each listing (see :class:`~.estimates.EstimatesDir`)."""

    def __init__(self, shipped: ShippedFundamentals, misses: set[str]) -> None:
        self.shipped = shipped
        self.misses = misses
        self.path = Path(shipped.estimates_path or ".")

    def _entries(self, symbol: str) -> list[EstimateEntry]:
        sym = normalize_symbol(symbol)
        entries = self.shipped.estimates.get(sym)
        if entries is None:
            self.misses.add(sym)
            raise FundamentalsMiss(sym)
        return entries

    def consensus(self, symbol: str, as_of: Any) -> Estimate | None:
        """Return the latest estimate of ``symbol`` dated on or before ``as_of`` (None if there is none)."""
        cut = pd.Timestamp(as_of).normalize()
        for day, est in reversed(self._entries(symbol)):
            if day > cut:
                continue
            if isinstance(est, Exception):
                raise est
            if est is not None and est.fwd_eps is not None:
                return est
        return None

    def span(self, symbol: str) -> tuple[str, str] | None:
        """Return the first and last ISO dates with an estimate for ``symbol``, or None."""
        days = []
        for day, est in self._entries(symbol):
            if isinstance(est, Exception):
                raise est
            if est is not None:
                days.append(day)
        return (days[0].date().isoformat(), days[-1].date().isoformat()) if days else None


@dataclass
class Shipment:
    """The fundamentals one task on a worker runs on: the shipment and its source and estimates."""

    shipped: ShippedFundamentals
    source: ShippedSource
    estimates: ShippedEstimates


#: the shipment of the task this thread runs (a worker with several threads runs several tasks)
_LOCAL = threading.local()


def active() -> Shipment | None:
    """Return the shipment in force in this thread (a worker running a task), else None."""
    return getattr(_LOCAL, "shipment", None)


@contextmanager
def shipped_to_worker(shipped: ShippedFundamentals | None) -> Iterator[set[str]]:
    """Make ``shipped`` this thread's fundamentals while the block runs; yields the set of misses.

    ``None`` (a task without any shipment) ships nothing: every listing asked for is a miss.
    """
    misses: set[str] = set()
    shipment = shipped if shipped is not None else ShippedFundamentals()
    before = active()
    _LOCAL.shipment = Shipment(shipment, ShippedSource(shipment, misses), ShippedEstimates(shipment, misses))
    try:
        yield misses
    finally:
        _LOCAL.shipment = before
