"""Reconstruct the Hang Seng TECH index from its constituents; measure out-of-sample tracking.

Why: an index counterfactual ("what if HSTECH were AI-tilted / ex-autos / equal weighted") is
only believable if the same machinery, run with the *actual* rules, reproduces the actual index.
This module is that machinery plus its validation; :mod:`scenarios.backtest.counterfactual`
runs the alternative schemes through it.

Method (all fractions; returns are simple daily returns)
    1. **Prices.** Constituent closes in the snapshot are Yahoo-adjusted (total return), the index
       is a price index. :func:`price_close` undoes the dividend adjustment exactly (Yahoo's
       factor ``1 - D/raw_close_prev`` applied to every earlier price), so the replica uses price
       returns. Files without dividend information keep total returns (flagged ``"total"`` in
       :attr:`IndexPanel.return_kind`; the bias is their dividend yield times their weight).
    2. **Odd sessions.** A day on which most constituent files show a stale bar (volume 0 and
       open = high = low = close: half days, 2024-01-15, 2024-02-09 ...) is unreliable in the
       snapshot (on 2024-01-15 the index and the stocks disagree by 1.6% and agree again the next
       day). Such sessions are left out of every weight fit and, for the tracking test, merged
       into the next session for the index and the replica alike (:func:`odd_sessions`). The
       simulated index itself still trades every session, so calendar-year returns are exact.
    3. **Weights, out of sample.** At each Hang Seng rebalance date ``R_k`` (Monday after the first
       Friday of Mar/Jun/Sep/Dec) the weights in force during the previous period
       ``[R_{k-1}, R_k)`` are implied from data of that period only: between rebalances a capped
       cap-weighted index is a buy-and-hold portfolio, so ``I_t / I_0 = sum_i w_i G_i(t)`` with
       ``G_i`` the constituent's cumulative price growth. Differencing gives a regression that is
       linear in the start weights ``w`` (non-negative, sum 1), solved by
       :func:`valuation.index.implied.implied_weights`. The fitted weights are drifted to the end
       of the period (``w_i G_i(T) / sum``), the review's changes are applied (removed names out,
       added names in at an entry weight), the 8% cap is re-imposed, and the result is held,
       drifting with prices, through ``[R_k, R_{k+1})``. No price after ``R_k - 1`` is used for the
       weights applied from ``R_k`` on. (``method="trailing"`` instead fits constant weights on the
       last ``window`` daily returns before ``R_k``: the simpler textbook variant, kept for
       comparison.)
    4. **Entrants.** A name added at ``R_k`` has no in-index history before ``R_k``. Its entry
       weight comes from ``entry_weights`` (by default the broker estimates in
       ``reference/hstech_weight_estimates.csv`` where the name's weight before was 0), otherwise
       from the fitted weight of the names removed at the same review (split equally: the index has
       a fixed count, an entrant takes a leaver's slot), otherwise ``default_entry_weight``.
    5. **Missing data.** A member with no price file (1833.HK and 9898.HK in the 2024 snapshot)
       or whose file ends inside a test period (the shorter files end 2025-10-30) is left out of the
       fit for the days it lacks, so its weight is absorbed by the names that track it best over
       the fit window (a mimicking portfolio fitted on pre-period data only). Every such case is
       listed in :attr:`ReconResult.missing`.
    6. **Tracking error** = ``std(replica - actual, ddof=1) * sqrt(252)`` on daily price returns,
       annualized fraction, per calendar quarter, per rebalance segment and overall.

Public API (used by the ``scenarios backtest`` CLI and :mod:`.counterfactual`)::

    reconstruct_hstech(source=None, start="2024-01-01", end="2025-12-31", *, ...) -> ReconResult
    load_index_panel(source, symbols, index_symbol, start, end, ...) -> IndexPanel
    simulate_index(panel, membership, rule, start, end, ...) -> Simulation
    price_close(close, dividends) -> pd.Series
    odd_sessions(frames, threshold=0.5) -> pd.DatetimeIndex
    Membership.from_universe("hstech") / Membership(intervals)
    broker_weight_check(result, estimates_csv) -> pd.DataFrame
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from scenarios.data.base import PriceSource
from scenarios.errors import DataFormatError, DataUnavailableError

__all__ = [
    "DEFAULT_CAP", "TRADING_DAYS", "IndexPanel", "Membership", "ReconResult", "Simulation",
    "WeightRule", "annualized_te", "broker_weight_check", "load_broker_weights",
    "load_entry_weights", "load_index_panel",
    "odd_sessions", "price_close", "reconstruct_hstech", "simulate_index",
]

#: Hang Seng TECH single-name cap (fraction of index weight).
DEFAULT_CAP: float = 0.08
#: Trading days per year used to annualize daily tracking error.
TRADING_DAYS: int = 252
#: Calendar days of history loaded before ``start`` (fit windows reach two quarters back).
WARMUP_DAYS: int = 420
#: Fewest daily observations accepted for a weight fit.
MIN_FIT_DAYS: int = 20

Method = Literal["period", "trailing"]
Base = Literal["implied", "equal", "custom"]


# ------------------------------------------------------------------------------------------
# prices
# ------------------------------------------------------------------------------------------

def price_close(close: pd.Series, dividends: pd.Series | None) -> pd.Series:
    """Unadjusted (price) closes from Yahoo dividend-adjusted closes.

    Yahoo multiplies every close before an ex-date ``t`` by ``1 - D_t / P_{t-1}`` where ``P_{t-1}``
    is the actual (unadjusted) close of the day before and ``D_t`` the cash dividend in the same
    currency. Walking backwards from the last row (where the factor is 1) the actual close is
    recovered exactly: ``P_{t-1} = A_{t-1} / M_t + D_t`` on an ex-date, ``P = A / M`` otherwise,
    with ``M`` the running product of factors. Split adjustment is left as it is (it does not move
    returns). ``close``: adjusted closes (any unit); ``dividends``: cash per share on ex-dates,
    0 or NaN elsewhere; ``None`` or all-NaN means "no dividend information": ``close`` is returned
    unchanged (its returns stay total returns).

    The series must run to the date the adjustment was made (the end of the source file): a slice
    that stops before a later dividend cannot be un-adjusted for it.
    """
    adj = pd.to_numeric(close, errors="coerce").to_numpy(dtype="float64")
    if dividends is None:
        return close.astype("float64")
    div = pd.to_numeric(dividends, errors="coerce").reindex(close.index).to_numpy(dtype="float64")
    if not np.isfinite(div).any():
        return close.astype("float64")
    div = np.where(np.isfinite(div), div, 0.0)
    if (div < 0).any():
        raise DataFormatError(f"negative dividend in {close.name or 'series'}")
    raw = np.full_like(adj, np.nan)
    m = 1.0  # adjustment factor in force on day t (adj_t = raw_t * m)
    valid = np.flatnonzero(np.isfinite(adj))
    if len(valid) == 0:
        return close.astype("float64")
    last = valid[-1]
    raw[last] = adj[last]
    prev_t = last
    for t in valid[::-1][1:]:
        # dividends with ex-date in (t, prev_t] apply between t and prev_t
        d = div[t + 1: prev_t + 1].sum()
        if d > 0:
            p = adj[t] / m + d
            m = adj[t] / p
            raw[t] = p
        else:
            raw[t] = adj[t] / m
        prev_t = t
    return pd.Series(raw, index=close.index, name=close.name)


def odd_sessions(frames: Mapping[str, pd.DataFrame], threshold: float = 0.5) -> pd.DatetimeIndex:
    """Dates on which more than ``threshold`` of the files that have a row show a stale bar.

    A stale bar has ``volume == 0`` and ``open == high == low == close`` (the snapshot's half days
    and a few odd sessions). ``frames``: symbol -> canonical price frame. Dates with fewer than 5
    files are never flagged.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1) (got {threshold})")
    flags: dict[str, pd.Series] = {}
    for sym, df in frames.items():
        if df.empty:
            continue
        flags[sym] = (df["volume"] == 0) & (df["open"] == df["high"]) & (df["high"] == df["low"]) & (
            df["low"] == df["close"])
    if not flags:
        return pd.DatetimeIndex([], name="date")
    table = pd.DataFrame(flags)
    counts = table.notna().sum(axis=1)
    stale = table.fillna(False).astype(bool).sum(axis=1)
    mask = (counts >= 5) & (stale > threshold * counts)
    return pd.DatetimeIndex(counts.index[mask.to_numpy()], name="date")


