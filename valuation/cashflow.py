"""The cash-flow lens.

Free cash flow under a named convention, FCF-yield valuation and a
two-stage DCF.

Free cash flow has two conventions in common use, and a number means nothing until it says which:

``gross_capex`` (yfinance's "Free Cash Flow")
    ``FCF = operating cash flow - purchases of property and equipment`` (gross).
``net_capex`` (Amazon's own "free cash flow")
    ``FCF = operating cash flow - (purchases of property and equipment net of proceeds from
    sales and incentives)``.

Amazon 2024 (USD bn, 10-K and the yfinance cash-flow statement): operating cash flow 115.877,
purchases of PP&E 82.999, proceeds from PP&E sales and incentives 5.341 (net purchases 77.658):
``gross_capex`` FCF = 32.878, ``net_capex`` FCF = 38.219.

Valuation. ``price = FCF per share / FCF yield``. The two-stage DCF discounts ``n`` explicit years
of cash flow growing at ``g`` and a Gordon terminal value growing at ``g_T`` forever::

    CF_t  = CF_0 (1 + g) ** t,                         t = 1..n
    TV_n  = CF_n (1 + g_T) / (r - g_T)                 (requires r > g_T)
    value = sum_t CF_t / (1 + r) ** t + TV_n / (1 + r) ** n

With ``n = 0`` (or ``g = g_T``) this is the Gordon growth model ``CF_0 (1 + g_T) / (r - g_T)``, and
with earnings as the cash flow (full payout) it is the P/E valuation at the justified multiple
``(1 + g) / (r - g)`` (:func:`justified_pe`).

Units: totals (``operating_cash_flow``, purchases, proceeds) in one currency and unit; per-share
amounts in the price currency; rates are annual fractions (0.09 = 9%). Arrays broadcast over a
leading draws axis (see :mod:`valuation._validate`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ._types import ArrayLike, OnInvalid
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
    "FCFConvention",
    "FCF_DEFINITIONS",
    "FreeCashFlow",
    "free_cash_flow",
    "price_from_fcf_yield",
    "implied_fcf_yield",
    "dcf_value",
    "dcf_value_from_flows",
    "gordon_value",
    "justified_pe",
]

#: The two free-cash-flow conventions (see the module docstring).
FCFConvention = Literal["gross_capex", "net_capex"]

#: One-line definition of each convention, for reports and error messages.
FCF_DEFINITIONS: dict[str, str] = {
    "gross_capex": "operating cash flow - gross purchases of property and equipment "
                   "(yfinance 'Free Cash Flow')",
    "net_capex": "operating cash flow - (purchases of property and equipment net of proceeds "
                 "from sales and incentives) (Amazon's own FCF)",
}


class FreeCashFlow(NamedTuple):
    """A free-cash-flow figure that names its convention.

    Attributes
    ----------
    value : float, ndarray or pandas
        The FCF, in the currency and unit of the inputs (a total, or per share after
        :meth:`per_share`).
    convention : "gross_capex" or "net_capex"
    definition : str
        The convention in words (:data:`FCF_DEFINITIONS`).
    per_share_basis : bool
        True once divided by a share count.
    """

    value: ArrayLike
    convention: FCFConvention
    definition: str
    per_share_basis: bool = False

    def per_share(self, shares: ArrayLike, fx: ArrayLike = 1.0) -> FreeCashFlow:
        """Return the same FCF per share in the price currency: ``value * fx / shares``.

        Parameters
        ----------
        shares : > 0
            Share count in the unit matching the totals (USD bn / bn shares = USD per share).
        fx : > 0
            Price-currency units per statement-currency unit (HKD per CNY); 1 by default.
        """
        if self.per_share_basis:
            raise InputRangeError("FreeCashFlow.per_share: the value is already per share")
        inp = Inputs("FreeCashFlow.per_share", value=self.value, shares=shares, fx=fx)
        v = inp.get("value")
        n = inp.get("shares", gt=0.0)
        r = inp.get("fx", gt=0.0)
        inp.broadcast()
        return FreeCashFlow(inp.wrap(v * r / n), self.convention, self.definition, True)


def free_cash_flow(operating_cash_flow: ArrayLike, ppe_purchases: ArrayLike, *,
                   convention: FCFConvention,
                   ppe_proceeds: ArrayLike | None = None) -> FreeCashFlow:
    """Free cash flow under a named convention.

    Parameters
    ----------
    operating_cash_flow : any sign
        Cash flow from operations, total (e.g. USD bn).
    ppe_purchases : >= 0
        Gross purchases of property and equipment, as a positive magnitude in the same unit
        (statements and yfinance show it as a negative number: pass ``-value``).
    convention : "gross_capex" or "net_capex"
        ``gross_capex``: ``OCF - purchases``. ``net_capex``: ``OCF - (purchases - proceeds)``.
    ppe_proceeds : >= 0, required for ``net_capex`` only
        Proceeds from property and equipment sales and incentives (positive magnitude). Passing
        it with ``gross_capex`` is an error: that convention ignores proceeds by definition.

    Returns
    -------
    FreeCashFlow
        ``value`` of the kind and broadcast shape of the inputs, with its convention named.

    Examples
    --------
    >>> round(free_cash_flow(115.877, 82.999, convention="gross_capex").value, 3)   # AMZN 2024
    32.878
    >>> round(free_cash_flow(115.877, 82.999, convention="net_capex", ppe_proceeds=5.341).value, 3)
    38.219
    """
    f = "free_cash_flow"
    if convention not in FCF_DEFINITIONS:
        raise InputRangeError(f"{f}: convention must be 'gross_capex' or 'net_capex' "
                              f"(got {convention!r})")
    if convention == "gross_capex" and ppe_proceeds is not None:
        raise InputRangeError(f"{f}: ppe_proceeds is only used by convention='net_capex'; the "
                              "gross_capex convention subtracts gross purchases by definition")
    if convention == "net_capex" and ppe_proceeds is None:
        raise InputRangeError(f"{f}: convention='net_capex' needs ppe_proceeds (proceeds from "
                              "property and equipment sales and incentives)")
    values: dict[str, ArrayLike] = {"operating_cash_flow": operating_cash_flow,
                                    "ppe_purchases": ppe_purchases}
    if ppe_proceeds is not None:
        values["ppe_proceeds"] = ppe_proceeds
    inp = Inputs(f, **values)
    ocf = inp.get("operating_cash_flow")
    cap = inp.get("ppe_purchases", ge=0.0,
                  unit="(a positive magnitude: statements show purchases as negative numbers)")
    out = ocf - cap
    if ppe_proceeds is not None:
        out = out + inp.get("ppe_proceeds", ge=0.0, unit="(a positive magnitude)")
    inp.broadcast()
    return FreeCashFlow(inp.wrap(out), convention, FCF_DEFINITIONS[convention])


def price_from_fcf_yield(fcf_per_share: ArrayLike, fcf_yield: ArrayLike, *,
                         on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Price per share = FCF per share / FCF yield.

    Parameters
    ----------
    fcf_per_share : float, array or pandas
        Free cash flow per share per year, price currency (name its convention upstream).
    fcf_yield : > 0, fraction per year
        The FCF yield the market pays (0.03 = 3%, i.e. 33.3x FCF).
    on_invalid : "raise" or "nan"
        ``fcf_per_share <= 0`` has no yield price: raise (default) or NaN.

    Returns
    -------
    Price per share in the currency of ``fcf_per_share``.
    """
    f = "price_from_fcf_yield"
    check_on_invalid(on_invalid, f)
    inp = Inputs(f, fcf_per_share=fcf_per_share, fcf_yield=fcf_yield)
    c = inp.get("fcf_per_share")
    y = inp.get("fcf_yield", gt=0.0, lt=1.0, fraction=True)
    inp.broadcast()
    out = handle_invalid(c / y, c <= 0, on_invalid, f,
                         "fcf_per_share must be > 0 to value a stock on its FCF yield",
                         np.broadcast_to(c, np.broadcast_shapes(c.shape, y.shape)))
    return inp.wrap(out)


