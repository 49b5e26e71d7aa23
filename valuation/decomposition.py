"""Exact log decomposition of a stock's return into earnings growth, re-rating and dividends.

With ``R`` the total return (dividends reinvested), ``p`` the price return, ``g`` the EPS growth,
``dm`` the change of the P/E multiple and ``d`` the dividend yield, all simple fractions::

    1 + R = (1 + p) (1 + d)          price move, then dividends reinvested
    1 + p = (1 + g) (1 + dm)         price = EPS x P/E
    log(1+R) = log(1+g) + log(1+dm) + log(1+d)      (exact)

``d`` is therefore the *multiplicative* dividend yield: with cash dividends ``D`` per share over the
period and the end price ``p1``, ``d = D / p1`` (dividends reinvested at the end price), which makes
``(p1 + D) / p0 = (1 + p)(1 + d)`` hold exactly. For a single period ``D / p1`` and the more usual
``D / p0`` differ by ``d * p``, a second-order amount.

Worked example (seed ``001_399d74a4d9af2aed.txt``): Xiaomi's shares rose about 13% in 2025 while
JPMorgan estimated EPS growth of 45.8%, so the P/E fell by ``1.13 / 1.458 - 1 = -22.5%``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._types import ArrayLike
from ._validate import Inputs

__all__ = ["ReturnDecomposition", "decompose_return", "implied_rerating", "decompose_prices"]


class ReturnDecomposition(NamedTuple):
    """Log-return components (natural logs, not annualized) of one period.

    ``log_total == log_earnings + log_rerating + log_dividend`` up to float rounding (<= 1e-15
    relative). ``rerating`` is the simple change of the P/E multiple (fraction, -0.225 = -22.5%).
    Every field has the kind (float / ndarray / Series / DataFrame) of the inputs.
    """

    log_total: ArrayLike
    log_earnings: ArrayLike
    log_rerating: ArrayLike
    log_dividend: ArrayLike
    rerating: ArrayLike

    @property
    def total_return(self) -> ArrayLike:
        """Total simple return ``exp(log_total) - 1`` (fraction)."""
        return np.expm1(self.log_total)


def decompose_return(price_return: ArrayLike, eps_growth: ArrayLike,
                     dividend_yield: ArrayLike = 0.0) -> ReturnDecomposition:
    """Split a return into earnings growth, re-rating and dividends (exact in logs).

    Args:
        price_return: simple price return over the period (fraction, > -1; 0.13 = +13%), dividends
            excluded.
        eps_growth: simple EPS growth over the same period (fraction, > -1). EPS must stay positive
            for a P/E to exist, which is what ``> -1`` means.
        dividend_yield: multiplicative dividend yield of the period (fraction, >= 0; see the module
            docstring: ``D / p1``; below 1, values above 1 are taken for percents). Default 0.

    Returns
    -------
        :class:`ReturnDecomposition` with ``log_total = log1p(price_return) + log1p(dividend_yield)``.
    """
    f = "decompose_return"
    inp = Inputs(f, price_return=price_return, eps_growth=eps_growth, dividend_yield=dividend_yield)
    p = inp.get("price_return", gt=-1.0)
    g = inp.get("eps_growth", gt=-1.0)
    d = inp.get("dividend_yield", ge=0.0, lt=1.0, fraction=True)
    return _decompose(inp, p, g, d)


def _decompose(inp: Inputs, p: np.ndarray, g: np.ndarray, d: np.ndarray) -> ReturnDecomposition:
    shape = inp.broadcast()
    log_p = np.log1p(p)
    log_e = np.broadcast_to(np.log1p(g), shape)
    log_r = np.broadcast_to(log_p - np.log1p(g), shape)
    log_d = np.broadcast_to(np.log1p(d), shape)
    log_t = np.broadcast_to(log_p + np.log1p(d), shape)
    return ReturnDecomposition(
        log_total=inp.wrap(log_t),
        log_earnings=inp.wrap(log_e),
        log_rerating=inp.wrap(log_r),
        log_dividend=inp.wrap(log_d),
        rerating=inp.wrap(np.expm1(log_r)),
    )


def implied_rerating(price_return: ArrayLike, eps_growth: ArrayLike) -> ArrayLike:
    """Change of the P/E multiple implied by a price return and an EPS growth (fractions, > -1).

    ``(1 + price_return) / (1 + eps_growth) - 1``.

    Xiaomi 2025: ``implied_rerating(0.13, 0.458)`` = -0.2250 (the multiple fell 22.5%).
    """
    inp = Inputs("implied_rerating", price_return=price_return, eps_growth=eps_growth)
    p = inp.get("price_return", gt=-1.0)
    g = inp.get("eps_growth", gt=-1.0)
    inp.broadcast()
    return inp.wrap((1.0 + p) / (1.0 + g) - 1.0)


def decompose_prices(p0: ArrayLike, p1: ArrayLike, eps0: ArrayLike, eps1: ArrayLike,
                     dividends: ArrayLike = 0.0) -> ReturnDecomposition:
    """Decompose from levels: start/end price, start/end EPS and cash dividends per share.

    Args:
        p0, p1: price per share at the start and the end (> 0, same currency).
        eps0, eps1: EPS (trailing or forward, but the same definition at both dates; > 0) in any
            one currency (only their ratio is used).
        dividends: cash dividends per share paid during the period (>= 0, price currency).

    The dividend yield used is ``dividends / p1`` (reinvested at the end price), so
    ``log_total == log((p1 + dividends) / p0)`` exactly.
    """
    inp = Inputs("decompose_prices", p0=p0, p1=p1, eps0=eps0, eps1=eps1, dividends=dividends)
    a0 = inp.get("p0", gt=0.0)
    a1 = inp.get("p1", gt=0.0)
    e0 = inp.get("eps0", gt=0.0)
    e1 = inp.get("eps1", gt=0.0)
    dv = inp.get("dividends", ge=0.0)
    inp.broadcast()
    return _decompose(inp, a1 / a0 - 1.0, e1 / e0 - 1.0, dv / a1)
