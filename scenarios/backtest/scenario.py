"""Backtest one scenario: at its own ``as_of`` (single) or rolled over many (walk-forward).

:func:`backtest_scenario` runs the scenario with the engine as of its ``as_of`` (prices read
through a :class:`~scenarios.data.view.PriceView`, nothing later is visible), then loads the
realized prices from ``as_of`` to the horizon and scores the forecast
(:mod:`scenarios.backtest.scoring`). For a scenario with an ``index_weighting`` driver it also
simulates the scenario's index over the same window with the Hang Seng TECH machinery of
:mod:`scenarios.recon.counterfactual` and compares it with each benchmark
(:func:`index_performance`).

:func:`walk_forward_scenario` re-runs the scenario at each roll date
(:mod:`scenarios.backtest.walkforward`).

Both return objects with ``to_dict()`` (the JSON payload recorded as a ``backtest`` run).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from scenarios import metrics as M
from scenarios.backtest.forecast import forecast_from_result, index_benchmark_of, scenario_forecaster
from scenarios.backtest.scoring import ForecastScore, score_forecast
from scenarios.backtest.walkforward import Roll, WalkForwardResult, roll_dates, walk_forward
from scenarios.data.base import DateLike, PriceSource
from scenarios.data.symbols import normalize_symbol

if TYPE_CHECKING:
    from scenarios.model.schema import Scenario

__all__ = ["SingleBacktest", "backtest_scenario", "index_performance", "walk_forward_scenario",
           "WalkForwardBacktest"]


def _abs(file: str | None) -> str | None:
    """Absolute path of the scenario file (so a stored run can find it from anywhere)."""
    if not file:
        return file
    from pathlib import Path

    return str(Path(file).resolve())


@dataclass
class SingleBacktest:
    """A scenario scored at its own ``as_of`` (see :func:`backtest_scenario`).

    ``result`` is the engine result's summary (``ScenarioResult.to_dict(include_draws=False)``),
    stored with the scores so a report can be drawn from the run alone.
    """

    scenario: str
    file: str | None
    file_sha256: str | None
    score: ForecastScore
    draws: int
    seed: int | None
    band: tuple[float, float]
    index_performance: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    #: the portfolio's realised P&L scored against its band (scenarios.backtest.pnl.score_pnl)
    pnl: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the single backtest as a JSON-ready dict."""
        sc = self.score.to_dict()
        out = {
            "mode": "single", "scenario": self.scenario, "file": self.file,
            "file_sha256": self.file_sha256, "as_of": sc["as_of"], "horizon": sc["horizon"],
            "draws": self.draws, "seed": self.seed, "band": list(self.band),
            "summary": sc["summary"], "per_symbol": sc["per_symbol"], "index": sc["index"],
            "index_performance": self.index_performance,
            "notes": list(sc["notes"]) + list(self.notes),
            "result": self.result,
            "excess": sc.get("excess") or {},
        }
        if self.pnl is not None:
            out["pnl"] = self.pnl
        return out


def backtest_scenario(scenario: Scenario, *, source: PriceSource | None = None, draws: int | None = None,
                      seed: int | None = None, band: tuple[float, float] = (0.05, 0.95),
                      partial: Literal["exclude", "include"] = "exclude",
                      index: bool = True) -> SingleBacktest:
    """Run ``scenario`` at its ``as_of`` and score it against what happened by its horizon.

    ``index=False`` skips the index simulation of ``index_weighting`` scenarios (it reads the
    whole HSTECH membership's prices and takes a few seconds).
    """
    from scenarios.engine import run_scenario

    if source is None:
        from scenarios.data import default_source

        source = default_source()
    result = run_scenario(scenario, source=source, draws=draws, seed=seed)
    bench = index_benchmark_of(scenario)
    f = forecast_from_result(result, as_of=result.as_of, horizon=result.horizon,
                             index_benchmark=bench)
    sc = score_forecast(f, source, band=band, partial=partial)
    notes: list[str] = []
    perf = None
    if index and bench is not None:
        perf = index_performance(scenario, f.as_of, f.horizon, source)
        notes.extend(perf.get("notes", []))
        recon = _reconcile_index(sc.index, perf)
        if recon:
            perf["notes"].append(recon)
            notes.append(recon)
    summary = result.to_dict(include_draws=False) if hasattr(result, "to_dict") else None
    pnl = None
    if getattr(result, "pnl", None) is not None:
        from scenarios.backtest.pnl import score_pnl

        pnl = score_pnl(result, source, band=band, partial=partial)
    return SingleBacktest(scenario.name, _abs(scenario.file), scenario.file_sha256, sc, f.draws,
                          getattr(result, "seed", None), band, perf, notes, summary, pnl)


