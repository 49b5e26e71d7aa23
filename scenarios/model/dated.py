"""Dated baseline values: a series keyed by fiscal period end (schema side).

A typed baseline value may be a series instead of one number, so that each walk-forward window
uses what was known at its ``as_of``::

    eps: {2023-12-31: 20.1, 2024-12-31: 23.5}          # short form, FY periods
    shares: {unit: bn, source: "annual reports", 2023-12-31: 9.51, 2024-12-31: 9.39}
    eps: [{period: 2024-12-31, value: 23.5, known: 2025-03-19}]   # long form

Keys are fiscal period ends; ``unit``, ``source`` and ``period_type`` (``FY`` default, ``Q``,
``TTM``) next to them apply to every value. A value is a number or ``{value, unit, source,
known, period_type}``. When a value becomes known follows the fundamentals layer's reporting-lag
rule (:mod:`scenarios.data.fundamentals.lags`); an explicit ``known:`` date wins. Resolution at
``as_of`` is :mod:`scenarios.model.point_in_time`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from scenarios.model.fields import UNIT_SCALE, Date, Unit
from scenarios.model.fields import StrictModel as _Model

#: baseline fields that may be written as a dated series
DATED_FIELDS = ("eps", "shares", "sales", "net_debt", "dividend_yield", "tax_rate")
#: keys of the short form that are not period ends (they apply to every value)
SERIES_KEYS = ("unit", "source", "period_type")
#: fields that are per share or ratios: no unit
UNITLESS = ("eps", "dividend_yield", "tax_rate")

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PeriodType = Literal["FY", "Q", "TTM"]


def _is_period_key(k: Any) -> bool:
    if isinstance(k, dt.datetime):
        return True
    if isinstance(k, dt.date):
        return True
    return isinstance(k, str) and bool(_ISO.match(k.strip()))


def _is_year(k: Any) -> bool:
    return isinstance(k, int) and not isinstance(k, bool) and 1900 <= k <= 2200


def is_dated(v: Any) -> bool:
    """Return True when a raw baseline value is written as a dated series.

    Dated: a list, or a mapping with at least one ``YYYY-MM-DD`` key; a bare year key such as
    ``2024`` counts, so that it gets the dated series' message rather than "unknown field".
    """
    if isinstance(v, list):
        return True
    return isinstance(v, dict) and any(_is_period_key(k) or _is_year(k) for k in v)


class DatedValue(_Model):
    """One value of a dated series: the figure for the fiscal period ending ``period``."""

    period: Date = Field(description="fiscal period end")
    value: float
    unit: Unit = "1"
    source: str | None = None
    known: Date | None = Field(default=None, description="date the figure became public "
                               "(default: period end + the market's reporting lag)")
    period_type: PeriodType = "FY"

    @property
    def scaled(self) -> float:
        """The value in base units (``value`` times the unit's scale)."""
        return self.value * UNIT_SCALE[self.unit]

    @model_validator(mode="after")
    def _known_after_period(self) -> DatedValue:
        if self.known is not None and self.known < self.period:
            raise ValueError(f"known {self.known} is before the period end {self.period}: a figure "
                             "becomes public after its period ends")
        return self


def _short_form(v: dict[Any, Any]) -> list[dict[str, Any]]:
    """``{2024-12-31: 23.5, unit: .., source: ..}`` -> long form (ValueError on a stray key)."""
    common = {k: v[k] for k in SERIES_KEYS if k in v}
    out: list[dict[str, Any]] = []
    for k, val in v.items():
        if k in SERIES_KEYS:
            continue
        if not _is_period_key(k):
            hint = (f"; write the fiscal year's end, such as {k}-12-31" if _is_year(k) else
                    "; known: goes with each value, {YYYY-MM-DD: {value: .., known: ..}}" if k == "known" else "")
            raise ValueError(f"expected fiscal period ends (YYYY-MM-DD) as keys, plus "
                             f"{', '.join(SERIES_KEYS)} (got key {k!r}{hint})")
        period = k.date() if isinstance(k, dt.datetime) else k
        if isinstance(val, dict):
            if "period" in val:
                raise ValueError(f"{period}: the key is the period end; drop period: inside it")
            item = {**common, **val, "period": period}
        elif isinstance(val, (int, float)) and not isinstance(val, bool):
            item = {**common, "period": period, "value": val}
        else:
            raise ValueError(f"{period}: expected a number or {{value, unit, source, known}} (got {val!r})")
        out.append(item)
    return out


class DatedSeries(_Model):
    """A baseline value as a series of dated figures (sorted by period end, ends unique)."""

    values: list[DatedValue] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _forms(cls, v: Any) -> Any:
        if isinstance(v, DatedSeries):
            return v
        if isinstance(v, dict) and set(v) == {"values"}:
            return v
        if isinstance(v, list):
            if not v:
                raise ValueError("a dated series needs at least one {period, value}")
            for i, item in enumerate(v):
                if not isinstance(item, dict):
                    raise ValueError(f"item {i}: expected {{period, value, known, unit, source}} (got {item!r})")
            return {"values": v}
        if isinstance(v, dict):
            return {"values": _short_form(v)}
        raise ValueError(f"expected a dated series {{YYYY-MM-DD: value}} or [{{period, value, known}}] (got {v!r})")

    @field_validator("values")
    @classmethod
    def _unique_sorted(cls, v: list[DatedValue]) -> list[DatedValue]:
        seen: set[dt.date] = set()
        for x in v:
            if x.period in seen:
                raise ValueError(f"the period ending {x.period} appears twice")
            seen.add(x.period)
        return sorted(v, key=lambda x: x.period)


def _check(name: str, s: DatedSeries | None) -> DatedSeries | None:
    """Return the checks a plain value of ``name`` gets, applied to every value of the series."""
    if s is None:
        return s
    for x in s.values:
        at = f"{x.period}: "
        if name in UNITLESS and x.unit != "1":
            raise ValueError(f"{at}{name} is per share or a ratio: it takes no unit (got {x.unit!r})")
        if name == "eps" and not x.value > 0:
            raise ValueError(f"{at}must be > 0: the price model divides the close by EPS (got {x.value:g}); "
                             "leave eps out for a loss-making company")
        if name == "shares" and not x.value > 0:
            raise ValueError(f"{at}must be > 0 (got {x.value:g})")
        if name == "sales" and x.value < 0:
            raise ValueError(f"{at}must be >= 0 (got {x.value:g})")
        if name in ("dividend_yield", "tax_rate") and not 0 <= x.value < 1:
            raise ValueError(f"{at}must be a fraction in [0, 1) (got {x.value:g}; write 0.25 for 25%)")
    return s


class DatedFields(_Model):
    """The dated series of one symbol's baseline (moved here from the value fields)."""

    eps: DatedSeries | None = None
    shares: DatedSeries | None = None
    sales: DatedSeries | None = None
    net_debt: DatedSeries | None = None
    dividend_yield: DatedSeries | None = None
    tax_rate: DatedSeries | None = None

    @field_validator(*DATED_FIELDS)
    @classmethod
    def _field_checks(cls, v: DatedSeries | None, info: Any) -> DatedSeries | None:
        return _check(info.field_name, v)

    def items(self) -> list[tuple[str, DatedSeries]]:
        """Return the dated series that are set, as (field, series) pairs."""
        return [(f, s) for f in DATED_FIELDS if (s := getattr(self, f)) is not None]


def split_dated(v: Any) -> Any:
    """Move dated-series values of the baseline into ``dated``.

    The values move out of the baseline's value fields before validation, so the validation error of
    a bad series is located at its field.
    """
    if not isinstance(v, dict):
        return v
    moved = {k: v[k] for k in DATED_FIELDS if k in v and is_dated(v[k])}
    if not moved:
        return v
    out = {k: val for k, val in v.items() if k not in moved}
    prior = out.get("dated")
    out["dated"] = {**(prior if isinstance(prior, dict) else {}), **moved}
    return out
