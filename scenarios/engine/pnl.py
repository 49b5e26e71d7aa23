"""The P&L of a scenario's ``portfolio:`` block, per Monte Carlo draw.

Each position's per-draw return comes from the run:

* a universe stock: its ``predicted_return`` column (total return: adjusted closes);
* ``index``: the run's ``index_return`` (the scenario's re-weighted index of its stocks, so a
  total return of the members);
* a benchmark: a **residual-only forecast** made here (:func:`benchmark_draws`, the one place
  the engine forecasts a benchmark): no driver moves it, only market noise drawn the way
  :mod:`scenarios.engine.residual` draws the stocks' noise, from the benchmark's own history
  before as_of (price return: index levels). With ``correlation: history`` (or ``factor`` or a
  constant) the benchmark's noise is correlated with the stocks' noise of the same draws: the
  stocks' shocks are regenerated from the same random streams and the benchmark's shock is
  their conditional extension (joint Cholesky with the stocks' block unchanged), so a long
  stock / short index pair nets the common market move.

The P&L (:func:`valuation.pnl.long_short_pnl`) is buy and hold from the as_of close to the
horizon close, in the base currency, after costs; :class:`PnlDraws` holds the draws and
summarises them per unit of gross notional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.engine.residual import (
    STREAM,
    ResidualDataError,
    resolve_residual,
    standard_shocks,
)
from scenarios.engine.sampling import Sampler
from scenarios.model.portfolio import ResolvedPortfolio
from scenarios.model.resolved import ResolvedScenario
from scenarios.model.schema import Residual
from valuation.pnl import long_short_pnl, pnl_risk

__all__ = ["PnlDraws", "benchmark_draws", "pnl_summary", "portfolio_pnl"]


@dataclass
class PnlDraws:
    """Per-draw P&L of a portfolio (base currency; ``per_gross`` divided by gross notional)."""

    base_currency: str
    gross: float                        #: gross notional at entry, base currency
    positions: list[dict[str, Any]]     #: symbol, side, notional, source, currency, fx, return_kind
    per_gross: np.ndarray               #: (draws,) P&L after costs / gross
    before_costs: np.ndarray            #: (draws,) P&L before costs / gross
    costs: np.ndarray                   #: (draws,) costs / gross (>= 0)
    leg_returns: np.ndarray             #: (draws, k) local simple returns of the legs
    costs_bps: float
    close_at_horizon: bool
    rebalance: str
    basis: str                          #: the return basis of each leg, one sentence
    benchmark_forecast: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-safe summary (fractions of gross notional; VaR and ES as positive losses)."""
        return pnl_summary(self)


def pnl_summary(p: PnlDraws, *, include_draws: bool = False) -> dict[str, Any]:
    """Return the P&L summary (per unit of gross notional), with the draws when asked."""
    risk = pnl_risk(p.per_gross)
    out: dict[str, Any] = {
        "base_currency": p.base_currency, "gross_notional": p.gross, "unit": "per unit of gross notional",
        "rebalance": p.rebalance, "costs_bps": p.costs_bps, "close_at_horizon": p.close_at_horizon,
        "return_basis": p.basis, "positions": [dict(x) for x in p.positions],
        "mean": risk.mean, "median": risk.median, "p05": risk.p05, "p95": risk.p95,
        "prob_loss": risk.prob_loss, "var_05": risk.var_05, "es_05": risk.es_05,
        "mc_se_mean": risk.mc_se_mean,
        "p25": float(np.quantile(p.per_gross, 0.25)), "p75": float(np.quantile(p.per_gross, 0.75)),
        "mean_before_costs": float(p.before_costs.mean()), "mean_costs": float(p.costs.mean()),
        "benchmark_forecast": p.benchmark_forecast, "notes": list(p.notes),
    }
    if include_draws:
        out["draws"] = [float(x) for x in p.per_gross]
    return out


