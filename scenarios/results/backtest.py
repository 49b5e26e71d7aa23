"""Typed results of backtests: a scenario scored at its as_of, and walked forward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, JsonValue, PrivateAttr

from scenarios.results.base import SCHEMA_VERSION, Num, _Model, frame_of
from scenarios.results.run import RunResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BenchmarkExcess", "DMTest", "ExcessScore", "ExcessTrack", "ExcessWindow", "IndexPerformance", "IndexScore",
    "IndexTrack", "IndexVs", "IndexWindow", "PnlLeg", "PnlScore", "PnlTrack", "PnlWalk", "ScorePair",
    "ScoreSummary", "SingleBacktestResult", "SymbolScore", "TrackRecord", "WalkForwardResult", "WalkWindow",
]


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
        df = frame_of(self.per_symbol, SymbolScore, index="symbol")
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
        return frame_of(self.windows, WalkWindow, index="as_of")

    def scores(self) -> pd.DataFrame:
        """One row per (as_of, symbol) pair.

        The forecast, the realized return, the scores and the naive forecasts (``zero``,
        ``momentum``). ``attrs["track"]`` holds the track record.
        """
        df = frame_of(self.pairs, ScorePair, index=["as_of", "symbol"])
        df.attrs["track"] = self.track.to_dict()
        return df
