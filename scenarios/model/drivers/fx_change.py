"""``fx_change``: the reporting currency moves against the listing currency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from scenarios.model.drivers.base import CheckContext, DriverBase, DriverSpec, DriverStep, Problem
from scenarios.model.fields import Currency
from scenarios.model.params import Fraction

if TYPE_CHECKING:
    from scenarios.model.schema import Scenario


class FxChange(DriverBase):
    """The reporting currency moves against the listing currency.

    EPS converted to the price currency changes by ``change`` (e.g. +0.02 = CNY 2% stronger against
    HKD). Acts only on targets whose baseline ``currency`` (or ``currency`` here) differs from their
    listing one.
    """

    type: Literal["fx_change"]
    change: Fraction
    currency: Currency | None = Field(default=None, description="only symbols reporting in it")


def evaluate(step: DriverStep) -> None:
    """EPS in the price currency = reporting EPS x fx; the rate moves by (1 + change)."""
    from valuation.drivers import fx as vfx  # valuation loads on first use, not with the schema

    factor = np.asarray(vfx.convert(1.0, 1.0 + np.asarray(step.draw("change"), dtype=np.float64)))
    contrib = np.broadcast_to(np.log(factor), (step.draws, step.k))
    step.set_eps(step.eps() * np.exp(contrib), contrib)


def narrow(scenario: Scenario, driver: Any, targets: list[str]) -> list[str]:
    """Return the targets that report in another currency than their listing one."""
    from scenarios.model.references import fx_exposed

    return fx_exposed(scenario, driver, targets)


def check(ctx: CheckContext) -> list[Problem]:
    """Check that an fx_change acts on at least one FX-exposed symbol."""
    if narrow(ctx.scenario, ctx.driver, ctx.targets):
        return []
    ccy = ctx.driver.currency
    return [Problem(("type",), "fx_change acts on no symbol: none of its targets has a baseline "
                    "currency" + (f" {ccy}" if ccy else "") + " different from its listing currency")]


SPEC = DriverSpec(
    type="fx_change",
    schema=FxChange,
    doc="The reporting currency moves against the listing currency (EPS after FX).",
    reference="""\
The reporting currency moves against the listing currency by `change` (*P*, fraction > -1; +0.02 =
CNY 2% stronger against HKD): EPS in the price currency is multiplied by `1 + change`. Acts only
on targets whose baseline `currency` differs from their listing currency (optionally only those
reporting in `currency`).""",
    group="fx",
    evaluate=evaluate,
    narrow=narrow,
    check=check,
    template="""\
  - type: fx_change
    label: rmb
    change: {dist: normal, mean: 0.0, sd: 0.03, clip: [-0.10, 0.10]}   # CNY against HKD
    currency: CNY
""",
)
