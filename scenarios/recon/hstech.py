"""Out-of-sample reconstruction of the Hang Seng TECH index and its tracking error.

:func:`reconstruct_hstech` loads the panel (:mod:`.panel`), simulates the implied-weight replica
(:mod:`.simulate`) and compares it with the actual index: daily price returns (fractions), the
annualized tracking error ``std(replica - actual, ddof=1) * sqrt(252)`` (an annualized fraction)
overall, per calendar quarter and per rebalance segment, and replica/actual levels (index points).
:func:`broker_weight_check` sets the implied weights next to the broker estimates (fractions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data.base import PriceSource
from scenarios.metrics import TRADING_DAYS, tracking_error
from scenarios.recon.membership import Membership
from scenarios.recon.panel import IndexPanel, load_index_panel
from scenarios.recon.reference import _reference_weights
from scenarios.recon.rules import DEFAULT_CAP, WeightRule
from scenarios.recon.simulate import Method, simulate_index

__all__ = ["WARMUP_DAYS", "ReconResult", "annualized_te", "broker_weight_check",
           "reconstruct_hstech"]

#: Calendar days of history loaded before ``start`` (fit windows reach two quarters back).
WARMUP_DAYS: int = 420


def annualized_te(diff: pd.Series | np.ndarray) -> float:
    """Annualized tracking error of daily return differences: ``std(ddof=1) * sqrt(252)``.

    ``diff``: daily replica-minus-actual returns (fractions); the result is an annualized fraction.
    Non-finite values (NaN and +-inf) are dropped first; NaN for fewer than two observations.
    The formula is :func:`scenarios.metrics.tracking_error` against a zero benchmark
    (``x - 0.0 == x`` exactly, so the value is bit-identical); the local step is only the
    dropping of infinities, which ``tracking_error`` keeps.
    """
    arr = np.asarray(diff, dtype="float64")
    arr = arr[np.isfinite(arr)]
    return tracking_error(arr, np.zeros_like(arr), periods=TRADING_DAYS)


def _te_table(diff: pd.Series, rep: pd.Series, act: pd.Series, key: pd.Index) -> pd.DataFrame:
    rows = []
    for label, d in diff.groupby(key):
        r, a = rep.loc[d.index], act.loc[d.index]
        rows.append({
            "quarter": str(label), "start": d.index[0], "end": d.index[-1], "days": len(d),
            "te": annualized_te(d),
            "replica_return": float((1 + r).prod() - 1), "actual_return": float((1 + a).prod() - 1),  # type: ignore[arg-type, operator]
        })
    out = pd.DataFrame(rows)
    out["tracking_difference"] = out["replica_return"] - out["actual_return"]
    return out


@dataclass(frozen=True)
class ReconResult:
    """Out-of-sample reconstruction of an index (all returns are daily price returns, fractions).

    ``daily``: columns ``replica``, ``actual``, ``diff`` on the evaluation days (the test days,
    odd sessions merged into the next one when ``merge_odd_sessions``). ``levels``: replica and
    actual levels on every test session, both starting from the actual close before the first
    test day (use them for calendar returns).
    ``te``: overall annualized tracking error; ``te_by_quarter``: calendar quarters (quarter,
    start, end, days, te, replica_return, actual_return, tracking_difference); ``te_by_segment``:
    one row per rebalance segment. ``weights``/``fitted``/``turnover``: see :class:`Simulation`.
    ``missing``: members lacking data (symbol, start, end exclusive, reason). ``merged_sessions``: odd
    sessions merged for the evaluation.
    """

    daily: pd.DataFrame
    levels: pd.DataFrame
    te: float
    te_by_quarter: pd.DataFrame
    te_by_segment: pd.DataFrame
    weights: pd.DataFrame
    fitted: pd.DataFrame
    turnover: pd.Series
    missing: pd.DataFrame
    merged_sessions: pd.DatetimeIndex
    return_kind: dict[str, str]
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Return a short plain-text report (percents)."""
        lines = [f"{self.method}: overall OOS tracking error {self.te:.2%} "
                 f"({len(self.daily)} days {self.daily.index[0].date()}..{self.daily.index[-1].date()})"]
        for row in self.te_by_quarter.itertuples(index=False):
            lines.append(f"  {row.quarter}: TE {row.te:.2%}  replica {row.replica_return:+.2%} "
                         f"actual {row.actual_return:+.2%}")
        return "\n".join(lines)


