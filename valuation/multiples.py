"""Prices from valuation multiples, and multiples implied by prices.

Units: per-share amounts (``eps``, ``sales_per_share``, ``price``) are in one currency (convert
RMB earnings with :func:`valuation.drivers.fx.convert` first); totals (``ebitda``, ``net_debt``)
are in one currency and the same unit (e.g. HKD millions) and ``shares`` is a count in the unit that
makes ``total / shares`` a per-share amount (HKD millions / millions of shares = HKD per share).
Multiples are plain ratios (P/E 17.4, never 1740%). Growth is a fraction (0.20 = 20%).

All functions accept scalars, numpy arrays and pandas objects and broadcast over a leading draws
axis (shape ``(draws,)`` or ``(draws, n_symbols)``); see :mod:`valuation._validate`.

Economically undefined results (a price from negative earnings, a P/E of a loss-maker, a negative
equity value) raise :class:`~valuation.exceptions.InputRangeError` by default; pass
``on_invalid="nan"`` to get NaN in those positions instead (useful inside Monte Carlo draws).
"""

from __future__ import annotations

import numpy as np

from ._types import ArrayLike, OnInvalid
from ._validate import Inputs, check_on_invalid, handle_invalid

__all__ = [
    "price_from_pe",
    "price_from_ps",
    "price_from_ev_ebitda",
    "price_from_peg",
    "implied_pe",
    "implied_ps",
    "implied_ev_ebitda",
    "implied_peg",
]


