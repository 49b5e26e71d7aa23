"""``subsidy``: a one-off user subsidy, with an optional uplift from retained users."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from scenarios.model.drivers.base import DriverSpec, DriverStep, MoneyDriver
from scenarios.model.fields import TAX_RATE_HELP, UNIT_SCALE, Unit
from scenarios.model.params import NonNegative, Share, SignedShare, TaxRate

_UPLIFT = ("users", "retention", "arpu", "margin")


class Subsidy(MoneyDriver):
    """One-off user subsidy (red packets, coupons); optional uplift from retained users."""

    type: Literal["subsidy"]
    tax_rate: TaxRate | None = Field(default=None, description=TAX_RATE_HELP)
    users: NonNegative | None = None
    users_unit: Unit = "1"
    retention: Share | None = None
    arpu: NonNegative | None = Field(default=None, description="annual revenue per user, in currency")
    margin: SignedShare | None = None

    @model_validator(mode="after")
    def _uplift_complete(self) -> "Subsidy":
        given = [k for k in _UPLIFT if getattr(self, k) is not None]
        if given and len(given) != 4:
            missing = [k for k in _UPLIFT if getattr(self, k) is None]
            raise ValueError(f"the retained-user uplift needs users, retention, arpu and margin "
                             f"together (missing {', '.join(missing)})")
        return self


def evaluate(step: DriverStep) -> None:
    """EPS falls by the after-tax subsidy per share, and rises by the retained users' profit."""
    from valuation.drivers import subsidy as vsub  # valuation loads on first use, not with the schema

    d = step.driver
    amount, fx = step.money()
    t = np.asarray(step.tax())
    delta = np.asarray(vsub.subsidy_eps_impact(amount, 1.0, 0.0, 1.0)) * ((1.0 - t) * fx / step.shares)
    if d.users is not None:
        users = step.draw("users") * UNIT_SCALE[d.users_unit]
        delta = delta + vsub.retained_user_uplift(users, step.draw("retention"), step.draw("arpu"),
                                                  step.draw("margin"), step.shares, fx, t)
    step.set_eps(step.eps() + delta)


SPEC = DriverSpec(
    type="subsidy",
    schema=Subsidy,
    doc="One-off user subsidy (red packets, coupons) with an optional retained-user uplift.",
    reference="""\
One-off user subsidy (red packets, coupons): `- amount x (1 - tax_rate) x fx / shares` of EPS.
Optional uplift from retained users (all four together): `users` (*P*, >= 0, with `users_unit`),
`retention` (*P*, [0, 1]), `arpu` (*P*, >= 0, annual revenue per user in `currency`), `margin`
(*P*, [-1, 1]); adds `users x retention x arpu x margin x (1 - tax) x fx / shares`.""",
    group="earnings",
    evaluate=evaluate,
    needs=("eps", "shares"),
    template="""\
  - type: subsidy
    label: red-packets
    symbols: [0700.HK]
    amount: 1.0           # RMB 1bn spent
    unit: bn
    currency: CNY
    users: {dist: uniform, low: 20, high: 60}   # users acquired
    users_unit: m
    retention: {dist: triangular, low: 0.05, mode: 0.15, high: 0.30}
    arpu: 100             # annual revenue per retained user, RMB
    margin: 0.30
""",
)
