"""The report's view-model: plain dataclasses that the chart and HTML renderers consume.

Adapters (:mod:`scenarios.report.adapters`) build these from run and backtest payloads; the
renderers (:mod:`scenarios.report.charts`, :mod:`scenarios.report.html`) never look at a payload.

Units everywhere: returns and weights are fractions (0.12 = 12 %), prices are in the symbol's
currency, dates are :class:`datetime.date`. ``None`` means "not known" (e.g. the realized return
before the horizon has passed); a whole section that has no data is ``None`` on
:class:`ReportView` and the HTML shows a one-line note instead.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.dates import as_date as _as_date
from scenarios.dates import require_date

__all__ = [
    "FAN_QUANTILES", "ClaimRow", "DataSourceRow", "DecompositionBars", "DriverRow", "FanChartData",
    "IndexLine", "IndexLines", "IndexVsRow", "InputsTable", "MetricRow", "ReportHeader", "ReportView",
    "ScatterData", "TrackRecord", "WeightsBars", "ExcessBlock", "ExcessRow",
]

#: Quantile levels of the predicted price shown in fan charts and tables.
FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)




def _floats(values: Sequence[float] | np.ndarray | None) -> np.ndarray:
    if values is None:
        return np.empty(0)
    return np.asarray([np.nan if v is None else v for v in values], dtype=float) \
        if isinstance(values, (list, tuple)) else np.asarray(values, dtype=float)


def _opt(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# Statistics (hit rate, Spearman IC) come from scenarios.metrics: one implementation
# for the backtest, the walk-forward and the report.


def _stat(value: float) -> float | None:
    """Return a metric's value, or None where it is undefined (NaN)."""
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------------------
# header and inputs
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSourceRow:
    """Where one series came from: source name and the first and last date used."""

    symbol: str
    source: str
    first: dt.date | None = None
    last: dt.date | None = None


@dataclass(frozen=True)
class ReportHeader:
    """What the report is about: shown at the top of the page."""

    name: str
    as_of: dt.date
    horizon: dt.date
    title: str | None = None
    description: str | None = None
    kind: str = "run"                     # "run", "backtest", "walk-forward"
    run_id: str | None = None
    seed: int | None = None
    draws: int | None = None
    file_sha256: str | None = None
    return_kind: str = "total"            # stock returns: "total"; index returns are "price"
    data_sources: tuple[DataSourceRow, ...] = ()
    version: str | None = None


@dataclass(frozen=True)
class DriverRow:
    """One parameter of one scenario driver, in readable form.

    ``distribution`` is the text shown (``"normal: mean +8.0%, sd 3.0%"``); ``quantiles`` maps
    levels (0.05, 0.5, 0.95) to values in the parameter's own unit (``unit``: ``"fraction"``
    values print as percents, anything else as plain numbers). A fixed parameter has its value
    at every level.
    """

    name: str
    distribution: str
    applies_to: str = "all"
    unit: str = "fraction"
    quantiles: Mapping[float, float] = field(default_factory=dict)
    claims: tuple[str, ...] = ()
    note: str | None = None
    kind: str = ""                         # driver type (earnings_growth, rerating ...)
    parameter: str = ""                    # parameter name within the driver
    spec: Mapping[str, object] | None = None   # the distribution as written ({dist: normal, ...})