def _reconcile_index(score: dict[str, Any] | None, perf: dict[str, Any]) -> str | None:
    """Return one sentence tying the scored index return to the simulated index.

    The scored index return holds the as_of weights (total return); the simulated index re-sets the
    same weights at each review (price return). Both start from the replica's holdings at as_of (one
    weighting); they differ by the reviews' re-capping and re-weighting inside the window and by the
    dividends.
    """
    if not score or not score.get("scored") or perf.get("status") != "complete":
        return None
    held, sim = score.get("realized"), perf.get("total_return")
    if held is None or sim is None or not (math.isfinite(held) and math.isfinite(sim)):
        return None
    return (f"one index, two holding rules: the scored index return {held:+.2%} holds the as_of "
            f"weights (total return); the simulated index {sim:+.2%} starts from the same weights "
            f"and re-sets them at each review (price return); the {100 * (held - sim):+.2f} pp gap is "
            "the reviews' re-weighting and the dividends")


# --------------------------------------------------------------------------------------
# index scenarios: the scenario's weighting vs the benchmarks over the window
# --------------------------------------------------------------------------------------

def index_performance(scenario: Scenario, as_of: DateLike, horizon: DateLike,
                      source: PriceSource | None = None) -> dict[str, Any]:
    """Simulate the scenario's index scheme and compare it with each benchmark.

    The ``index_weighting`` scheme is simulated over ``(as_of, horizon]``; the benchmarks are the
    scenario's ``benchmarks`` plus ``HSTECH.HK`` and ``^HSI``.

    Returns a dict with ``scheme``, ``start``/``end`` (sessions used), ``return_kind`` (always
    ``"price"``: the simulated index, like HSTECH and HSI, does not reinvest dividends),
    ``total_return``, ``max_drawdown``, ``turnover`` (one-way, per rebalance date inside the
    window), and ``vs``: per benchmark ``total_return``, ``excess_return`` (difference of total
    returns), ``tracking_error`` and ``information_ratio`` (annualized with 252 days),
    ``max_drawdown``; ``levels`` the daily price levels (rebased to 100 the session before the
    window) as ``{"index": [dates], column: [values]}``. When the simulation cannot run (module
    missing, data ending before the window) the dict has ``status`` ``"unavailable"`` and a note
    saying why.
    """
    from scenarios.errors import DataUnavailableError

    a, h = pd.Timestamp(as_of).normalize(), pd.Timestamp(horizon).normalize()  # type: ignore[arg-type]
    drivers = [d for d in scenario.drivers if d.type == "index_weighting" and d.enabled]
    if not drivers:
        raise ValueError("index_performance needs a scenario with an index_weighting driver")
    benches = list(dict.fromkeys([normalize_symbol(b) for b in scenario.benchmarks] + ["HSTECH.HK", "^HSI"]))
    out: dict[str, Any] = {"scheme": None, "return_kind": "price", "status": "unavailable", "notes": []}
    from scenarios.recon.counterfactual import simulate_schemes
    name = "scenario"
    d = drivers[0]
    # the same scheme as the engine's "after" weights (scenario-local themes expanded)
    from scenarios.recon.weights_at import scenario_scheme

    scheme = scenario_scheme(d, scenario.themes or {}, name=name)
    universe = scenario.universe if isinstance(scenario.universe, str) else None
    out["scheme"] = {"scheme": scheme.scheme, "tilts": dict(scheme.tilts), "exclude": list(scheme.exclude),
                     "cap": scheme.cap, "universe": universe or list(scenario.universe)}
    try:
        from scenarios.recon.membership import Membership

        members = Membership.from_universe(universe) if universe else Membership.static(scenario.universe)
        cf = simulate_schemes([scheme], source, a + pd.Timedelta(days=1), h, benchmarks=tuple(benches),
                              universe=members)
    except (DataUnavailableError, ValueError) as exc:
        out["notes"].append(f"index simulation not possible over {a.date()}..{h.date()}: {exc}")
        return out
    rets = cf.returns
    if rets.empty:
        out["notes"].append(f"no session to simulate between {a.date()} and {h.date()}")
        return out
    idx = rets[name]
    out.update({
        "status": "complete" if rets.index[-1] >= h - pd.Timedelta(days=4) else "partial",
        "start": rets.index[0].date().isoformat(), "end": rets.index[-1].date().isoformat(),
        "sessions": int(len(rets)),
        "total_return": M.total_return(idx), "max_drawdown": M.max_drawdown(idx),
        "volatility": (float(np.std(idx.dropna(), ddof=1) * math.sqrt(M.TRADING_DAYS))
                       if idx.notna().sum() > 1 else math.nan),
    })
    turn = cf.turnover.get(name, pd.Series(dtype="float64"))
    turn = turn.loc[(turn.index > a) & (turn.index <= h)] if len(turn) else turn
    out["turnover"] = {pd.Timestamp(d).date().isoformat(): float(v) for d, v in turn.items()}  # type: ignore[arg-type]
    out["turnover_total"] = float(turn.sum()) if len(turn) else 0.0
    vs: dict[str, Any] = {}
    for b in benches:
        if b not in rets:
            continue
        br = rets[b]
        vs[b] = {
            "return_kind": "price",
            "total_return": M.total_return(br),
            "excess_return": M.excess_return(idx, br),
            "tracking_error": M.tracking_error(idx, br),
            "information_ratio": M.information_ratio(idx, br),
            "max_drawdown": M.max_drawdown(br),
        }
    out["vs"] = vs
    lv = cf.levels[[c for c in [name, *benches] if c in cf.levels]]
    out["levels"] = {"index": [d.date().isoformat() for d in lv.index],
                     **{("scenario index" if c == name else c): [float(v) for v in lv[c]] for c in lv}}
    out["notes"].extend(cf.notes)
    if out["status"] == "partial":
        out["notes"].append(f"index simulation ends {out['end']}, before the horizon {h.date()}")
    return out


