"""Small field types shared by the scenario schema and the driver specs.

Units, currencies, symbols, strict dates, and the base model that rejects unknown keys (and booleans
given to numeric fields).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from scenarios.data.symbols import normalize_symbol

#: multipliers of ``unit``
UNIT_SCALE: dict[str, float] = {
    "1": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
    "bn": 1e9, "b": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12,
}

_CCY = re.compile(r"^[A-Z]{3}$")
CURRENCY_PAIR = re.compile(r"^[A-Z]{6}$")


def _unit(v: Any) -> str:
    if isinstance(v, bool):
        raise ValueError(f"must be one of {sorted(set(UNIT_SCALE))} (got {v!r})")
    s = str(v).strip().lower() if v is not None else ""
    if s in {"1.0", "one", "units", "unit"}:
        s = "1"
    if s not in UNIT_SCALE:
        raise ValueError(f"must be one of 1, k, m (mn), bn, tn (got {v!r})")
    return s


Unit = Annotated[str, BeforeValidator(_unit)]


def _currency(v: Any) -> str:
    if not isinstance(v, str) or not _CCY.match(v.strip().upper()):
        raise ValueError(f"must be a 3-letter ISO currency code such as HKD, CNY, USD (got {v!r})")
    return v.strip().upper()


Currency = Annotated[str, BeforeValidator(_currency)]


def _symbol(v: Any) -> str:
    if not isinstance(v, (str, int)) or isinstance(v, bool):
        raise ValueError(f"must be a symbol such as 0700.HK (got {v!r})")
    return normalize_symbol(str(v))


Symbol = Annotated[str, BeforeValidator(_symbol)]


def _strict_date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(f"must be a date YYYY-MM-DD (got {v!r})")
    return v


Date = Annotated[dt.date, BeforeValidator(_strict_date)]


class StrictModel(BaseModel):
    """Base of every schema model: unknown keys and inf/nan are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        """Booleans given to numeric fields fail at the field (see :mod:`scenarios.model.nobool`)."""
        from scenarios.model.nobool import reject_bools

        return reject_bools(cls, data)


#: description of a driver's optional ``tax_rate``
TAX_RATE_HELP = "tax rate (fraction in [0, 1)); default: baseline tax_rate, else 0"