def implied_fcf_yield(fcf_per_share: ArrayLike, price: ArrayLike) -> ArrayLike:
    """FCF yield implied by a price.

    ``fcf_per_share / price`` (fraction per year, any sign; ``price`` > 0, same currency).
    """
    inp = Inputs("implied_fcf_yield", fcf_per_share=fcf_per_share, price=price)
    c = inp.get("fcf_per_share")
    p = inp.get("price", gt=0.0)
    inp.broadcast()
    return inp.wrap(c / p)


def _check_years(years: object, func: str) -> int:
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or int(years) < 0:
        raise InputRangeError(f"{func}: years must be an integer >= 0 (got {years!r})")
    return int(years)


def dcf_value(cash_flow: ArrayLike, growth: ArrayLike, years: int, terminal_growth: ArrayLike,
              discount_rate: ArrayLike) -> ArrayLike:
    """Two-stage DCF value.

    ``years`` explicit years growing at ``growth``, then a Gordon terminal
    value growing at ``terminal_growth`` (formula in the module docstring).

    Parameters
    ----------
    cash_flow : any sign
        Cash flow of the year just ended, ``CF_0`` (per share in the price currency for a price,
        or a total for an equity value).
    growth : fraction in (-1, 1]
        Annual growth over the explicit years (0.15 = 15%).
    years : int >= 0
        Number of explicit years ``n`` (0 = Gordon model from the start).
    terminal_growth : fraction > -1
        Perpetual growth after year ``n``; must stay below ``discount_rate``.
    discount_rate : fraction in (-1, 1)
        Annual discount rate ``r`` (cost of equity for equity cash flows).

    Returns
    -------
    Value at time 0 in the unit of ``cash_flow``, same kind and broadcast shape as the inputs.
    Linear in ``cash_flow``; increasing in ``growth`` and ``terminal_growth`` and decreasing in
    ``discount_rate`` when ``cash_flow > 0``.

    Raises
    ------
    InputRangeError
        ``discount_rate <= terminal_growth`` (the terminal value does not exist).

    Examples
    --------
    >>> round(dcf_value(1.0, 0.05, 0, 0.05, 0.10), 6)       # Gordon: 1.05 / 0.05
    21.0
    """
    f = "dcf_value"
    n = _check_years(years, f)
    inp = Inputs(f, cash_flow=cash_flow, growth=growth, terminal_growth=terminal_growth,
                 discount_rate=discount_rate)
    c = inp.get("cash_flow")
    g = inp.get("growth", gt=-1.0, le=1.0, fraction=True)
    gt = inp.get("terminal_growth", gt=-1.0, lt=1.0, fraction=True)
    r = inp.get("discount_rate", gt=-1.0, lt=1.0, fraction=True)
    shape = inp.broadcast()
    spread = np.broadcast_to(r - gt, shape)
    raise_if(spread <= 0, spread, f, "discount_rate must be above terminal_growth for a terminal "
             "value to exist; refusing r - g_T <= 0")
    q = (1.0 + g) / (1.0 + r)  # growth-adjusted discount factor per explicit year
    if n == 0:
        explicit = np.zeros(shape)
    else:
        # sum_{t=1..n} q**t, written without a 0/0 when q == 1
        with np.errstate(divide="ignore", invalid="ignore"):
            geometric = np.where(np.isclose(q, 1.0, rtol=0.0, atol=1e-12), n,
                                 q * (1.0 - q ** n) / (1.0 - q))
        explicit = c * geometric
    terminal = c * q ** n * (1.0 + gt) / (r - gt)
    return inp.wrap(np.broadcast_to(explicit + terminal, shape))


