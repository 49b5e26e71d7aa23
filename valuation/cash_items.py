"""Cash items: one-off costs, multi-year programmes, recurring costs and buybacks, valued as cash.

A cash item changes what a share is worth in one of three ways, and they must not be confused:

``one_off``
    Cash that leaves (or arrives) once: a Spring Festival red-packet campaign, a fine, a
    settlement. The share loses the after-tax cash per share, converted to the price currency,
    **once**: ``dV = -amount * (1 - tax_rate) * fx / shares``. It is *not* an EPS cut capitalised
    at the P/E, which would treat one year's cost as a permanent loss of earnings.
``programme``
    A stated multi-year outlay (a three-year subsidy plan): the present value, at a stated
    discount rate, of the after-tax yearly amounts, per share in the price currency.
``recurring``
    A cost that recurs every year for the foreseeable future: a cut to EPS,
    ``dEPS = -amount * (1 - tax_rate) * fx / shares`` a year, valued at the P/E multiple
    (``dV = dEPS * P/E``). This is the only case where the multiple applies.

Buybacks move value through cash out and the share count:
``V' = (V * N - B) / (N - B / P_buy)``; value neutral when bought at value (``P_buy = V``),
accretive below it, dilutive above it.

Units. ``amount`` is a total in the reporting currency and in the unit matching ``shares`` (RMB bn
with shares in bn gives RMB per share); ``fx`` is price-currency units per reporting-currency unit
(HKD per CNY, see :mod:`valuation.drivers.fx`); ``tax_rate`` is the fraction of the outlay that
is tax deductible at the marginal rate (0.20 = 20%; 0 = not deductible). Results are per share in
the price currency, or natural-log contributions where the name says ``log``.

Worked example (``examples/spring_festival_subsidies_2026.yaml``): Tencent's Yuanbao app spent
RMB 1bn on red packets around the 2026 Spring Festival. With 9.2bn shares, 1.12 HKD per CNY and a
20% tax rate the after-tax cash is ``1 * 0.8 * 1.12 / 9.2 = HKD 0.0974`` per share (HKD 0.0913
at 25%), 0.018% of the HKD 553.55 close of 2026-02-09. Capitalising the same amount as an EPS cut
at the P/E of ``553.55 / (27.2 * 1.12) = 18.17`` gives HKD 1.77, 18 times too much.

All functions accept scalars, numpy arrays and pandas objects (see :mod:`valuation._validate`);
the programme functions take the years on the LAST axis (columns of a DataFrame).
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import pandas as pd

from ._types import ArrayLike, FloatArray, OnInvalid
from ._validate import (
    Inputs,
    as_float_array,
    check_finite,
    check_on_invalid,
    check_range,
    handle_invalid,
    raise_if,
)
from .exceptions import InputRangeError, InputShapeError

__all__ = [
    "Recurrence",
    "Timing",
    "after_tax_cash_per_share",
    "one_off_value_change",
    "value_change_log_contribution",
    "one_off_log_contribution",
    "programme_present_value",
    "programme_value_change",
    "recurring_eps_change",
    "recurring_value_change",
    "buyback_value_per_share",
    "buyback_log_contribution",
    "cash_item_value_change",
]

#: How a cash item recurs: the schema's ``recurrence: one_off | recurring`` (subsidies default to
#: ``one_off``), plus ``programme`` for a stated multi-year outlay valued at its present value.
Recurrence = Literal["one_off", "programme", "recurring"]
#: When in each year a programme's cash moves: at the end (``t = 1..n``), mid-year
#: (``t = 0.5..n-0.5``) or at the start (``t = 0..n-1``, the first year's cash immediately).
Timing = Literal["end", "mid", "start"]

_TIMING_OFFSET = {"end": 0.0, "mid": 0.5, "start": 1.0}


def after_tax_cash_per_share(amount: ArrayLike, shares: ArrayLike, *, tax_rate: ArrayLike = 0.0,
                             fx: ArrayLike = 1.0) -> ArrayLike:
    """After-tax cash per share in the price currency: ``amount * (1 - tax_rate) * fx / shares``.

    Parameters
    ----------
    amount : scalar, array or pandas, any sign
        Cash outlay (positive) or receipt (negative), total, reporting currency, in the unit
        matching ``shares`` (RMB bn with shares in bn).
    shares : scalar, array or pandas, > 0
        Shares outstanding (bn, millions...).
    tax_rate : fraction in [0, 1), default 0
        Marginal tax rate at which the outlay is deductible (0 = not deductible).
    fx : > 0, default 1
        Price-currency units per reporting-currency unit (HKD per CNY).

    Returns
    -------
    Same kind and broadcast shape as the inputs; price currency per share, the sign of ``amount``.

    Examples
    --------
    >>> round(after_tax_cash_per_share(1.0, 9.2, tax_rate=0.20, fx=1.12), 4)   # Yuanbao, HKD
    0.0974
    """
    inp = Inputs("after_tax_cash_per_share", amount=amount, shares=shares, tax_rate=tax_rate, fx=fx)
    a = inp.get("amount")
    n = inp.get("shares", gt=0.0)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    inp.broadcast()
    return inp.wrap(a * (1.0 - t) * r / n)


def one_off_value_change(amount: ArrayLike, shares: ArrayLike, *, tax_rate: ArrayLike = 0.0,
                         fx: ArrayLike = 1.0) -> ArrayLike:
    """Change of value per share (price currency) from a one-off cash outlay.

    Minus the after-tax cash per share (see :func:`after_tax_cash_per_share` for the parameters).

    Returns
    -------
    ``-amount * (1 - tax_rate) * fx / shares``: <= 0 for a cost, >= 0 for a receipt. Independent of
    the P/E and of the horizon: the cash leaves once.
    """
    out = cast(FloatArray, after_tax_cash_per_share(amount, shares, tax_rate=tax_rate, fx=fx))
    return -out


def value_change_log_contribution(value_change: ArrayLike, price: ArrayLike, *,
                                  on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Natural-log contribution of an absolute value change to a price: ``log(1 + dV / P)``.

    Adding this log to the log price of a path turns ``P`` into ``P + dV`` exactly, so applied
    to the horizon price *without* the item (per draw) it moves every quantile of the price
    distribution by exactly ``dV`` (the median of ``P + dV`` is the median of ``P`` plus ``dV``).

    Parameters
    ----------
    value_change : any sign
        Change of value per share, price currency (e.g. :func:`one_off_value_change`).
    price : > 0
        The price per share the change applies to, same currency (the horizon price of the path
        without the item; the engine's draws broadcast here, shape ``(draws,)`` or
        ``(draws, n_symbols)``).
    on_invalid : "raise" or "nan"
        A change that wipes out the price (``P + dV <= 0``) has no log: raise
        :class:`~valuation.exceptions.InputRangeError` (default) or put NaN there.

    Returns
    -------
    Log contribution (natural log, not a percent), same kind and broadcast shape as the inputs.
    """
    f = "value_change_log_contribution"
    check_on_invalid(on_invalid, f)
    inp = Inputs(f, value_change=value_change, price=price)
    d = inp.get("value_change")
    p = inp.get("price", gt=0.0)
    shape = inp.broadcast()
    ratio = np.broadcast_to(d / p, shape)
    bad = ratio <= -1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log1p(np.where(bad, 0.0, ratio))
    out = handle_invalid(out, bad, on_invalid, f,
                         "the value change wipes out the price (P + dV <= 0); got dV / P", ratio)
    return inp.wrap(out)


