"""Many weighting schemes over one index reconstruction: the batched twin of ``simulate_index``.

:func:`~scenarios.recon.simulate.simulate_index` runs one rule at a time and, for an
implied base, refits the same implied weights for every rule. :func:`simulate_index_batch` walks
the same schedule once (regular reviews at the recorded dates, fast entries, segments where a
member's data ends, entry weights, broker weights), fits the implied weights ONCE per rebalance
and segment, and sets, caps and drifts the weights of every scheme with array operations
(:mod:`valuation.index.schemes`: one matrix product per segment for all schemes).

The per-scheme loop stays the reference: for every scheme the batched returns, weights and
turnover agree with ``simulate_index`` to 1e-10 (``tests/backtest/test_schemes_batch*.py``).
Units as in :mod:`scenarios.recon.simulate`: daily simple price returns, weights and
turnover as fractions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.recon.fit import (
    MIN_FIT_DAYS,
    _fit_period_arrays,
    _fit_trailing_arrays,
    check_fit_args,
    fit_returns,
    simple_returns,
)
from scenarios.recon.membership import Membership
from scenarios.recon.panel import IndexPanel
from scenarios.recon.rules import Base
from scenarios.recon.schedule import Schedule, build_schedule
from scenarios.recon.simulate import Method

__all__ = ["BatchSimulation", "SchemeArrays", "simulate_index_batch"]


@dataclass(frozen=True)
class SchemeArrays:
    """``S`` weighting rules as arrays over ``symbols`` (the batched form of ``WeightRule``).

    ``names``: one label per scheme (used in error messages). ``bases``: ``"implied"``,
    ``"equal"`` or ``"custom"`` per scheme. ``scores``: ``(S, N)`` non-negative multipliers
    (tilts; 0 = excluded). ``caps``: ``(S,)`` single-name caps as fractions (1.0 = no cap).
    ``custom``: ``(S, N)`` custom base weights (any scale; used by ``custom`` schemes only).
    """

    names: tuple[str, ...]
    symbols: tuple[str, ...]
    bases: tuple[Base, ...]
    scores: np.ndarray
    caps: np.ndarray
    custom: np.ndarray

    def __post_init__(self) -> None:
        S, N = len(self.names), len(self.symbols)
        if S == 0:
            raise ScenarioError("no scheme to run", field="schemes")
        if len(self.bases) != S or self.scores.shape != (S, N) or self.caps.shape != (S,) \
                or self.custom.shape != (S, N):
            raise ValueError(f"SchemeArrays: shapes do not match {S} schemes x {N} symbols")
        bad = sorted(set(self.bases) - {"implied", "equal", "custom"})
        if bad:
            raise ValueError(f"SchemeArrays: unknown base {bad[0]!r}")


@dataclass(frozen=True)
class BatchSimulation:
    """Daily returns, weights and turnover of ``S`` schemes (arrays, schemes first).

    ``days``: the test sessions. ``returns``: ``(S, T)`` daily price returns (fractions).
    ``symbols``: the name axis. ``starts``: one date per segment start. ``weights``:
    ``(S, n_segments, N)`` weights set at each segment start (after capping); NaN = not held in
    that segment. ``rebalances``: dates with a turnover; ``turnover``: ``(S, n_rebalances)``
    one-way turnover (fractions). ``fitted``, ``segments``, ``notes``: as
    :class:`~scenarios.recon.simulate.Simulation` (shared by the schemes; entry notes
    describe the implied base).
    """

    names: tuple[str, ...]
    days: pd.DatetimeIndex
    returns: np.ndarray
    symbols: tuple[str, ...]
    starts: pd.DatetimeIndex
    weights: np.ndarray
    rebalances: pd.DatetimeIndex
    turnover: np.ndarray
    fitted: pd.DataFrame
    segments: pd.DataFrame
    notes: tuple[str, ...] = ()

    def weights_frame(self, s: int) -> pd.DataFrame:
        """Scheme ``s``'s weights as ``simulate_index`` gives them (rows segment starts)."""
        w = self.weights[s]
        held = ~np.isnan(w).all(axis=0)
        cols = [c for c, h in zip(self.symbols, held, strict=True) if h]
        order = np.argsort(cols, kind="stable")
        idx = np.flatnonzero(held)[order]
        return pd.DataFrame(w[:, idx], index=self.starts, columns=[cols[i] for i in order])

    def turnover_series(self, s: int) -> pd.Series:
        """Scheme ``s``'s turnover per rebalance (fractions)."""
        return pd.Series(self.turnover[s], index=self.rebalances, name="turnover", dtype="float64")


