"""``ai_capex``: incremental capex depreciated straight-line drags on EPS."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from scenarios.model.drivers.base import DriverSpec, DriverStep, MoneyDriver
from scenarios.model.fields import TAX_RATE_HELP
from scenarios.model.params import Positive, TaxRate


class AiCapex(MoneyDriver):
    """Incremental capex spent in year 1, depreciated straight-line: EPS drag in ``year``."""

    type: Literal["ai_capex"]
    useful_life_years: Positive
    tax_rate: TaxRate | None = Field(default=None, description=TAX_RATE_HELP)
    year: int = Field(default=1, ge=1, le=50)


def evaluate(step: DriverStep) -> None:
    """EPS falls by the after-tax depreciation of ``year`` per share.

    Under ``valuation:
    fcf_yield`` FCF per share falls by the whole cash capex increase per share.
    """
    from valuation.drivers import capex as vc  # valuation loads on first use, not with the schema

    amount, fx = step.money()
    if step.measure == "fcf":  # cash lens: no depreciation smoothing, no tax shield
        step.set_eps(step.eps() - amount * (fx / step.shares))
        return
    # depreciation per unit of capex (draws x 1 unless drawn per symbol), then per share
    dep = np.asarray(vc.capex_eps_drag(amount, step.draw("useful_life_years"), 1.0, 0.0, 1.0,
                                       year=step.driver.year), dtype=np.float64)
    drag = dep * ((1.0 - np.asarray(step.tax())) * fx / step.shares)
    step.set_eps(step.eps() + drag)


SPEC = DriverSpec(
    type="ai_capex",
    schema=AiCapex,
    doc="Incremental capex, depreciated straight-line, drags on EPS.",
    reference="""\
Incremental capex spent in year 1, depreciated straight-line; the after-tax depreciation of
`year` per share is subtracted from EPS (`valuation.drivers.capex.capex_eps_drag`).
Capex has no `recurrence`: the cash buys an asset (it is not a cost that leaves the company), and
its cost in the income statement is the depreciation, charged every year of the useful life and
renewed by the next year's capex, so it is a recurring EPS drag valued at the multiple.
Under `valuation: {method: fcf_yield}` the measure is FCF per share and the driver subtracts the
whole cash capex increase per share (`amount x fx / shares`) from it: no depreciation smoothing
and no tax shield (`useful_life_years`, `tax_rate` and `year` are ignored), an annual cash
outflow valued at the price/FCF multiple.
* money keys (`amount` = capex total), `useful_life_years` (*P*, > 0), `tax_rate`, `year` (int >= 1, default 1)""",
    group="earnings",
    evaluate=evaluate,
    needs=("eps", "shares"),
    template="""\
  - type: ai_capex
    label: capex
    symbols: [0700.HK]
    amount: {dist: uniform, low: 80, high: 120}   # incremental capex, total
    unit: bn
    currency: CNY
    useful_life_years: {dist: triangular, low: 4, mode: 5, high: 6}
    year: 1               # which year's depreciation hits the horizon EPS
""",
)