def dcf_value_from_flows(cash_flows: ArrayLike, terminal_growth: ArrayLike,
                         discount_rate: ArrayLike) -> ArrayLike:
    """DCF value of an explicit path of cash flows plus a Gordon terminal value on the last one.

    ``value = sum_t CF_t / (1 + r) ** t + CF_n (1 + g_T) / (r - g_T) / (1 + r) ** n`` (year-end
    cash flows), e.g. an FCF path that dips while capex peaks and then recovers.

    Parameters
    ----------
    cash_flows : array (..., n_years) or DataFrame (symbols x years)
        Cash flows of years 1..n on the LAST axis (any sign), per share or totals.
    terminal_growth : fraction in (-1, 1)
        Perpetual growth after year ``n``, below ``discount_rate``; broadcast against the leading
        shape ``(...)`` (a Series indexed like the DataFrame's rows).
    discount_rate : fraction in (-1, 1)
        Annual discount rate.

    Returns
    -------
    Value at time 0 in the unit of the cash flows: float for a 1-D path, shape ``(...)``
    otherwise, a Series indexed like the DataFrame's rows for a DataFrame. Equals
    :func:`dcf_value` when the path grows geometrically.
    """
    f = "dcf_value_from_flows"
    cf = as_float_array(cash_flows, "cash_flows", f)
    check_finite(cf, "cash_flows", f)
    if cf.ndim == 0 or cf.shape[-1] == 0:
        raise InputShapeError(f"{f}: cash_flows needs the years on its last axis, at least one "
                              f"year (got shape {cf.shape})")
    rates = {}
    for name, value in (("terminal_growth", terminal_growth), ("discount_rate", discount_rate)):
        a = as_float_array(value, name, f)
        check_finite(a, name, f)
        check_range(a, name, f, gt=-1.0, lt=1.0, fraction=True)
        if isinstance(cash_flows, pd.DataFrame) and isinstance(value, pd.Series) and \
                not value.index.equals(cash_flows.index):
            raise InputShapeError(f"{f}: Series {name} must be indexed like the rows of cash_flows")
        rates[name] = a
    gt, r = rates["terminal_growth"], rates["discount_rate"]
    lead = cf.shape[:-1]
    try:
        shape = np.broadcast_shapes(lead, gt.shape, r.shape)
    except ValueError:
        raise InputShapeError(f"{f}: terminal_growth{gt.shape} and discount_rate{r.shape} do not "
                              f"broadcast against the leading shape {lead} of cash_flows") from None
    spread = np.broadcast_to(r - gt, shape)
    raise_if(spread <= 0, spread, f, "discount_rate must be above terminal_growth for a terminal "
             "value to exist; refusing r - g_T <= 0")
    n = cf.shape[-1]
    t = np.arange(1, n + 1, dtype=np.float64)
    disc = (1.0 + r[..., None]) ** (-t)
    explicit = np.sum(cf * disc, axis=-1)
    terminal = cf[..., -1] * (1.0 + gt) / (r - gt) * (1.0 + r) ** (-n)
    out = np.asarray(np.broadcast_to(explicit + terminal, shape))
    if isinstance(cash_flows, pd.DataFrame) and out.shape == (len(cash_flows),):
        return pd.Series(out, index=cash_flows.index)
    return float(out) if out.ndim == 0 else out


