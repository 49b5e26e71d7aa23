"""``sentiment_shock``: a price shock whose log effect fades with a half-life."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from scenarios.model.drivers.base import CheckContext, DriverBase, DriverSpec, DriverStep, Problem
from scenarios.model.fields import Date
from scenarios.model.params import Fraction, Positive


class SentimentShock(DriverBase):
    """A price shock (simple return) on ``date`` whose log effect fades with a half-life in calendar days.

    A shock dated on/before as_of is already in the baseline price: the driver
    then models its fading (the recovery) until the horizon.
    """

    type: Literal["sentiment_shock"]
    shock: Fraction
    half_life_days: Positive
    date: Date | None = Field(default=None, description="event date (default: as_of)")


def evaluate(step: DriverStep) -> None:
    """Apply what is left of the shock at the horizon, less what was left at as_of."""
    from valuation.drivers import shock as vs  # valuation loads on first use, not with the schema

    s, hl = step.draw("shock"), step.draw("half_life_days")
    when = step.driver.date or step.as_of
    h_days = float((step.horizon - when).days)
    if when > step.horizon:
        contrib = np.zeros(1)
    elif when <= step.as_of:
        a_days = float((step.as_of - when).days)
        contrib = (np.asarray(vs.decayed_shock(s, hl, h_days), dtype=np.float64)
                   - np.asarray(vs.decayed_shock(s, hl, a_days), dtype=np.float64))
    else:
        contrib = np.asarray(vs.decayed_shock(s, hl, h_days), dtype=np.float64)
    step.log_price(np.broadcast_to(contrib, (step.draws, step.k)))


def check(ctx: CheckContext) -> list[Problem]:
    """Return the shock's date must be on or before the horizon."""
    d = ctx.driver
    if d.date is not None and d.date > ctx.horizon:
        return [Problem(("date",), f"must be on or before the horizon ({ctx.horizon}) (got {d.date})")]
    return []


SPEC = DriverSpec(
    type="sentiment_shock",
    schema=SentimentShock,
    doc="A price shock on a date whose log effect fades with a half-life in calendar days.",
    reference="""\
A price shock (simple return) whose log effect halves every `half_life_days` calendar days.
* `shock` (*P*, fraction > -1), `half_life_days` (*P*, > 0), `date` (default `as_of`, on or
  before the horizon)

A shock dated on or before `as_of` is already in the baseline price: the driver then contributes
its *fading* between `as_of` and the horizon (the rebound of a denied rumour). A shock after
`as_of` contributes what is left of it at the horizon.""",
    group="sentiment",
    evaluate=evaluate,
    check=check,
    template="""\
  - type: sentiment_shock
    label: tax-rumour
    shock: {dist: triangular, low: -0.12, mode: -0.08, high: -0.04}   # price move on the day
    half_life_days: {dist: lognormal, median: 20, sigma: 0.5}       # calendar days
    date: 2026-02-03
""",
)
