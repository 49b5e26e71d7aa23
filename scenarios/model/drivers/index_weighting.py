"""``index_weighting``: re-weight the universe as an index (no log-return term of its own)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from scenarios.model.drivers.base import CheckContext, DriverBase, DriverSpec, Problem
from scenarios.model.fields import Date, Symbol


class IndexWeighting(DriverBase):
    """Re-weight the universe as an index and report its return next to baseline weights."""

    type: Literal["index_weighting"]
    scheme: Literal["market_cap", "equal", "custom", "implied"] = "market_cap"
    weights: dict[Symbol, float] | None = Field(default=None, description="custom weights (any scale)")
    tilts: dict[str, float] = Field(default_factory=dict, description="theme or symbol -> multiplier")
    exclude: list[str] = Field(default_factory=list, description="symbols or themes to drop")
    cap: float | None = Field(default=None, gt=0, le=1, description="max weight per name")
    rebalance: list[Date] = Field(default_factory=list)
    benchmark: Symbol | None = Field(default=None, description="index for scheme implied")
    lookback_days: int = Field(default=250, ge=20, le=2000, description="implied: trading days")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            bad = {k: w for k, w in v.items() if not w >= 0}
            if bad:
                k, w = next(iter(bad.items()))
                raise ValueError(f"weights must be >= 0 (got {w:g} for {k})")
            if not sum(v.values()) > 0:
                raise ValueError("weights must have a positive sum")
        return v

    @field_validator("tilts")
    @classmethod
    def _tilts(cls, v: dict[str, float]) -> dict[str, float]:
        for k, m in v.items():
            if not m >= 0:
                raise ValueError(f"tilt multipliers must be >= 0 (got {m:g} for {k})")
        return v

    @model_validator(mode="after")
    def _custom(self) -> IndexWeighting:
        if self.scheme == "custom" and not self.weights:
            raise ValueError("scheme custom needs weights: {symbol: weight}")
        if self.scheme != "custom" and self.weights:
            raise ValueError(f"weights are only used with scheme custom (scheme is {self.scheme})")
        return self


def check(ctx: CheckContext) -> list[Problem]:
    """Check the index weighting against the scenario.

    Names in exclude/tilts/weights exist, rebalance dates lie in (as_of, horizon], and the scheme
    has what it needs.
    """
    from scenarios.model.references import known_themes

    s, d, universe, horizon = ctx.scenario, ctx.driver, ctx.universe, ctx.horizon
    out: list[Problem] = []
    themes = known_themes(s, universe)
    for j, name in enumerate(d.exclude):
        if name not in universe and not themes.get(name):
            out.append(Problem(("exclude", j), f"{name!r} is neither a symbol of the universe nor a "
                               "theme with members in it"))
    for key in d.tilts:
        if key not in universe and not themes.get(key):
            out.append(Problem(("tilts", key), f"{key!r} is neither a symbol of the universe nor a "
                               "theme with members in it", key=True))
    if d.weights:
        for key in d.weights:
            if key not in universe:
                raw = ctx.raw_key(("drivers", ctx.position, "weights"), key)
                out.append(Problem(("weights", raw), f"{key} is not in the universe", key=True))
    for j, day in enumerate(d.rebalance):
        if not s.as_of < day <= horizon:
            out.append(Problem(("rebalance", j), f"must be after as_of ({s.as_of}) and on or before "
                               f"the horizon ({horizon}) (got {day})"))
    if d.scheme == "implied" and d.benchmark is None and not s.benchmarks:
        out.append(Problem(("scheme",), "scheme implied needs a benchmark (driver benchmark: or the "
                           "scenario's benchmarks list)"))
    if d.scheme == "market_cap":
        for sym in universe:
            b = s.baseline.get(sym)
            dated = getattr(b, "dated", None)  # shares as a dated series: resolved at as_of
            if b is None or (b.market_cap is None and b.shares is None
                             and (dated is None or dated.shares is None)):
                out.append(Problem(("scheme",), f"scheme market_cap needs baseline market_cap or "
                                   f"shares for {sym}"))
                break
    return out


SPEC = DriverSpec(
    type="index_weighting",
    schema=IndexWeighting,
    doc="Re-weight the universe as an index (tilts, exclusions, cap) next to its plain weights.",
    reference="""\
Treats the universe as an index and reports its return under the re-weighting next to the same
constituents under the scheme's plain weights.
* `scheme`: `market_cap` (baseline `market_cap`, else `shares` x `P0`), `equal`, `custom`
  (`weights: {symbol: weight}`, any scale), `implied` (weights that best explain the
  `benchmark`'s daily returns over the `lookback_days` trading days before `as_of`)
* `tilts`: `{theme or symbol: multiplier}` applied to the weights, then renormalized
* `exclude`: list of symbols or themes dropped
* `cap`: maximum weight per name (e.g. 0.08); excess is redistributed
* `rebalance`: dates in (as_of, horizon] (echoed for the backtest; the engine is single-period)
* `benchmark` (for `implied`, default the first of `benchmarks`), `lookback_days` (default 250)""",
    group=None,
    evaluate=None,
    check=check,
    single=True,
    template="""\
  - type: index_weighting
    label: reweight
    scheme: market_cap    # market_cap | equal | custom | implied
    tilts: {ai_bet: 1.5}  # theme or symbol -> multiplier
    exclude: []           # symbols or themes to drop
    cap: 0.35             # max weight per name
""",
)