def gordon_value(cash_flow: ArrayLike, growth: ArrayLike, discount_rate: ArrayLike) -> ArrayLike:
    """Gordon growth value ``CF_0 (1 + g) / (r - g)`` (next year's cash flow over ``r - g``).

    ``r > g`` required, units as in :func:`dcf_value`.
    """
    return dcf_value(cash_flow, growth, 0, growth, discount_rate)


def justified_pe(discount_rate: ArrayLike, growth: ArrayLike, *, payout: ArrayLike = 1.0,
                 basis: Literal["trailing", "forward"] = "trailing") -> ArrayLike:
    """P/E implied by the Gordon model.

    ``payout (1 + g) / (r - g)`` on trailing EPS, or ``payout / (r - g)`` on next year's EPS.

    Parameters
    ----------
    discount_rate : fraction
        Cost of equity ``r`` (annual).
    growth : fraction
        Perpetual growth of earnings and payouts ``g``, below ``r``.
    payout : fraction in (0, 1]
        Share of earnings paid out as free cash flow to equity (1 = all).
    basis : "trailing" or "forward"
        Which EPS the multiple applies to.

    Returns
    -------
    A plain ratio (18.2, never 1820%). ``price_from_pe(eps, justified_pe(r, g))`` equals
    ``dcf_value(eps, g, n, g, r)`` for any ``n``: with a perpetuity the DCF is the P/E valuation.
    """
    f = "justified_pe"
    if basis not in ("trailing", "forward"):
        raise InputRangeError(f"{f}: basis must be 'trailing' or 'forward' (got {basis!r})")
    inp = Inputs(f, discount_rate=discount_rate, growth=growth, payout=payout)
    r = inp.get("discount_rate", gt=-1.0, lt=1.0, fraction=True)
    g = inp.get("growth", gt=-1.0, lt=1.0, fraction=True)
    b = inp.get("payout", gt=0.0, le=1.0, fraction=True)
    shape = inp.broadcast()
    spread = np.broadcast_to(r - g, shape)
    raise_if(spread <= 0, spread, f, "discount_rate must be above growth; refusing r - g <= 0")
    pe = b / (r - g) * ((1.0 + g) if basis == "trailing" else 1.0)
    return inp.wrap(np.broadcast_to(pe, shape))