def simulate_index_batch(
    panel: IndexPanel,
    membership: Membership,
    schemes: SchemeArrays,
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
) -> BatchSimulation:
    """Run every scheme of ``schemes`` over ``panel`` from ``start`` to ``end``.

    Same schedule and arguments as :func:`~scenarios.recon.simulate.simulate_index`;
    ``schemes.symbols`` must be ``panel.prices.columns``.
    """
    from valuation.index.schemes import hold_schemes, scheme_weights

    check_fit_args(method, window)
    symbols = tuple(panel.prices.columns)
    if tuple(schemes.symbols) != symbols:
        raise ValueError("simulate_index_batch: schemes.symbols must be the panel's columns")
    col = {s: i for i, s in enumerate(symbols)}
    S, N = len(schemes.names), len(symbols)
    implied = np.array([b == "implied" for b in schemes.bases])
    equal = np.array([b == "equal" for b in schemes.bases])
    custom = np.array([b == "custom" for b in schemes.bases])
    any_implied = bool(implied.any())
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    days = panel.prices.index
    prices = panel.prices.to_numpy(dtype="float64")
    rets_np = simple_returns(prices)
    fit = _fit_data(panel, prices, rets_np, skip_odd_sessions, col)
    sched = build_schedule(days, membership, panel.rebalance_dates, t0, t1,  # type: ignore[arg-type]
                           rebalance_dates=rebalance_dates,
                           needs_previous_period=any_implied and method == "period")
    fast = sched.fast
    entry = dict(entry_weights or {})
    valid = ~np.isnan(prices)
    any_valid = valid.any(axis=0)
    # first / last row with a price per symbol (-1 / len when never)
    first_row = np.where(any_valid, valid.argmax(axis=0), len(days))
    last_row = np.where(any_valid, len(days) - 1 - valid[::-1].argmax(axis=0), -1)

    def day_pos(d: pd.Timestamp) -> int:
        """Row of session ``d`` (the sessions are unique)."""
        return int(days.get_loc(d))  # type: ignore[arg-type]


    # daily returns, sessions first (the layout the (S, T) result has always had: schemes
    # contiguous), from the first period's start to the last test day; only covered sessions
    # are written and kept
    off = int(days.searchsorted(sched.rebal[sched.first_k]))
    ret_ts = np.empty((max(int(days.searchsorted(sched.test[-1], side="right")) - off, 0), S))
    covered = np.zeros(len(days), dtype=bool)
    w_rows: list[np.ndarray] = []
    starts: list[pd.Timestamp] = []
    fit_rows: dict[pd.Timestamp, pd.Series] = {}
    turn_cols: list[np.ndarray] = []
    turn_days: list[pd.Timestamp] = []
    seg_rows: list[dict[str, object]] = []
    notes: list[str] = []
    prev_end: np.ndarray | None = None   # (S, N) drifted weights, 0 = not held

    for per in sched.periods(membership):
        k, r_k, period_days = per.k, per.start, per.days
        new, old, removed, added = per.new, per.old, per.removed, per.added

        # segments: shrinking sets of names with data on every day since r_k (a member whose
        # data ends inside the period leaves at the first day after its last price)
        segments: list[tuple[list[str], pd.DatetimeIndex]] = []
        p0 = day_pos(period_days[0]) if len(period_days) else 0
        r_row = day_pos(r_k)
        cand = [s for s in new if s in col and first_row[col[s]] < r_row]
        lr = np.array([last_row[col[s]] for s in cand], dtype=np.int64)
        rows = p0 + np.arange(len(period_days))
        alive_m = lr[:, None] >= rows[None, :] if len(cand) else np.zeros((0, len(rows)), bool)
        change = np.flatnonzero((alive_m[:, 1:] != alive_m[:, :-1]).any(axis=0)) + 1
        cuts = [0, *change.tolist(), len(period_days)]
        for a_, b_ in zip(cuts[:-1], cuts[1:], strict=True):
            segments.append(([s for s, on in zip(cand, alive_m[:, a_], strict=True) if on], period_days[a_:b_]))
        if not len(period_days):
            segments = [([s for s in cand], period_days)]

        for seg_no, (names, seg_days) in enumerate(segments):
            if len(seg_days) == 0:
                continue
            if not names:
                raise DataUnavailableError(f"no constituent has data on {seg_days[0].date()}")
            idx = np.array([col[s] for s in names])
            missing_members = [s for s in new if s not in names]
            is_fast = r_k in fast and prev_end is not None
            w = np.empty((S, len(names)))
            # ---- fast entry (implied schemes): entrant at its entry weight, no refit/re-cap --
            set_rows = np.ones(S, dtype=bool)
            if is_fast and any_implied:
                ew: dict[str, float] = {}
                for s in added:
                    if s in names:
                        ew[s] = entry.get((r_k, s), default_entry_weight)
                        if seg_no == 0:
                            how = "given" if (r_k, s) in entry else "the default"
                            notes.append(f"{s} enters fast on {r_k.date()} at {ew[s]:.2%} ({how})")
                held = prev_end[implied][:, idx]  # type: ignore[index]
                tot = held.sum(axis=1, keepdims=True)
                held = np.where(tot > 0, held / np.where(tot > 0, tot, 1.0), held)
                base_f = held * (1.0 - sum(ew.values()))
                for s, v in ew.items():
                    base_f[:, names.index(s)] = v
                tot = base_f.sum(axis=1, keepdims=True)
                if np.any(tot <= 0):
                    raise DataUnavailableError("no constituent keeps a positive weight (all "
                                               "excluded or no data)")
                w[implied] = base_f / tot
                set_rows = ~implied
            if set_rows.any():
                shared = np.ones(len(names))  # the equal base
                if (implied & set_rows).any():
                    shared, fitted_end = _implied_base(
                        r_k, k, sched, names, old, removed, added, seg_no, fit, method, window,
                        entry, default_entry_weight, known_weights, notes)
                    if seg_no == 0:
                        fit_rows[r_k] = fitted_end
                all_rows = bool(set_rows.all())
                kinds = [m for m in (implied, equal, custom) if (m & set_rows).any()]
                if len(kinds) == 1 and kinds[0] is not custom:
                    # one base for every scheme set here (a sweep's case): one row, broadcast
                    base = shared[None, :]
                else:
                    base = np.empty((S, len(names)))
                    if implied.any():
                        base[implied] = shared
                    if equal.any():
                        base[equal] = 1.0
                    if custom.any():
                        base[custom] = schemes.custom[custom][:, idx]
                    base = base if all_rows else base[set_rows]
                # C order: products and row sums in the layout a per-scheme base array gives
                sc = np.ascontiguousarray(schemes.scores[:, idx] if all_rows
                                          else schemes.scores[set_rows][:, idx])
                if np.any(base.sum(axis=1) <= 0):
                    raise DataUnavailableError("no constituent keeps a positive weight (all "
                                               "excluded or no data)")
                raw_tot = (base * sc).sum(axis=1)
                if np.any(~(raw_tot > 0)):
                    names_set = [n for n, on in zip(schemes.names, set_rows, strict=True) if on]
                    bad = names_set[int(np.flatnonzero(~(raw_tot > 0))[0])]
                    raise DataUnavailableError(
                        f"scheme {bad!r} leaves no constituent with a positive weight")
                w[set_rows] = scheme_weights(base if len(base) == 1 else base[:, None, :], sc,
                                             schemes.caps[set_rows], on_infeasible="equal")[:, 0]
            # ---- hold and drift from r_k -------------------------------------------------
            a, b_ = day_pos(period_days[0]), day_pos(seg_days[-1]) + 1
            seg_r = rets_np[a:b_][:, idx]
            seg_r = np.where(np.isnan(seg_r), 0.0, seg_r)
            held_seg = hold_schemes(w, seg_r)
            n_seg = len(seg_days)
            s0 = day_pos(seg_days[0])
            ret_ts[s0 - off:s0 - off + n_seg] = held_seg.returns[:, -n_seg:].T
            covered[s0:s0 + n_seg] = True
            full = np.full((S, N), np.nan)
            full[:, idx] = w
            w_rows.append(full)
            starts.append(seg_days[0])
            if seg_no == 0 and prev_end is not None:
                now = np.zeros((S, N))
                now[:, idx] = w
                turn_cols.append(0.5 * np.abs(now - prev_end).sum(axis=1))
                turn_days.append(r_k)
            seg_rows.append({
                "rebalance": r_k, "start": seg_days[0], "end": seg_days[-1], "days": n_seg,
                "n_names": len(names), "names_missing": " ".join(missing_members),
            })
            prev_end = np.zeros((S, N))
            prev_end[:, idx] = held_seg.end_weights

    keep = (days >= t0) & (days <= t1) & covered
    out_days = days[keep]
    kept = np.flatnonzero(keep)
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):  # one run of days: a view, no copy
        returns = ret_ts[kept[0] - off:kept[-1] + 1 - off].T
    else:
        returns = ret_ts[kept - off].T
    order = np.argsort(np.array(starts, dtype="datetime64[ns]"), kind="stable")
    weights = np.stack([w_rows[i] for i in order], axis=1) if w_rows else np.empty((S, 0, N))
    turnover = np.stack(turn_cols, axis=1) if turn_cols else np.empty((S, 0))
    fitted = _fitted_frame(fit_rows) if fit_rows else pd.DataFrame()
    return BatchSimulation(
        names=tuple(schemes.names), days=out_days, returns=returns, symbols=symbols,  # type: ignore[arg-type]
        starts=pd.DatetimeIndex([starts[i] for i in order]), weights=weights,
        rebalances=pd.DatetimeIndex(turn_days), turnover=turnover, fitted=fitted,
        segments=pd.DataFrame(seg_rows), notes=tuple(notes))


