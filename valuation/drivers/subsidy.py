"""User-acquisition subsidies (red packets, coupons).

The one-off EPS cost and the later uplift from the users who stay.

Amounts are totals in the reporting currency (RMB for Tencent, Alibaba); ``fx`` converts to the
price currency (HKD per CNY); ``shares`` is in the unit matching the amounts (RMB bn / bn shares).

Worked example (seed ``003_891319027a62e08e.txt``): Tencent's Yuanbao app handed out RMB 1bn of
red packets around the 2026 Spring Festival. With 9.2bn shares and 1.10 HKD per CNY the one-off cost
is ``-1 * 1.10 / 9.2 = -HKD 0.12`` per share before tax (about 0.5% of a year's EPS).
"""

from __future__ import annotations

import numpy as np

from .._types import ArrayLike
from .._validate import Inputs

__all__ = ["subsidy_eps_impact", "retained_user_uplift", "subsidy_payback_years"]


def subsidy_eps_impact(amount: ArrayLike, shares: ArrayLike, tax_rate: ArrayLike = 0.0,
                       fx: ArrayLike = 1.0) -> ArrayLike:
    """One-off EPS impact (<= 0) of a subsidy: ``-amount * (1 - tax_rate) * fx / shares``.

    Args:
        amount: subsidy spent (>= 0), total, reporting currency.
        shares: share count (> 0), unit matching ``amount``.
        tax_rate: tax deductibility of the outlay (fraction in [0, 1); 0 = not deductible).
        fx: price-currency units per reporting-currency unit (> 0).

    Returns
    -------
        EPS change in the price currency, in the year of the outlay only.
    """
    inp = Inputs("subsidy_eps_impact", amount=amount, shares=shares, tax_rate=tax_rate, fx=fx)
    a = inp.get("amount", ge=0.0)
    n = inp.get("shares", gt=0.0)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    r = inp.get("fx", gt=0.0)
    inp.broadcast()
    return inp.wrap(-a * (1.0 - t) * r / n)


def retained_user_uplift(users: ArrayLike, retention: ArrayLike, arpu: ArrayLike,
                         margin: ArrayLike, shares: ArrayLike, fx: ArrayLike = 1.0,
                         tax_rate: ArrayLike = 0.0) -> ArrayLike:
    """Annual EPS uplift in later years from users acquired by a subsidy.

    ``users * retention * arpu * margin * (1 - tax_rate) * fx / shares``.

    Args:
        users: users acquired (>= 0), a count in the unit matching ``shares`` x ``arpu`` (e.g.
            users in bn with shares in bn and ARPU in RMB gives RMB per share).
        retention: fraction of them still active (in [0, 1]).
        arpu: annual revenue per retained user (>= 0), reporting currency.
        margin: incremental pre-tax margin on that revenue (fraction in [-1, 1]).
        shares: share count (> 0).
        fx: price-currency per reporting-currency unit (> 0).
        tax_rate: fraction in [0, 1).
    """
    inp = Inputs("retained_user_uplift", users=users, retention=retention, arpu=arpu,
                 margin=margin, shares=shares, fx=fx, tax_rate=tax_rate)
    u = inp.get("users", ge=0.0)
    k = inp.get("retention", ge=0.0, le=1.0, fraction=True)
    a = inp.get("arpu", ge=0.0)
    m = inp.get("margin", ge=-1.0, le=1.0, fraction=True)
    n = inp.get("shares", gt=0.0)
    r = inp.get("fx", gt=0.0)
    t = inp.get("tax_rate", ge=0.0, lt=1.0, fraction=True)
    inp.broadcast()
    return inp.wrap(u * k * a * m * (1.0 - t) * r / n)


def subsidy_payback_years(amount: ArrayLike, users: ArrayLike, retention: ArrayLike,
                          arpu: ArrayLike, margin: ArrayLike) -> ArrayLike:
    """Years of retained-user profit needed to earn back the subsidy (pre-tax, undiscounted).

    ``amount / (users * retention * arpu * margin)``; ``inf`` when that profit is <= 0.
    """
    inp = Inputs("subsidy_payback_years", amount=amount, users=users, retention=retention,
                 arpu=arpu, margin=margin)
    a = inp.get("amount", ge=0.0)
    u = inp.get("users", ge=0.0)
    k = inp.get("retention", ge=0.0, le=1.0, fraction=True)
    p = inp.get("arpu", ge=0.0)
    m = inp.get("margin", ge=-1.0, le=1.0, fraction=True)
    shape = inp.broadcast()
    profit = np.broadcast_to(u * k * p * m, shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(profit > 0, np.broadcast_to(a, shape) / np.where(profit > 0, profit, 1.0),
                       np.inf)
    return inp.wrap(out)
