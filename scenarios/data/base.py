"""The protocol every price source (CSV folder, DuckDB store, Yahoo, resolver) satisfies."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import pandas as pd

DateLike = str | dt.date | pd.Timestamp | None


@runtime_checkable
class PriceSource(Protocol):
    """Anything that returns canonical frames (see :mod:`scenarios.data.frame`).

    ``start`` and ``end`` are inclusive exchange-local dates; ``None`` means unbounded.
    Implementations raise :class:`~scenarios.errors.DataUnavailableError` when they have no
    data for the symbol at all; a known symbol with no rows in the range returns an empty
    canonical frame.
    """

    name: str

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Return the daily bars of ``symbol`` between ``start`` and ``end`` (inclusive)."""
        ...

    def symbols(self) -> list[str]:
        """Symbols this source can serve without the network (may be empty for Yahoo)."""
        ...