def _missing_table(panel: IndexPanel, membership: Membership, test: pd.DatetimeIndex) -> pd.DataFrame:
    rows = []
    t0, t1 = test[0].date(), test[-1].date()
    for sym, f, t in membership.intervals:
        lo = max(f or t0, t0)
        hi = min(t or (t1 + pd.Timedelta(days=1)), t1 + pd.Timedelta(days=1))
        if lo >= hi:
            continue
        if sym not in panel.prices.columns:
            rows.append({"symbol": sym, "start": lo, "end": hi, "reason": "no price data in the source"})
            continue
        lv = panel.prices[sym].last_valid_index()
        if lv is not None and lv.date() < hi - pd.Timedelta(days=1):  # type: ignore[union-attr]
            rows.append({"symbol": sym, "start": max(lo, (lv + pd.Timedelta(days=1)).date()), "end": hi,  # type: ignore[operator, union-attr]
                         "reason": f"price data ends {lv.date()}"})  # type: ignore[union-attr]
        if panel.return_kind.get(sym) == "total":
            rows.append({"symbol": sym, "start": lo, "end": hi,
                         "reason": "no dividend data: total returns used (price-return bias)"})
    return pd.DataFrame(rows, columns=["symbol", "start", "end", "reason"])


def reconstruct_hstech(
    source: PriceSource | None = None,
    start: str | date | pd.Timestamp = "2024-01-01",
    end: str | date | pd.Timestamp = "2025-12-31",
    *,
    method: Method = "period",
    window: int = 120,
    cap: float | None = DEFAULT_CAP,
    universe: str | Membership = "hstech",
    index_symbol: str = "HSTECH.HK",
    price_returns: bool = True,
    merge_odd_sessions: bool = True,
    entry_weights: Mapping[tuple[pd.Timestamp, str], float] | None = None,
    reference_dir: str | Path | None = None,
    broker_prior: bool = True,
    default_entry_weight: float = 0.01,
    rule: WeightRule | None = None,
    panel: IndexPanel | None = None,
) -> ReconResult:
    """Reconstruct ``index_symbol`` out of sample and measure tracking error against it.

    ``source``: a price source (default :func:`scenarios.data.default_source`). ``start``/``end``:
    the test range (inclusive); data from ``WARMUP_DAYS`` before ``start`` feed the first fit.
    ``method``: ``"period"`` (buy-and-hold fit over the previous rebalance period; default) or
    ``"trailing"`` (constant weights from the last ``window`` daily returns). ``cap``: 8% for
    HSTECH. ``universe``: a seeds universe name or a :class:`Membership`. ``price_returns``:
    undo dividend adjustment (False keeps total returns, to measure the bias).
    ``entry_weights``: ``{(effective date, symbol): fraction}`` for names added at a review;
    default: inclusions in ``<reference_dir>/hstech_weight_estimates.csv`` (reference_dir
    defaults to ``$SCENARIOS_PRICES/../reference``). ``broker_prior``: at rebalances the broker
    table covers, use its after-rebalance estimates for the names it lists (published before
    the effective date). ``rule``: replaces the implied rule (e.g.
    ``WeightRule("equal")`` measures the naive reference). ``panel``: a preloaded panel (reuse
    it across calls).
    """
    membership = universe if isinstance(universe, Membership) else Membership.from_universe(universe)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if panel is None:
        panel = load_index_panel(source, membership.symbols, index_symbol,
                                 t0 - pd.Timedelta(days=WARMUP_DAYS), t1,
                                 price_returns=price_returns)
    last_index = panel.index.index[-1]
    notes: list[str] = []
    if last_index < t1:
        if (t1 - last_index).days > 7:
            notes.append(f"{index_symbol} data end {last_index.date()}: test range cut there")
        t1 = last_index
    caveat = membership.unrecorded_note(t0)
    if caveat:
        notes.append(caveat)
    entry, known = _reference_weights(reference_dir, notes, broker_prior)
    if entry_weights is not None:
        entry = dict(entry_weights)
    rule = rule or WeightRule("implied", cap=cap)
    sim = simulate_index(panel, membership, rule, t0, t1, method=method, window=window,
                         entry_weights=entry, default_entry_weight=default_entry_weight,
                         skip_odd_sessions=merge_odd_sessions, known_weights=known)
    sessions = sim.returns.index
    base_pos = panel.index.index.get_loc(sessions[0]) - 1  # type: ignore[operator]
    base_level = float(panel.index.iloc[base_pos]) if base_pos >= 0 else float(panel.index.iloc[0])  # type: ignore[arg-type]
    levels = pd.DataFrame({"replica": base_level * (1 + sim.returns).cumprod(),
                           "actual": panel.index.loc[sessions]})
    merged = pd.DatetimeIndex([], name="date")
    if merge_odd_sessions:
        # an odd last session stays: there is no next session to merge it into
        merged = panel.odd[(panel.odd >= sessions[0]) & (panel.odd < sessions[-1])]
    keep = sessions.difference(merged)
    with_base = pd.concat([pd.DataFrame({"replica": [base_level], "actual": [base_level]},
                                        index=[panel.index.index[max(base_pos, 0)]]),
                           levels.loc[keep]])
    evald = with_base.pct_change().iloc[1:]
    rep, act = evald["replica"], evald["actual"]
    diff = rep - act
    daily = pd.DataFrame({"replica": rep, "actual": act, "diff": diff})
    daily.index.name = "date"
    quarter = pd.Index(daily.index.to_period("Q").astype(str))  # type: ignore[attr-defined]
    te_q = _te_table(diff, rep, act, quarter)
    seg_rows = []
    for row in sim.segments.itertuples(index=False):
        d = diff.loc[row.start:row.end]
        if len(d) == 0:
            continue
        seg_rows.append({"rebalance": row.rebalance, "start": d.index[0], "end": d.index[-1],
                         "days": len(d), "n_names": row.n_names, "names_missing": row.names_missing,
                         "te": annualized_te(d)})
    if len(merged):
        notes.append("odd sessions merged into the next one for the evaluation: "
                     + ", ".join(str(d.date()) for d in merged))
    return ReconResult(
        daily=daily, levels=levels, te=annualized_te(diff), te_by_quarter=te_q,
        te_by_segment=pd.DataFrame(seg_rows), weights=sim.weights, fitted=sim.fitted,
        turnover=sim.turnover, missing=_missing_table(panel, membership, daily.index),  # type: ignore[arg-type]
        merged_sessions=merged, return_kind=dict(panel.return_kind),
        method=(rule.base if rule.base != "implied" else f"implied/{method}"),
        notes=tuple(notes) + sim.notes,
    )


