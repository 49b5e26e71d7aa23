"""Benchmark-relative calls: predicted and realized excess return against every declared benchmark.

A scenario that names ``benchmarks`` makes a relative call for each of its symbols ("Meituan
lags HSTECH") and for its basket. For each benchmark ``b``:

Benchmark forecast
    * **membership** (the universe is ``b``'s membership: a named universe whose
      ``index_symbol`` is ``b``, or an ``index_weighting`` driver fitted on ``b``): the scenario
      index at base weights, draw by draw (the engine's ``index_return_before``).
    * otherwise **residual-only**: no driver applies to a benchmark, so its forecast is its
      market noise alone. The noise is centred (``center: median``: median return 0 exactly;
      ``center: mean``: median ``exp(-log E[exp(s Z)]) - 1`` with ``s`` the benchmark's own
      volatility over the residual's lookback, ``x sqrt(years)``). The forecast is that median,
      the same in every draw.

Excess, draw by draw
    ``excess[d, i] = stock[d, i] - benchmark[d]`` (simple returns, fractions); the predicted
    excess is its median over draws; the realized excess is the realized stock return minus the
    benchmark's realized return over the same window. The sign call is made on the
    **noise-free** excess when the forecast has one (the point forecast, every parameter at its
    mean and no market noise, minus the benchmark's noise-free return: its base-weight index
    point, or 0 for a residual-only benchmark), so the seed cannot move a hit; hit = that call
    and the realized excess have the same sign (:func:`scenarios.metrics.directional_hits`).

Basket
    The scenario's index weights when it has an index line, else equal weights, over the
    scored names (renormalized), for the predicted draws and the realized returns alike.

Return basis
    Stocks are total returns (adjusted closes), the Hang Seng indexes price returns. The two are
    never subtracted silently: every block states its ``basis``; a stock-vs-price-index excess
    is labelled ``"total - price"`` and carries :data:`DIVIDEND_CAVEAT` (it includes the
    stocks' dividend yield, about 1-3% a year for Hong Kong large caps). Like-for-like pairs
    are ``"total - total"`` / ``"price - price"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scenarios import metrics as M
from scenarios.backtest.realized import CloseCache, realized_return, require_same_kind, return_kind
from scenarios.data.base import PriceSource
from scenarios.data.symbols import normalize_symbol

__all__ = ["DIVIDEND_CAVEAT", "basis_of", "benchmark_draws", "excess_draws", "excess_track",
           "excess_window_rows", "membership_benchmarks",
           "residual_only_median", "score_excess"]

#: What a total-minus-price excess includes.
DIVIDEND_CAVEAT = ("stock total returns minus an index price return: the excess includes the "
                   "stocks' dividend yield (about 1-3% a year for Hong Kong large caps)")


def basis_of(kind: str, bench_kind: str) -> str:
    """``"total - price"``, ``"total - total"`` ....

    The label of an excess return's basis
    (:func:`~scenarios.backtest.realized.require_same_kind` with mixing allowed, named).
    """
    require_same_kind(kind, bench_kind, allow_mixed=True, what="an excess return")
    return f"{kind} - {bench_kind}"


def membership_benchmarks(inputs: Mapping[str, Any]) -> set[str]:
    """Benchmarks whose membership the scenario's universe is (``inputs``: the scenario as JSON).

    The ``index_symbol`` of a named universe, and the ``benchmark`` of an enabled
    ``index_weighting`` driver (its weights are fitted on that index).
    """
    out: set[str] = set()
    uni = inputs.get("universe")
    if isinstance(uni, str):
        try:
            from scenarios.seeds.universes import load_universes

            u = load_universes().universes.get(uni)
            if u is not None and u.index_symbol:
                out.add(normalize_symbol(u.index_symbol))
        except Exception:  # noqa: BLE001 - a broken seeds file is reported by its own checks
            pass
    for d in inputs.get("drivers") or []:
        if isinstance(d, Mapping) and d.get("type") == "index_weighting" and d.get("enabled", True):
            b = d.get("benchmark") or next(iter(inputs.get("benchmarks") or []), None)
            if b:
                out.add(normalize_symbol(str(b)))
    return out


def residual_only_median(symbol: str, as_of: pd.Timestamp, horizon: pd.Timestamp,
                         residual: Mapping[str, Any] | None, source: PriceSource | None,
                         cache: CloseCache | None = None) -> tuple[float, str]:
    """(median return, description) of ``symbol``'s residual-only forecast: its market noise, no driver.

    0 with no residual or ``center: median``; with ``center: mean`` the median of
    ``exp(drift + s Z)``, ``drift = -log E[exp(s Z)]``, ``s = vol x sqrt(years)``, the vol from
    closes up to ``as_of`` only (``vol: history``) or the configured number.
    """
    if not residual:
        return 0.0, "residual-only: no market noise configured, predicted return 0"
    center = residual.get("center", "median")
    if center != "mean":
        return 0.0, "residual-only (no driver applies): median-centred noise, predicted median 0"
    vol: Any = (residual.get("by_symbol") or {}).get(symbol, residual.get("vol", "history"))
    if vol == "history":
        data = (cache or CloseCache(source)).get(symbol)
        if isinstance(data, str):
            return 0.0, f"residual-only: no closes for {symbol} ({data}); predicted 0"
        dates, closes = data
        keep = pd.DatetimeIndex(dates) <= as_of
        c = np.asarray(closes, dtype="float64")[keep]
        c = c[np.isfinite(c) & (c > 0)][-(int(residual.get("lookback_days", 250)) + 1):]
        if c.size < 21:
            return 0.0, f"residual-only: too little history for {symbol}'s vol; predicted 0"
        vol = float(np.std(np.diff(np.log(c)), ddof=1) * math.sqrt(M.TRADING_DAYS))
    s = float(vol) * float(residual.get("scale", 1.0)) * math.sqrt(max((horizon - as_of).days, 0) / 365.25)
    from scenarios.engine.residual import log_mgf  # the engine's own centring (read only)

    drift = -float(np.asarray(log_mgf(np.array([s]), residual.get("dist", "normal"),
                                      float(residual.get("df", 5.0))))[0])
    return math.expm1(drift), (f"residual-only (no driver applies): mean-centred noise, vol "
                               f"{float(vol):.1%} a year, predicted median {math.expm1(drift):+.2%}")


def benchmark_draws(f: Any, bench: str, source: PriceSource | None,
                    cache: CloseCache | None = None) -> tuple[np.ndarray, str, str]:
    """Return the draws of benchmark ``bench`` for the forecast ``f``.

    A tuple: the draws ``(D,)``, how the benchmark was forecast, its return kind (see the module
    docstring).
    """
    D = f.ensemble.shape[0]
    before = (f.benchmark_draws or {}).get(bench)
    if before is not None:
        return (np.asarray(before, dtype="float64").reshape(-1),
                "the scenario index at base weights (the universe is the benchmark's membership)",
                "total")
    med, how = residual_only_median(bench, f.as_of, f.horizon, f.residual, source, cache)
    return np.full(D, med), how, return_kind(bench)


def excess_draws(ensemble: np.ndarray, bench: np.ndarray) -> np.ndarray:
    """``ensemble (D, N) - bench (D,)`` per draw: predicted excess returns (fractions)."""
    e = np.asarray(ensemble, dtype="float64")
    b = np.asarray(bench, dtype="float64").reshape(-1)
    if e.ndim != 2 or b.size != e.shape[0]:
        raise ValueError(f"benchmark draws ({b.size}) do not match the ensemble {e.shape}")
    return e - b[:, None]


def _basket_weights(f: Any, scored: np.ndarray) -> tuple[np.ndarray, str]:
    w = f.index_weights if f.index_weights is not None else np.ones(len(f.symbols))
    what = "index weights" if f.index_weights is not None else "equal weights"
    w = np.where(scored, np.asarray(w, dtype="float64"), 0.0)
    return w, what


def score_excess(f: Any, table: pd.DataFrame, source: PriceSource | None,
                 cache: CloseCache | None = None) -> dict[str, dict[str, Any]]:
    """Per declared benchmark of ``f`` (``f.benchmarks``).

    Predicted/realized excess per symbol and for the basket, hits on the sign of excess and their
    rate (scored symbols only). ``table``: the per-symbol score table of
    :func:`scenarios.backtest.scoring.score_forecast`.
    """
    out: dict[str, dict[str, Any]] = {}
    scored = table["scored"].to_numpy(dtype=bool)
    y = table["realized"].to_numpy(dtype="float64")
    kinds = list(table["kind"])
    for bench in f.benchmarks or []:
        b = normalize_symbol(bench)
        bd, how, bkind = benchmark_draws(f, b, source, cache)
        ex = excess_draws(f.ensemble, bd)
        pred = np.median(ex, axis=0)
        # the sign call is made on the noise-free excess when the forecast has one (so the
        # seed cannot move it, as for the hit rate and the IC): the point forecast minus the
        # benchmark's noise-free return (its base-weight index point, else 0: no driver, no noise)
        b_point = (f.benchmark_points or {}).get(b, 0.0)
        call = f.point - b_point if f.point is not None else pred
        r = realized_return(b, f.as_of, f.horizon, source, cache=cache)
        b_ok = r.status == "complete" and math.isfinite(r.value)
        real = np.where(scored & b_ok, y - (r.value if b_ok else math.nan), np.nan)
        hits = M.directional_hits(call, real)
        bases = [basis_of(k, r.kind) for k in kinds]
        rows = [{"symbol": s, "basis": bs, "predicted": float(p), "noise_free": float(c),
                 "realized": float(v), "scored": bool(ok and b_ok), "hit": float(h)}
                for s, bs, p, c, v, ok, h in zip(f.symbols, bases, pred, call, real, scored, hits, strict=True)]
        block: dict[str, Any] = {
            "benchmark": b, "benchmark_kind": r.kind, "benchmark_forecast": how,
            "benchmark_predicted": float(np.median(bd)),
            "benchmark_realized": float(r.value) if math.isfinite(r.value) else None,
            "benchmark_status": r.status,
            "basis": require_same_kind(*bases, allow_mixed=True, what="excess returns")
            if bases else None, "rows": rows, "note": "",
        }
        if any(bs.split(" - ")[0] != bs.split(" - ")[1] for bs in bases):
            block["note"] = DIVIDEND_CAVEAT
        sc = scored & b_ok & np.isfinite(real)
        block["n_scored"] = int(sc.sum())
        block["hit_rate"] = M.hit_rate(call[sc], real[sc]) if sc.any() else None
        w, what = _basket_weights(f, sc)
        if w.sum() > 0:
            w = w / w.sum()
            bp = float(np.median(ex @ w))
            bc = float(call @ w)
            br = float(real[sc] @ w[sc])
            block["basket"] = {"symbol": "basket", "weights": what, "predicted": bp, "noise_free": bc,
                               "realized": br, "scored": True,
                               "hit": float(M.directional_hits([bc], [br])[0])}
        else:
            block["basket"] = {"symbol": "basket", "weights": what, "predicted": None,
                               "realized": None, "scored": False, "hit": None}
        if not b_ok:
            block["note"] = (f"not scoreable: {b} has no complete realized window "
                             f"({r.note or r.status})")
        out[b] = block
    return out


def excess_window_rows(as_of: pd.Timestamp, horizon: pd.Timestamp,
                       excess: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per (benchmark, symbol or basket) of a walk-forward window."""
    rows: list[dict[str, Any]] = []
    for b, blk in excess.items():
        for r in [*blk["rows"], blk.get("basket") or {}]:
            if not r:
                continue
            rows.append({"as_of": as_of, "horizon": horizon, "benchmark": b,
                         "symbol": r["symbol"], "basis": r.get("basis", blk.get("basis")),
                         "predicted": r["predicted"],
                         "noise_free": r.get("noise_free", r["predicted"]), "realized": r["realized"],
                         "scored": bool(r["scored"]), "hit": r["hit"]})
    return rows


def excess_track(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Track record per benchmark over walk-forward windows.

    The hit rate on the sign of excess over every scored (as_of, symbol) pair and over the baskets
    (fractions).
    """
    if not rows:
        return {}
    df = pd.DataFrame(list(rows))
    out: dict[str, dict[str, Any]] = {}
    for b, g in df.groupby("benchmark", sort=False):
        s = g.loc[g["scored"].astype(bool)]
        names = s.loc[s["symbol"] != "basket"]
        bask = s.loc[s["symbol"] == "basket"]
        call = "noise_free" if "noise_free" in df else "predicted"  # the sign each hit was called on
        out[str(b)] = {
            "n_pairs": int(len(names)),
            "hit_rate": M.hit_rate(names[call], names["realized"]) if len(names) else None,
            "n_baskets": int(len(bask)),
            "basket_hit_rate": M.hit_rate(bask[call], bask["realized"]) if len(bask) else None,
            "basis": str(g["basis"].dropna().iloc[0]) if g["basis"].notna().any() else None,
        }
    return out