def _fitted_frame(fit_rows: Mapping[pd.Timestamp, pd.Series]) -> pd.DataFrame:
    """Fitted weights, one row per rebalance (sorted), one column per name; NaN = not fitted.

    The frame ``pd.DataFrame(fit_rows).T.sort_index()`` gives (the columns are the names of every
    fit, sorted unless all fits share one index), built directly.
    """
    keys = sorted(fit_rows)
    idxs = [fit_rows[k].index for k in keys]
    first = idxs[0]
    cols = first if all(ix.equals(first) for ix in idxs[1:]) \
        else first.append(idxs[1:]).unique().sort_values()
    pos = {c: i for i, c in enumerate(cols)}
    vals = np.full((len(keys), len(cols)), np.nan)
    for r, k in enumerate(keys):
        ser = fit_rows[k]
        vals[r, [pos[c] for c in ser.index]] = ser.to_numpy(dtype="float64")
    return pd.DataFrame(vals, index=pd.DatetimeIndex(keys), columns=cols)


def _fit_data(panel: IndexPanel, prices: np.ndarray, rets: np.ndarray, skip_odd_sessions: bool,
              col: Mapping[str, int]) -> _FitData:
    """Return the returns the weights are fitted on (:func:`~scenarios.recon.fit.fit_returns`), as arrays.

    ``prices``/``rets``: the panel's price levels and daily returns as arrays. With
    ``skip_odd_sessions`` the odd sessions are dropped before the returns are taken (they merge
    into the next session), as :meth:`~scenarios.recon.panel.IndexPanel.clean_returns` does.
    """
    days = panel.prices.index
    if skip_odd_sessions and panel.index.index.equals(days):
        keep = ~days.isin(panel.odd)
        return _FitData(simple_returns(prices[keep]),
                        simple_returns(panel.index.to_numpy(dtype="float64")[keep]),
                        days[keep], col)  # type: ignore[arg-type]
    if not skip_odd_sessions and panel.index.index.equals(days):
        return _FitData(rets, simple_returns(panel.index.to_numpy(dtype="float64")), days, col)  # type: ignore[arg-type]
    fit_rets, fit_iret = fit_returns(panel, "period", MIN_FIT_DAYS, skip_odd_sessions)
    return _FitData(fit_rets.reindex(columns=list(col)).to_numpy(dtype="float64"),
                    fit_iret.to_numpy(dtype="float64"), fit_rets.index, col)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _FitData:
    """Fit returns as arrays.

    ``rets`` (days x symbols), ``iret`` (days,), their dates and the symbol -> column map.
    """

    rets: np.ndarray
    iret: np.ndarray
    days: pd.DatetimeIndex
    col: Mapping[str, int]


