"""Capital expenditure: depreciation, EPS drag, free-cash-flow effect and FCF yield.

Model: incremental capex ``capex`` (a total, >= 0, in the reporting currency) is spent in year 1 and
depreciated straight-line over ``useful_life_years`` (fractional lives allowed: a 2.5-year life
charges ``capex / 2.5`` in years 1 and 2 and half that in year 3). ``convention="half_year"`` starts
depreciation mid-year 1 (spend spread over the year), shifting the schedule by half a year. The
EPS drag is the after-tax depreciation per share converted to the price currency::

    drag_year_k = - depreciation_k * (1 - tax_rate) * fx / shares          (<= 0)

Worked example (seed ``002_ddd815a4c54b9b20.txt``): Amazon's 2026 plan of about USD 200bn of capex,
depreciated over 5 years, with a 21% tax rate and 10.8bn diluted shares costs
``200 / 5 * 0.79 / 10.8 = USD 2.93`` of EPS a year for five years.

``shares`` must be in the unit that makes ``total / shares`` a per-share amount (USD bn / bn shares).
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np

from .._types import ArrayLike, FloatArray
from .._validate import Inputs
from ..exceptions import InputRangeError
from ._trailing import wrap_trailing

__all__ = [
    "depreciation_schedule",
    "plan_depreciation_schedule",
    "capex_eps_drag",
    "capex_fcf_change",
    "fcf_yield",
]

Convention = Literal["full_year", "half_year"]


def _check_int(value: object, name: str, func: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise InputRangeError(f"{func}: {name} must be an integer >= {minimum} (got {value!r})")
    return int(value)


def _start(convention: str, func: str) -> float:
    if convention == "full_year":
        return 0.0
    if convention == "half_year":
        return 0.5
    raise InputRangeError(f"{func}: convention must be 'full_year' or 'half_year' "
                          f"(got {convention!r})")


def _schedule(capex: FloatArray, life: FloatArray, n_years: int, start: float) -> FloatArray:
    """Depreciation per year k = 1..n_years (trailing axis) of capex spent in year 1."""
    k = np.arange(1, n_years + 1, dtype=np.float64)
    lo = np.maximum(k - 1.0, start)
    hi = np.minimum(k, start + life[..., None])
    overlap = np.clip(hi - lo, 0.0, 1.0)
    return cast(FloatArray, (capex / life)[..., None] * overlap)


def depreciation_schedule(capex: ArrayLike, useful_life_years: ArrayLike, n_years: int, *,
                          convention: Convention = "full_year") -> ArrayLike:
    """Straight-line depreciation of capex spent in year 1, for years 1..``n_years``.

    Args:
        capex: amount spent (>= 0), any currency/unit (the result is in the same).
        useful_life_years: depreciation life in years (> 0, finite, may be fractional).
        n_years: number of years to report (integer >= 1).
        convention: ``"full_year"`` (default: a full year's charge in year 1) or ``"half_year"``.

    Returns
    -------
        Array with a trailing axis of length ``n_years`` (shape ``broadcast(capex, life) +
        (n_years,)``); Series inputs give a DataFrame with columns 1..n_years. The rows sum to
        ``capex`` once ``n_years`` covers the life.
    """
    f = "depreciation_schedule"
    n = _check_int(n_years, "n_years", f, 1)
    start = _start(convention, f)
    inp = Inputs(f, capex=capex, useful_life_years=useful_life_years)
    c = inp.get("capex", ge=0.0)
    life = inp.get("useful_life_years", gt=0.0, unit="years")
    shape = inp.broadcast()
    out = _schedule(np.broadcast_to(c, shape), np.broadcast_to(life, shape), n, start)
    return wrap_trailing(inp, out, list(range(1, n + 1)), "year")


def plan_depreciation_schedule(capex_by_year: ArrayLike, useful_life_years: ArrayLike,
                               n_years: int, *, convention: Convention = "full_year") -> FloatArray:
    """Depreciation of a multi-year capex plan (each year's spend is its own vintage).

    Args:
        capex_by_year: spend per year along the LAST axis (``[..., j]`` = spend in year j+1, >= 0).
        useful_life_years: life in years (> 0), broadcast against ``capex_by_year[..., 0]``.
        n_years: years to report (>= 1).

    Returns
    -------
        ndarray ``(..., n_years)``: total depreciation charged in each year 1..n_years.
    """
    f = "plan_depreciation_schedule"
    n = _check_int(n_years, "n_years", f, 1)
    start = _start(convention, f)
    inp = Inputs(f, capex_by_year=capex_by_year, useful_life_years=useful_life_years)
    c = inp.get("capex_by_year", ge=0.0)
    life = inp.get("useful_life_years", gt=0.0, unit="years")
    if c.ndim == 0:
        c = c[None]
    shape = tuple(np.broadcast_shapes(c.shape[:-1], life.shape))
    out = np.zeros(shape + (n,))
    life_b = np.broadcast_to(life, shape)
    for j in range(min(c.shape[-1], n)):
        vintage = _schedule(np.broadcast_to(c[..., j], shape), life_b, n - j, start)
        out[..., j:] += vintage
    return out


def capex_eps_drag(capex: ArrayLike, useful_life_years: ArrayLike, shares: ArrayLike,
                   tax_rate: ArrayLike, fx: ArrayLike = 1.0, year: int = 1, *,
                   convention: Convention = "full_year") -> ArrayLike:
    """EPS drag (<= 0) in ``year`` from capex spent in year 1, per share, in the price currency.

    ``-depreciation_schedule(capex, life)[year] * (1 - tax_rate) * fx / shares``.

    Args:
        capex: incremental capex (>= 0), total, reporting currency (e.g. USD bn).
        useful_life_years: depreciation life (> 0 years).
        shares: share count (> 0) in the unit matching ``capex`` (bn shares for USD bn).
        tax_rate: tax rate (fraction in [0, 1)).
        fx: price-currency units per reporting-currency unit (> 0).
        year: which year's drag (integer >= 1; 1 = the year of spending).
        convention: see :func:`depreciation_schedule`.

    Zero capex gives exactly 0; larger capex never gives a smaller drag in absolute value.
    """
    f = "capex_eps_drag"
    y = _check_int(year, "year", f, 1)
    start = _start(convention, f)
    inp = Inputs(f, capex=capex, useful_life_years=useful_life_years, shares=shares,
                 tax_rate=tax_rate, fx=fx)
    c = inp.get("capex", ge=0.0)
    life = inp.get("useful_life_years", gt=0.0, unit="years")
    n = inp.get("shares", gt=0.0)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    shape = inp.broadcast()
    dep = _schedule(np.broadcast_to(c, shape), np.broadcast_to(life, shape), y, start)[..., y - 1]
    return inp.wrap(-dep * (1.0 - t) * r / n)


def capex_fcf_change(capex: ArrayLike, useful_life_years: ArrayLike, tax_rate: ArrayLike = 0.0,
                     *, year: int = 1, shares: ArrayLike | None = None, fx: ArrayLike = 1.0,
                     convention: Convention = "full_year") -> ArrayLike:
    """Change of free cash flow in ``year`` from capex spent in year 1.

    ``FCF change = -capex [year == 1] + tax_rate * depreciation_year`` (the depreciation tax shield;
    depreciation itself is not a cash cost). Converted by ``fx`` and divided by ``shares`` when
    ``shares`` is given (per-share, price currency), else a total in the price currency.

    Args:
        capex: incremental capex (>= 0), total, reporting currency.
        useful_life_years: life (> 0).
        tax_rate: fraction in [0, 1).
        year: integer >= 1.
        shares: optional share count (> 0).
        fx: price-currency per reporting-currency unit (> 0).
    """
    f = "capex_fcf_change"
    y = _check_int(year, "year", f, 1)
    start = _start(convention, f)
    values = dict(capex=capex, useful_life_years=useful_life_years, tax_rate=tax_rate, fx=fx)
    if shares is not None:
        values["shares"] = shares
    inp = Inputs(f, **values)
    c = inp.get("capex", ge=0.0)
    life = inp.get("useful_life_years", gt=0.0, unit="years")
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    n = inp.get("shares", gt=0.0) if shares is not None else np.float64(1.0)
    shape = inp.broadcast()
    dep = _schedule(np.broadcast_to(c, shape), np.broadcast_to(life, shape), y, start)[..., y - 1]
    spend = c if y == 1 else 0.0 * c
    return inp.wrap((-spend + t * dep) * r / n)


def fcf_yield(fcf: ArrayLike, market_cap: ArrayLike) -> ArrayLike:
    """Return the free-cash-flow yield ``fcf / market_cap`` (fraction).

    Same currency and unit for both; ``market_cap`` > 0, ``fcf`` any sign.
    """
    inp = Inputs("fcf_yield", fcf=fcf, market_cap=market_cap)
    a = inp.get("fcf")
    m = inp.get("market_cap", gt=0.0)
    inp.broadcast()
    return inp.wrap(a / m)
