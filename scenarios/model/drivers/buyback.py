"""``buyback``: shares repurchased for cash, valued through the cash out and the share count.

``V' = (V x N - B) / (N - B / P_buy)`` (:func:`valuation.cash_items.buyback_value_per_share`):
the company pays ``B`` and retires ``B / P_buy`` shares. ``V`` is each path's horizon price
without the buyback, so the buyback adds value on the paths where the shares end up worth more
than was paid for them, and destroys value where they end up worth less; bought at value it
changes nothing. It used to be an EPS accretion ``N / (N - B / P0)`` valued at an unchanged P/E,
which ignores the cash paid and makes every buyback accretive, even one at a 50% premium.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from scenarios.model.drivers.base import DriverSpec, DriverStep, MoneyDriver
from scenarios.model.params import Fraction


class Buyback(MoneyDriver):
    """Shares bought back at the baseline price (times ``1 + premium``): cash out, fewer shares."""

    type: Literal["buyback"]
    premium: Fraction = Field(default=0.0, description="average repurchase price over the baseline "
                                                       "close, as a fraction (0.05 = 5% above)")


def evaluate(step: DriverStep) -> None:
    """Apply a value adjustment: ``V' - V`` per share, with ``V`` the path's horizon price."""
    from valuation import cash_items as ci  # valuation loads on first use, not with the schema

    amount, fx = step.money()
    cash = np.asarray(amount * fx, dtype=np.float64)             # price currency, total
    buy_price = step.price * (1.0 + np.asarray(step.draw("premium")))
    shares = step.shares

    def change(value: np.ndarray) -> Any:
        # paths whose equity the buyback would exhaust (V x N <= B) are wiped out (the engine
        # floors and reports them); the others follow the formula exactly
        ok = value * shares - cash > 0
        safe = np.where(ok, value, 2.0 * cash / shares + 1.0)
        new = np.asarray(ci.buyback_value_per_share(safe, cash, buy_price, shares))
        return np.where(cash > 0, np.where(ok, new - value, -value), 0.0)

    step.adjust_value(change)


SPEC = DriverSpec(
    type="buyback",
    schema=Buyback,
    doc="Shares bought back for cash: value moves through the cash out and the share count.",
    reference="""\
`amount` (money keys; the total spent) buys shares back, at once, at `P_buy = P0 x (1 +
premium)` (`P0` the baseline close, `premium` *P*, > -1, default 0: the average price paid). \
Value per share goes through the cash out and
the share count, `V' = (V x N - B) / (N - B / P_buy)` (`valuation.cash_items`), applied like a
one-off cash item after every multiplicative term, with `V` each path's horizon price without
the buyback: the log contribution is `log(V' / V)`. A buyback creates value only when the
shares are bought below what they turn out to be worth (`V > P_buy`), destroys it above, and is
neutral at value; on the median path of a scenario that expects the stock to rise it is
accretive. It is not an EPS accretion at an unchanged P/E (the behaviour before cash items),
which ignores the cash paid and makes every buyback accretive. Price support from the buying
itself (flows) is a `sentiment_shock`, not part of this driver. Baseline needs: `shares`.""",
    group="cash items",
    evaluate=evaluate,
    needs=("shares",),
    template="""\
  - type: buyback
    label: buyback
    symbols: [0700.HK]
    amount: {dist: uniform, low: 60, high: 100}   # spent buying shares back, total
    unit: bn
    currency: HKD
    premium: 0.0          # average repurchase price over the baseline close (0.05 = 5% above)
""",
)
