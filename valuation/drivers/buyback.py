"""Share buybacks: shares retired and EPS accretion.

``amount`` and ``price`` are in the same (price) currency; ``shares`` is a count (any unit, e.g.
millions, as long as ``eps * shares`` means total earnings in that unit). The buyback is assumed to
happen at ``price`` at the start of the period, so the whole period's earnings are spread over the
smaller share count.
"""

from __future__ import annotations

from typing import cast

from .._types import ArrayLike, FloatArray
from .._validate import Inputs, handle_invalid

__all__ = ["buyback_shares_retired", "buyback_eps", "buyback_accretion"]


def buyback_shares_retired(amount: ArrayLike, price: ArrayLike, shares: ArrayLike) -> ArrayLike:
    """Shares retired = ``amount / price`` (in the unit of ``shares``).

    Args:
        amount: money spent (>= 0), price currency, in the unit matching ``shares`` (HKD millions
            with shares in millions).
        price: average repurchase price per share (> 0).
        shares: shares outstanding before the buyback (> 0); retiring all of them raises.
    """
    f = "buyback_shares_retired"
    inp = Inputs(f, amount=amount, price=price, shares=shares)
    a = inp.get("amount", ge=0.0)
    p = inp.get("price", gt=0.0)
    n = inp.get("shares", gt=0.0)
    inp.broadcast()
    retired = a / p + 0.0 * n
    handle_invalid(retired, retired >= n, "raise", f,
                   "the buyback would retire every share (amount / price >= shares)", retired)
    return inp.wrap(retired)


def buyback_eps(eps: ArrayLike, amount: ArrayLike, price: ArrayLike, shares: ArrayLike, *,
                lost_yield: ArrayLike = 0.0, fx: ArrayLike = 1.0) -> ArrayLike:
    """EPS after a buyback: ``(eps * shares - lost income) / (shares - amount / price)``.

    Args:
        eps: EPS before the buyback (any sign), in the eps currency.
        amount: money spent on the buyback (>= 0), price currency.
        price: repurchase price per share (> 0), price currency.
        shares: shares outstanding before (> 0).
        lost_yield: after-tax return the spent cash would have earned (fraction per year, >= 0);
            lost income = ``amount / fx * lost_yield`` in the eps currency. Default 0 (pure share
            count effect).
        fx: price-currency units per eps-currency unit (HKD per CNY when eps is in RMB), > 0.

    Returns
    -------
        New EPS in the eps currency. With ``lost_yield=0`` and positive EPS it never falls.
    """
    f = "buyback_eps"
    inp = Inputs(f, eps=eps, amount=amount, price=price, shares=shares, lost_yield=lost_yield,
                 fx=fx)
    e = inp.get("eps")
    a = inp.get("amount", ge=0.0)
    p = inp.get("price", gt=0.0)
    n = inp.get("shares", gt=0.0)
    y = inp.get("lost_yield", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    inp.broadcast()
    retired = cast(FloatArray, buyback_shares_retired(a, p, n))
    return inp.wrap((e * n - a / r * y) / (n - retired))


def buyback_accretion(amount: ArrayLike, price: ArrayLike, shares: ArrayLike) -> ArrayLike:
    """EPS accretion (fraction) from the share count alone: ``shares / (shares - retired) - 1``."""
    inp = Inputs("buyback_accretion", amount=amount, price=price, shares=shares)
    a = inp.get("amount", ge=0.0)
    p = inp.get("price", gt=0.0)
    n = inp.get("shares", gt=0.0)
    inp.broadcast()
    retired = cast(FloatArray, buyback_shares_retired(a, p, n))
    return inp.wrap(n / (n - retired) - 1.0)
