"""What a backtest scores: an ensemble forecast of returns made at ``as_of`` for ``horizon``.

:class:`Forecast` is deliberately independent of the engine: the engine's
``ScenarioResult`` becomes one through :func:`forecast_from_result`, and any callable
``as_of -> Forecast`` (a :data:`Forecaster`) can be walked forward, which is how the
backtester is tested without the engine, and how naive benchmarks (zero return, trailing
momentum) are built (:func:`momentum_forecaster`, :func:`zero_forecaster`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scenarios.backtest.realized import return_kind
from scenarios.data.base import PriceSource
from scenarios.data.symbols import normalize_symbol

if TYPE_CHECKING:
    from scenarios.model.schema import Scenario

__all__ = [
    "Forecast", "Forecaster", "forecast_from_result", "momentum_forecaster",
    "scenario_forecaster", "trailing_return", "trailing_return_from_closes", "zero_forecaster",
]


def _day(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


@dataclass
class Forecast:
    """An ensemble of predicted simple returns (fractions) from ``as_of`` to ``horizon``.

    ``ensemble`` has shape ``(draws, n_symbols)`` (one draw = one joint scenario path; a point
    forecast is one draw). Stock predictions are total returns, index predictions price returns
    (:func:`~scenarios.backtest.realized.return_kind`). ``index_return`` is the scenario's predicted
    return of its re-weighted index, ``(draws,)``, when it has one, and ``index_weights``
    ``(n_symbols,)`` the weights behind it (fixed at ``as_of``): the index forecast is scored
    against the realized return of that same portfolio; ``index_benchmark`` is the actual index it
    is set against (reported next to it). ``baseline_dates`` (per symbol) are the days of the closes
    the forecast started from; scoring checks that the realized windows start from the same closes.
    ``meta`` carries anything worth storing (seed, draws, file hash ...).
    """

    as_of: pd.Timestamp
    horizon: pd.Timestamp
    symbols: list[str]
    ensemble: np.ndarray
    baseline_date: pd.Timestamp | None = None
    index_return: np.ndarray | None = None
    index_benchmark: str | None = None
    index_weights: np.ndarray | None = None
    baseline_dates: list[pd.Timestamp] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: the noise-free forecast ``(n_symbols,)`` (every parameter at its mean, residual off;
    #: :func:`scenarios.engine.noise_free.point_forecast`): what the hit rate and the IC score.
    #: None: the ensemble's median stands in (naive and hand-made forecasts).
    point: np.ndarray | None = None
    #: declared benchmarks (relative calls, :mod:`scenarios.backtest.excess`)
    benchmarks: list[str] = field(default_factory=list)
    #: benchmark -> predicted return draws ``(draws,)`` when the universe is its membership
    benchmark_draws: dict[str, np.ndarray] | None = None
    #: benchmark -> its noise-free return when the universe is its membership (the point
    #: forecast at the index's base weights); a residual-only benchmark's is 0 (no driver, no noise)
    benchmark_points: dict[str, float] | None = None
    #: the scenario's residual settings (a benchmark's residual-only forecast)
    residual: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.as_of = _day(self.as_of)
        self.horizon = _day(self.horizon)
        if self.horizon <= self.as_of:
            raise ValueError(f"horizon {self.horizon.date()} must be after as_of {self.as_of.date()}")
        self.symbols = [normalize_symbol(s) for s in self.symbols]
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("a forecast's symbols must be unique")
        e = np.asarray(self.ensemble, dtype="float64")
        if e.ndim == 1:
            e = e[None, :]
        if e.ndim != 2 or e.shape[1] != len(self.symbols) or e.shape[0] == 0:
            raise ValueError(f"ensemble must be (draws, {len(self.symbols)}), got shape {e.shape}")
        if not np.all(np.isfinite(e)):
            bad = [self.symbols[j] for j in np.flatnonzero(~np.isfinite(e).all(axis=0))]
            raise ValueError(f"non-finite predicted returns for {', '.join(bad[:5])}")
        if np.any(e <= -1.0):
            raise ValueError("predicted returns must be > -100%")
        self.ensemble = e
        if self.index_return is not None:
            ir = np.asarray(self.index_return, dtype="float64").reshape(-1)
            if ir.size != self.ensemble.shape[0]:
                raise ValueError(f"index_return has {ir.size} draws, the ensemble {self.ensemble.shape[0]}")
            self.index_return = ir
        if self.index_weights is not None:
            w = np.asarray(self.index_weights, dtype="float64").reshape(-1)
            if w.size != len(self.symbols):
                raise ValueError(f"index_weights has {w.size} entries for {len(self.symbols)} symbols")
            self.index_weights = w
        if self.point is not None:
            pt = np.asarray(self.point, dtype="float64").reshape(-1)
            if pt.size != len(self.symbols) or not np.all(np.isfinite(pt)):
                raise ValueError(f"point must be {len(self.symbols)} finite returns, got {self.point!r}")
            self.point = pt
        self.benchmarks = [normalize_symbol(b) for b in self.benchmarks]
        if self.benchmark_draws:
            bd = {}
            for k, v in self.benchmark_draws.items():
                arr = np.asarray(v, dtype="float64").reshape(-1)
                if arr.size != self.ensemble.shape[0]:
                    raise ValueError(f"benchmark_draws[{k}] has {arr.size} draws, the ensemble "
                                     f"{self.ensemble.shape[0]}")
                bd[normalize_symbol(k)] = arr
            self.benchmark_draws = bd
        if self.baseline_date is not None:
            self.baseline_date = _day(self.baseline_date)
        if self.baseline_dates is not None:
            if len(self.baseline_dates) != len(self.symbols):
                raise ValueError(f"baseline_dates has {len(self.baseline_dates)} entries for "
                                 f"{len(self.symbols)} symbols")
            self.baseline_dates = [_day(d) for d in self.baseline_dates]

    @property
    def draws(self) -> int:
        """Number of Monte Carlo draws in the ensemble."""
        return int(self.ensemble.shape[0])

    @property
    def kinds(self) -> list[str]:
        """Return kind per symbol (``"total"`` for stocks, ``"price"`` for indexes)."""
        return [return_kind(s) for s in self.symbols]

    def median(self) -> np.ndarray:
        """Per-symbol median predicted return (the point forecast)."""
        return np.median(self.ensemble, axis=0)

    def signal(self) -> np.ndarray:
        """Per-symbol forecast that direction and rank are scored on.

        The noise-free :attr:`point` when the forecast has one, else the median.
        """
        return self.point if self.point is not None else self.median()

    @property
    def signal_kind(self) -> str:
        """``"noise-free"`` or ``"median"``: which forecast :meth:`signal` is."""
        return "noise-free" if self.point is not None else "median"

    def band(self, lower: float = 0.05, upper: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Per-symbol ``lower`` / ``upper`` quantiles of the ensemble (linear interpolation)."""
        q = np.quantile(self.ensemble, [lower, upper], axis=0)
        return q[0], q[1]