@dataclass(frozen=True)
class ClaimRow:
    """An article claim a driver rests on (English paraphrase; ``source`` is the seed file)."""

    id: str
    text: str
    source: str | None = None
    drivers: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputsTable:
    """The inputs shown in a report: drivers, claims and symbols."""

    drivers: tuple[DriverRow, ...]
    claims: tuple[ClaimRow, ...] = ()
    symbols: tuple[str, ...] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)   # other settings, printed as given


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FanChartData:
    """One symbol's fan chart.

    Recent history, the predicted price distribution at the horizon, and (once the horizon has
    passed) the realized path.

    Prices in ``currency``; ``quantiles`` maps each level of :data:`FAN_QUANTILES` to a price.
    """

    symbol: str
    as_of: dt.date
    horizon: dt.date
    baseline_price: float
    quantiles: Mapping[float, float]
    mean_return: float
    prob_up: float
    history_dates: tuple[dt.date, ...] = ()
    history_prices: np.ndarray = field(default_factory=lambda: np.empty(0))
    realized_dates: tuple[dt.date, ...] = ()
    realized_prices: np.ndarray = field(default_factory=lambda: np.empty(0))
    realized_return: float | None = None
    pit: float | None = None              # share of draws below the realized price
    name: str | None = None
    currency: str = "HKD"

    @classmethod
    def from_draws(cls, symbol: str, as_of: object, horizon: object, baseline_price: float,
                   predicted_price: Sequence[float] | np.ndarray, *,
                   realized_return: float | None = None, **kw: object) -> FanChartData:
        """Build from the draws of the predicted price at the horizon (any number >= 1).

        ``realized_return`` (fraction, baseline to horizon) also sets :attr:`pit`, the share of
        draws below the realized price (ties count half).
        """
        draws = _floats(predicted_price)
        draws = draws[np.isfinite(draws)]
        if draws.size == 0:
            raise ValueError(f"{symbol}: no finite predicted price draws")
        base = float(baseline_price)
        if not (math.isfinite(base) and base > 0):
            raise ValueError(f"{symbol}: baseline price must be positive, got {baseline_price!r}")
        qs = np.quantile(draws, FAN_QUANTILES)
        realized = _opt(realized_return)
        pit = None
        if realized is not None:
            price = base * (1.0 + realized)
            pit = float(np.mean(draws < price) + 0.5 * np.mean(draws == price))
        if "realized_prices" in kw:
            kw["realized_prices"] = _floats(kw["realized_prices"])  # type: ignore[arg-type]
        if "history_prices" in kw:
            kw["history_prices"] = _floats(kw["history_prices"])  # type: ignore[arg-type]
        for key in ("history_dates", "realized_dates"):
            if key in kw:
                kw[key] = tuple(_as_date(d) for d in kw[key])  # type: ignore[attr-defined]
        return cls(
            symbol=symbol, as_of=require_date(as_of), horizon=require_date(horizon), baseline_price=base,
            quantiles={float(q): float(v) for q, v in zip(FAN_QUANTILES, qs, strict=True)},
            mean_return=float(np.mean(draws) / base - 1.0),
            prob_up=float(np.mean(draws > base)),
            realized_return=realized, pit=pit,
            **kw,  # type: ignore[arg-type]
        )

    def quantile_return(self, level: float) -> float:
        """Predicted return (fraction) at quantile ``level`` of the horizon distribution."""
        return self.quantiles[level] / self.baseline_price - 1.0

    @property
    def median_return(self) -> float:
        """Median return (fraction)."""
        return self.quantile_return(0.5)