def one_off_log_contribution(amount: ArrayLike, shares: ArrayLike, price: ArrayLike, *,
                             tax_rate: ArrayLike = 0.0, fx: ArrayLike = 1.0,
                             on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Log contribution of a one-off cash outlay: ``log(1 - cash_ps / P)``.

    ``cash_ps = amount * (1 - tax_rate) * fx / shares`` (:func:`after_tax_cash_per_share`). This is
    the engine's seam: add it to the log price of each path, with ``price`` the horizon price of
    that path without this item, and the price falls by exactly ``cash_ps`` at any horizon.

    Parameters
    ----------
    amount, shares, tax_rate, fx
        As in :func:`after_tax_cash_per_share`.
    price : > 0
        Price per share the outlay comes out of, price currency; broadcasts over draws.
    on_invalid : "raise" or "nan"
        ``cash_ps >= P``: raise (default) or NaN.

    Returns
    -------
    Natural-log contribution (<= 0 for a cost), same kind and broadcast shape as the inputs.

    Examples
    --------
    >>> c = one_off_log_contribution(1.0, 9.2, 553.55, tax_rate=0.20, fx=1.12)
    >>> round(float(553.55 * (1 - np.exp(c))), 4)     # HKD per share
    0.0974
    """
    dv = one_off_value_change(amount, shares, tax_rate=tax_rate, fx=fx)
    return value_change_log_contribution(dv, price, on_invalid=on_invalid)


def _by_year(amounts_by_year: ArrayLike, func: str) -> tuple[FloatArray, pd.Index | None]:
    """Amounts with years on the last axis, and the row labels of a DataFrame input."""
    a = as_float_array(amounts_by_year, "amounts_by_year", func)
    check_finite(a, "amounts_by_year", func)
    if a.ndim == 0 or a.shape[-1] == 0:
        raise InputShapeError(f"{func}: amounts_by_year needs the years on its last axis, at least "
                              f"one year (got shape {a.shape})")
    labels = amounts_by_year.index if isinstance(amounts_by_year, pd.DataFrame) else None
    return a, labels


def _wrap_leading(result: FloatArray, labels: pd.Index | None, others: dict[str, ArrayLike],
                  func: str) -> ArrayLike:
    if labels is not None:
        for name, value in others.items():
            if isinstance(value, pd.Series) and not value.index.equals(labels):
                raise InputShapeError(f"{func}: Series {name} must be indexed like the rows of "
                                      "amounts_by_year (one value per symbol)")
        if result.shape == (len(labels),):
            return pd.Series(result, index=labels)
    if result.ndim == 0:
        return float(result)
    return result


def programme_present_value(amounts_by_year: ArrayLike, discount_rate: ArrayLike, *,
                            timing: Timing = "end") -> ArrayLike:
    """Present value of a multi-year programme: ``sum_k a_k / (1 + r) ** t_k``.

    Parameters
    ----------
    amounts_by_year : array (..., n_years) or DataFrame (symbols x years)
        Yearly amounts (any sign), years 1..n on the LAST axis, any currency and unit.
    discount_rate : fraction in [0, 1)
        Annual discount rate (0.09 = 9%), broadcast against the leading shape ``(...)``.
    timing : "end", "mid" or "start"
        When each year's cash moves: ``t_k = k``, ``k - 0.5`` or ``k - 1``.

    Returns
    -------
    PV in the currency and unit of the amounts: float for a 1-D input, shape ``(...)`` otherwise,
    a Series indexed like the DataFrame's rows for a DataFrame.
    """
    f = "programme_present_value"
    if timing not in _TIMING_OFFSET:
        raise InputRangeError(f"{f}: timing must be 'end', 'mid' or 'start' (got {timing!r})")
    a, labels = _by_year(amounts_by_year, f)
    r = as_float_array(discount_rate, "discount_rate", f)
    check_finite(r, "discount_rate", f)
    check_range(r, "discount_rate", f, ge=0.0, lt=1.0, fraction=True)
    t = np.arange(1, a.shape[-1] + 1, dtype=np.float64) - _TIMING_OFFSET[timing]
    try:
        disc = (1.0 + r[..., None]) ** (-t)
        pv = np.sum(a * disc, axis=-1)
    except ValueError:
        raise InputShapeError(f"{f}: discount_rate{r.shape} does not broadcast against the leading "
                              f"shape {a.shape[:-1]} of amounts_by_year{a.shape}") from None
    return _wrap_leading(np.asarray(pv), labels, {"discount_rate": discount_rate}, f)


def programme_value_change(amounts_by_year: ArrayLike, shares: ArrayLike, discount_rate: ArrayLike,
                           *, tax_rate: ArrayLike = 0.0, fx: ArrayLike = 1.0,
                           timing: Timing = "end") -> ArrayLike:
    """Change of value per share from a multi-year programme: minus the PV of its after-tax cash.

    ``dV = -PV(amounts) * (1 - tax_rate) * fx / shares``.

    Parameters
    ----------
    amounts_by_year : array (..., n_years) or DataFrame (symbols x years)
        Yearly outlays (positive = cash out), reporting currency, unit matching ``shares``.
    shares : > 0
        Share count, broadcast against the leading shape.
    discount_rate : fraction in [0, 1)
        The stated annual discount rate (e.g. the cost of equity).
    tax_rate, fx
        As in :func:`after_tax_cash_per_share`.
    timing : "end", "mid" or "start"
        See :func:`programme_present_value`. With one year and ``timing="start"`` this is exactly
        :func:`one_off_value_change`.

    Returns
    -------
    Price currency per share (<= 0 for a programme of costs), leading shape of the amounts.
    """
    f = "programme_value_change"
    pv = programme_present_value(amounts_by_year, discount_rate, timing=timing)
    if isinstance(pv, pd.Series):
        _wrap_leading(np.asarray(pv), pv.index, {"shares": shares, "tax_rate": tax_rate, "fx": fx}, f)
    return one_off_value_change(pv, shares, tax_rate=tax_rate, fx=fx)


def recurring_eps_change(amount: ArrayLike, shares: ArrayLike, *, tax_rate: ArrayLike = 0.0,
                         fx: ArrayLike = 1.0) -> ArrayLike:
    """Yearly EPS change of a recurring cost: ``-amount * (1 - tax_rate) * fx / shares``.

    Parameters
    ----------
    amount : any sign
        Cost per YEAR (positive = cost), reporting currency, unit matching ``shares``.
    shares, tax_rate, fx
        As in :func:`after_tax_cash_per_share`.

    Returns
    -------
    EPS change in the price currency per share per year (<= 0 for a cost).
    """
    return one_off_value_change(amount, shares, tax_rate=tax_rate, fx=fx)


def recurring_value_change(amount: ArrayLike, shares: ArrayLike, pe: ArrayLike, *,
                           tax_rate: ArrayLike = 0.0, fx: ArrayLike = 1.0) -> ArrayLike:
    """Change of value per share of a recurring cost, valued at the multiple: ``dEPS * P/E``.

    Parameters
    ----------
    amount, shares, tax_rate, fx
        As in :func:`recurring_eps_change` (``amount`` per year).
    pe : > 0
        Price/earnings multiple (a plain ratio, 18.2; never 1820%).

    Returns
    -------
    Price currency per share (<= 0 for a cost). Equals the PV of the perpetual after-tax cost when
    ``pe = 1 / (r - g)`` (see :func:`valuation.cashflow.justified_pe`).
    """
    inp = Inputs("recurring_value_change", amount=amount, shares=shares, pe=pe, tax_rate=tax_rate,
                 fx=fx)
    a = inp.get("amount")
    n = inp.get("shares", gt=0.0)
    m = inp.get("pe", gt=0.0)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    inp.broadcast()
    return inp.wrap(-a * (1.0 - t) * r / n * m)


def buyback_value_per_share(value_per_share: ArrayLike, amount: ArrayLike, buy_price: ArrayLike,
                            shares: ArrayLike) -> ArrayLike:
    """Value per share after a buyback, through cash out and the share count.

    ``V' = (V * N - B) / (N - B / P_buy)``: the company pays ``B`` in cash (equity value falls by
    ``B``) and retires ``B / P_buy`` shares.

    Parameters
    ----------
    value_per_share : > 0
        Value per share before the buyback, price currency.
    amount : >= 0
        Cash spent ``B``, price currency, unit matching ``shares`` (HKD bn with shares in bn).
    buy_price : > 0
        Average repurchase price per share, price currency.
    shares : > 0
        Shares before the buyback ``N``; retiring all of them raises.

    Returns
    -------
    Price currency per share. Equals ``V`` when ``P_buy == V`` (a buyback at value creates nothing),
    above ``V`` when bought below value, below it when bought above value.
    """
    f = "buyback_value_per_share"
    inp = Inputs(f, value_per_share=value_per_share, amount=amount, buy_price=buy_price,
                 shares=shares)
    v = inp.get("value_per_share", gt=0.0)
    b = inp.get("amount", ge=0.0)
    p = inp.get("buy_price", gt=0.0)
    n = inp.get("shares", gt=0.0)
    shape = inp.broadcast()
    retired = np.broadcast_to(b / p, shape)
    left = np.broadcast_to(n, shape) - retired
    raise_if(left <= 0, retired, f, "the buyback would retire every share (amount / buy_price "
             ">= shares); shares retired")
    equity = np.broadcast_to(v * n - b, shape)
    raise_if(equity <= 0, equity, f, "the buyback spends the whole equity value (amount >= "
             "value_per_share * shares); equity left")
    return inp.wrap(equity / left)


def buyback_log_contribution(value_per_share: ArrayLike, amount: ArrayLike, buy_price: ArrayLike,
                             shares: ArrayLike) -> ArrayLike:
    """Natural-log contribution of a buyback to the value per share.

    ``log(V' / V)`` (parameters of :func:`buyback_value_per_share`); 0 when bought at value.
    """
    new = buyback_value_per_share(value_per_share, amount, buy_price, shares)
    inp = Inputs("buyback_log_contribution", new=new, value_per_share=value_per_share)
    a = inp.get("new", gt=0.0)
    v = inp.get("value_per_share", gt=0.0)
    inp.broadcast()
    return inp.wrap(np.log(a / v))


def cash_item_value_change(recurrence: Recurrence, amount: ArrayLike, shares: ArrayLike, *,
                           tax_rate: ArrayLike = 0.0, fx: ArrayLike = 1.0,
                           pe: ArrayLike | None = None, discount_rate: ArrayLike | None = None,
                           timing: Timing = "end") -> ArrayLike:
    """Value change per share of a cash item by its recurrence (one entry point for the engine).

    Parameters
    ----------
    recurrence : "one_off", "programme" or "recurring"
        ``one_off``: :func:`one_off_value_change` (``pe`` and ``discount_rate`` must be omitted: a
        one-off is neither capitalised nor spread). ``programme``: :func:`programme_value_change`
        with ``amount`` holding the yearly amounts on its last axis and ``discount_rate``
        required. ``recurring``: :func:`recurring_value_change` with ``pe`` required (``amount``
        per year).
    amount, shares, tax_rate, fx
        As in :func:`after_tax_cash_per_share` (reporting currency, unit matching ``shares``).
    pe : > 0, recurring only
        P/E multiple the recurring EPS change is valued at.
    discount_rate : fraction in [0, 1), programme only
        Stated annual discount rate.
    timing : "end", "mid" or "start", programme only

    Returns
    -------
    Price currency per share (<= 0 for costs). Turn it into a log contribution with
    :func:`value_change_log_contribution` against the horizon price without the item.
    """
    f = "cash_item_value_change"
    if recurrence == "one_off":
        if pe is not None or discount_rate is not None:
            raise InputRangeError(f"{f}: a one_off item is worth its after-tax cash once; pe and "
                                  "discount_rate do not apply (omit them)")
        return one_off_value_change(amount, shares, tax_rate=tax_rate, fx=fx)
    if recurrence == "programme":
        if discount_rate is None:
            raise InputRangeError(f"{f}: a programme needs discount_rate (its present value is "
                                  "taken at a stated rate)")
        if pe is not None:
            raise InputRangeError(f"{f}: a programme is valued at its present value; pe does not "
                                  "apply (omit it)")
        return programme_value_change(amount, shares, discount_rate, tax_rate=tax_rate, fx=fx,
                                      timing=timing)
    if recurrence == "recurring":
        if pe is None:
            raise InputRangeError(f"{f}: a recurring item cuts EPS every year and is valued at the "
                                  "multiple: pe is required")
        if discount_rate is not None:
            raise InputRangeError(f"{f}: a recurring item is valued at the multiple; "
                                  "discount_rate does not apply (omit it)")
        return recurring_value_change(amount, shares, pe, tax_rate=tax_rate, fx=fx)
    raise InputRangeError(f"{f}: recurrence must be 'one_off', 'programme' or 'recurring' "
                          f"(got {recurrence!r})")
