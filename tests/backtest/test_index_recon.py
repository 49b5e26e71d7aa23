"""Index reconstruction engine on synthetic data: exact identities and invariants.

The synthetic index is generated here by an independent loop (plain numpy, its own capping)
following the rules the replica assumes: holdings drift between Hang Seng rebalance dates and
are re-capped at 8% on them. The replica must then track it to rounding error.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import pytest
from backtest_fakes import FrameSource
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data.frame import to_canonical
from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.recon.counterfactual import IndexScheme, year_table
from scenarios.recon.hstech import annualized_te, reconstruct_hstech
from scenarios.recon.membership import Membership
from scenarios.recon.panel import load_index_panel, odd_sessions, price_close
from scenarios.recon.rules import WeightRule
from scenarios.recon.simulate import simulate_index

# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------

def _frame(close: pd.Series, dividends: float | None = 0.0) -> pd.DataFrame:
    df = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
                       "volume": 1e6, "dividends": dividends}, index=close.index)
    return to_canonical(df)


def _cap_loop(w: np.ndarray, cap: float) -> np.ndarray:
    """Independent iterative capping (redistribute the excess pro rata until nothing exceeds)."""
    w = w / w.sum()
    for _ in range(200):
        over = w > cap + 1e-15
        if not over.any():
            break
        excess = (w[over] - cap).sum()
        w = np.where(over, cap, w)
        free = w < cap - 1e-15
        w[free] += excess * w[free] / w[free].sum()
    return w


def _hang_seng_dates(days: pd.DatetimeIndex) -> list[pd.Timestamp]:
    """First session after the first Friday of Mar/Jun/Sep/Dec (independent of valuation)."""
    out = []
    for year in sorted(set(days.year)):
        for month in (3, 6, 9, 12):
            first = pd.Timestamp(year, month, 1)
            friday = first + pd.Timedelta(days=(4 - first.weekday()) % 7)
            later = days[(days > friday) & (days <= friday + pd.Timedelta(days=7))]
            if len(later):
                out.append(later[0])
    return out


@functools.lru_cache(maxsize=8)
def _synthetic_cached(*args, **kwargs):
    return _synthetic_build(*args, **kwargs)


def _synthetic(**kwargs):
    """A fresh copy of the (cached) synthetic data set (frames may be edited by the caller)."""
    frames, idx, membership, rebal, truth = _synthetic_cached(**kwargs)
    return dict(frames), idx, membership, rebal, truth


def _synthetic_build(n: int = 20, start: str = "2023-06-01", end: str = "2025-03-31", seed: int = 7,
               added: str | None = None, removed: str | None = None, change_on: int = 5,
               entry: float = 0.03, fast: str | None = None, fast_day: int = 0,
               fast_entry: float = 0.06):
    """Constituent prices and an index built by the drift-and-recap rule.

    Returns ``(frames, index_level, membership, rebalance_dates, true_weights)``. With
    ``added``/``removed`` the membership changes at the ``change_on``-th rebalance: the
    removed name leaves, the added one enters at weight ``entry`` (others scaled down).
    With ``fast`` a name enters between reviews on ``days[fast_day]`` at ``fast_entry``: the
    others keep their drifted holdings scaled by ``1 - fast_entry``, nothing is re-capped until
    the next rebalance (Hang Seng's fast-entry rule).
    """
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(start, end, name="date")
    syms = [f"{1000 + i:04d}.HK" for i in range(n)] + ([added] if added else []) + ([fast] if fast else [])
    rets = rng.normal(0.0004, 0.02, size=(len(days), len(syms)))
    rets[0] = 0.0
    prices = pd.DataFrame(50 * np.cumprod(1 + rets, axis=0), index=days, columns=syms)
    r = prices.pct_change().fillna(0.0).to_numpy()
    rebal = _hang_seng_dates(days)
    members = list(range(n))
    w = _cap_loop(rng.lognormal(0, 1.0, n), 0.08)
    full = np.zeros(len(syms))
    full[:n] = w
    level = [1000.0]
    truth: dict[pd.Timestamp, np.ndarray] = {}
    k = 0
    for t in range(1, len(days)):
        if k < len(rebal) and days[t] == rebal[k]:
            if added and k == change_on:
                out = syms.index(removed)
                full[out] = 0.0
                full = full / full.sum() * (1 - entry)
                full[syms.index(added)] = entry
            full = _cap_loop(full, 0.08)
            truth[days[t]] = full.copy()
            k += 1
        elif fast and t == fast_day:
            full = full / full.sum() * (1 - fast_entry)
            full[syms.index(fast)] = fast_entry
            truth[days[t]] = full.copy()
        port = float(full @ r[t])
        level.append(level[-1] * (1 + port))
        full = full * (1 + r[t])
        full = full / full.sum()
    del members
    idx = pd.Series(level, index=days)
    frames = {s: _frame(prices[s]) for s in syms}
    frames["IDX"] = _frame(idx, dividends=np.nan)
    intervals = []
    for s in syms[:n]:
        to = rebal[change_on].date() if (removed and s == removed) else None
        intervals.append((s, None, to))
    if added:
        intervals.append((added, rebal[change_on].date(), None))
    fast_entries: tuple[tuple[str, date], ...] = ()
    if fast:
        intervals.append((fast, days[fast_day].date(), None))
        fast_entries = ((fast, days[fast_day].date()),)
    return frames, idx, Membership(tuple(intervals), fast_entries=fast_entries), rebal, truth


# ------------------------------------------------------------------------------------------
# dividend un-adjustment
# ------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=6))
def test_price_close_inverts_yahoo_adjustment(seed: int, n_div: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    raw = 20 * np.cumprod(1 + rng.normal(0, 0.02, n))
    div = np.zeros(n)
    ex = rng.choice(np.arange(1, n), size=n_div, replace=False) if n_div else []
    for t in ex:
        div[t] = raw[t - 1] * rng.uniform(0.001, 0.08)
    # Yahoo: every price before ex-date t is multiplied by 1 - D_t / raw_{t-1}
    factor = np.ones(n)
    for t in ex:
        factor[:t] *= 1 - div[t] / raw[t - 1]
    days = pd.bdate_range("2024-01-01", periods=n)
    adj = pd.Series(raw * factor, index=days)
    got = price_close(adj, pd.Series(div, index=days))
    np.testing.assert_allclose(got.to_numpy(), raw, rtol=1e-10)
    # Yahoo's total return on an ex-date reinvests at the ex-dividend price: P_t / (P_{t-1} - D) - 1
    for t in ex:
        tr = adj.iloc[t] / adj.iloc[t - 1] - 1
        assert tr == pytest.approx(raw[t] / (raw[t - 1] - div[t]) - 1, rel=1e-9)


def test_price_close_without_dividend_information_is_identity() -> None:
    days = pd.bdate_range("2024-01-01", periods=5)
    adj = pd.Series([1.0, 2, 3, 4, 5], index=days)
    pd.testing.assert_series_equal(price_close(adj, None), adj.astype("float64"))
    nan_div = pd.Series(np.nan, index=days)
    pd.testing.assert_series_equal(price_close(adj, nan_div), adj.astype("float64"))
    zero_div = pd.Series(0.0, index=days)
    np.testing.assert_allclose(price_close(adj, zero_div).to_numpy(), adj.to_numpy())


# ------------------------------------------------------------------------------------------
# odd sessions, membership, TE
# ------------------------------------------------------------------------------------------

def test_odd_sessions_needs_a_strict_majority_of_stale_bars() -> None:
    days = pd.bdate_range("2024-01-01", periods=4)
    frames = {}
    for i in range(6):
        close = pd.Series([10.0, 11, 12, 13], index=days)
        df = _frame(close)
        if i < 4:  # day 1: 4 of 6 stale
            df.loc[days[1], ["open", "high", "low", "close", "volume"]] = [11, 11, 11, 11, 0]
        if i < 3:  # day 2: 3 of 6 stale (not a majority)
            df.loc[days[2], ["open", "high", "low", "close", "volume"]] = [12, 12, 12, 12, 0]
        frames[f"S{i}"] = df
    assert list(odd_sessions(frames)) == [days[1]]
    assert list(odd_sessions(frames, threshold=0.4)) == [days[1], days[2]]
    with pytest.raises(ValueError):
        odd_sessions(frames, threshold=1.5)


def test_membership_intervals_are_half_open() -> None:
    m = Membership((("A", None, date(2025, 3, 10)), ("B", date(2025, 3, 10), None), ("C", None, None)))
    assert m.on("2025-03-07") == ["A", "C"]
    assert m.on("2025-03-10") == ["B", "C"]
    assert m.on("2020-01-01") == ["A", "C"]  # before the history: open-start members
    assert m.symbols == ["A", "B", "C"]


def test_annualized_te_matches_numpy() -> None:
    x = np.random.default_rng(1).normal(0, 0.001, 300)
    assert annualized_te(x) == pytest.approx(np.std(x, ddof=1) * np.sqrt(252))
    assert np.isnan(annualized_te([0.1]))


# ------------------------------------------------------------------------------------------
# the engine on a synthetic index built by the same rules
# ------------------------------------------------------------------------------------------

def test_replica_recovers_a_drift_and_recap_index_exactly() -> None:
    frames, idx, membership, rebal, truth = _synthetic()
    src = FrameSource(frames)
    res = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=membership,
                             index_symbol="IDX", reference_dir="/nonexistent")
    assert res.te < 1e-6
    assert res.daily["diff"].abs().max() < 1e-8
    syms = [c for c in res.weights.columns]
    for day, w_true in truth.items():
        if day in res.weights.index and day >= pd.Timestamp("2024-01-01"):
            got = res.weights.loc[day].reindex([f"{1000 + i:04d}.HK" for i in range(20)]).fillna(0)
            np.testing.assert_allclose(got.to_numpy(), w_true[:20], atol=1e-6)
    assert len(syms) == 20
    # the levels start from the actual close before the first test day and follow it
    lv = res.levels
    assert lv["replica"].iloc[-1] == pytest.approx(idx.loc[lv.index[-1]], rel=1e-6)
    assert (res.weights.max(axis=1) <= 0.08 + 1e-12).all()
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, atol=1e-12)


def test_membership_change_with_known_entry_weight_is_tracked() -> None:
    frames, _, membership, rebal, truth = _synthetic(added="2000.HK", removed="1003.HK",
                                                     change_on=5, entry=0.03)
    src = FrameSource(frames)
    eff = rebal[5]
    res = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=membership,
                             index_symbol="IDX", entry_weights={(eff, "2000.HK"): 0.03},
                             reference_dir="/nonexistent")
    assert res.te < 1e-6
    w = res.weights.loc[eff]
    assert pd.isna(w.get("1003.HK", np.nan))  # the leaver is not held from its removal on
    assert w["2000.HK"] == pytest.approx(truth[eff][-1], abs=1e-9)
    # without the entry weight the leaver's slot is used: still close, no longer exact
    res2 = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=membership,
                              index_symbol="IDX", reference_dir="/nonexistent")
    assert 1e-6 < res2.te < 0.05


def test_fast_entry_between_reviews_is_tracked_exactly() -> None:
    # a name enters on the 20th session after the 5th rebalance: it takes its entry weight, the
    # other holdings shrink in proportion, and nothing is refitted or re-capped until the next
    # review, which brings the cap back
    _, _, _, rebal0, _ = _synthetic()
    days = pd.bdate_range("2023-06-01", "2025-03-31", name="date")
    day = int(days.get_loc(rebal0[5])) + 20
    frames, _, membership, rebal, truth = _synthetic(fast="3000.HK", fast_day=day, fast_entry=0.06)
    eff = days[day]
    assert rebal[5] < eff < rebal[6]
    src = FrameSource(frames)
    res = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=membership, index_symbol="IDX",
                             entry_weights={(eff, "3000.HK"): 0.06}, reference_dir="/nonexistent")
    assert res.te < 1e-6
    w = res.weights.loc[eff]
    # every holding on the entry day equals the generator's drifted-and-scaled weight
    syms = [f"{1000 + i:04d}.HK" for i in range(20)] + ["3000.HK"]
    np.testing.assert_allclose(w.reindex(syms).fillna(0.0).to_numpy(), truth[eff], atol=1e-9)
    assert w["3000.HK"] == pytest.approx(0.06, abs=1e-12)
    assert w["3000.HK"] == pytest.approx(truth[eff][-1], abs=1e-9)
    assert "3000.HK enters fast" in " ".join(res.notes)
    # the next regular review re-caps everything, the entrant included
    assert res.weights.loc[rebal[6]].max() <= 0.08 + 1e-12
    # without the fast-entry record the entrant is only picked up at the next review, and the
    # replica drifts off the index in between
    plain = Membership(membership.intervals)
    res2 = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=plain, index_symbol="IDX",
                              entry_weights={(eff, "3000.HK"): 0.06}, reference_dir="/nonexistent")
    assert res2.te > 1e-6


def test_recorded_review_dates_replace_the_standard_schedule() -> None:
    std = pd.DatetimeIndex(["2021-03-08", "2021-06-07", "2021-09-06"])
    m = Membership((("A", None, None),), review_dates=(date(2021, 3, 15), date(2021, 6, 7)))
    got = m.rebalance_calendar(std)
    assert list(got.strftime("%Y-%m-%d")) == ["2021-03-15", "2021-06-07", "2021-09-06"]
    # a review far from any scheduled date is added, not substituted
    m2 = Membership((("A", None, None),), review_dates=(date(2021, 4, 30),))
    assert "2021-04-30" in set(m2.rebalance_calendar(std).strftime("%Y-%m-%d"))
    assert len(m2.rebalance_calendar(std)) == 4


def test_fit_uses_no_data_after_the_rebalance() -> None:
    """Weights applied from R_k are unchanged when every price after R_k - 1 is scrambled."""
    frames, _, membership, rebal, _ = _synthetic(seed=11)
    cut = rebal[6]
    rng = np.random.default_rng(3)
    scrambled = {}
    for s, df in frames.items():
        noise = pd.Series(1.0, index=df.index)
        after = df.index >= cut
        noise[after] = np.cumprod(1 + rng.normal(0, 0.05, after.sum()))
        scrambled[s] = df.assign(close=df["close"] * noise)
    kw = dict(universe=membership, index_symbol="IDX", reference_dir="/nonexistent",
              price_returns=False)
    a = reconstruct_hstech(FrameSource(frames), "2024-01-01", "2025-03-31", **kw)
    b = reconstruct_hstech(FrameSource(scrambled), "2024-01-01", "2025-03-31", **kw)
    for day in a.weights.index[a.weights.index <= cut]:
        pd.testing.assert_series_equal(a.weights.loc[day], b.weights.loc[day], atol=1e-12)
    later = a.weights.index[a.weights.index > cut]
    assert len(later) and not np.allclose(a.weights.loc[later[0]].fillna(0),
                                          b.weights.loc[later[0]].fillna(0), atol=1e-4)


def test_equal_rule_and_name_whose_data_ends_midway() -> None:
    frames, _, membership, rebal, _ = _synthetic(n=20)
    # cut one constituent's file in the middle of a period
    gone = "1004.HK"
    stop = rebal[5] + pd.Timedelta(days=20)
    frames[gone] = frames[gone].loc[:stop]
    src = FrameSource(frames)
    panel = load_index_panel(src, membership.symbols, "IDX", "2023-06-01", "2025-03-31")
    sim = simulate_index(panel, membership, WeightRule("equal", cap=0.08), "2024-01-01", "2025-03-31")
    for _day, w in sim.weights.iterrows():
        held = w.dropna()
        np.testing.assert_allclose(held.to_numpy(), 1 / len(held))
    seg = sim.segments
    assert (seg["names_missing"] == gone).any()
    after = sim.weights.loc[sim.weights.index > stop]
    assert after[gone].isna().all()
    assert sim.returns.notna().all()
    # implied replica: the name's weight is absorbed; the rest still tracks closely
    res = reconstruct_hstech(src, "2024-01-01", "2025-03-31", universe=membership,
                             index_symbol="IDX", reference_dir="/nonexistent")
    assert gone in set(res.missing["symbol"])
    assert res.te < 0.03


def test_not_enough_history_is_a_clear_error() -> None:
    frames, _, membership, _, _ = _synthetic(start="2023-11-01", end="2024-06-30")
    with pytest.raises(DataUnavailableError, match="history"):
        reconstruct_hstech(FrameSource(frames), "2024-01-01", "2024-06-30", universe=membership,
                           index_symbol="IDX", reference_dir="/nonexistent")


# ------------------------------------------------------------------------------------------
# schemes
# ------------------------------------------------------------------------------------------

def test_scheme_transform_tilts_and_excludes_by_theme_and_symbol() -> None:
    themes = {"A": "autos_ev", "B": "ai_compute_chips", "C": "platforms", "D": "other"}
    base = pd.Series([0.4, 0.3, 0.2, 0.1], index=list("ABCD"))
    rule = IndexScheme("x", tilts={"ai_compute_chips": 2.0, "D": 3.0}, exclude=("autos_ev",),
                       cap=None).rule(themes)
    got = rule.transform(base, pd.Timestamp("2025-01-01"))
    expect = np.array([0.0, 0.3 * 2, 0.2, 0.1 * 3])
    np.testing.assert_allclose(got.to_numpy(), expect / expect.sum())
    assert IndexScheme("plain").rule(themes).transform is None
    with pytest.raises(ScenarioError, match="neither a theme"):
        IndexScheme("typo", exclude=("auto_ev",)).rule(themes)


def test_scheme_validation_and_driver_vocabulary() -> None:
    with pytest.raises(ScenarioError):
        IndexScheme("bad", tilts={"platforms": -1.0})
    with pytest.raises(ScenarioError):
        IndexScheme("bad", scheme="weird")
    with pytest.raises(ScenarioError):
        IndexScheme("bad", scheme="custom")
    s = IndexScheme.from_driver({"type": "index_weighting", "scheme": "equal", "cap": 0.1,
                                 "exclude": ["autos_ev"]}, name="eq")
    assert (s.name, s.scheme, s.cap, tuple(s.exclude)) == ("eq", "equal", 0.1, ("autos_ev",))
    assert s.rule({}).base == "equal"
    assert IndexScheme("m", scheme="market_cap").rule({}).base == "implied"


def test_year_table_compounds_each_calendar_year() -> None:
    days = pd.bdate_range("2024-12-27", "2025-01-03")
    r = pd.DataFrame({"x": [0.01, -0.02, 0.03, 0.01, 0.02, -0.01]}, index=days)
    t = year_table(r)
    assert t.loc["2024 (12-27..12-31)", "x"] == pytest.approx(1.01 * 0.98 * 1.03 - 1)
    assert t.loc["2025 (01-01..01-03)", "x"] == pytest.approx(1.01 * 1.02 * 0.99 - 1)
    assert t.loc["total", "x"] == pytest.approx(np.prod(1 + r["x"].to_numpy()) - 1)


def test_equal_rule_turnover_matches_drifted_holdings() -> None:
    frames, _, membership, rebal, _ = _synthetic()
    panel = load_index_panel(FrameSource(frames), membership.symbols, "IDX", "2023-06-01", "2025-03-31")
    sim = simulate_index(panel, membership, WeightRule("equal", cap=None), "2024-01-01", "2025-03-31")
    closes = pd.DataFrame({s: frames[s]["close"] for s in membership.symbols})
    for k in range(1, len(sim.turnover) + 1):
        r_prev, r_k = sim.weights.index[k - 1], sim.weights.index[k]
        before = closes.index[closes.index < r_k][-1]
        start = closes.index[closes.index < r_prev][-1]
        growth = closes.loc[before] / closes.loc[start]  # buy-and-hold from equal weights
        drifted = growth / growth.sum()
        expect = 0.5 * np.abs(drifted - 1 / len(drifted)).sum()
        assert sim.turnover.loc[r_k] == pytest.approx(expect, rel=1e-9)


def test_period_fit_recovers_buy_and_hold_weights_after_a_big_run_up() -> None:
    from scenarios.recon.fit import _fit_period

    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-01-01", periods=60)
    r = rng.normal(0, 0.02, size=(60, 6))
    r[:30, 0] = 0.05      # one name quadruples ...
    r[40, 0] = -0.45      # ... then loses 45% in a day: G*r < -1, outside a "returns" domain
    w0 = np.array([0.3, 0.25, 0.2, 0.15, 0.06, 0.04])
    growth = np.cumprod(1 + r, axis=0)
    level = growth @ w0
    idx_r = np.diff(np.concatenate([[1.0], level])) / np.concatenate([[1.0], level[:-1]])
    cols = [f"S{i}" for i in range(6)]
    start, end = _fit_period(pd.DataFrame(r, index=days, columns=cols), pd.Series(idx_r, index=days))
    np.testing.assert_allclose(start.to_numpy(), w0, atol=1e-9)
    drifted = w0 * growth[-1] / (w0 * growth[-1]).sum()
    np.testing.assert_allclose(end.to_numpy(), drifted, atol=1e-9)
