"""``buyback``: shares repurchased at the baseline price lift EPS."""

from __future__ import annotations

from typing import Literal

import numpy as np

from scenarios.model.drivers.base import DriverSpec, DriverStep, MoneyDriver


class Buyback(MoneyDriver):
    """Shares repurchased at the baseline price: EPS rises by shares / (shares - retired)."""

    type: Literal["buyback"]


def evaluate(step: DriverStep) -> None:
    """EPS x (1 + accretion), the share-count effect only."""
    from valuation.drivers import buyback as vb  # valuation loads on first use, not with the schema

    amount, fx = step.money()
    # share-count effect only (buyback_eps with lost_yield=0), as a factor so that a zero
    # amount leaves EPS bit-for-bit unchanged
    accretion = np.asarray(vb.buyback_accretion(amount * fx, step.price, step.shares))
    step.set_eps(step.eps() * (1.0 + accretion))


SPEC = DriverSpec(
    type="buyback",
    schema=Buyback,
    doc="Shares bought back at the baseline price: EPS rises with the lower share count.",
    reference="""\
`amount` spent buying shares back at the baseline price: EPS x shares / (shares - retired).""",
    group="earnings",
    evaluate=evaluate,
    needs=("eps", "shares"),
    template="""\
  - type: buyback
    label: buyback
    symbols: [0700.HK]
    amount: {dist: uniform, low: 60, high: 100}   # spent buying shares back, total
    unit: bn
    currency: HKD
""",
)