#: Anything that makes a forecast at a given as_of (seeing only data up to it).
Forecaster = Callable[[pd.Timestamp], Forecast]


def forecast_from_result(result: Any, *, as_of: Any, horizon: Any,
                         index_benchmark: str | None = None) -> Forecast:
    """Adapt the engine's ``ScenarioResult`` to a :class:`Forecast`.

    The result's fields used: ``predicted_return (draws, n)``, ``symbols``, ``baseline_date`` (a
    date or one per symbol), ``index_return``, ``seed``, ``draws``, ``file_sha256``.

    The index forecast is kept only with an ``index_benchmark`` (a scenario with an
    ``index_weighting`` driver): the engine reports an index line for every scenario, but only
    an index scenario claims something about an index.
    """
    meta = {k: getattr(result, k) for k in ("seed", "draws", "file_sha256") if hasattr(result, k)}
    base = getattr(result, "baseline_date", None)
    per_symbol = None
    if isinstance(base, (list, tuple)):
        per_symbol = [pd.Timestamp(b) for b in base] if len(base) == len(result.symbols) else None
        base = max(pd.Timestamp(b) for b in base) if base else None
    return Forecast(
        as_of=as_of, horizon=horizon, symbols=list(result.symbols),
        ensemble=np.asarray(result.predicted_return, dtype="float64"),
        baseline_date=base, baseline_dates=per_symbol,
        index_return=getattr(result, "index_return", None) if index_benchmark else None,
        index_weights=getattr(result, "index_weights_after", None) if index_benchmark else None,
        index_benchmark=index_benchmark, meta=meta, **_benchmark_fields(result),
        point=getattr(result, "point_return", None),
    )


def _benchmark_fields(result: Any) -> dict[str, Any]:
    """Return the benchmark fields of an engine result.

    The fields: the declared benchmarks, the scenario index at base weights for those whose
    membership the universe is, and the residual settings (see :mod:`scenarios.backtest.excess`).
    """
    from scenarios.backtest.excess import membership_benchmarks

    benches = [normalize_symbol(b) for b in (getattr(result, "benchmarks", None) or {})]
    inputs = getattr(result, "inputs", None) or {}
    before = getattr(result, "index_return_before", None)
    draws = None
    points = None
    if before is not None and benches:
        own = membership_benchmarks(inputs)
        draws = {b: np.asarray(before, dtype="float64") for b in benches if b in own} or None
        point = getattr(result, "point_return", None)
        weights = getattr(result, "index_weights_before", None)
        if point is not None and weights is not None:
            p = float(np.asarray(point, dtype="float64") @ np.asarray(weights, dtype="float64"))
            points = {b: p for b in benches if b in own} or None
    residual = (inputs.get("monte_carlo") or {}).get("residual") if isinstance(inputs, dict) else None
    return {"benchmarks": benches, "benchmark_draws": draws, "benchmark_points": points,
            "residual": dict(residual) if isinstance(residual, dict) else None}