def _cholesky_extension(c_ss: np.ndarray, c_bs: np.ndarray, c_bb: np.ndarray) -> np.ndarray:
    """Return the Cholesky factor of the joint stock and benchmark correlation.

    Lower-triangular ``L`` of the joint correlation ``[[c_ss, c_bs.T], [c_bs, c_bb]]`` whose
    upper-left block is ``cholesky(c_ss)`` exactly (the stocks' shocks stay what the run drew).
    The conditional block is repaired to positive semi-definite when needed.
    """
    n, k = c_ss.shape[0], c_bb.shape[0]
    l_ss = np.linalg.cholesky(c_ss)
    l_bs = np.linalg.solve(l_ss, c_bs.T).T if n else np.zeros((k, 0))   # (k, n)
    norms = np.sqrt((l_bs ** 2).sum(axis=1))
    too_big = norms > 0.999
    if too_big.any():                   # cross-correlations inconsistent with c_ss: shrink
        l_bs[too_big] *= (0.999 / norms[too_big])[:, None]
    s = c_bb - l_bs @ l_bs.T
    vals, vecs = np.linalg.eigh(0.5 * (s + s.T))
    s = (vecs * np.maximum(vals, 1e-12)) @ vecs.T
    l_bb = np.linalg.cholesky(s)
    out = np.zeros((n + k, n + k))
    out[:n, :n] = l_ss
    out[n:, :n] = l_bs
    out[n:, n:] = l_bb
    return out


