"""``earnings_growth``: EPS compounds at ``growth`` a year."""

from __future__ import annotations

from typing import Literal

import numpy as np

from scenarios.model.drivers.base import DriverBase, DriverSpec, DriverStep
from scenarios.model.params import Fraction, Positive


class EarningsGrowth(DriverBase):
    """EPS compounds at ``growth`` a year for ``years`` (default: the horizon)."""

    type: Literal["earnings_growth"]
    growth: Fraction
    years: Positive | None = None


def evaluate(step: DriverStep) -> None:
    """``log(EPS_h / EPS) = years x log1p(growth)``."""
    from valuation.drivers import growth as vg  # valuation loads on first use, not with the schema

    d = step.driver
    yrs = step.draw("years") if d.years is not None else step.years
    log_growth = np.asarray(vg.growth_to_log(step.draw("growth"), yrs), dtype=np.float64)
    # exp of the drawn shape only (a shared draw: one per row), then broadcast by the product
    step.set_eps(step.eps() * np.exp(log_growth), np.broadcast_to(log_growth, (step.draws, step.k)))


SPEC = DriverSpec(
    type="earnings_growth",
    schema=EarningsGrowth,
    doc="EPS compounds at growth a year over the horizon (or years).",
    reference="""\
EPS compounds: `EPS x (1 + growth) ^ years`.
* `growth` (*P*, fraction > -1, annual)
* `years` (*P*, > 0, default: the horizon in years, calendar days / 365.25)""",
    group="earnings",
    evaluate=evaluate,
    template="""\
  - type: earnings_growth
    label: growth
    growth: {dist: normal, mean: 0.10, sd: 0.04, clip: [-0.30, 0.40]}   # annual EPS growth
""",
)
