"""``margin_change``: the operating margin moves on baseline sales."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scenarios.model.drivers.base import DriverBase, DriverSpec, DriverStep
from scenarios.model.fields import TAX_RATE_HELP
from scenarios.model.params import SignedShare, TaxRate


class MarginChange(DriverBase):
    """Operating margin moves by ``change`` (fraction points) on baseline sales."""

    type: Literal["margin_change"]
    change: SignedShare
    tax_rate: TaxRate | None = Field(default=None, description=TAX_RATE_HELP)


def evaluate(step: DriverStep) -> None:
    """EPS + sales per share x change x (1 - tax)."""
    from valuation.drivers import growth as vg  # valuation loads on first use, not with the schema

    delta = vg.margin_change_eps(step.sales_ps, step.draw("change"), step.tax())
    step.set_eps(step.eps() + delta)


SPEC = DriverSpec(
    type="margin_change",
    schema=MarginChange,
    doc="The operating margin moves by change (fraction points) on baseline sales.",
    reference="""\
Operating margin moves by `change` (*P*, fraction points in [-1, 1]) on baseline sales per
share, after `tax_rate`.""",
    group="earnings",
    evaluate=evaluate,
    needs=("sales", "shares"),
    template="""\
  - type: margin_change
    label: margin
    symbols: [0700.HK]
    change: {dist: normal, mean: 0.01, sd: 0.005, clip: [-0.05, 0.05]}   # +1 point of margin
""",
)
