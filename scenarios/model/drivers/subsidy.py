"""The ``subsidy`` driver: a user subsidy valued as cash.

One-off, programme or recurring, with an optional uplift from retained users.

How the cash is valued depends on ``recurrence`` (the finance is in :mod:`valuation.cash_items`):

* ``one_off`` (default): the share loses the after-tax cash per share in the price currency,
  once; a value adjustment applied after every multiplicative term, so the horizon price of
  every path falls by exactly that amount;
* ``programme``: the present value, at the stated ``discount_rate``, of the after-tax yearly
  amounts, per share, applied the same way;
* ``recurring``: a yearly EPS cut valued at the multiple (the behaviour before cash items).

The retained-user uplift is recurring profit: always an EPS uplift, valued at the multiple.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from scenarios.model.drivers.base import DriverSpec, DriverStep, MoneyDriver
from scenarios.model.fields import TAX_RATE_HELP, UNIT_SCALE, Unit
from scenarios.model.params import Bounded, NonNegative, Share, SignedShare, TaxRate

_UPLIFT = ("users", "retention", "arpu", "margin")
_PROGRAMME_ONLY = ("discount_rate", "years", "amounts_by_year", "timing")

#: annual discount rate of a programme: a fraction in [0, 1)
DiscountRate = Bounded(ge=0.0, lt=1.0)
Recurrence = Literal["one_off", "recurring", "programme"]


class Subsidy(MoneyDriver):
    """User subsidy (red packets, coupons, delivery subsidies) valued as cash by ``recurrence``.

    Optional uplift from retained users.
    """

    type: Literal["subsidy"]
    amount: NonNegative | None = Field(
        default=None,
        description="one_off: the total; recurring: per year; programme: per year for `years` "
                    "(in unit x currency)")
    recurrence: Recurrence = Field(
        default="one_off",
        description="one_off: value falls by the after-tax cash once; programme: by the PV of the "
                    "yearly amounts at discount_rate; recurring: a yearly EPS cut valued at the P/E")
    discount_rate: DiscountRate | None = Field(default=None, description="programme: annual rate")  # type: ignore[valid-type]
    years: int | None = Field(default=None, ge=1, le=50, description="programme: years of `amount`")
    amounts_by_year: list[Annotated[float, Field(ge=0.0, allow_inf_nan=False)]] | None = Field(
        default=None, min_length=1, max_length=50,
        description="programme: amount of each year 1..n (in unit x currency), instead of amount + years")
    timing: Literal["end", "mid", "start"] = Field(
        default="end", description="programme: when each year's cash moves (t = k, k - 0.5, k - 1)")
    tax_rate: TaxRate | None = Field(default=None, description=TAX_RATE_HELP)
    users: NonNegative | None = None
    users_unit: Unit = "1"
    retention: Share | None = None
    arpu: NonNegative | None = Field(default=None, description="annual revenue per user, in currency")
    margin: SignedShare | None = None

    @model_validator(mode="after")
    def _uplift_complete(self) -> Subsidy:
        given = [k for k in _UPLIFT if getattr(self, k) is not None]
        if given and len(given) != 4:
            missing = [k for k in _UPLIFT if getattr(self, k) is None]
            raise ValueError(f"the retained-user uplift needs users, retention, arpu and margin "
                             f"together (missing {', '.join(missing)})")
        return self

    @model_validator(mode="after")
    def _recurrence_keys(self) -> Subsidy:
        if self.recurrence != "programme":
            extra = [k for k in _PROGRAMME_ONLY if k in self.model_fields_set]
            if extra:
                raise ValueError(f"{', '.join(extra)} only apply to recurrence: programme "
                                 f"(this subsidy is {self.recurrence})")
            if self.amount is None:
                raise ValueError(f"amount is required (the {'total' if self.recurrence == 'one_off' else 'yearly'} "
                                 "cash, in unit x currency)")
            return self
        if self.discount_rate is None:
            raise ValueError("recurrence: programme needs discount_rate (the present value is taken "
                             "at a stated annual rate, e.g. 0.09)")
        by_year = self.amounts_by_year is not None
        if by_year and (self.amount is not None or self.years is not None):
            raise ValueError("give either amounts_by_year or amount (per year) with years, not both")
        if not by_year and (self.amount is None or self.years is None):
            raise ValueError("recurrence: programme needs amounts_by_year, or amount (per year) "
                             "with years")
        return self


def _needs(driver: Any) -> tuple[str, ...]:
    """Return a recurring cost or a retained-user uplift changes EPS; a cash value needs only shares."""
    if driver.recurrence == "recurring" or driver.users is not None:
        return ("eps", "shares")
    return ("shares",)


def _cash_value_change(step: DriverStep, t: Any, fx: Any) -> Any:
    """Value change per share (price currency) of a one-off or a programme.

    ``(k,)`` or ``(draws, k)``, <= 0.
    """
    from valuation import cash_items as ci

    d = step.driver
    scale = UNIT_SCALE[d.unit]
    if d.recurrence == "one_off":
        cash = step.draw("amount") * scale
    else:
        rate = step.draw("discount_rate")
        if d.amounts_by_year is not None:
            cash = ci.programme_present_value(np.asarray(d.amounts_by_year) * scale, rate,
                                              timing=d.timing)
        else:
            annuity = ci.programme_present_value(np.ones(d.years), rate, timing=d.timing)
            cash = np.asarray(annuity) * step.draw("amount") * scale
    return np.asarray(ci.one_off_value_change(cash, step.shares, tax_rate=t, fx=fx))


def evaluate(step: DriverStep) -> None:
    """One-off / programme: a value adjustment of minus the after-tax cash (PV) per share.

    Recurring: EPS falls by the after-tax yearly cost per share. Both: EPS rises by the
    retained users' profit.
    """
    from valuation.drivers import subsidy as vsub  # valuation loads on first use, not with the schema

    d = step.driver
    fx = step.fx()
    t = np.asarray(step.tax())
    delta: Any = None
    if d.recurrence == "recurring":
        amount = step.draw("amount") * UNIT_SCALE[d.unit]
        delta = np.asarray(vsub.subsidy_eps_impact(amount, 1.0, 0.0, 1.0)) * ((1.0 - t) * fx / step.shares)
    else:
        dv = _cash_value_change(step, t, fx)
        step.adjust_value(lambda price: dv)
    if d.users is not None:
        users = step.draw("users") * UNIT_SCALE[d.users_unit]
        uplift = vsub.retained_user_uplift(users, step.draw("retention"), step.draw("arpu"),
                                           step.draw("margin"), step.shares, fx, t)
        delta = uplift if delta is None else delta + uplift
    if delta is not None:
        step.set_eps(step.eps() + delta)


SPEC = DriverSpec(
    type="subsidy",
    schema=Subsidy,
    doc="User subsidy valued as cash: one-off (default), multi-year programme (PV) or recurring (P/E).",
    reference="""\
