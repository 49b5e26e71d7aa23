"""``rerating``: the multiple changes, or reverts toward a target."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from scenarios.model.drivers.base import DriverBase, DriverSpec, DriverStep
from scenarios.model.params import Fraction, Positive


class Rerating(DriverBase):
    """A change of the valuation multiple.

    The multiple changes by ``change``, or reverts toward ``target`` (a P/E, or P/S with
    ``basis: ps``) with ``half_life_years`` over the horizon (no half-life: reaches it).
    """

    type: Literal["rerating"]
    change: Fraction | None = None
    target: Positive | None = None
    basis: Literal["pe", "ps"] = "pe"
    half_life_years: Positive | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> Rerating:
        if (self.change is None) == (self.target is None):
            raise ValueError("give exactly one of change (fraction) or target (multiple)")
        if self.half_life_years is not None and self.target is None:
            raise ValueError("half_life_years goes with target (reversion), not with change")
        return self


def evaluate(step: DriverStep) -> None:
    """``log(M_after / M_before)``: log1p(change), or the log move toward the target."""
    from valuation import reversion as vr  # valuation loads on first use, not with the schema

    d = step.driver
    if d.change is not None:
        contrib = np.log1p(np.asarray(step.draw("change"), dtype=np.float64))
    else:
        start = step.multiple if d.basis == "pe" else step.price / step.sales_ps
        moved = step.log_multiple()
        current = start if moved is None else start * np.exp(moved)
        target = step.draw("target")
        if d.half_life_years is not None:
            new = vr.revert_multiple(current, target, step.years, step.draw("half_life_years"))
        else:
            new = target
        contrib = np.divide(np.asarray(new, dtype=np.float64), current)
        np.log(contrib, out=contrib)  # log(new / current), in the ratio's buffer
    step.rerate(np.broadcast_to(contrib, (step.draws, step.k)))


def needs(driver: Any) -> tuple[str, ...]:
    """Return a target multiple needs the baseline it is measured on."""
    if driver.target is None:
        return ()
    return ("eps",) if driver.basis == "pe" else ("sales", "shares")


SPEC = DriverSpec(
    type="rerating",
    schema=Rerating,
    doc="The multiple changes by a fraction, or reverts toward a target P/E or P/S.",
    reference="""\
Exactly one of:
* `change` (*P*, fraction > -1): the multiple moves by this fraction by the horizon;
* `target` (*P*, > 0): the multiple reverts toward this level (`basis: pe` (default) or `ps`);
  with `half_life_years` (*P*, > 0) the gap closes exponentially
  (`valuation.reversion.revert_multiple`), without it the target is reached at the horizon.
  The current multiple is implied from the `as_of` close.""",
    group="re-rating",
    evaluate=evaluate,
    needs=needs,
    template="""\
  - type: rerating
    label: revert
    symbols: [0700.HK]
    target: {dist: triangular, low: 16, mode: 20, high: 24}   # target P/E
    half_life_years: 1.0  # half of the gap closes per year
""",
)