def benchmark_draws(rs: ResolvedScenario, benchmarks: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    """Residual-only per-draw price returns of ``benchmarks`` ``(draws, k)`` and a description.

    The noise is ``monte_carlo.residual`` (or, when the scenario has none, the default
    ``vol: history`` over 250 sessions, independent of the stocks, which then carry no noise)
    applied to the benchmark's own daily log returns before as_of. Streams:
    ``monte_carlo.residual/<benchmark>`` (a benchmark in the universe would share its stream,
    but a benchmark is never a member).
    """
    cfg = rs.residual if rs.residual is not None else Residual()
    stocks = list(rs.symbols) if rs.residual is not None else []
    n = len(stocks)
    dates = list(rs.baseline_dates) if stocks else []
    dates += [dt.date.fromisoformat(str(rs.benchmarks[b]["date"])) for b in benchmarks]
    path = ("monte_carlo", "residual") if rs.residual is not None else ("portfolio", "positions")
    try:
        joint = resolve_residual(cfg, stocks + benchmarks, rs.prices, dates, rs.horizon,
                                 list(rs.benchmark_symbols), "residual")
        chol = None
        if joint.corr is not None and n:
            own = resolve_residual(cfg, stocks, rs.prices, dates[:n], rs.horizon,
                                   list(rs.benchmark_symbols), "residual")
            c_ss = own.corr if own.corr is not None else np.eye(n)
            chol = _cholesky_extension(c_ss, joint.corr[n:, :n], joint.corr[n:, n:])
        elif joint.corr is not None:
            chol = np.linalg.cholesky(joint.corr)
    except ResidualDataError as exc:
        raise rs.error(path, f"benchmark forecast: {exc}") from None
    sampler = Sampler(rs.seed, rs.draws)
    z = standard_shocks(sampler.generator, stocks + benchmarks, rs.draws, dist=joint.dist, df=joint.df,
                        correlation=joint.correlation, loadings=joint.loadings, chol=chol)
    log_r = z[:, n:] * joint.sd[n:] + joint.drift[n:]
    info: dict[str, Any] = {
        "method": "residual only (no drivers): market noise from the benchmark's own daily log "
                  "returns before as_of",
        "return_kind": "price",
        "correlated_with_stocks": bool(n and cfg.correlation != "none"),
        "per_symbol": {b: {"vol": float(joint.vol[n + i]), "sessions": int(joint.sessions[n + i]),
                           "sd": float(joint.sd[n + i]), "drift": float(joint.drift[n + i]),
                           "n_returns": joint.n_returns[n + i],
                           "streams": f"{STREAM}/{b}"}
                       for i, b in enumerate(benchmarks)},
    }
    if chol is not None:
        corr = chol @ chol.T
        for i, b in enumerate(benchmarks):
            info["per_symbol"][b]["correlation_with"] = {s: float(corr[n + i, j]) for j, s in enumerate(stocks)}
    elif joint.loadings is not None and n:
        for i, b in enumerate(benchmarks):
            lb = joint.loadings[n + i]
            info["per_symbol"][b]["correlation_with"] = {s: float(lb * joint.loadings[j])
                                                         for j, s in enumerate(stocks)}
    return np.expm1(log_r), info


def portfolio_pnl(rs: ResolvedScenario, result: Any) -> PnlDraws:
    """Return the P&L draws of ``rs.portfolio`` from an engine ``result`` of the same run."""
    pf: ResolvedPortfolio | None = rs.portfolio
    if pf is None:
        raise ValueError("the scenario has no portfolio block")
    benches = [p.symbol for p in pf.positions if p.source == "benchmark"]
    bench_r, info = benchmark_draws(rs, benches) if benches else (np.zeros((rs.draws, 0)), {})
    cols = []
    col = {s: j for j, s in enumerate(rs.symbols)}
    for p in pf.positions:
        if p.source == "stock":
            cols.append(np.asarray(result.predicted_return)[:, col[p.symbol]])
        elif p.source == "index":
            cols.append(np.asarray(result.index_return, dtype=np.float64))
        else:
            cols.append(bench_r[:, benches.index(p.symbol)])
    legs = np.column_stack(cols)
    signs = np.array([p.sign for p in pf.positions], dtype=np.float64)
    size = np.array([p.notional for p in pf.positions])
    fx = np.array([p.fx_change for p in pf.positions])
    try:
        pnl, costs, _ = long_short_pnl(legs, signs, size, fx_change=fx, costs_bps=pf.costs_bps,
                                       close_at_horizon=pf.close_at_horizon)
    except ValueError as exc:  # ValuationError: e.g. a leg losing 100% in some draw
        raise rs.error(("portfolio",), f"the P&L cannot be computed: {exc}") from None
    gross = pf.gross
    notes = []
    if rs.residual is None and benches:
        notes.append("the scenario has no monte_carlo.residual: the stocks carry no market noise "
                     "and the benchmark legs get vol: history (250 sessions), independent of them")
    if benches:
        notes.append(f"{', '.join(benches)}: residual-only forecast (no driver moves a benchmark; with "
                     "center: median its median return is 0), so the drivers' whole effect shows in "
                     "the other legs")
    kinds = {p.return_kind for p in pf.positions}
    if "total" in kinds and "price" in kinds:
        notes.append("the legs mix total returns (stocks, dividends reinvested) and price returns "
                     "(index levels, no dividends): a short index leg here does not pay the index's "
                     "dividends, which a short future or ETF would")
    if any(p.fx_change == 0 and p.currency != pf.base_currency for p in pf.positions):
        notes.append("FX: the as_of rate of the fx table is assumed to hold at the horizon for "
                     "legs without fx_change")
    positions = [{"symbol": p.symbol, "side": "long" if p.sign > 0 else "short", "notional": p.notional,
                  "source": p.source, "currency": p.currency, "fx_as_of": p.fx0,
                  "fx_change": p.fx_change, "return_kind": p.return_kind} for p in pf.positions]
    return PnlDraws(base_currency=pf.base_currency, gross=gross, positions=positions,
                    per_gross=pnl / gross, before_costs=(pnl + costs) / gross, costs=costs / gross,
                    leg_returns=legs, costs_bps=pf.costs_bps, close_at_horizon=pf.close_at_horizon,
                    rebalance=pf.rebalance, basis=pf.basis(), benchmark_forecast=info, notes=notes)
