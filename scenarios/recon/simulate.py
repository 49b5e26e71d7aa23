"""Simulate a rule-based index over a price panel with quarterly Hang Seng rebalances.

At each rebalance ``R_k`` the base weights come from data before ``R_k`` only (implied weights
fitted over the previous period, equal, or custom), the review's membership changes are applied
(entrants at an entry weight), the rule's transform and cap are imposed, and the holdings drift
with prices until the next rebalance. Returns are daily simple price returns (fractions); weights
and turnover are fractions. The method is described in full in :mod:`scenarios.recon`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from scenarios.errors import DataUnavailableError
from scenarios.recon.fit import MIN_FIT_DAYS, _fit_period, _fit_trailing, fit_returns
from scenarios.recon.membership import Membership
from scenarios.recon.panel import IndexPanel
from scenarios.recon.rules import WeightRule, _cap, _normalize
from scenarios.recon.schedule import Schedule, build_schedule

__all__ = ["Method", "Simulation", "simulate_index"]

Method = Literal["period", "trailing"]


@dataclass(frozen=True)
class Simulation:
    """Daily returns of a rule-based index and what it held.

    ``returns``: daily price returns of the simulated index (fractions) on the test days.
    ``weights``: one row per segment start (a rebalance date, or the day a constituent's data
    ends and the weights are re-derived without it), columns symbols, weights at that
    rebalance after capping; NaN = not held in that segment (not a member, or no data).
    ``fitted``: implied end-of-period weights before the review's changes (``implied`` base
    only; rows keyed by the rebalance date they feed; NaN = left out of the fit for lack of
    data).
    ``turnover``: one-way turnover at each rebalance (fraction): from the simulated index's own
    drifted holdings to its new weights. ``notes``: entry weights used. ``segments``: one row per
    segment (start, end, rebalance, n_names, names_missing: members without data there).
    """

    returns: pd.Series
    weights: pd.DataFrame
    fitted: pd.DataFrame
    turnover: pd.Series
    segments: pd.DataFrame
    notes: tuple[str, ...] = ()


def simulate_index(
    panel: IndexPanel,
    membership: Membership,
    rule: WeightRule,
    start: str | date | pd.Timestamp,
    end: str | date | pd.Timestamp,
    *,
    method: Method = "period",
    window: int = 120,
    entry_weights: Mapping[tuple[pd.Timestamp, str], float] | None = None,
    default_entry_weight: float = 0.01,
    rebalance_dates: Sequence[pd.Timestamp] | None = None,
    skip_odd_sessions: bool = True,
    known_weights: Mapping[tuple[pd.Timestamp, str], float] | None = None,
) -> Simulation:
    """Run ``rule`` over ``panel`` from ``start`` to ``end`` with quarterly Hang Seng rebalances.

    At each rebalance ``R_k`` the base weights come from data before ``R_k`` only (see
    :mod:`scenarios.recon`), ``rule.transform`` and ``rule.cap`` are applied, and the
    holdings drift with prices until the next rebalance. When a constituent's data ends inside a
    period, the weights for the remaining days are re-derived at ``R_k`` without it (still from
    pre-``R_k`` data) and drifted from ``R_k``. ``rebalance_dates`` overrides the Hang Seng calendar.
    ``skip_odd_sessions``: fit weights on returns with ``panel.odd`` merged into the next session
    (the holdings still move every session). ``known_weights``: ``{(R_k, symbol): fraction}``
    weights known before ``R_k`` (broker estimates): they replace the implied ones of those names
    at ``R_k`` and the other names share the rest in proportion to their implied weights.
    """
    fit_rets, fit_iret = fit_returns(panel, method, window, skip_odd_sessions)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    rets = panel.returns
    days = panel.prices.index
    sched = build_schedule(days, membership, panel.rebalance_dates, t0, t1,  # type: ignore[arg-type]
                           rebalance_dates=rebalance_dates,
                           needs_previous_period=rule.base == "implied" and method == "period")
    fast = sched.fast
    entry = dict(entry_weights or {})
    last_valid = panel.last_valid()
    first_valid = {c: panel.prices[c].first_valid_index() for c in panel.prices.columns}

    out_ret: list[pd.Series] = []
    w_rows: dict[pd.Timestamp, pd.Series] = {}
    fit_rows: dict[pd.Timestamp, pd.Series] = {}
    turnover: dict[pd.Timestamp, float] = {}
    seg_rows: list[dict[str, object]] = []
    notes: list[str] = []
    prev_end_weights: pd.Series | None = None

    for per in sched.periods(membership):
        k, r_k, period_days = per.k, per.start, per.days
        new, old, removed, added = per.new, per.old, per.removed, per.added

        segments = _segments([s for s in new if s in panel.prices.columns], r_k, period_days,
                             first_valid, last_valid)

        for seg_no, (names, seg_days) in enumerate(segments):
            if len(seg_days) == 0:
                continue
            if not names:
                raise DataUnavailableError(f"no constituent has data on {seg_days[0].date()}")
            missing_members = [s for s in new if s not in names]
            # ---- base weights at r_k (data before r_k only) ---------------------------
            fitted_end: pd.Series | None = None
            if r_k in fast and prev_end_weights is not None and rule.base == "implied":
                w = _fast_entry_weights(prev_end_weights, names, added, r_k, entry, default_entry_weight,
                                        notes if seg_no == 0 else None)
            elif rule.base == "implied":
                base, fitted_end = _implied_base(
                    fit_rets, fit_iret, sched, k, r_k, names, old, removed, added, method=method, window=window,
                    entry=entry, default_entry_weight=default_entry_weight, known_weights=known_weights,
                    notes=notes if seg_no == 0 else None, columns=panel.prices.columns)
                if seg_no == 0:
                    fit_rows[r_k] = fitted_end
            elif rule.base == "equal":
                base = pd.Series(1.0, index=names)
            else:
                cw = pd.Series({s: float(v) for s, v in (rule.custom_weights or {}).items()})
                base = cw.reindex(names).fillna(0.0)
            if not (r_k in fast and prev_end_weights is not None and rule.base == "implied"):
                base = base.reindex(names).fillna(0.0)
                if rule.transform is not None:
                    base = rule.transform(base.copy(), r_k).reindex(names).fillna(0.0)
                    if (base < 0).any():
                        raise ValueError("a weight transform returned negative weights")
                w = _cap(_normalize(base), rule.cap)
            # ---- hold and drift from r_k ---------------------------------------------
            hold_days = period_days[period_days <= seg_days[-1]]
            g = (1.0 + rets.loc[hold_days, names].fillna(0.0)).cumprod()
            value = g.mul(w, axis=1).sum(axis=1)
            seg_ret = value.pct_change()
            seg_ret.iloc[0] = value.iloc[0] - 1.0
            out_ret.append(seg_ret.loc[seg_days])
            w_rows[seg_days[0]] = w
            if seg_no == 0 and prev_end_weights is not None:
                # what a fund holding this index trades: its drifted holdings -> new weights
                from valuation.index.turnover import turnover as _turnover

                u = prev_end_weights.index.union(w.index)
                turnover[r_k] = float(_turnover(prev_end_weights.reindex(u).fillna(0.0).to_numpy(),  # type: ignore[arg-type]
                                                w.reindex(u).fillna(0.0).to_numpy()))
            seg_rows.append({
                "rebalance": r_k, "start": seg_days[0], "end": seg_days[-1], "days": len(seg_days),
                "n_names": len(names),
                "names_missing": " ".join(missing_members),
            })
            drift_end = g.iloc[-1] * w
            prev_end_weights = drift_end / drift_end.sum()

    ret = pd.concat(out_ret).sort_index()
    ret = ret.loc[(ret.index >= t0) & (ret.index <= t1)]
    weights = pd.DataFrame(w_rows).T.sort_index()
    fitted = pd.DataFrame(fit_rows).T.sort_index() if fit_rows else pd.DataFrame()
    segs = pd.DataFrame(seg_rows)
    return Simulation(
        returns=ret.rename("return"),
        weights=weights,
        fitted=fitted,
        turnover=pd.Series(turnover, name="turnover", dtype="float64").sort_index(),
        segments=segs,
        notes=tuple(notes),
    )


def _segments(alive: list[str], r_k: pd.Timestamp, period_days: pd.DatetimeIndex,
              first_valid: Mapping[str, Any], last_valid: Mapping[str, Any],
              ) -> list[tuple[list[str], pd.DatetimeIndex]]:
    """Split a period into segments of names with data on every day since ``r_k``.

    Parameters
    ----------
    alive : list of str
        The period's members that have a price column, in membership order.
    r_k : Timestamp
        The period's rebalance day: a name must have data before it.
    period_days : DatetimeIndex
        The sessions of the period.
    first_valid, last_valid : mapping of symbol to Timestamp or None
        Each name's first and last session with a price.

    Returns
    -------
    list of (names, days)
        Shrinking sets of names, each with the sessions it covers (a name whose data ends inside
        the period leaves the next segment).
    """
    segments: list[tuple[list[str], pd.DatetimeIndex]] = []
    seg_start = 0
    for i, d in enumerate(period_days):
        ok = [s for s in alive if first_valid[s] is not None and first_valid[s] < r_k
              and last_valid[s] is not None and last_valid[s] >= d]
        if i == 0:
            alive = ok
            continue
        if ok != alive:
            segments.append((alive, period_days[seg_start:i]))
            alive, seg_start = ok, i
    segments.append((alive, period_days[seg_start:]))
    return segments


def _fast_entry_weights(prev_end_weights: pd.Series, names: list[str], added: Sequence[str], r_k: pd.Timestamp,
                        entry: Mapping[tuple[pd.Timestamp, str], float], default_entry_weight: float,
                        notes: list[str] | None) -> pd.Series:
    """Return the weights after a fast entry: no review, no refit and no re-capping.

    The entrants take their entry weights (fractions; ``entry`` or the default) and the drifted
    holdings ``prev_end_weights`` shrink in proportion. A note per entrant goes to ``notes`` when
    given (the period's first segment).
    """
    ew = {}
    for s in added:
        if s in names:
            ew[s] = entry.get((r_k, s), default_entry_weight)
            if notes is not None:
                how = "given" if (r_k, s) in entry else "the default"
                notes.append(f"{s} enters fast on {r_k.date()} at {ew[s]:.2%} ({how})")
    held = prev_end_weights.reindex(names).fillna(0.0)
    held = _normalize(held) if held.sum() > 0 else held
    base = held * (1.0 - sum(ew.values()))
    for s, v in ew.items():
        base[s] = v
    return _normalize(base.reindex(names).fillna(0.0))


def _implied_base(fit_rets: pd.DataFrame, fit_iret: pd.Series, sched: Schedule, k: int, r_k: pd.Timestamp,
                  names: list[str], old: Sequence[str], removed: Sequence[str], added: Sequence[str], *,
                  method: Method, window: int, entry: Mapping[tuple[pd.Timestamp, str], float],
                  default_entry_weight: float, known_weights: Mapping[tuple[pd.Timestamp, str], float] | None,
                  notes: list[str] | None, columns: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Return the base weights at a review ``r_k`` implied by returns before it, and the fit.

    The outgoing members' weights are fitted on returns before ``r_k`` only (the previous period
    with ``method="period"``, else the trailing ``window`` sessions); leavers are dropped,
    entrants take their given weight, the leavers' fitted weight or the default (fractions), and
    ``known_weights`` (broker estimates at ``r_k``) replace the implied ones of their names, the
    others sharing the rest in proportion. Raises DataUnavailableError when too little data is
    left to fit or the entry weights add up to 100% or more.

    Returns
    -------
    (base, fitted_end) : tuple of Series
        Base weights by symbol (not yet transformed or capped) and the fitted weights at the end
        of the fit window.
    """
    fit_days = fit_rets.index
    fit_names = [s for s in old if s in columns and (s in names or s in removed)]
    if method == "period":
        win_days = fit_days[(fit_days >= sched.period_fit_start(k, fit_days)) & (fit_days < r_k)]  # type: ignore[arg-type]
    else:
        win_days = fit_days[fit_days < r_k][-window:]
    win = fit_rets.loc[win_days, fit_names]
    fit_names = [s for s in fit_names if win[s].notna().all()]
    if len(win_days) < MIN_FIT_DAYS or not fit_names:
        raise DataUnavailableError(
            f"too little data to fit weights before {r_k.date()} "
            f"({len(win_days)} days, {len(fit_names)} names)")
    yw = fit_iret.loc[win_days]
    if method == "period":
        _, fitted_end = _fit_period(win[fit_names], yw)
    else:
        fitted_end = _fit_trailing(win[fit_names], yw)
    base = fitted_end.drop([s for s in removed if s in fitted_end.index])
    base = _normalize(base) if base.sum() > 0 else base
    left_w = float(fitted_end.reindex(list(removed)).fillna(0.0).sum())
    entrants = [s for s in added if s in names]
    ew: dict[str, float] = {}
    for s in entrants:
        if (r_k, s) in entry:
            ew[s] = entry[(r_k, s)]
            how = "given"
        elif left_w > 0:
            ew[s] = left_w / len(added)
            how = "the leavers' fitted weight"
        else:
            ew[s] = default_entry_weight
            how = "the default"
        if notes is not None:
            notes.append(f"{s} enters on {r_k.date()} at {ew[s]:.2%} ({how})")
    tot = sum(ew.values())
    if tot >= 1:
        raise DataUnavailableError(f"entry weights at {r_k.date()} add up to {tot:.0%}")
    base = base * (1.0 - tot)
    for s, v in ew.items():
        base[s] = v
    known = {s: v for (d, s), v in (known_weights or {}).items() if d == r_k and s in names}
    if known:
        ktot = sum(known.values())
        rest = base.drop([s for s in known if s in base.index])
        if ktot < 1 and rest.sum() > 0:
            base = pd.concat([rest / rest.sum() * (1.0 - ktot), pd.Series(known)])
    return base, fitted_end
