"""``revenue_uplift``: extra revenue earned at a margin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scenarios.model.drivers.base import DriverBase, DriverSpec, DriverStep
from scenarios.model.fields import TAX_RATE_HELP
from scenarios.model.params import Fraction, SignedShare, TaxRate


class RevenueUplift(DriverBase):
    """Extra revenue (``uplift`` x baseline sales) earned at ``margin`` (e.g. AI cloud revenue)."""

    type: Literal["revenue_uplift"]
    uplift: Fraction
    margin: SignedShare
    tax_rate: TaxRate | None = Field(default=None, description=TAX_RATE_HELP)


def evaluate(step: DriverStep) -> None:
    """EPS + sales per share x uplift x margin x (1 - tax)."""
    from valuation.drivers import growth as vg  # valuation loads on first use, not with the schema

    delta = vg.revenue_uplift_eps(step.sales_ps, step.draw("uplift"), step.draw("margin"), step.tax())
    step.set_eps(step.eps() + delta)


SPEC = DriverSpec(
    type="revenue_uplift",
    schema=RevenueUplift,
    doc="Extra revenue (a fraction of baseline sales) earned at a margin.",
    reference="""\
Extra revenue `uplift` (*P*, fraction of baseline sales, > -1) earned at `margin` (*P*, [-1, 1]),
after `tax_rate` (e.g. AI cloud revenue).""",
    group="earnings",
    evaluate=evaluate,
    needs=("sales", "shares"),
    template="""\
  - type: revenue_uplift
    label: cloud-revenue
    symbols: [0700.HK]
    uplift: {dist: triangular, low: 0.01, mode: 0.03, high: 0.06}   # of baseline sales
    margin: 0.25
""",
)
