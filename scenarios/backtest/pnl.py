"""Score a portfolio's predicted P&L against the realised P&L of the same positions.

Realised legs (:mod:`scenarios.backtest.realized`, the engine's window convention: last valid
close on or before as_of to last valid close on or before the horizon):

* a stock: its **total return** (adjusted closes);
* a benchmark: its **price return** (index level, no dividends);
* ``index``: the scenario's index weights at as_of (buy and hold) applied to the members'
  total returns; every member with weight must have a complete window.

The realised P&L is :func:`valuation.pnl.long_short_pnl` of those returns with the same sizes,
FX assumption and costs as the forecast, per unit of gross notional. Scores: inside the 5-95%
band (coverage over windows), PIT (share of draws below the realised P&L, mid-rank ties) and
CRPS (:mod:`scenarios.metrics`), in fractions of gross notional.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np
import pandas as pd

from scenarios import metrics as M
from scenarios.backtest.forecast import (
    Forecast,
    forecast_from_result,
    index_benchmark_of,
)
from scenarios.backtest.realized import CloseCache, realized_return
from scenarios.data.base import PriceSource
from valuation.pnl import long_short_pnl

__all__ = ["pnl_forecaster", "pnl_track", "score_pnl"]


def _legs(result: Any, cache: CloseCache, as_of: Any, horizon: Any) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Return the realised return per leg and the index members held.

    Each leg's return carries ``value``, ``kind``, ``status``, dates and ``note``; the index
    weights' members are returned when an index leg is held.
    """
    legs: list[dict[str, Any]] = []
    for p in result.pnl.positions:
        if p["source"] == "index":
            w = np.asarray(result.index_weights_after, dtype=np.float64)
            held = [(s, wi) for s, wi in zip(result.symbols, w, strict=True) if wi > 0]
            rr = [realized_return(s, as_of, horizon, cache=cache) for s, _ in held]
            bad = [r.symbol for r in rr if r.status != "complete"]
            value = float(sum(wi * r.value for (_, wi), r in zip(held, rr, strict=True)) / sum(wi for _, wi in held))
            legs.append({"symbol": "index", "kind": p["return_kind"],
                         "status": "complete" if not bad else "partial" if all(
                             r.status != "unavailable" for r in rr) else "unavailable",
                         "return": value if all(r.status != "unavailable" for r in rr) else math.nan,
                         "start_date": str(as_of)[:10], "end_date": str(horizon)[:10],
                         "note": (f"members without a complete window: {', '.join(bad[:5])}" if bad else
                                  f"index weights at as_of on {len(held)} members' total returns, buy and hold")})
        else:
            r = realized_return(p["symbol"], as_of, horizon, cache=cache)
            legs.append({"symbol": r.symbol, "kind": r.kind, "status": r.status, "return": r.value,
                         "start_date": r.start_date.date().isoformat() if r.start_date is not None else None,
                         "end_date": r.end_date.date().isoformat() if r.end_date is not None else None,
                         "start_close": r.start_close, "end_close": r.end_close, "note": r.note})
    return legs, np.array([leg["return"] for leg in legs], dtype=np.float64)


def _basis(legs: list[dict[str, Any]], positions: list[dict[str, Any]]) -> str:
    words = {"total": "total return (adjusted closes)", "price": "price return (index level)",
             "mixed": "mixed total/price return"}
    parts = [f"{p['side']} {leg['symbol']} {words.get(leg['kind'], leg['kind'])}"
             for p, leg in zip(positions, legs, strict=True)]
    return "realised P&L = " + ", ".join(parts) + " over the same window"