@dataclass(frozen=True)
class ScatterData:
    """Predicted vs realized return across symbols (fractions), with IC and hit rate.

    ``predicted`` is the point forecast (median of the draws); ``lower``/``upper`` an interval
    around it (25 % and 75 % quantiles) or empty.
    """

    symbols: tuple[str, ...]
    predicted: np.ndarray
    realized: np.ndarray
    ic: float | None
    hit_rate: float | None
    lower: np.ndarray = field(default_factory=lambda: np.empty(0))
    upper: np.ndarray = field(default_factory=lambda: np.empty(0))
    interval: str = "25–75 %"

    @classmethod
    def compute(cls, symbols: Sequence[str], predicted: Sequence[float], realized: Sequence[float],
                **kw: object) -> ScatterData:
        """Build the scatter data and compute its IC and hit rate.

        Both come from :func:`scenarios.metrics.spearman_ic` and :func:`~scenarios.metrics.hit_rate`.
        A zero return has no direction and is left out of the hit rate; ``None`` where a statistic
        is undefined.
        """
        from scenarios import metrics as M

        p, r = _floats(predicted), _floats(realized)
        return cls(symbols=tuple(symbols), predicted=p, realized=r, ic=_stat(M.spearman_ic(p, r)),
                   hit_rate=_stat(M.hit_rate(p, r)), **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class IndexLine:
    """One index level series (any base) and how to draw it."""

    label: str
    values: np.ndarray
    role: str = "actual"                  # "actual" or "counterfactual"


@dataclass(frozen=True)
class IndexLines:
    """Counterfactual index vs the actual indexes, on common dates.

    The chart rebases every line to its first finite value (cumulative price return).
    """

    dates: tuple[dt.date, ...]
    lines: tuple[IndexLine, ...]
    markers: tuple[tuple[dt.date, str], ...] = ()    # (date, label), e.g. as_of or rebalance days
    base: float | None = None    # common level of every line the session before dates[0] (e.g. 100)

    def relative(self, line: IndexLine) -> np.ndarray:
        """Cumulative return (fractions) of ``line`` at each date.

        Vs :attr:`base` when known, else vs the line's first finite value.
        """
        v = np.asarray(line.values, float)
        if self.base is not None:
            return v / self.base - 1.0
        first = v[np.isfinite(v)][0] if np.isfinite(v).any() else np.nan
        return v / first - 1.0

    def total_returns(self) -> dict[str, float | None]:
        """Cumulative return (fraction) of each line to its last finite value."""
        out: dict[str, float | None] = {}
        for line in self.lines:
            rel = self.relative(line)
            rel = rel[np.isfinite(rel)]
            out[line.label] = float(rel[-1]) if rel.size >= (1 if self.base is not None else 2) else None
        return out


@dataclass(frozen=True)
class IndexVsRow:
    """Performance of one index line over the window (fractions; ratios for ``information_ratio``)."""

    label: str
    total_return: float | None
    excess_return: float | None = None      # scenario index minus this line
    tracking_error: float | None = None     # annualized
    information_ratio: float | None = None
    max_drawdown: float | None = None


@dataclass(frozen=True)
class WeightsBars:
    """Index weights before and after re-weighting (fractions that each sum to at most 1)."""

    symbols: tuple[str, ...]
    before: np.ndarray
    after: np.ndarray
    before_label: str = "Before"
    after_label: str = "After re-weighting"
    #: where the weights come from (one weighting per report: the replica's, for scheme implied)
    caption: str = ""


@dataclass(frozen=True)
class ExcessRow:
    """One relative call.

    A symbol's (or the basket's) excess return over a benchmark, predicted (median of the per-draw
    excess) and realized (fractions); ``hit`` 1.0/0.0 on the sign of excess, None when not scored.
    """

    symbol: str
    basis: str
    predicted: float | None
    realized: float | None
    hit: float | None


@dataclass(frozen=True)
class ExcessBlock:
    """Relative calls against one benchmark.

    How the benchmark was forecast, the return ``basis`` (e.g. ``total - price``), the sign hit rate
    over ``n_scored`` names (walk-forward: over every scored (as_of, symbol) pair;
    ``basket_hit_rate`` over the windows' baskets).
    """

    benchmark: str
    basis: str
    forecast: str
    n_scored: int
    hit_rate: float | None
    rows: tuple[ExcessRow, ...] = ()
    note: str = ""
    basket_hit_rate: float | None = None
    n_baskets: int | None = None


#: Decomposition group of the ``monte_carlo.residual`` market noise (not a driver).
RESIDUAL_GROUP = "market noise (residual)"


@dataclass(frozen=True)
class DecompositionBars:
    """Per-symbol return decomposition into additive log-return components.

    ``components`` maps a group label (``"earnings"``, ``"re-rating"``, ``"dividends"``,
    ``"sentiment"`` ..., :data:`RESIDUAL_GROUP` for the market noise) to one value per symbol: the
    mean over draws of that group's log-return contribution, so the components of a symbol add up to
    the mean of ``log(1 + return)`` (``total_log``). ``detail`` optionally holds the same per driver
    (``groups`` maps each driver to its group).
    """

    symbols: tuple[str, ...]
    components: Mapping[str, np.ndarray]
    detail: Mapping[str, np.ndarray] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    #: Shapley attribution of the noise-free forecast: driver -> PERCENTAGE POINTS of simple
    #: return per symbol (empty for runs recorded before it); ``base_pp`` the return with no
    #: driver (dividend carry), ``point_pp`` the noise-free return (= base + sum of drivers)
    shapley_pp: Mapping[str, np.ndarray] = field(default_factory=dict)
    base_pp: np.ndarray | None = None
    point_pp: np.ndarray | None = None

    @property
    def total_log(self) -> np.ndarray:
        """Total log return per draw (the sum of the components)."""
        return np.sum(np.vstack([np.asarray(v, float) for v in self.components.values()]), axis=0)


@dataclass(frozen=True)
class TrackRecord:
    """Walk-forward track record: one forecast window per ``as_of`` date, scored at its horizon.

    ``predicted`` is the window's point forecast (fraction), ``lower``/``upper`` its band,
    ``realized`` what happened (NaN when not scored); for a cross-section these are the means
    over the window's scored symbols (``label`` says which). ``hit_rate`` and ``ic`` are the
    window's cross-sectional hit rate and Spearman IC (empty when not known; then the hit rate
    is the direction hit of the window's own forecast).
    """

    label: str
    as_of: tuple[dt.date, ...]
    predicted: np.ndarray
    realized: np.ndarray
    lower: np.ndarray = field(default_factory=lambda: np.empty(0))
    upper: np.ndarray = field(default_factory=lambda: np.empty(0))
    ic: np.ndarray = field(default_factory=lambda: np.empty(0))
    hit_rate: np.ndarray = field(default_factory=lambda: np.empty(0))
    band: str = "5–95%"

    @property
    def hits(self) -> np.ndarray:
        """Return the hit rate of each window.

        Per window: its hit rate if given, else 1.0/0.0 for the direction of its own forecast
        (NaN when unscored or without a direction:
        :func:`scenarios.metrics.directional_hits`).
        """
        from scenarios import metrics as M

        if self.hit_rate.size:
            return np.asarray(self.hit_rate, float)
        return M.directional_hits(self.predicted, self.realized)

    @property
    def cumulative_hit_rate(self) -> np.ndarray:
        """Running mean of :attr:`hits` over the scored windows so far (NaN before the first)."""
        h = self.hits
        scored = np.cumsum(np.isfinite(h))
        total = np.cumsum(np.nan_to_num(h))
        out = np.full(h.shape, np.nan)
        np.divide(total, scored, out=out, where=scored > 0)
        return out


@dataclass(frozen=True)
class MetricRow:
    """One scoring metric.

    ``value`` in its own unit; ``unit`` ``"fraction"`` prints as percent,
    ``"pp"`` (a fraction of return, e.g. CRPS) as percentage points.
    """

    name: str
    value: float | None
    unit: str = "fraction"
    help: str = ""


# --------------------------------------------------------------------------------------
# the whole report
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PnlFanData:
    """The portfolio P&L fan (fractions of gross notional in ``base_currency``).

    Horizon quantiles (levels 0.05, 0.5, 0.95 and, when recorded, 0.25, 0.75), the realised P&L and
    its daily path before costs once known (:mod:`scenarios.report.pnl`).
    """

    as_of: dt.date
    horizon: dt.date
    base_currency: str
    quantiles: Mapping[float, float]
    mean: float
    prob_loss: float
    var_05: float | None
    es_05: float | None
    return_basis: str
    positions: tuple[str, ...]
    costs_bps: float = 0.0
    realized: float | None = None
    realized_basis: str | None = None
    pit: float | None = None
    realized_dates: tuple[dt.date, ...] = ()
    realized_path: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class ReportView:
    """Everything one report shows. Sections that are ``None`` (or empty) are omitted with a note."""

    header: ReportHeader
    inputs: InputsTable | None = None
    fans: tuple[FanChartData, ...] = ()
    scatter: ScatterData | None = None
    metrics: tuple[MetricRow, ...] = ()
    index_lines: IndexLines | None = None
    weights: WeightsBars | None = None
    index_return: Mapping[str, float | None] = field(default_factory=dict)
    index_metrics: tuple[MetricRow, ...] = ()      # the index forecast scored vs the realized index
    index_vs: tuple[IndexVsRow, ...] = ()          # simulated index vs the benchmarks
    decomposition: DecompositionBars | None = None
    track: TrackRecord | None = None
    track_metrics: tuple[MetricRow, ...] = ()
    excess: tuple[ExcessBlock, ...] = ()           # benchmark-relative calls (excess returns)
    notes: Mapping[str, str] = field(default_factory=dict)   # section id -> why it is omitted / caveats
    pnl: PnlFanData | None = None                   # the portfolio block's P&L (scenarios.report.pnl)
    tornado: Any = None                             # scenarios.sensitivity.Tornado (report FILE)