# --------------------------------------------------------------------------------------
# walk-forward
# --------------------------------------------------------------------------------------

@dataclass
class WalkForwardBacktest:
    """A scenario walked forward (see :func:`walk_forward_scenario`)."""

    scenario: str
    file: str | None
    file_sha256: str | None
    result: WalkForwardResult
    draws: int | None
    seed: int | None
    band: tuple[float, float]
    #: the portfolio's P&L per window and its track record (scenarios.backtest.pnl.pnl_track)
    pnl: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the walk-forward backtest as a JSON-ready dict."""
        d = self.result.to_dict()
        out = {"mode": "walk_forward", "scenario": self.scenario, "file": self.file,
               "file_sha256": self.file_sha256, "draws": self.draws, "seed": self.seed,
               "band": list(self.band), **d}
        if self.pnl is not None:
            out["pnl"] = self.pnl
        return out


def _forecaster_on(scenario: Any, draws: int | None, seed: int | None, source: PriceSource,
                   sink: dict[pd.Timestamp, Any]) -> Any:
    """Build the walk-forward forecaster of ``scenario`` over ``source``.

    P&L is kept in ``sink`` for a portfolio scenario. Picklable with :func:`functools.partial` for
    parallel windows.
    """
    if getattr(scenario, "portfolio", None) is not None:
        from scenarios.backtest.pnl import pnl_forecaster

        return pnl_forecaster(scenario, sink, source=source, draws=draws, seed=seed)
    return scenario_forecaster(scenario, source=source, draws=draws, seed=seed)


def walk_forward_scenario(scenario: Any, *, roll: Roll, start: DateLike, end: DateLike,
                          source: PriceSource | None = None, draws: int | None = None,
                          seed: int | None = None, band: tuple[float, float] = (0.05, 0.95),
                          partial: Literal["exclude", "include"] = "exclude",
                          progress: bool = True, workers: int | None = None,
                          scheduler: str | None = None) -> WalkForwardBacktest:
    """Re-run ``scenario`` at each roll date in ``[start, end]`` and score its track record.

    The horizon shifts with each roll date (:meth:`Scenario.horizon_date`), each run sees only its
    own past, and the track record is scored against the naive zero and trailing-momentum forecasts.
    ``workers``/``scheduler`` run the windows on Dask (:mod:`scenarios.parallel`; identical
    results).
    """
    import functools

    if source is None:
        from scenarios.data import default_source

        source = default_source()
    dates = roll_dates(start, end, roll)
    if not dates:
        raise ValueError(f"no {roll} roll date between {pd.Timestamp(start).date()} and {pd.Timestamp(end).date()}")  # type: ignore[arg-type]
    sink: dict[pd.Timestamp, Any] = {}
    forecaster = _forecaster_on(scenario, draws, seed, source, sink)
    from scenarios.parallel import panel_seeds

    res = walk_forward(forecaster, dates, source, roll=roll, band=band, partial=partial, progress=progress,
                       make_forecaster=functools.partial(_forecaster_on, scenario, draws, seed),
                       sink=sink, workers=workers, scheduler=scheduler, panel=panel_seeds([scenario]))
    note = narrative_note(scenario, [w.as_of for w in res.scores])
    if note:
        res.notes.append(note)
    from scenarios.model.point_in_time import constant_fundamentals_note

    constant = constant_fundamentals_note(scenario)
    if constant:
        res.notes.append(constant)
    used_draws = res.scores[0].summary["draws"] if res.scores else draws
    pnl = None
    if sink:
        from scenarios.backtest.pnl import pnl_track

        pnl = pnl_track(sink, source, band=band, partial=partial)
    return WalkForwardBacktest(scenario.name, _abs(scenario.file), scenario.file_sha256, res, used_draws,
                               seed if seed is not None else scenario.monte_carlo.seed, band, pnl)


def narrative_date(scenario: Any) -> tuple[dt.date, str] | None:
    """Return the date and article of the earliest article behind the cited claims.

    The claims are those the scenario's drivers cite (``drivers[].claims``); None when they cite
    none (or the seeds do not know them).
    """
    from scenarios.errors import ScenarioError
    from scenarios.seeds.articles import load_articles
    from scenarios.seeds.claims import get_claim

    ids = {c for d in getattr(scenario, "drivers", []) for c in (getattr(d, "claims", None) or [])}
    if not ids:
        return None
    try:
        articles = load_articles()
        dates = []
        for cid in sorted(ids):
            art = articles.get(get_claim(cid).article)
            if art is not None:
                dates.append((art.published, art.file))
    except (ScenarioError, KeyError):
        return None
    return min(dates) if dates else None


def narrative_note(scenario: Any, as_ofs: Sequence[Any]) -> str | None:
    """Return a sentence when some walk-forward windows start before the narrative existed.

    Their as_of precedes the earliest article whose claims the drivers cite, so those windows test
    the drivers as if the story had been known then.
    """
    first = narrative_date(scenario)
    if first is None:
        return None
    day, article = first
    early = [pd.Timestamp(a).date() for a in as_ofs if pd.Timestamp(a).date() < day]
    if not early:
        return None
    return (f"{len(early)} of {len(as_ofs)} window(s) (as_of {early[0]}..{early[-1]}) start before "
            f"{day}, when {article}, the first article behind the drivers' claims, appeared: the "
            "narrative did not exist yet, so these windows test the drivers as if it had been known")