def index_benchmark_of(scenario: Any) -> str | None:
    """Return the index an ``index_weighting`` scenario's index is scored against.

    The driver's ``benchmark``, else the scenario's first benchmark, else ``HSTECH.HK``; ``None``
    when the scenario has no ``index_weighting`` driver.
    """
    drivers = [d for d in getattr(scenario, "drivers", []) if getattr(d, "type", None) == "index_weighting"
               and getattr(d, "enabled", True)]
    if not drivers:
        return None
    bench = getattr(drivers[0], "benchmark", None)
    if bench:
        return normalize_symbol(bench)
    benches = list(getattr(scenario, "benchmarks", []) or [])
    return normalize_symbol(benches[0]) if benches else "HSTECH.HK"


def scenario_forecaster(scenario: Scenario, *, source: PriceSource | None = None, draws: int | None = None,
                        seed: int | None = None) -> Forecaster:
    """Return a :data:`Forecaster` that re-runs ``scenario`` with the engine at each ``as_of``.

    The engine reads prices through a :class:`~scenarios.data.view.PriceView` cut at
    ``as_of``; the horizon is ``scenario.horizon_date(as_of)`` (a period horizon applied from
    the new as_of, a date horizon keeping its offset).
    """
    from scenarios.engine import run_scenario

    bench = index_benchmark_of(scenario)

    def forecast(as_of: pd.Timestamp) -> Forecast:
        day = _day(as_of).date()
        result = run_scenario(scenario, source=source, draws=draws, seed=seed, as_of=day)
        f = forecast_from_result(result, as_of=getattr(result, "as_of", day),
                                 horizon=getattr(result, "horizon", None) or scenario.horizon_date(day),
                                 index_benchmark=bench)
        f.meta.setdefault("scenario", getattr(scenario, "name", None))
        return f

    return forecast


# --------------------------------------------------------------------------------------
# naive benchmarks
# --------------------------------------------------------------------------------------

def trailing_return(view: Any, symbol: str, days: int) -> float:
    """Return the trailing return of ``symbol`` over ``days`` calendar days (fraction).

    The window ends at the view's ``as_of``: last close on or before ``as_of - days`` to last close
    on or before ``as_of``; NaN when the history is too short. Reads only through ``view`` (a
    ``PriceView``).
    """
    closes = view.close(symbol).dropna()
    if closes.empty:
        return float("nan")
    start = view.as_of - pd.Timedelta(days=days)
    before = closes.loc[closes.index <= start]
    if before.empty or (start - before.index[-1]).days > 10:
        return float("nan")
    return float(closes.iloc[-1] / before.iloc[-1] - 1.0)


def trailing_return_from_closes(dates: np.ndarray, closes: np.ndarray, as_of: Any, days: int) -> float:
    """:func:`trailing_return` on arrays of valid closes (dates ascending, datetime64[ns]).

    Closes after ``as_of`` are cut off first (binary search), so passing a whole history is
    safe: nothing after ``as_of`` can influence the result.
    """
    a = _day(as_of)
    n = int(np.searchsorted(dates, a.to_datetime64(), side="right"))  # closes on or before as_of
    if n == 0:
        return float("nan")
    start = a - pd.Timedelta(days=days)
    i = int(np.searchsorted(dates[:n], start.to_datetime64(), side="right")) - 1
    if i < 0 or (start - pd.Timestamp(dates[i])).days > 10:
        return float("nan")
    return float(closes[n - 1] / closes[i] - 1.0)


def momentum_forecaster(symbols: Sequence[str], source: PriceSource, horizon_of: Callable[[dt.date], Any]
                        ) -> Forecaster:
    """Return the naive trailing-momentum forecaster.

    Naive forecast: each symbol's return over the next horizon equals its return over the
    trailing window of the same calendar length (point forecast; NaN -> 0 when too short).
    """
    from scenarios.data.view import PriceView

    syms = [normalize_symbol(s) for s in symbols]

    def forecast(as_of: pd.Timestamp) -> Forecast:
        a = _day(as_of)
        h = _day(horizon_of(a.date()))
        view = PriceView(source, a)
        days = (h - a).days
        vals = np.array([trailing_return(view, s, days) for s in syms])
        vals = np.where(np.isfinite(vals), vals, 0.0)
        return Forecast(as_of=a, horizon=h, symbols=syms, ensemble=vals[None, :],
                        meta={"model": f"momentum {days}d"})

    return forecast


def zero_forecaster(symbols: Sequence[str], horizon_of: Callable[[dt.date], Any]) -> Forecaster:
    """Naive forecast: a zero return for every symbol (the random-walk price forecast)."""
    syms = [normalize_symbol(s) for s in symbols]

    def forecast(as_of: pd.Timestamp) -> Forecast:
        a = _day(as_of)
        return Forecast(as_of=a, horizon=_day(horizon_of(a.date())), symbols=syms,
                        ensemble=np.zeros((1, len(syms))), meta={"model": "zero"})

    return forecast