@dataclass(frozen=True)
class IndexPanel:
    """Aligned daily price levels of an index and its candidate constituents.

    ``prices``: price levels (HKD; dividends undone where known) on the index's trading days,
    NaN outside each file's coverage, single-day holes inside it forward-filled. ``index``: the
    actual index level. ``return_kind``: symbol -> ``"price"`` or ``"total"``.
    ``odd``: odd sessions (see :func:`odd_sessions`); they stay in ``prices``, fits skip them.
    ``no_data``: requested symbols the source does not have. ``filled``: symbol -> number of
    forward-filled holes. ``rebalance_dates``: Hang Seng review effective dates computed on the
    index's own sessions.
    """

    prices: pd.DataFrame
    index: pd.Series
    index_symbol: str
    return_kind: dict[str, str]
    odd: pd.DatetimeIndex
    no_data: tuple[str, ...]
    filled: dict[str, int]
    rebalance_dates: pd.DatetimeIndex

    @property
    def returns(self) -> pd.DataFrame:
        """Daily simple price returns of the constituents (NaN outside coverage)."""
        return self.prices.pct_change(fill_method=None)

    @property
    def index_returns(self) -> pd.Series:
        """Daily simple price returns of the index."""
        return self.index.pct_change(fill_method=None)

    def clean_returns(self) -> tuple[pd.DataFrame, pd.Series]:
        """Constituent and index returns with the odd sessions merged into the next session."""
        keep = self.prices.index.difference(self.odd)
        return (self.prices.loc[keep].pct_change(fill_method=None),
                self.index.loc[keep].pct_change(fill_method=None))

    def last_valid(self) -> dict[str, pd.Timestamp | None]:
        """Symbol -> last date with a price (None when never)."""
        return {c: self.prices[c].last_valid_index() for c in self.prices.columns}


