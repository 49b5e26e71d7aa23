"""Typed results of scenario sets (``kind: set``): the mixture run and its backtest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, JsonValue, PrivateAttr

from scenarios.results.backtest import ScoreSummary, SymbolScore
from scenarios.results.base import SCHEMA_VERSION, Num, _Model, frame_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ComponentLine", "ComponentScore", "MixtureLine", "SetBacktestResult", "SetComponent", "SetRunResult"]


class SetComponent(_Model):
    """One component of a set.

    Its scenario, probability (stated, fraction), own seed, the number of mixture draws assigned to
    it and the draws it was run with.
    """

    label: str
    file: str
    probability: float
    seed: int | None
    assigned_draws: int
    run_draws: int
    why: str | None = None


class ComponentLine(_Model):
    """A component's part in one mixture line.

    Its median and mean return over its assigned draws, ``weight`` = assigned share of draws,
    ``contribution`` = weight x mean (fraction of return; the contributions sum to the mixture's
    expected return) and ``share`` of it.
    """

    label: str
    probability: float
    weight: float
    median_return: Num
    mean_return: Num
    contribution: Num
    share: Num


class MixtureLine(_Model):
    """One symbol's (``kind`` "symbol") or the index's (``kind`` "index") mixture forecast.

    Expected (mean) return, median, 5%-95% band and P(up), each with its Monte Carlo standard
    error (``se_*``; fractions), and the components' parts.
    """

    line: str
    kind: Literal["symbol", "index"]
    return_kind: str
    currency: str | None = None
    baseline_price: Num = None
    mean_return: Num
    median_return: Num
    return_p05: Num
    return_p95: Num
    prob_up: Num
    se_mean: Num
    se_median: Num
    se_p05: Num
    se_p95: Num
    se_prob_up: Num
    components: list[ComponentLine]


class SetRunResult(_Model):
    """A scenario set run (``scenarios run SET.yaml``): the probability-weighted mixture."""

    schema_version: int = SCHEMA_VERSION
    kind: Literal["scenario_set_result"] = "scenario_set_result"
    name: str
    file: str | None = None
    file_sha256: str | None = None
    as_of: str
    horizon: str
    draws: int
    seed: int
    assignment: str
    symbols: list[str]
    components: list[SetComponent]
    lines: list[MixtureLine]
    narrative: dict[str, JsonValue] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    #: pooled draws (not in JSON): returns ``(N, n_symbols)``, index ``(N,)`` or None, labels ``(N,)``
    _draws: dict[str, Any] | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)

    @property
    def run_id(self) -> str | None:
        """Run id when the result was recorded, else None."""
        return self._run_id

    @property
    def draws_data(self) -> dict[str, Any]:
        """The pooled draws (``returns``, ``index``, ``labels``; only for a run made here)."""
        if self._draws is None:
            raise ValueError(f"set {self.name!r} was read back from JSON without its draws; re-run it")
        return self._draws

    def summary(self) -> pd.DataFrame:
        """One row per line (symbols, then the index).

        ``mean`` (expected return), ``median``, ``band_low``/``band_high`` (5%-95%), ``P(up)`` and
        their standard errors (fractions).
        """
        import pandas as pd

        rows = [{"line": x.line, "kind": x.kind, "return_kind": x.return_kind, "mean": x.mean_return,
                 "median": x.median_return, "band_low": x.return_p05, "band_high": x.return_p95,
                 "P(up)": x.prob_up, "se_mean": x.se_mean, "se_median": x.se_median,
                 "se_band_low": x.se_p05, "se_band_high": x.se_p95, "se_P(up)": x.se_prob_up}
                for x in self.lines]
        return pd.DataFrame(rows).set_index("line")

    def componentsframe_of(self) -> pd.DataFrame:
        """One row per (line, component): median, mean, weight, contribution, share."""
        import pandas as pd

        rows = [{"line": x.line, **c.to_dict()} for x in self.lines for c in x.components]
        return pd.DataFrame(rows).set_index(["line", "label"])

    def scores(self) -> pd.DataFrame:
        """Raise: a set run is a forecast; backtest the set file to get scores."""
        raise ValueError(f"set {self.name!r} is a forecast, not a backtest: score it with "
                         "scenarios.api.backtest(file)")


class ComponentScore(_Model):
    """A component scored alone over the same window (its own run, same draws as the set)."""

    label: str
    probability: float
    crps: Num
    coverage: Num
    mean_pit: Num
    n_scored: int


class SetBacktestResult(_Model):
    """A scenario set scored at its as_of (``scenarios backtest SET.yaml``).

    The mixture's scores (CRPS, PIT on the mixture draws), each component's, and the best component
    by CRPS (chosen after the fact: ``hindsight`` is always true).
    """

    schema_version: int = SCHEMA_VERSION
    mode: Literal["set"] = "set"
    scenario: str
    file: str | None = None
    file_sha256: str | None = None
    as_of: str
    horizon: str
    draws: int
    seed: int
    band: tuple[float, float] = (0.05, 0.95)
    score_summary: ScoreSummary = Field(alias="summary")
    per_symbol: list[SymbolScore] = Field(default_factory=list)
    components: list[ComponentScore] = Field(default_factory=list)
    best_component: str | None = None
    best_component_crps: Num = None
    hindsight: bool = True
    notes: list[str] = Field(default_factory=list)
    result: SetRunResult | None = None

    _run_id: str | None = PrivateAttr(default=None)

    @property
    def run_id(self) -> str | None:
        """Run id when the result was recorded, else None."""
        return self._run_id

    @property
    def name(self) -> str:
        """The set name."""
        return self.scenario

    def summary(self) -> pd.DataFrame:
        """Return the summary of the set run that was backtested."""
        if self.result is None:
            raise ValueError(f"set backtest {self.scenario!r} was recorded without its run")
        return self.result.summary()

    def scores(self) -> pd.DataFrame:
        """Per symbol, as :meth:`SingleBacktestResult.scores` (the mixture's forecast)."""
        df = frame_of(self.per_symbol, SymbolScore, index="symbol")
        df.attrs["summary"] = self.score_summary.to_dict()
        return df