def price_from_pe(eps: ArrayLike, pe: ArrayLike, *, on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Price per share = EPS x P/E.

    Args:
        eps: earnings per share, in the price currency (per share, per year).
        pe: price/earnings multiple (> 0, a plain ratio).
        on_invalid: ``eps <= 0`` has no meaningful P/E price: ``"raise"`` (default) or ``"nan"``.

    Returns
    -------
        Price per share in the currency of ``eps``. Linear in ``eps``.
    """
    f = "price_from_pe"
    check_on_invalid(on_invalid, f)
    inp = Inputs(f, eps=eps, pe=pe)
    e = inp.get("eps")
    m = inp.get("pe", gt=0.0)
    inp.broadcast()
    price = e * m
    price = handle_invalid(price, e <= 0, on_invalid, f,
                           "eps must be > 0 to value a stock on P/E", np.broadcast_to(e, price.shape))
    return inp.wrap(price)


def price_from_ps(sales_per_share: ArrayLike, ps: ArrayLike) -> ArrayLike:
    """Price per share = sales per share x P/S.

    Args:
        sales_per_share: revenue per share (>= 0), price currency, per year.
        ps: price/sales multiple (> 0).
    """
    inp = Inputs("price_from_ps", sales_per_share=sales_per_share, ps=ps)
    s = inp.get("sales_per_share", ge=0.0)
    m = inp.get("ps", gt=0.0)
    inp.broadcast()
    return inp.wrap(s * m)


def price_from_ev_ebitda(ebitda: ArrayLike, ev_ebitda: ArrayLike, net_debt: ArrayLike,
                         shares: ArrayLike, *, on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Price per share from an EV/EBITDA multiple: ``(EBITDA x multiple - net debt) / shares``.

    Args:
        ebitda: total EBITDA (> 0), e.g. HKD millions per year.
        ev_ebitda: enterprise value / EBITDA multiple (> 0).
        net_debt: total net debt in the unit of ``ebitda`` (negative = net cash, which adds to the
            equity value).
        shares: shares outstanding (> 0), in the unit matching ``ebitda`` (millions if ``ebitda`` is
            in millions).
        on_invalid: an equity value <= 0 (net debt at or above the enterprise value):
            ``"raise"`` (default) or ``"nan"``.

    Returns
    -------
        Price per share in the currency of ``ebitda``.
    """
    f = "price_from_ev_ebitda"
    check_on_invalid(on_invalid, f)
    inp = Inputs(f, ebitda=ebitda, ev_ebitda=ev_ebitda, net_debt=net_debt, shares=shares)
    e = inp.get("ebitda", gt=0.0)
    m = inp.get("ev_ebitda", gt=0.0)
    d = inp.get("net_debt")
    n = inp.get("shares", gt=0.0)
    inp.broadcast()
    equity = e * m - d
    price = handle_invalid(equity / n, equity <= 0, on_invalid, f,
                           "net debt is at or above the enterprise value (equity value <= 0)",
                           np.broadcast_to(equity, np.shape(equity)))
    return inp.wrap(price)


def price_from_peg(eps: ArrayLike, growth: ArrayLike, peg: ArrayLike, *,
                   on_invalid: OnInvalid = "raise") -> ArrayLike:
    """Price per share from a PEG ratio: ``P/E = PEG x (growth in percent points)``.

    A PEG of 1 with 20% growth means a P/E of 20: ``price = eps x peg x 100 x growth``.

    Args:
        eps: earnings per share (> 0), price currency.
        growth: expected annual EPS growth as a FRACTION (0.20 for 20%, > 0). Values above 3
            (300%) are rejected as probable percents.
        peg: PEG ratio (> 0).
        on_invalid: policy for ``eps <= 0`` (see :func:`price_from_pe`).
    """
    f = "price_from_peg"
    inp = Inputs(f, eps=eps, growth=growth, peg=peg)
    g = inp.get("growth", gt=0.0)
    if np.any(g > 3.0):
        from .exceptions import PercentNotFractionError
        raise PercentNotFractionError(
            f"{f}: growth is a fraction (0.20 for 20%); got {float(np.max(g)):g}, which looks like a "
            "percent. PEG is only meaningful for growth up to a few hundred percent")
    p = inp.get("peg", gt=0.0)
    inp.broadcast("growth", "peg")
    return price_from_pe(eps, inp.wrap(p * g * 100.0), on_invalid=on_invalid)


def implied_pe(price: ArrayLike, eps: ArrayLike, *, on_invalid: OnInvalid = "raise") -> ArrayLike:
    """P/E implied by a price: ``price / eps``.

    Args:
        price: price per share (> 0).
        eps: earnings per share in the price currency; ``eps <= 0`` has no meaningful P/E and
            follows ``on_invalid`` (default raise, or NaN).
    """
    f = "implied_pe"
    check_on_invalid(on_invalid, f)
    inp = Inputs(f, price=price, eps=eps)
    p = inp.get("price", gt=0.0)
    e = inp.get("eps")
    shape = inp.broadcast()
    bad = np.broadcast_to(e <= 0, shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = np.where(bad, np.nan, p / np.where(e == 0, 1.0, e))
    pe = handle_invalid(pe, bad, on_invalid, f, "eps must be > 0 for a P/E",
                        np.broadcast_to(e, shape))
    return inp.wrap(pe)


def implied_ps(price: ArrayLike, sales_per_share: ArrayLike) -> ArrayLike:
    """P/S implied by a price: ``price / sales_per_share`` (sales > 0, same currency)."""
    inp = Inputs("implied_ps", price=price, sales_per_share=sales_per_share)
    p = inp.get("price", gt=0.0)
    s = inp.get("sales_per_share", gt=0.0)
    inp.broadcast()
    return inp.wrap(p / s)


def implied_ev_ebitda(price: ArrayLike, shares: ArrayLike, net_debt: ArrayLike,
                      ebitda: ArrayLike) -> ArrayLike:
    """EV/EBITDA implied by a price: ``(price x shares + net_debt) / ebitda``.

    Units as in :func:`price_from_ev_ebitda` (the inverse of it).
    """
    inp = Inputs("implied_ev_ebitda", price=price, shares=shares, net_debt=net_debt, ebitda=ebitda)
    p = inp.get("price", gt=0.0)
    n = inp.get("shares", gt=0.0)
    d = inp.get("net_debt")
    e = inp.get("ebitda", gt=0.0)
    inp.broadcast()
    return inp.wrap((p * n + d) / e)


def implied_peg(price: ArrayLike, eps: ArrayLike, growth: ArrayLike, *,
                on_invalid: OnInvalid = "raise") -> ArrayLike:
    """PEG implied by a price: ``(price / eps) / (100 x growth)`` (growth a fraction, > 0)."""
    inp = Inputs("implied_peg", price=price, eps=eps, growth=growth)
    p = inp.get("price", gt=0.0)
    e = inp.get("eps")
    g = inp.get("growth", gt=0.0)
    inp.broadcast()
    pe = np.asarray(implied_pe(p, e, on_invalid=on_invalid), dtype=np.float64)
    return inp.wrap(pe / (100.0 * g))