def load_index_panel(
    source: PriceSource | None,
    symbols: Iterable[str],
    index_symbol: str,
    start: str | date | pd.Timestamp,
    end: str | date | pd.Timestamp,
    *,
    price_returns: bool = True,
    odd_threshold: float = 0.5,
) -> IndexPanel:
    """Load ``index_symbol`` and ``symbols`` from ``source`` on the index's calendar.

    ``start``/``end`` bound the panel (inclusive). Constituent files are read to their own end so
    that dividends after ``end`` can be undone (see :func:`price_close`). Raises
    :class:`~scenarios.errors.DataUnavailableError` when the index has no data in the range.
    """
    if source is None:
        from scenarios.data import default_source

        source = default_source()
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 < t0:
        raise ValueError(f"end {t1.date()} is before start {t0.date()}")
    idx_frame = source.get(index_symbol, t0, t1)
    level = idx_frame["close"].dropna()
    if level.empty:
        raise DataUnavailableError(
            f"{index_symbol} has no closes between {t0.date()} and {t1.date()}")
    calendar = pd.DatetimeIndex(level.index, name="date")

    frames: dict[str, pd.DataFrame] = {}
    no_data: list[str] = []
    for sym in dict.fromkeys(symbols):
        try:
            df = source.get(sym, t0, None)
        except DataUnavailableError:
            no_data.append(sym)
            continue
        if df.empty or df["close"].notna().sum() == 0:
            no_data.append(sym)
            continue
        frames[sym] = df

    rebal = _rebalance_dates(calendar)
    odd = pd.DatetimeIndex([], name="date")
    if frames:
        odd = calendar.intersection(
            odd_sessions({s: f.loc[t0:t1] for s, f in frames.items()}, odd_threshold))

    cols: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    filled: dict[str, int] = {}
    for sym, df in frames.items():
        has_div = df["dividends"].notna().any()
        px = price_close(df["close"], df["dividends"]) if (price_returns and has_div) else df["close"]
        kinds[sym] = "price" if (price_returns and has_div) else "total"
        px = px.dropna()
        first, last = px.index[0], px.index[-1]
        on_cal = px.reindex(calendar)
        inside = (calendar >= first) & (calendar <= last)
        holes = int((on_cal.isna() & inside).sum())
        if holes:
            # a stock missing on an index day inside its coverage: carry the last close
            # (the move lands on the next session); sessions off the index calendar are
            # skipped the same way through the reindex
            on_cal = px.reindex(calendar.union(px.index)).ffill().reindex(calendar)
            on_cal = on_cal.where(inside)
        filled[sym] = holes
        cols[sym] = on_cal
    prices = pd.DataFrame(cols, index=calendar)
    prices.index.name = "date"
    return IndexPanel(
        prices=prices.astype("float64"),
        index=level.reindex(calendar).astype("float64"),
        index_symbol=index_symbol,
        return_kind=kinds,
        odd=odd,
        no_data=tuple(no_data),
        filled=filled,
        rebalance_dates=rebal,
    )