def _implied_base(r_k: pd.Timestamp, k: int, sched: Schedule, names: list[str],
                  old: list[str], removed: list[str], added: list[str], seg_no: int,
                  fit: _FitData, method: Method, window: int,
                  entry: Mapping[tuple[pd.Timestamp, str], float], default_entry_weight: float,
                  known_weights: Mapping[tuple[pd.Timestamp, str], float] | None,
                  notes: list[str]) -> tuple[np.ndarray, pd.Series]:
    """Implied base weights over ``names`` at ``r_k`` (fitted once, shared by every implied scheme).

    The fit of the previous period, leavers dropped, entrants at their entry weight,
    broker weights where known. Returns ``(weights over names (not normalized), fitted_end)``.
    The same steps as ``simulate_index`` (the reference), on arrays.
    """
    fit_names = [s for s in old if s in fit.col and (s in names or s in removed)]
    end_pos = int(fit.days.searchsorted(r_k))                 # first fit day >= r_k
    if method == "period":
        lo = int(fit.days.searchsorted(sched.period_fit_start(k, fit.days)))
    else:
        lo = max(end_pos - window, 0)
    n_days = end_pos - lo
    cols = np.array([fit.col[s] for s in fit_names], dtype=np.int64)
    win_np = fit.rets[lo:end_pos][:, cols] if len(cols) else np.empty((max(n_days, 0), 0))
    ok = ~np.isnan(win_np).any(axis=0)
    fit_names = [s for s, o in zip(fit_names, ok, strict=True) if o]  # type: ignore[arg-type]
    if n_days < MIN_FIT_DAYS or not fit_names:
        raise DataUnavailableError(
            f"too little data to fit weights before {r_k.date()} "
            f"({max(n_days, 0)} days, {len(fit_names)} names)")
    # on arrays: the same numbers as the reference's DataFrame/Series fit
    win = win_np[:, ok]
    yw = fit.iret[lo:end_pos]
    if method == "period":
        _, end_w = _fit_period_arrays(win, yw)
    else:
        end_w = _fit_trailing_arrays(win, yw)
    fitted_end = pd.Series(end_w, index=pd.Index(fit_names))
    # the reference's pandas steps on a plain dict (same arithmetic, no per-call overhead)
    fe = dict(zip(fit_names, end_w.tolist(), strict=True))
    gone = set(removed)
    base = {s: v for s, v in fe.items() if s not in gone}
    tot_b = float(np.sum(list(base.values()))) if base else 0.0
    if tot_b > 0:
        base = {s: v / tot_b for s, v in base.items()}
    left_w = float(sum(fe.get(s, 0.0) for s in removed))
    ew: dict[str, float] = {}
    for s in [s for s in added if s in names]:
        if (r_k, s) in entry:
            ew[s], how = entry[(r_k, s)], "given"
        elif left_w > 0:
            ew[s], how = left_w / len(added), "the leavers' fitted weight"
        else:
            ew[s], how = default_entry_weight, "the default"
        if seg_no == 0:
            notes.append(f"{s} enters on {r_k.date()} at {ew[s]:.2%} ({how})")
    tot = sum(ew.values())
    if tot >= 1:
        raise DataUnavailableError(f"entry weights at {r_k.date()} add up to {tot:.0%}")
    base = {s: v * (1.0 - tot) for s, v in base.items()}
    base.update(ew)
    known = {s: v for (d, s), v in (known_weights or {}).items() if d == r_k and s in names}
    if known:
        ktot = sum(known.values())
        rest = {s: v for s, v in base.items() if s not in known}
        r_tot = float(np.sum(list(rest.values()))) if rest else 0.0
        if ktot < 1 and r_tot > 0:
            base = {**{s: v / r_tot * (1.0 - ktot) for s, v in rest.items()}, **known}
    return np.array([base.get(s, 0.0) for s in names], dtype="float64"), fitted_end
