"""Typed results: scenario runs, backtest scores and walk-forward track records.

The one module that turns results into JSON and back. Every consumer (terminal rendering, the
report, ``scenarios runs show`` / ``runs compare``, :mod:`scenarios.api`) reads results through
these models instead of looking keys up in dicts.

=============================  ==============================================================
:class:`RunResult`             one Monte Carlo run (``scenarios run``; kind ``"run"``): the
                               per-symbol and index forecast summaries, inputs, provenance
:class:`SingleBacktestResult`  a scenario scored at its own as_of (``scenarios backtest``)
:class:`WalkForwardResult`     a scenario walked forward (``scenarios backtest --roll``)
=============================  ==============================================================

Units: every return, band quantile, probability and coverage is a **fraction** (0.05 = 5%);
prices are in each symbol's listing currency. Undefined numbers (NaN) are ``None``.

JSON form (``to_dict`` / ``to_json``; :func:`from_payload` / :func:`from_json` read it back):
the keys the first release wrote, plus ``schema_version`` (:data:`SCHEMA_VERSION`). Payloads
of the first release (run ``schema_version`` 1, backtests without a version) read back as they
are; anything else gives :class:`~scenarios.errors.IncompatibleRunError` ("recorded by another
version of scenarios: re-run it").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, ValidationError

from scenarios.errors import IncompatibleRunError
from scenarios.jsonable import to_jsonable

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.engine.result import ScenarioResult

__all__ = [
    "SCHEMA_VERSION", "BacktestResult", "DMTest", "IndexForecast", "IndexLine", "IndexPerformance",
    "IndexScore", "IndexTrack", "IndexVs", "IndexWindow", "PnlForecast", "PnlLeg", "PnlPosition", "PnlScore",
    "PnlTrack", "PnlWalk", "Result", "RunResult", "ScorePair",
    "ScoreSummary", "SingleBacktestResult", "SymbolForecast", "SymbolScore", "TrackRecord",
    "WalkForwardResult", "WalkWindow", "ComponentLine", "ComponentScore", "MixtureLine",
    "SetBacktestResult", "SetComponent", "SetRunResult", "from_backtest", "from_json", "from_payload", "result_of",
    "to_jsonable",
]

#: Version of the JSON form written by this module (1: the first release, same keys).
SCHEMA_VERSION = 3
#: Versions this module reads (3 adds optional keys: noise-free forecast, Shapley attribution
#: in pp, Monte Carlo standard errors, IC status; payloads of 1 and 2 read back without them).
READABLE_VERSIONS = frozenset({1, 2, 3})

#: ``index_summary`` line of the re-weighted index (or the basket) and of the scheme's own weights.
INDEX_LINE = "index"
INDEX_BASE_LINE = "index (baseline weights)"

Num: TypeAlias = float | None


class _Model(BaseModel):
    """Frozen, strict about unknown keys.

    Dumps only the keys it was given (``exclude_unset``), so a payload reads back and writes out key
    for key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the recorded payload form)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as strict JSON text (no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


# ------------------------------------------------------------------------------------------
# scenario runs
# ------------------------------------------------------------------------------------------

class SymbolForecast(_Model):
    """One symbol's forecast at the horizon.

    Median and 5%/95% quantiles of the predicted price (listing currency) and return (fraction),
    ``prob_up`` = share of draws above the baseline, ``top_driver`` = the driver with the largest
    mean log contribution (``top_driver_log``).
    """

    symbol: str
    currency: str
    return_kind: str
    baseline_date: str | None
    baseline_price: Num
    median_price: Num
    mean_price: Num = None  #: E[price] (absent in payloads recorded before it was added)
    price_p05: Num
    price_p95: Num
    mean_return: Num
    median_return: Num
    return_p05: Num
    return_p95: Num
    prob_up: Num
    top_driver: str | None
    top_driver_log: Num
    # schema 3 (issue 11): absent (None) in runs recorded by schema 1-2
    #: the largest Shapley contribution to the noise-free return, percentage points
    top_driver_pp: Num = None
    #: the noise-free forecast (every parameter at its mean, residual off), fraction
    point_return: Num = None
    #: Monte Carlo standard errors of ``median_return`` and ``prob_up`` (fractions)
    median_return_se: Num = None
    prob_up_se: Num = None


class IndexForecast(_Model):
    """One index line's return forecast (``line``: :data:`INDEX_LINE` or :data:`INDEX_BASE_LINE`)."""

    line: str
    return_kind: str
    mean_return: Num
    median_return: Num
    return_p05: Num
    return_p95: Num
    prob_up: Num


class IndexLine(_Model):
    """An index line worth showing: ``label`` in ``index_summary``, printed ``name`` and ``note``."""

    label: str
    name: str
    note: str


class PnlPosition(_Model):
    """One leg of a portfolio.

    ``notional`` in the base currency (a weight when sized by weight),
    ``source`` stock / benchmark / index, ``return_kind`` total or price, ``fx_as_of`` base
    units per listing-currency unit, ``fx_change`` the assumed change over the window.
    """

    symbol: str
    side: str
    notional: float
    source: str
    currency: str
    fx_as_of: float
    fx_change: float
    return_kind: str


class PnlForecast(_Model):
    """Predicted P&L of the ``portfolio:`` block at the horizon.

    Per unit of gross notional in the base currency (fractions; :mod:`scenarios.engine.pnl`):
    ``mean``, ``median``, the 5-95% band, ``prob_loss``, ``var_05`` and ``es_05`` (5% value-at-risk
    and expected shortfall as positive losses), costs; ``return_basis`` says which return each leg
    is.
    """

    base_currency: str
    gross_notional: float
    unit: str = "per unit of gross notional"
    rebalance: str = "none"
    costs_bps: float = 0.0
    close_at_horizon: bool = True
    return_basis: str
    positions: list[PnlPosition] = Field(default_factory=list)
    mean: Num
    median: Num
    p05: Num
    p95: Num
    prob_loss: Num
    var_05: Num
    es_05: Num
    mc_se_mean: Num = None
    p25: Num = None
    p75: Num = None
    mean_before_costs: Num = None
    mean_costs: Num = None
    benchmark_forecast: dict[str, JsonValue] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    draws: list[float] | None = None


class RunResult(_Model):
    """One scenario run (one grid point): what ``scenarios run`` prints and records.

    Built from the engine's :class:`~scenarios.engine.result.ScenarioResult` by
    :meth:`from_engine` (then :attr:`engine` holds every draw) or read from JSON
    (:func:`from_payload`). Views: :meth:`summary` and :meth:`index_summary` (DataFrames),
    :meth:`index_lines` (which index lines to show), :attr:`forecasts` (typed rows).
    """

    schema_version: int = SCHEMA_VERSION
    kind: Literal["scenario_result"] = "scenario_result"
    name: str
    symbols: list[str]
    currencies: list[str]
    as_of: str
    horizon: str
    horizon_years: float
    baseline_date: list[str | None]
    seed: int | None
    draws: int
    index_scheme: str | None = None
    return_kind: str = "total"
    return_kinds: dict[str, str] = Field(default_factory=dict)
    benchmarks: dict[str, JsonValue] = Field(default_factory=dict)
    inputs: dict[str, JsonValue] = Field(default_factory=dict)
    data_sources: dict[str, JsonValue] = Field(default_factory=dict)
    file: str | None = None
    file_sha256: str | None = None
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    grid_point: dict[str, JsonValue] = Field(default_factory=dict)
    residual: dict[str, JsonValue] | None = None
    forecasts: list[SymbolForecast] = Field(alias="summary")
    index_forecasts: list[IndexForecast] = Field(default_factory=list, alias="index_summary")
    contribution_means: dict[str, list[Num]] = Field(default_factory=dict)
    #: schema 3: Shapley attribution of the noise-free forecast, percentage points
    #: (:meth:`scenarios.engine.noise_free.Attribution.to_dict`); None in older runs
    attribution: dict[str, JsonValue] | None = None
    baseline_price: list[Num]
    index_weights_before: list[Num] | None = None
    index_weights_after: list[Num] | None = None
    index_return: list[Num] | None = None
    index_return_before: list[Num] | None = None
    # every draw (only in the ``to_dict(include_draws=True)`` form of ``scenarios run --out``)
    predicted_price: list[list[Num]] | None = None
    predicted_return: list[list[Num]] | None = None
    eps: list[list[Num]] | None = None
    multiple: list[list[Num]] | None = None
    contributions: dict[str, list[list[Num]]] | None = None
    pnl: PnlForecast | None = None

    _engine: ScenarioResult | None = PrivateAttr(default=None)
    #: set by :func:`scenarios.api.record` once the run is in the store
    _run_id: str | None = PrivateAttr(default=None)
    #: the scenario a run made in this process came from, set by :func:`scenarios.api.iter_run`
    #: when the file alone (read with the default price source) gives it: recording it then
    #: also keeps its realised score (:func:`scenarios.report.scored.keep_recorded`)
    _scenario: Any = PrivateAttr(default=None)

    @classmethod
    def from_engine(cls, result: ScenarioResult) -> RunResult:
        """Return the compact (recorded) form of an engine result; :attr:`engine` keeps the draws.

        A new key in ``ScenarioResult.to_dict`` needs its field here (a ``ValidationError``
        says which: the model is the schema of the JSON form).
        """
        payload = to_jsonable(result.to_dict(include_draws=False))
        payload["schema_version"] = SCHEMA_VERSION
        out = cls.model_validate(payload)
        out._engine = result
        return out

    @property
    def engine(self) -> ScenarioResult:
        """The engine result with every draw (only for a run made in this process)."""
        if self._engine is None:
            raise ValueError(f"run {self.name!r} was read back from JSON without its draws; "
                             "re-run the scenario (scenarios.api.run) to get them")
        return self._engine

    @property
    def run_id(self) -> str | None:
        """The store's id of this run once recorded (None otherwise)."""
        return self._run_id

    def to_dict(self, *, include_draws: bool = False) -> dict[str, Any]:
        """Return the recorded JSON form; ``include_draws=True`` adds every draw (needs :attr:`engine`)."""
        if include_draws:
            out = self.engine.to_dict(include_draws=True)  # already JSON-safe (NaN -> None)
            out["schema_version"] = SCHEMA_VERSION
            return out
        return super().to_dict()

    def to_json(self, *, indent: int | None = 2, include_draws: bool = False) -> str:
        """Return the result as JSON text (``indent`` spaces; draws only when asked)."""
        return json.dumps(self.to_dict(include_draws=include_draws), indent=indent,
                          ensure_ascii=False, allow_nan=False)

    # ------------------------------------------------------------------ views
    def index_driver(self) -> Mapping[str, JsonValue] | None:
        """Return the enabled ``index_weighting`` driver of the run's inputs (None without one)."""
        for d in self.inputs.get("drivers") or []:  # type: ignore[union-attr]
            if isinstance(d, dict) and d.get("type") == "index_weighting" and d.get("enabled", True):
                return d
        return None

    def index_lines(self) -> list[IndexLine]:
        """Index lines worth showing, the one rule for ``scenarios run`` and ``runs compare``.

        None for a one-symbol universe without an ``index_weighting`` driver (the "index"
        would be the stock itself). Without the driver: one "basket" line (equal or market-cap
        weights; nothing is re-weighted). With it: the re-weighted index (scheme, tilts,
        exclusions, cap) and the same names under the scheme's own weights.
        """
        if not self.index_forecasts:
            return []
        driver = self.index_driver()
        scheme = self.index_scheme or "equal"
        if driver is None:
            if len(self.symbols) < 2:
                return []
            kind = "equal-weight" if scheme == "equal" else scheme.replace("_", "-") + "-weighted"
            return [IndexLine(label=INDEX_LINE, name="basket", note=f"{kind} basket")]
        parts = [scheme]
        if driver.get("tilts"):
            parts.append("tilts")
        if driver.get("exclude"):
            parts.append("exclusions")
        cap = driver.get("cap")
        if isinstance(cap, (int, float)):
            parts.append(f"cap {100 * float(cap):g}%")
        return [IndexLine(label=INDEX_LINE, name="index", note=f"re-weighted index ({', '.join(parts)})"),
                IndexLine(label=INDEX_BASE_LINE, name="index, base w", note=f"{scheme} weights, not re-weighted")]

    def index_forecast(self, label: str) -> IndexForecast | None:
        """Return the index line ``label`` (None when the run has none)."""
        return next((f for f in self.index_forecasts if f.line == label), None)

    def summary(self) -> pd.DataFrame:
        """Per symbol (index ``symbol``).

        ``return_kind``, ``currency``, ``baseline_price``, ``median_price``, ``median`` (median
        return), the 5%-95% band of the return (``band_low``, ``band_high``), ``P(up)`` (share of
        draws above the baseline), ``mean`` (mean return) and ``top_driver``. Returns and
        probabilities are fractions.
        """
        import pandas as pd

        rows = [{"symbol": f.symbol, "return_kind": f.return_kind, "currency": f.currency,
                 "baseline_price": f.baseline_price, "median_price": f.median_price,
                 "median": f.median_return, "band_low": f.return_p05, "band_high": f.return_p95,
                 "P(up)": f.prob_up, "mean": f.mean_return, "top_driver": f.top_driver}
                for f in self.forecasts]
        df = pd.DataFrame(rows, columns=["symbol", "return_kind", "currency", "baseline_price",
                                         "median_price", "median", "band_low", "band_high", "P(up)",
                                         "mean", "top_driver"]).set_index("symbol")
        df.attrs["band"] = (0.05, 0.95)
        return df

    def index_summary(self) -> pd.DataFrame:
        """Return the index lines worth showing.

        The lines are those of :meth:`index_lines`; columns as :meth:`summary` (``median``,
        ``band_low``, ``band_high``, ``P(up)``, ``mean``) plus ``note``.
        """
        import pandas as pd

        rows = []
        for line in self.index_lines():
            f = self.index_forecast(line.label)
            if f is not None:
                rows.append({"line": line.name, "return_kind": f.return_kind, "median": f.median_return,
                             "band_low": f.return_p05, "band_high": f.return_p95, "P(up)": f.prob_up,
                             "mean": f.mean_return, "note": line.note})
        return pd.DataFrame(rows, columns=["line", "return_kind", "median", "band_low", "band_high",
                                           "P(up)", "mean", "note"]).set_index("line")

    def scores(self) -> pd.DataFrame:
        """Raise ``ValueError``: a run is not scored (use :func:`scenarios.api.backtest`)."""
        raise ValueError(f"run {self.name!r} is a forecast, not a backtest: score it with "
                         "scenarios.api.backtest(file) (or `scenarios backtest FILE`)")


# ------------------------------------------------------------------------------------------
# single backtests
# ------------------------------------------------------------------------------------------

class ScoreSummary(_Model):
    """Cross-section scores over the scored symbols (fractions; ``ic`` a correlation).

    ``nominal_coverage`` is the probability mass of the band (0.90 for 5%-95%), the number
    ``coverage`` should be near.
    """

    n_symbols: int
    n_scored: int
    hit_rate: Num
    ic: Num
    mae: Num
    coverage: Num
    nominal_coverage: Num
    crps: Num
    mean_pit: Num
    return_kind: str
    draws: int | None = None
    status: str
    #: schema 3: "ok" / "no signal" / "too few names" (``ic`` is None unless "ok") and which
    #: forecast the hit rate and IC score ("noise-free" or "median")
    ic_status: str | None = None
    signal: str | None = None


class SymbolScore(_Model):
    """One symbol's forecast (median, band) against its realized return over the window.

    ``hit`` and ``inside`` are 1.0/0.0 (None when not scored or without a direction),
    ``error`` = predicted - realized, ``pit`` the share of draws below the realized return.
    """

    symbol: str
    kind: str
    predicted: Num
    lower: Num
    upper: Num
    realized: Num
    status: str
    scored: bool
    hit: Num
    error: Num
    inside: Num
    pit: Num
    crps: Num
    start_date: str | None
    end_date: str | None
    signal: Num = None  #: schema 3: the forecast ``hit`` scores (noise-free, else the median)
    note: str | None = ""


class IndexScore(_Model):
    """Index forecast against the realized return of the same portfolio.

    The benchmark index's price return is kept beside it.
    """

    target: str | None = None
    kind: str | None = None
    predicted: Num = None
    lower: Num = None
    upper: Num = None
    realized: Num = None
    scored: bool = False
    benchmark: str | None = None
    benchmark_kind: str | None = None
    benchmark_realized: Num = None
    benchmark_status: str | None = None
    note: str | None = ""
    weight_covered: Num = None
    hit: Num = None
    error: Num = None
    inside: bool | None = None
    pit: Num = None
    crps: Num = None


class IndexVs(_Model):
    """Simulated index against one benchmark over the window.

    Price returns, fractions; the tracking error is annualized.
    """

    return_kind: str = "price"
    total_return: Num = None
    excess_return: Num = None
    tracking_error: Num = None
    information_ratio: Num = None
    max_drawdown: Num = None


class IndexPerformance(_Model):
    """The scenario's index scheme simulated over (as_of, horizon] against the benchmarks.

    See :func:`scenarios.backtest.scenario.index_performance`.
    """

    scheme: dict[str, JsonValue] | None = None
    return_kind: str = "price"
    status: str = "unavailable"
    notes: list[str] = Field(default_factory=list)
    start: str | None = None
    end: str | None = None
    sessions: int | None = None
    total_return: Num = None
    max_drawdown: Num = None
    volatility: Num = None
    turnover: dict[str, Num] = Field(default_factory=dict)
    turnover_total: Num = None
    vs: dict[str, IndexVs] = Field(default_factory=dict)
    levels: dict[str, list[str | float | None]] = Field(default_factory=dict)


class PnlLeg(_Model):
    """One leg's realised return (``kind`` total or price) over its window."""

    symbol: str
    kind: str
    status: str
    return_: Num = Field(alias="return")
    start_date: str | None = None
    end_date: str | None = None
    start_close: Num = None
    end_close: Num = None
    note: str | None = ""


class PnlScore(_Model):
    """A portfolio's realised P&L against its predicted band (:mod:`scenarios.backtest.pnl`).

    Fractions of gross notional in ``base_currency``; ``return_basis`` states which return
    each leg is (a stock's total return, an index's price return).
    """

    as_of: str
    horizon: str
    base_currency: str
    unit: str = "per unit of gross notional"
    gross_notional: float
    predicted: Num
    lower: Num
    upper: Num
    mean: Num = None
    realized: Num = None
    realized_before_costs: Num = None
    realized_costs: Num = None
    scored: bool = False
    status: str = "unavailable"
    inside: bool | None = None
    pit: Num = None
    crps: Num = None
    hit: Num = None
    return_basis: str = ""
    legs: list[PnlLeg] = Field(default_factory=list)
    note: str | None = ""


class PnlTrack(_Model):
    """Walk-forward track record of the P&L: band coverage, mean PIT and CRPS over scored windows."""

    n_windows: int
    n_scored: int
    nominal_coverage: Num = None
    coverage: Num = None
    mean_pit: Num = None
    crps: Num = None
    mean_realized: Num = None
    mean_predicted: Num = None
    hit_rate: Num = None
    unit: str = "per unit of gross notional"
    return_basis: str = ""


class PnlWalk(_Model):
    """A walk-forward P&L: the track record and the score of each window."""

    track: PnlTrack
    windows: list[PnlScore] = Field(default_factory=list)


class ExcessScore(_Model):
    """One symbol's (or the basket's) excess return over a benchmark.

    Predicted (median of the per-draw excess) and realized, fractions; ``hit`` 1.0/0.0 on the sign
    of excess (None when not scored or without a direction). ``basis`` e.g. ``"total - price"``.
    """

    symbol: str
    basis: str | None = None
    weights: str | None = None
    predicted: Num = None
    #: the noise-free excess the sign call (``hit``) is made on (absent in older payloads)
    noise_free: Num = None
    realized: Num = None
    scored: bool = False
    hit: Num = None


class BenchmarkExcess(_Model):
    """Relative calls against one declared benchmark (:mod:`scenarios.backtest.excess`)."""

    benchmark: str
    benchmark_kind: str | None = None
    benchmark_forecast: str | None = None
    benchmark_predicted: Num = None
    benchmark_realized: Num = None
    benchmark_status: str | None = None
    basis: str | None = None
    n_scored: int = 0
    hit_rate: Num = None
    rows: list[ExcessScore] = Field(default_factory=list)
    basket: ExcessScore | None = None
    note: str | None = ""


class SingleBacktestResult(_Model):
    """A scenario scored at its own as_of (``scenarios backtest FILE``; kind ``"backtest"``).

    :attr:`result` is the run that was scored, so a report can be drawn from the record alone.
    """

    schema_version: int = SCHEMA_VERSION
    mode: Literal["single"] = "single"
    scenario: str
    file: str | None = None
    file_sha256: str | None = None
    as_of: str
    horizon: str
    draws: int | None = None
    seed: int | None = None
    band: tuple[float, float] = (0.05, 0.95)
    score_summary: ScoreSummary = Field(alias="summary")
    per_symbol: list[SymbolScore] = Field(default_factory=list)
    index: IndexScore | None = None
    index_performance: IndexPerformance | None = None
    notes: list[str] = Field(default_factory=list)
    result: RunResult | None = None
    grid_point: dict[str, JsonValue] | None = None
    pnl: PnlScore | None = None
    excess: dict[str, BenchmarkExcess] = Field(default_factory=dict)

    _run_id: str | None = PrivateAttr(default=None)

    @property
    def run_id(self) -> str | None:
        """Run id when the result was recorded, else None."""
        return self._run_id

    @property
    def name(self) -> str:
        """The scenario name."""
        return self.scenario

    def summary(self) -> pd.DataFrame:
        """Return the scored run's forecast per symbol (:meth:`RunResult.summary`)."""
        if self.result is None:
            raise ValueError(f"backtest {self.scenario!r} was recorded without its run")
        return self.result.summary()

    def scores(self) -> pd.DataFrame:
        """Per symbol (index ``symbol``).

        ``kind`` (total/price return), ``predicted`` (median), ``lower``/``upper`` (band),
        ``realized``, ``status`` of the realized window, ``scored``, ``hit``, ``error``, ``inside``,
        ``pit``, ``crps`` (fractions). ``attrs["summary"]`` holds the cross-section scores
        (:class:`ScoreSummary` as a dict).
        """
        df = _frame(self.per_symbol, SymbolScore, index="symbol")
        df.attrs["summary"] = self.score_summary.to_dict()
        return df


# ------------------------------------------------------------------------------------------
# walk-forward backtests
# ------------------------------------------------------------------------------------------

class WalkWindow(_Model):
    """One as_of of a walk-forward: its cross-section scores and the naive benchmarks' MAE."""

    as_of: str
    horizon: str | None
    status: str
    n_symbols: int
    n_scored: int
    hit_rate: Num
    ic: Num
    mae: Num
    coverage: Num
    crps: Num
    mae_zero: Num
    mae_momentum: Num
    error: str | None = ""
    ic_status: str | None = None  #: schema 3: "ok" / "no signal" / "too few names"


class ScorePair(_Model):
    """One (as_of, symbol) of a walk-forward: a :class:`SymbolScore` with the naive forecasts."""

    as_of: str
    horizon: str | None
    symbol: str
    kind: str
    predicted: Num
    lower: Num
    upper: Num
    realized: Num
    status: str
    scored: bool
    hit: Num
    error: Num
    inside: Num
    pit: Num
    crps: Num
    start_date: str | None
    end_date: str | None
    signal: Num = None  #: schema 3: the forecast ``hit`` scores (noise-free, else the median)
    note: str | None = ""
    zero: Num
    momentum: Num


class IndexWindow(_Model):
    """The index forecast of one walk-forward as_of.

    The fields of :class:`IndexScore` after the window's ``as_of`` and ``horizon``.
    """

    as_of: str
    horizon: str | None = None
    target: str | None = None
    kind: str | None = None
    predicted: Num = None
    lower: Num = None
    upper: Num = None
    realized: Num = None
    scored: bool = False
    benchmark: str | None = None
    benchmark_kind: str | None = None
    benchmark_realized: Num = None
    benchmark_status: str | None = None
    note: str | None = ""
    weight_covered: Num = None
    hit: Num = None
    error: Num = None
    inside: bool | None = None
    pit: Num = None
    crps: Num = None


class DMTest(_Model):
    """A Diebold-Mariano test of the scenario's loss against a naive forecast's."""

    statistic: Num = None
    pvalue: Num = None
    mean_diff: Num = None
    n: int = 0
    h: int = 1
    loss: str | None = None
    variance: str | None = None
    better: str | None = None


class ExcessWindow(_Model):
    """One (as_of, benchmark, symbol or ``basket``) relative call of a walk-forward."""

    as_of: str
    horizon: str | None = None
    benchmark: str
    symbol: str
    basis: str | None = None
    predicted: Num = None
    noise_free: Num = None
    realized: Num = None
    scored: bool = False
    hit: Num = None


class ExcessTrack(_Model):
    """Hit rate on the sign of excess over a walk-forward, per benchmark (fractions)."""

    n_pairs: int = 0
    hit_rate: Num = None
    n_baskets: int = 0
    basket_hit_rate: Num = None
    basis: str | None = None


class IndexTrack(_Model):
    """Track record of the index forecast against the realized scenario portfolio."""

    benchmark: str | None = None
    kind: str | None = None
    n_scored: int = 0
    hit_rate: Num = None
    mae: Num = None
    coverage: Num = None
    crps: Num = None
    dm_vs_zero_squared: DMTest | None = None


class TrackRecord(_Model):
    """Walk-forward statistics over every scored (as_of, symbol) pair.

    See :mod:`scenarios.backtest.walkforward`.
    """

    n_windows: int
    n_scored_windows: int
    n_pairs: int = 0
    h: int = 1
    nominal_coverage: Num = None
    status: str | None = None
    return_kind: str | None = None
    hit_rate: Num = None
    pt_statistic: Num = None
    pt_pvalue: Num = None
    pt_expected: Num = None
    mean_ic: Num = None
    ic_tstat: Num = None
    ic_pvalue: Num = None
    ic_n: int | None = None
    # schema 3: overlap-robust statistics (see scenarios.backtest.walkforward)
    signal: str | None = None
    ic_se: Num = None
    ic_lags: int | None = None
    ic_variance: str | None = None
    ic_windows_no_signal: int | None = None
    ic_windows_too_few: int | None = None
    pt_hac_slope: Num = None
    pt_hac_tstat: Num = None
    pt_hac_pvalue: Num = None
    pt_hac_lags: int | None = None
    coverage: Num = None
    crps: Num = None
    mae: Num = None
    mae_zero: Num = None
    mae_momentum: Num = None
    mean_pit: Num = None
    dm: dict[str, DMTest] = Field(default_factory=dict)
    index: IndexTrack | None = None
    excess: dict[str, ExcessTrack] = Field(default_factory=dict)


class WalkForwardResult(_Model):
    """A scenario walked forward (``scenarios backtest FILE --roll ...``; kind ``"backtest"``)."""

    schema_version: int = SCHEMA_VERSION
    mode: Literal["walk_forward"] = "walk_forward"
    scenario: str
    file: str | None = None
    file_sha256: str | None = None
    draws: int | None = None
    seed: int | None = None
    band: tuple[float, float] = (0.05, 0.95)
    roll: str
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    track: TrackRecord
    windows: list[WalkWindow] = Field(default_factory=list)
    index_windows: list[IndexWindow] = Field(default_factory=list)
    pairs: list[ScorePair] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    grid_point: dict[str, JsonValue] | None = None
    pnl: PnlWalk | None = None
    excess_windows: list[ExcessWindow] = Field(default_factory=list)

    _run_id: str | None = PrivateAttr(default=None)

    @property
    def run_id(self) -> str | None:
        """Run id when the result was recorded, else None."""
        return self._run_id

    @property
    def name(self) -> str:
        """The scenario name."""
        return self.scenario

    def summary(self) -> pd.DataFrame:
        """One row per as_of (index ``as_of``).

        Window status, symbols scored, hit rate, IC, MAE, coverage, CRPS and the naive forecasts'
        MAE (fractions).
        """
        return _frame(self.windows, WalkWindow, index="as_of")

    def scores(self) -> pd.DataFrame:
        """One row per (as_of, symbol) pair.

        The forecast, the realized return, the scores and the naive forecasts (``zero``,
        ``momentum``). ``attrs["track"]`` holds the track record.
        """
        df = _frame(self.pairs, ScorePair, index=["as_of", "symbol"])
        df.attrs["track"] = self.track.to_dict()
        return df


# ------------------------------------------------------------------------------------------
# scenario sets (``kind: set``)
# ------------------------------------------------------------------------------------------

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

    def components_frame(self) -> pd.DataFrame:
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
        df = _frame(self.per_symbol, SymbolScore, index="symbol")
        df.attrs["summary"] = self.score_summary.to_dict()
        return df


BacktestResult: TypeAlias = SingleBacktestResult | WalkForwardResult
Result: TypeAlias = RunResult | SingleBacktestResult | WalkForwardResult


def _frame(rows: list[Any], model: type[_Model], index: str | list[str]) -> pd.DataFrame:
    import pandas as pd

    cols = [f.alias or name for name, f in model.model_fields.items()]
    df = pd.DataFrame([r.model_dump(by_alias=True) for r in rows], columns=cols)
    return df.set_index(index)


# ------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------

def _older(what: str, detail: str) -> IncompatibleRunError:
    return IncompatibleRunError(
        f"{what} was recorded by another version of scenarios and cannot be read by this one "
        f"({detail}); re-run it (scenarios run FILE or scenarios backtest FILE)")


def from_payload(kind: str, payload: Mapping[str, Any], *, what: str = "this result") -> Result | None:
    """Return the typed result of a recorded payload of ``kind`` (``"run"`` or ``"backtest"``).

    None for other kinds (their payloads are free-form). Raises
    :class:`~scenarios.errors.IncompatibleRunError` for a payload this version cannot read.
    """
    if kind not in ("run", "backtest"):
        return None
    if not isinstance(payload, Mapping):
        raise _older(what, "the payload is not a JSON object")
    version = payload.get("schema_version", 1)
    if version not in READABLE_VERSIONS:
        raise _older(what, f"schema version {version!r}; this version reads "
                           f"{', '.join(map(str, sorted(READABLE_VERSIONS)))}")
    model: type[_Model]
    if kind == "run":
        model = RunResult
    elif payload.get("mode") == "walk_forward":
        model = WalkForwardResult
    elif payload.get("mode") == "single":
        model = SingleBacktestResult
    else:
        raise _older(what, f"unknown backtest mode {payload.get('mode')!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise _older(what, f"{exc.error_count()} field(s) differ, e.g. {loc}: {first['msg']}") from None


def result_of(kind: str, payload: Mapping[str, Any], *, what: str = "this result") -> Result:
    """Like :func:`from_payload` for a kind that must be typed (``run``/``backtest``)."""
    out = from_payload(kind, payload, what=what)
    if out is None:
        raise _older(what, f"kind {kind!r} holds no scenario run or backtest")
    return out


def from_json(text: str, kind: str | None = None) -> Result:
    """Return a result from its JSON text (``to_json`` output or one element of the CLI's ``--format json``).

    ``kind`` is guessed from the keys when not given.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise _older("this JSON", "expected one object (a list holds one result per grid point)")
    data.pop("run_id", None)
    if kind is None:
        kind = "backtest" if "mode" in data else "run"
    return result_of(kind, data, what="this JSON")


def from_backtest(backtest: Any, grid_point: Mapping[str, Any] | None = None) -> BacktestResult:
    """Build the typed result of a single or walk-forward backtest.

    From a :class:`~scenarios.backtest.scenario.SingleBacktest` or
    :class:`~scenarios.backtest.scenario.WalkForwardBacktest` (anything with ``to_dict()`` in their
    form), with the scenario's grid point when it has one.
    """
    payload = {"schema_version": SCHEMA_VERSION, **to_jsonable(backtest.to_dict())}
    if grid_point:
        payload["grid_point"] = to_jsonable(dict(grid_point))
    # a producer and its model disagreeing is a bug (pydantic's ValidationError), not old data
    model = WalkForwardResult if payload.get("mode") == "walk_forward" else SingleBacktestResult
    return model.model_validate(payload)