# ------------------------------------------------------------------------------------------
# membership
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    """Dated index membership: ``(symbol, from, to_exclusive)`` intervals, ``None`` = open."""

    intervals: tuple[tuple[str, date | None, date | None], ...]
    #: first date the history is recorded for (None = unknown / static membership)
    history_start: date | None = None

    @classmethod
    def from_universe(cls, name: str = "hstech") -> "Membership":
        """Membership of a seeds universe (``seeds/universes.yaml``)."""
        from scenarios.seeds.universes import load_universes, membership_intervals

        start = load_universes().get(name).history_start
        return cls(tuple(membership_intervals(name)), history_start=start)

    def unrecorded_note(self, start: date | pd.Timestamp) -> str | None:
        """A caveat when ``start`` lies before the recorded history, else None."""
        if self.history_start is not None and pd.Timestamp(start).date() < self.history_start:
            return (f"membership before {self.history_start} is not recorded: the first recorded "
                    "state is assumed, so results before that date are not validated")
        return None

    @classmethod
    def static(cls, symbols: Iterable[str]) -> "Membership":
        """The same members on every date."""
        return cls(tuple((s, None, None) for s in symbols))

    def on(self, when: date | pd.Timestamp) -> list[str]:
        """Sorted members in force on ``when`` (``from <= when < to``).

        Before the first recorded change the open-ended (``from=None``) members apply: the
        history is assumed unchanged before it starts.
        """
        d = pd.Timestamp(when).date()
        out = {s for s, f, t in self.intervals if (f is None or f <= d) and (t is None or d < t)}
        return sorted(out)

    @property
    def symbols(self) -> list[str]:
        """Every symbol that is ever a member."""
        return sorted({s for s, _, _ in self.intervals})


# ------------------------------------------------------------------------------------------
# weight rules
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeightRule:
    """How the weights are set at each rebalance.

    ``base``: ``"implied"`` (the weights implied from the actual index: the replica, and the
    market-cap proxy for counterfactuals), ``"equal"`` or ``"custom"`` (``custom_weights``, any
    scale). ``transform``: applied to the base weights (a Series over the names available)
    before capping, e.g. theme tilts or exclusions; it may return any non-negative scale.
    ``cap``: single-name cap (fraction) or None.
    """

    base: Base = "implied"
    cap: float | None = DEFAULT_CAP
    transform: Callable[[pd.Series, pd.Timestamp], pd.Series] | None = None
    custom_weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.base not in ("implied", "equal", "custom"):
            raise ValueError(f"base must be implied, equal or custom (got {self.base!r})")
        if self.cap is not None and not 0 < self.cap <= 1:
            raise ValueError(f"cap must be a fraction in (0, 1] (got {self.cap})")
        if self.base == "custom" and not self.custom_weights:
            raise ValueError("base 'custom' needs custom_weights")


def _normalize(w: pd.Series) -> pd.Series:
    s = float(w.sum())
    if not s > 0:
        raise DataUnavailableError("no constituent keeps a positive weight (all excluded or no data)")
    return w / s


def _cap(w: pd.Series, cap: float | None) -> pd.Series:
    """Cap ``w`` (sum 1) at ``cap``; when infeasible (too few names) fall back to equal weight."""
    if cap is None:
        return w
    from valuation.exceptions import InfeasibleCapError
    from valuation.index.capping import cap_weights

    pos = w[w > 0]
    if cap * len(pos) < 1:
        # fewer than 1/cap names: the cap cannot bind everywhere; equal weight is the limit
        return (w > 0).astype("float64") / len(pos)
    try:
        capped = cap_weights(pos, cap)
    except InfeasibleCapError:
        return (w > 0).astype("float64") / len(pos)
    return pd.Series(np.asarray(capped, dtype="float64"), index=pos.index).reindex(w.index).fillna(0.0)