A user subsidy (red packets, coupons, delivery subsidies). `recurrence` says how its cash is valued:

* `one_off` (default): cash that leaves once. The share loses the after-tax cash per share in the
  price currency, `amount x (1 - tax_rate) x fx / shares`, once. It is applied after every
  multiplicative term (EPS, multiple, shocks, dividend carry, market noise) as the log
  contribution `log(1 - cash_ps / P)`, with `P` each path's horizon price without the item, so
  the horizon price of every path (and so the median) falls by exactly `cash_ps`, at any horizon.
* `programme`: a stated multi-year outlay, valued at its present value at `discount_rate`
  (*P*, [0, 1), required): `amounts_by_year: [a1, a2, ...]` (fixed numbers, unit x currency) or
  `amount` (*P*, per year) with `years` (int 1-50); `timing: end | mid | start` (default `end`:
  year k's cash is discounted by `(1 + r)^k`; `mid`: `k - 0.5`; `start`: `k - 1`). The value
  falls by `PV x (1 - tax_rate) x fx / shares`, applied like a one-off.
* `recurring`: a cost that recurs every year: EPS falls by `amount x (1 - tax_rate) x fx /
  shares` (amount per year) and the price follows EPS at the multiple. This is the only case
  where the P/E capitalises the cost (and the behaviour of subsidies before `recurrence`).

Worked example (Tencent Yuanbao, `examples/spring_festival_subsidies_2026.yaml`): RMB 1bn of red
packets, 20% tax, 1.12 HKD per CNY, 9.2bn shares: `1 x 0.8 x 1.12 / 9.2 = HKD 0.097` a share
(0.018% of the HKD 553.55 close), as a one-off. As `recurring` the same RMB 1bn is an EPS cut of
RMB 0.087 at a P/E of `553.55 / (27.2 x 1.12) = 18.2`: HKD 1.77 a share, 18 times more, which
is right only if the red packets are paid every year for ever. The cash is taken off at face
value, not compounded from `as_of` to the horizon: it leaves once, so the loss does not grow
with the horizon (the return it would have earned is second order: HKD 0.004 for Yuanbao over
six months at 9%).

Optional uplift from retained users (all four together): `users` (*P*, >= 0, with `users_unit`),
`retention` (*P*, [0, 1]), `arpu` (*P*, >= 0, annual revenue per user in `currency`), `margin`
(*P*, [-1, 1]); adds `users x retention x arpu x margin x (1 - tax) x fx / shares` to EPS. That
profit recurs, so it is always an EPS change valued at the multiple, whatever the recurrence of
the cash. Baseline needs: `shares` (and `eps` for `recurring` or the uplift).""",
    group="cash items",
    evaluate=evaluate,
    needs=_needs,
    template="""\
  - type: subsidy
    label: red-packets
    symbols: [0700.HK]
    amount: 1.0           # RMB 1bn spent
    unit: bn
    currency: CNY
    # one_off: the value falls by the after-tax cash per share, once (RMB 1bn -> ~HKD 0.10 a
    # share for Tencent). programme: add discount_rate and years (amount per year) or
    # amounts_by_year. recurring: a yearly EPS cut valued at the P/E (a cost paid every year).
    recurrence: one_off
    users: {dist: uniform, low: 20, high: 60}   # users acquired
    users_unit: m
    retention: {dist: triangular, low: 0.05, mode: 0.15, high: 0.30}
    arpu: 100             # annual revenue per retained user, RMB
    margin: 0.30
""",
)