def score_pnl(result: Any, source: PriceSource | None = None, *, band: tuple[float, float] = (0.05, 0.95),
              partial: Literal["exclude", "include"] = "exclude",
              cache: CloseCache | None = None) -> dict[str, Any]:
    """Return the realised P&L of a result's positions over its window.

    The positions are ``result.pnl``'s, the window ``(result.as_of, result.horizon]``; the P&L is
    scored against the predicted draws (see the module docstring).
    """
    p = result.pnl
    cache = cache if cache is not None else CloseCache(source)
    legs, r = _legs(result, cache, result.as_of, result.horizon)
    lo, med, hi = (float(v) for v in np.quantile(p.per_gross, [band[0], 0.5, band[1]]))
    out: dict[str, Any] = {
        "as_of": str(result.as_of), "horizon": str(result.horizon), "base_currency": p.base_currency,
        "unit": "per unit of gross notional", "gross_notional": p.gross,
        "predicted": med, "lower": lo, "upper": hi, "mean": float(p.per_gross.mean()),
        "realized": math.nan, "realized_before_costs": math.nan, "realized_costs": math.nan,
        "scored": False, "status": "unavailable", "inside": None, "pit": math.nan, "crps": math.nan,
        "return_basis": _basis(legs, p.positions), "legs": legs, "note": "",
    }
    statuses = {leg["status"] for leg in legs}
    if "unavailable" in statuses or not np.isfinite(r).all():
        out["note"] = "a leg has no realised return: " + "; ".join(
            f"{leg['symbol']}: {leg['note']}" for leg in legs if leg["status"] == "unavailable")
        return out
    status = "complete" if statuses == {"complete"} else "partial"
    out["status"] = status
    starts = {leg["start_date"] for leg in legs if leg["start_date"]}
    ends = {leg["end_date"] for leg in legs if leg["end_date"]}
    if len(starts) > 1 or len(ends) > 1:
        out["note"] = (f"legs start on {', '.join(sorted(starts))} and end on {', '.join(sorted(ends))}: "
                       "not exactly the same sessions")
    signs = np.array([1.0 if x["side"] == "long" else -1.0 for x in p.positions])
    size = np.array([x["notional"] for x in p.positions], dtype=np.float64)
    fx = np.array([x["fx_change"] for x in p.positions], dtype=np.float64)
    pnl, costs, _ = long_short_pnl(r[None, :], signs, size, fx_change=fx, costs_bps=p.costs_bps,
                                   close_at_horizon=p.close_at_horizon)
    y = float(pnl[0] / p.gross)
    out.update(realized=y, realized_before_costs=float((pnl[0] + costs[0]) / p.gross),
               realized_costs=float(costs[0] / p.gross))
    if status == "partial" and partial == "exclude":
        out["note"] = (out["note"] + "; " if out["note"] else "") + \
            "a leg's window is cut short by the data: not scored (--partial include scores it)"
        return out
    out.update(scored=True, inside=bool(lo <= y <= hi), pit=float(M.pit(p.per_gross, y)),
               crps=float(M.crps_ensemble(p.per_gross, y)),
               hit=float(np.sign(med) == np.sign(y)) if med != 0 and y != 0 else None)
    return out


def pnl_forecaster(scenario: Any, sink: dict[pd.Timestamp, Any], *, source: PriceSource | None = None,
                   draws: int | None = None, seed: int | None = None) -> Callable[[pd.Timestamp], Forecast]:
    """Return a forecaster that keeps each as_of's engine result in ``sink``.

    Like :func:`scenarios.backtest.forecast.scenario_forecaster`, keeping each as_of's engine
    result (with its P&L draws) in ``sink`` for :func:`pnl_track`.
    """
    from scenarios.engine import run_scenario

    bench = index_benchmark_of(scenario)

    def forecast(as_of: pd.Timestamp) -> Forecast:
        day = pd.Timestamp(as_of).normalize().date()
        result = run_scenario(scenario, source=source, draws=draws, seed=seed, as_of=day)
        f = forecast_from_result(result, as_of=result.as_of, horizon=result.horizon, index_benchmark=bench)
        f.meta.setdefault("scenario", getattr(scenario, "name", None))
        # only what scoring needs (the full result holds every draw of every array)
        sink[pd.Timestamp(as_of).normalize()] = SimpleNamespace(
            pnl=result.pnl, as_of=result.as_of, horizon=result.horizon, symbols=list(result.symbols),
            index_weights_after=result.index_weights_after)
        return f

    return forecast


def pnl_track(results: dict[pd.Timestamp, Any], source: PriceSource | None = None, *,
              band: tuple[float, float] = (0.05, 0.95),
              partial: Literal["exclude", "include"] = "exclude") -> dict[str, Any]:
    """Walk-forward P&L.

    One scored window per as_of and the track record over the scored ones
    (coverage of the band, mean PIT, mean CRPS, mean realised and predicted P&L).
    """
    cache = CloseCache(source)
    windows = []
    for _, res in sorted(results.items(), key=lambda kv: kv[0]):
        w = score_pnl(res, band=band, partial=partial, cache=cache)
        w.pop("legs", None)
        windows.append(w)
    scored = [w for w in windows if w["scored"]]
    n = len(scored)

    def mean(key: str) -> float:
        vals = [float(w[key]) for w in scored if w.get(key) is not None and np.isfinite(w[key])]
        return float(np.mean(vals)) if vals else math.nan

    track = {"n_windows": len(windows), "n_scored": n, "nominal_coverage": round(band[1] - band[0], 12),
             "coverage": float(np.mean([w["inside"] for w in scored])) if n else math.nan,
             "mean_pit": mean("pit"), "crps": mean("crps"), "mean_realized": mean("realized"),
             "mean_predicted": mean("predicted"), "hit_rate": mean("hit"),
             "unit": "per unit of gross notional",
             "return_basis": windows[0]["return_basis"] if windows else ""}
    return {"track": track, "windows": windows}