# ------------------------------------------------------------------------------------------
# fitting
# ------------------------------------------------------------------------------------------

def _fit_period(returns: pd.DataFrame, index_returns: pd.Series, start_cap: float | None = None
                ) -> tuple[pd.Series, pd.Series]:
    """Buy-and-hold implied weights over one rebalance period.

    ``returns``: daily price returns (days x names, no NaN) of the period; ``index_returns``
    aligned. Returns ``(w_start, w_end)``: the weights at the start of the period and the same
    holdings drifted to its last close.
    """
    from valuation.index.implied import implied_weights

    growth = (1.0 + returns).cumprod()
    prev = growth.shift(1).fillna(1.0)
    lvl = (1.0 + index_returns).cumprod()
    lvl_prev = lvl.shift(1).fillna(1.0)
    x = growth - prev              # G_i(t) - G_i(t-1) = G_i(t-1) r_it
    y = lvl - lvl_prev             # I(t) - I(t-1) (I(0) = 1)
    # implied_weights validates its inputs as returns (> -1); level differences can go below
    # that after a big run-up. Scaling x and y by one constant leaves the fit unchanged.
    scale = 0.5 / max(float(np.abs(x.to_numpy()).max()), float(np.abs(y.to_numpy()).max()), 0.5)
    x, y = x * scale, y * scale
    cap = start_cap if start_cap is not None and start_cap * x.shape[1] >= 1 else None
    fit = implied_weights(x.to_numpy(), y.to_numpy(), cap=cap)
    w0 = np.asarray(fit.weights, dtype="float64")
    w0 = pd.Series(w0, index=returns.columns)
    end = w0 * growth.iloc[-1]
    return w0, end / end.sum()


def _fit_trailing(returns: pd.DataFrame, index_returns: pd.Series) -> pd.Series:
    """Constant implied weights from a plain daily-returns regression."""
    from valuation.index.implied import implied_weights

    w = np.asarray(implied_weights(returns.to_numpy(), index_returns.to_numpy()).weights,
                   dtype="float64")
    return pd.Series(w, index=returns.columns)


# ------------------------------------------------------------------------------------------
# simulation
# ------------------------------------------------------------------------------------------

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


