"""Implied index weights when members have a short history or entered the index recently."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scenarios.data.memory import MemorySource
from scenarios.engine import run_scenario
from scenarios.engine.index import (
    MIN_ENTRY_DAYS,
    availability,
    entry_weight,
    fit_implied_with_entrants,
)
from scenarios.model import scenario_from_dict
from valuation.index.implied import implied_weights


def _panel(n_days: int = 250, n: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2024-01-02", periods=n_days)
    return pd.DataFrame(rng.normal(0.0005, 0.02, (n_days, n)), index=days,
                        columns=[f"S{j}" for j in range(n)])


def _renormalized_index(rets: pd.DataFrame, w: np.ndarray, avail: pd.DataFrame) -> pd.Series:
    """An index that holds the available members at their weights renormalized."""
    a = avail.to_numpy()
    ww = np.where(a, w, 0.0)
    y = (np.where(a, rets.to_numpy(), 0.0) * ww).sum(axis=1) / ww.sum(axis=1)
    return pd.Series(y, index=rets.index)


def test_without_entrants_it_is_the_plain_fit() -> None:
    rets = _panel()
    w = np.array([0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    y = pd.Series(rets.to_numpy() @ w, index=rets.index) + np.random.default_rng(1).normal(0, 1e-3, len(rets))
    got, notes = fit_implied_with_entrants(rets, y, rets.notna())
    np.testing.assert_array_equal(got, np.asarray(implied_weights(rets, y), dtype=np.float64))
    assert notes == []


def test_a_late_entrant_no_longer_collapses_the_window() -> None:
    rets = _panel()
    w = np.array([0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    rets.iloc[:130, 5] = np.nan                       # S5 listed after 130 sessions
    rng = np.random.default_rng(2)
    avail = rets.notna()
    y = _renormalized_index(rets, w, avail) + rng.normal(0, 2e-4, len(rets))
    got, notes = fit_implied_with_entrants(rets, y, availability(rets, None))
    assert got.sum() == pytest.approx(1.0, abs=1e-12) and np.all(got >= 0)
    # the long names' relative weights are recovered from all 250 days
    np.testing.assert_allclose(got[:5] / got[:5].sum(), w[:5] / w[:5].sum(), atol=0.01)
    # the entrant's weight: from its 120 days, shrunk toward a typical small weight e; the data
    # move it from e toward the true 3%
    e = entry_weight(list(np.asarray(implied_weights(rets.iloc[:, :5], y), dtype=np.float64)))
    assert abs(got[5] - w[5]) < abs(e - w[5]) / 2
    assert notes[0] == "stage 1: 5 members on 250 days"
    assert notes[1].startswith("S5: 120 days in the index")
    # the common-window fit (the old behaviour) uses 120 days only
    rows = rets.notna().all(axis=1)
    old = implied_weights(rets[rows], y[rows])
    assert old.n_obs == 120


def test_an_entrant_with_a_few_days_gets_the_entry_weight() -> None:
    rets = _panel()
    rets.iloc[: 250 - (MIN_ENTRY_DAYS - 1), 5] = np.nan
    w = np.array([0.4, 0.3, 0.15, 0.1, 0.05, 0.0])
    y = _renormalized_index(rets, w, rets.notna().assign(S5=False))
    got, notes = fit_implied_with_entrants(rets, y, rets.notna())
    first = np.asarray(implied_weights(rets.iloc[:, :5], y), dtype=np.float64)
    e = entry_weight(list(first))
    # smaller half of [0.4, 0.3, 0.15, 0.1, 0.05] (positive) = [0.05, 0.1] -> median 0.075
    assert e == pytest.approx(0.075, abs=1e-6)
    assert got[5] == pytest.approx(e, rel=1e-12)
    np.testing.assert_allclose(got[:5], first * (1 - e), rtol=1e-12)
    assert "entry weight" in notes[-1]


def test_entry_weight_is_the_median_of_the_smaller_half() -> None:
    assert entry_weight([0.5, 0.2, 0.1, 0.1, 0.06, 0.04, 0.0]) == pytest.approx(0.06)
    assert entry_weight([1.0]) == 1.0
    assert entry_weight([0.0, 0.0]) == 0.0


def test_availability_follows_membership_intervals() -> None:
    days = pd.bdate_range("2024-12-02", "2024-12-20")
    rets = pd.DataFrame({"A": 0.01, "B": 0.01, "C": np.nan}, index=days)
    members = {"A": [(None, None)], "B": [(dt.date(2024, 12, 9), dt.date(2024, 12, 16))]}
    av = availability(rets, members)
    assert av["A"].all() and not av["C"].any()
    assert list(av.index[av["B"]]) == list(pd.bdate_range("2024-12-09", "2024-12-13"))


def test_engine_uses_the_full_window_with_a_recent_listing() -> None:
    """Through run_scenario: three long names and a name listed 60 sessions before as_of. The
    long names' weights come out as in the index; before, the fit saw 60 days only."""
    rng = np.random.default_rng(8)
    days = pd.bdate_range("2024-01-02", "2025-06-30")
    names = ["0700.HK", "9988.HK", "3690.HK", "0300.HK"]
    rets = pd.DataFrame(rng.normal(0.0005, 0.02, (len(days), 4)), index=days, columns=names)
    rets.iloc[: len(days) - 60, 3] = np.nan
    w = np.array([0.5, 0.3, 0.15, 0.05])
    y = _renormalized_index(rets, w, rets.notna())
    closes = {s: (100 * (1 + rets[s]).cumprod()).where(rets[s].notna()) for s in names}
    closes["0300.HK"] = closes["0300.HK"].dropna()
    closes["0300.HK"] = 50 * (1 + rets["0300.HK"].dropna()).cumprod()
    closes["IDX.HK"] = 1000 * (1 + y).cumprod()
    data = {"name": "implied", "as_of": "2025-06-30", "horizon": "3M", "universe": names,
            "benchmarks": ["IDX.HK"],
            "drivers": [{"type": "index_weighting", "scheme": "implied", "lookback_days": 250}],
            "monte_carlo": {"draws": 10}}
    r = run_scenario(scenario_from_dict(data), source=MemorySource(closes))
    got = r.index_weights_before
    # (stage 1 sees the entrant's 60 days as noise: close, not exact)
    np.testing.assert_allclose(got[:3] / got[:3].sum(), w[:3] / w[:3].sum(), atol=0.005)
    # the old common-window fit had 60 days of 4 names; the stage-1 fit has 250 of 3
    assert 0.0 < got[3] < 0.2  # shrunk toward the smallest of three weights (~0.15)
    assert r.inputs["resolved"]["index_fit"][0] == "stage 1: 3 members on 250 days"
