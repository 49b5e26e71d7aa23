"""Point in time: when a period's figures became public.

None of the snapshot's sources carries filing dates, so ``known_from`` = period end + the
market's reporting lag (a documented rule, overridable); a source row with a filing date uses
that date instead.

==========================  =========================  ==========
market                      period                     lag
==========================  =========================  ==========
Hong Kong (``.HK``)         annual (``FY``)            3 months
Hong Kong                   interim / quarter (``Q``)  2 months
US (10-K / 10-Q)            annual                     60 days
US                          quarter, TTM to a quarter  40 days
US-listed Chinese (6-K)     any                        2 months
==========================  =========================  ==========

Months follow :func:`scenarios.periods.add_months` (a month-end start lands on the
target month's end: 2024-12-31 + 3 months = 2025-03-31). Override per process with
``SCENARIOS_REPORTING_LAGS="HK.FY=3M,US.Q=45D"`` or pass a :class:`ReportingLags`.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from scenarios.data.fundamentals.listings import Market, market_of

if TYPE_CHECKING:
    from scenarios.data.fundamentals.shipped import Shipment

_LAG = re.compile(r"^\s*(\d+)\s*([MD])\s*$", re.IGNORECASE)


#: the longest lag accepted, per unit: ten years (a longer one is a typo, and would run the
#: known-from dates off the calendar)
MAX_LAG = {"M": 120, "D": 3660}


def parse_lag(text: str) -> tuple[int, str]:
    """``"3M"`` -> (3, "M"), ``"60D"`` -> (60, "D"); ValueError otherwise."""
    m = _LAG.match(str(text))
    if not m:
        raise ValueError(f"a reporting lag is a number of months or days such as 3M or 60D (got {text!r})")
    n, unit = int(m.group(1)), m.group(2).upper()
    if n > MAX_LAG[unit]:
        raise ValueError(f"a reporting lag is at most {MAX_LAG[unit]}{unit}, ten years (got {text!r})")
    return n, unit


def _default_table() -> dict[tuple[str, str], str]:
    return {("HK", "FY"): "3M", ("HK", "Q"): "2M", ("US", "FY"): "60D", ("US", "Q"): "40D",
            ("US_CN", "FY"): "2M", ("US_CN", "Q"): "2M"}


@dataclass(frozen=True)
class ReportingLags:
    """Lag per (market, period kind); period kind ``FY`` or ``Q`` (``TTM`` rows use ``Q``)."""

    table: dict[tuple[str, str], str] = field(default_factory=_default_table)

    def lag(self, market: Market, period_type: str) -> str:
        """Return the reporting lag (``3M``, ``45D`` ...) of a market for a period type."""
        kind = "FY" if period_type == "FY" else "Q"
        return self.table[(market, kind)]

    def known_from(self, symbol: str, period_end: pd.Timestamp, period_type: str) -> pd.Timestamp:
        """First day the figures of ``period_end`` are public under this rule."""
        n, unit = parse_lag(self.lag(market_of(symbol), period_type))
        end = pd.Timestamp(period_end).normalize()
        if unit == "D":
            return end + pd.Timedelta(days=n)
        from scenarios.periods import add_months

        return pd.Timestamp(add_months(end.date(), n))

    def with_overrides(self, text: str) -> ReportingLags:
        """Return this rule with ``"HK.FY=3M,US.Q=45D"`` applied (ValueError naming a bad part)."""
        table = dict(self.table)
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            market, _, kind = key.strip().upper().partition(".")
            if (market, kind) not in table:
                raise ValueError(f"unknown reporting-lag key {key.strip()!r} in {part!r} "
                                 f"(known: {', '.join(f'{m}.{k}' for m, k in table)})")
            parse_lag(value)
            table[(market, kind)] = value.strip().upper()
        return replace(self, table=table)

    def describe(self) -> list[dict[str, str]]:
        """Return the rules as rows of market, period and lag."""
        return [{"market": m, "period": k, "lag": v} for (m, k), v in self.table.items()]


DEFAULT_LAGS = ReportingLags()


def shipment_in_force() -> Shipment | None:
    """Return the fundamentals a Dask task runs on (:func:`.shipped.active`), None outside such a task.

    Reads ``sys.modules`` only: a process that never imported :mod:`.shipped` runs no such task,
    and the serial path pays no import for the check.
    """
    mod = sys.modules.get("scenarios.data.fundamentals.shipped")
    return None if mod is None else mod.active()


def lags_from_env() -> ReportingLags:
    """:data:`DEFAULT_LAGS` with ``$SCENARIOS_REPORTING_LAGS`` applied.

    On a Dask worker running a task: the client's rule, shipped with it (:mod:`.shipped`).
    """
    shipment = shipment_in_force()
    if shipment is not None:
        if shipment.shipped.lags_error is not None:
            raise shipment.shipped.lags_error
        if shipment.shipped.lags is not None:
            return shipment.shipped.lags
    text = os.environ.get("SCENARIOS_REPORTING_LAGS", "")
    if not text.strip():
        return DEFAULT_LAGS
    from scenarios.errors import ScenarioError

    try:
        return DEFAULT_LAGS.with_overrides(text)
    except ValueError as exc:
        raise ScenarioError(str(exc), field="SCENARIOS_REPORTING_LAGS") from None