def _rebalance_dates(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    from valuation.index.calendar import hang_seng_rebalance_dates

    out = hang_seng_rebalance_dates(days, days[0], days[-1])
    return pd.DatetimeIndex(out, name="date").normalize()


def _read_estimates(estimates_csv: str | Path) -> pd.DataFrame:
    df = pd.read_csv(estimates_csv)
    need = {"rebalance_effective", "symbol", "weight_before_pct", "weight_after_pct"}
    if not need.issubset(df.columns):
        raise DataFormatError(f"expected columns {sorted(need)} (got {list(df.columns)})",
                              file=estimates_csv, line=1)
    for col in ("weight_before_pct", "weight_after_pct"):
        vals = pd.to_numeric(df[col], errors="coerce")
        if vals.isna().any() or (vals < 0).any() or (vals > 100).any():
            bad = int(np.flatnonzero(vals.isna() | (vals < 0) | (vals > 100))[0])
            raise DataFormatError(f"{col} must be a percent in [0, 100] (got {df[col].iloc[bad]!r})",
                                  file=estimates_csv, line=bad + 2)
    return df


def load_entry_weights(estimates_csv: str | Path) -> dict[tuple[pd.Timestamp, str], float]:
    """Entry weights ``{(effective_date, symbol): fraction}`` from the broker estimates table.

    Rows whose ``weight_before_pct`` is 0 and ``weight_after_pct`` > 0 are inclusions; percents are
    converted to fractions.
    """
    df = _read_estimates(estimates_csv)
    out: dict[tuple[pd.Timestamp, str], float] = {}
    for row in df.itertuples(index=False):
        if float(row.weight_before_pct) == 0 and float(row.weight_after_pct) > 0:
            out[(pd.Timestamp(row.rebalance_effective), str(row.symbol))] = float(row.weight_after_pct) / 100
    return out


def load_broker_weights(estimates_csv: str | Path) -> dict[tuple[pd.Timestamp, str], float]:
    """Estimated weights right after each rebalance ``{(effective_date, symbol): fraction}``.

    The broker published them between the announcement and the effective date, so using them
    from the effective date on is not look-ahead. Names estimated at 0 (removals) are skipped.
    """
    df = _read_estimates(estimates_csv)
    return {(pd.Timestamp(r.rebalance_effective), str(r.symbol)): float(r.weight_after_pct) / 100
            for r in df.itertuples(index=False) if float(r.weight_after_pct) > 0}


def _default_reference_dir() -> Path | None:
    value = os.environ.get("SCENARIOS_PRICES")
    if value:
        ref = Path(value).resolve().parent / "reference"
        if ref.is_dir():
            return ref
    return None


def _reference_weights(reference_dir: str | Path | None, notes: list[str], broker_prior: bool
                       ) -> tuple[dict[tuple[pd.Timestamp, str], float],
                                  dict[tuple[pd.Timestamp, str], float]]:
    """(entry weights, known weights) from the broker table in ``reference_dir`` if any."""
    ref = Path(reference_dir) if reference_dir is not None else _default_reference_dir()
    est = ref / "hstech_weight_estimates.csv" if ref is not None else None
    if est is None or not est.is_file():
        notes.append("no broker estimates found: entry weights from the leavers' slots")
        return {}, {}
    entry = load_entry_weights(est)
    known = load_broker_weights(est) if broker_prior else {}
    notes.append(f"entry weights{' and after-rebalance estimates' if broker_prior else ''} "
                 f"from {est.name}")
    return entry, known


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

    At each rebalance ``R_k`` the base weights come from data before ``R_k`` only (see the module
    docstring), ``rule.transform`` and ``rule.cap`` are applied, and the holdings drift with
    prices until the next rebalance. When a constituent's data ends inside a period, the weights
    for the remaining days are re-derived at ``R_k`` without it (still from pre-``R_k`` data) and
    drifted from ``R_k``. ``rebalance_dates`` overrides the Hang Seng calendar.
    ``skip_odd_sessions``: fit weights on returns with ``panel.odd`` merged into the next session
    (the holdings still move every session). ``known_weights``: ``{(R_k, symbol): fraction}``
    weights known before ``R_k`` (broker estimates): they replace the implied ones of those names
    at ``R_k`` and the other names share the rest in proportion to their implied weights.
    """
    if method not in ("period", "trailing"):
        raise ValueError(f"method must be 'period' or 'trailing' (got {method!r})")
    if window < MIN_FIT_DAYS:
        raise ValueError(f"window must be >= {MIN_FIT_DAYS} trading days (got {window})")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    rets = panel.returns
    if skip_odd_sessions:
        fit_rets, fit_iret = panel.clean_returns()
    else:
        fit_rets, fit_iret = rets, panel.index_returns
    fit_days = fit_rets.index
    days = panel.prices.index
    test = days[(days >= t0) & (days <= t1)]
    if len(test) == 0:
        raise DataUnavailableError(f"no trading day between {t0.date()} and {t1.date()} in the panel")
    if rebalance_dates is None:
        rebal = panel.rebalance_dates
    else:
        rebal = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in rebalance_dates))
    # map each rebalance to the first panel day on/after it
    pos = days.searchsorted(rebal)
    rebal = pd.DatetimeIndex(sorted({days[p] for p in pos if p < len(days)}))
    first_k = int(rebal.searchsorted(test[0], side="right")) - 1
    if first_k < 0 or (rule.base == "implied" and method == "period" and first_k < 1):
        raise DataUnavailableError(
            f"not enough history before {test[0].date()} to fit weights (panel starts "
            f"{days[0].date()}); load more warm-up data")
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

    for k in range(first_k, len(rebal)):
        r_k = rebal[k]
        if r_k > test[-1]:
            break
        r_next = rebal[k + 1] if k + 1 < len(rebal) else None
        period_days = days[(days >= r_k) & ((days < r_next) if r_next is not None else True)]
        period_days = period_days[period_days <= test[-1]]
        new = membership.on(r_k)
        prior_day = days[days < r_k]
        if len(prior_day) == 0:
            raise DataUnavailableError(f"no trading day before the rebalance {r_k.date()}")
        old = membership.on(prior_day[-1])
        removed = [s for s in old if s not in new]
        added = [s for s in new if s not in old]

        # segments: shrinking sets of names with data on every day since r_k
        segments: list[tuple[list[str], pd.DatetimeIndex]] = []
        alive = [s for s in new if s in panel.prices.columns]
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

        for seg_no, (names, seg_days) in enumerate(segments):
            if len(seg_days) == 0:
                continue
            if not names:
                raise DataUnavailableError(f"no constituent has data on {seg_days[0].date()}")
            missing_members = [s for s in new if s not in names]
            # ---- base weights at r_k (data before r_k only) ---------------------------
            fitted_end: pd.Series | None = None
            if rule.base == "implied":
                fit_names = [s for s in old if s in panel.prices.columns and (s in names or s in removed)]
                if method == "period":
                    win_days = fit_days[(fit_days >= rebal[k - 1]) & (fit_days < r_k)]
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
                left_w = float(fitted_end.reindex(removed).fillna(0.0).sum())
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
                    if seg_no == 0:
                        notes.append(f"{s} enters on {r_k.date()} at {ew[s]:.2%} ({how})")
                tot = sum(ew.values())
                if tot >= 1:
                    raise DataUnavailableError(f"entry weights at {r_k.date()} add up to {tot:.0%}")
                base = base * (1.0 - tot)
                for s, v in ew.items():
                    base[s] = v
                known = {s: v for (d, s), v in (known_weights or {}).items()
                         if d == r_k and s in names}
                if known:
                    ktot = sum(known.values())
                    rest = base.drop([s for s in known if s in base.index])
                    if ktot < 1 and rest.sum() > 0:
                        base = pd.concat([rest / rest.sum() * (1.0 - ktot), pd.Series(known)])
                if seg_no == 0:
                    fit_rows[r_k] = fitted_end
            elif rule.base == "equal":
                base = pd.Series(1.0, index=names)
            else:
                cw = pd.Series({s: float(v) for s, v in (rule.custom_weights or {}).items()})
                base = cw.reindex(names).fillna(0.0)
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
                turnover[r_k] = float(_turnover(prev_end_weights.reindex(u).fillna(0.0).to_numpy(),
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


# ------------------------------------------------------------------------------------------
# tracking
# ------------------------------------------------------------------------------------------

def annualized_te(diff: pd.Series | np.ndarray) -> float:
    """Annualized tracking error of daily return differences: ``std(ddof=1) * sqrt(252)``.

    NaN for fewer than two observations.
    """
    arr = np.asarray(diff, dtype="float64")
    arr = arr[np.isfinite(arr)]
    if len(arr) < 2:
        return float("nan")
    return float(np.std(arr, ddof=1) * math.sqrt(TRADING_DAYS))


def _te_table(diff: pd.Series, rep: pd.Series, act: pd.Series, key: pd.Index) -> pd.DataFrame:
    rows = []
    for label, d in diff.groupby(key):
        r, a = rep.loc[d.index], act.loc[d.index]
        rows.append({
            "quarter": str(label), "start": d.index[0], "end": d.index[-1], "days": len(d),
            "te": annualized_te(d),
            "replica_return": float((1 + r).prod() - 1), "actual_return": float((1 + a).prod() - 1),
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
        """A short plain-text report (percents)."""
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
        if lv is not None and lv.date() < hi - pd.Timedelta(days=1):
            rows.append({"symbol": sym, "start": max(lo, (lv + pd.Timedelta(days=1)).date()), "end": hi,
                         "reason": f"price data ends {lv.date()}"})
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
    base_pos = panel.index.index.get_loc(sessions[0]) - 1
    base_level = float(panel.index.iloc[base_pos]) if base_pos >= 0 else float(panel.index.iloc[0])
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
    quarter = pd.Index(daily.index.to_period("Q").astype(str))
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
        turnover=sim.turnover, missing=_missing_table(panel, membership, daily.index),
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
        eff = pd.Timestamp(r.rebalance_effective)
        before = result.fitted.loc[eff] if eff in result.fitted.index else None
        after = result.weights.loc[eff] if eff in result.weights.index else None
        sym = str(r.symbol)
        rows.append({
            "rebalance": eff, "symbol": sym,
            "est_before": float(r.weight_before_pct) / 100, "est_after": float(r.weight_after_pct) / 100,
            "implied_before": float(before.get(sym, np.nan)) if before is not None else np.nan,
            "implied_after": float(after.get(sym, np.nan)) if after is not None else np.nan,
        })
    return pd.DataFrame(rows)