def broker_weight_check(result: ReconResult, estimates_csv: str | Path) -> pd.DataFrame:
    """Compare implied weights with broker estimates around each rebalance.

    For each row of the estimates table (effective date, symbol, weight before/after in percent)
    gives the replica's fitted weight just before the rebalance (``implied_before``) and its
    weight right after (``implied_after``), as fractions next to the estimates (converted to
    fractions). Names the replica could not weigh (no data) are NaN. The mean absolute difference
    is ``(table.implied_before - table.est_before).abs().mean()`` (NaN skipped). With
    ``broker_prior`` the ``after`` columns agree by construction; ``before`` stays independent.
    """
    est = pd.read_csv(estimates_csv)
    rows = []
    for r in est.itertuples(index=False):
        eff = pd.Timestamp(r.rebalance_effective)  # type: ignore[arg-type]
        before = result.fitted.loc[eff] if eff in result.fitted.index else None
        after = result.weights.loc[eff] if eff in result.weights.index else None
        sym = str(r.symbol)
        rows.append({
            "rebalance": eff, "symbol": sym,
            "est_before": float(r.weight_before_pct) / 100, "est_after": float(r.weight_after_pct) / 100,  # type: ignore[arg-type]
            "implied_before": float(before.get(sym, np.nan)) if before is not None else np.nan,  # type: ignore[arg-type]
            "implied_after": float(after.get(sym, np.nan)) if after is not None else np.nan,  # type: ignore[arg-type]
        })
    return pd.DataFrame(rows)
