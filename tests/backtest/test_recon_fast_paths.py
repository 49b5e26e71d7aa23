"""The batched recon path's array shortcuts against the pandas definitions they replace, and the
per-process caches (weight fits, broker reference tables): same numbers bit for bit, copies out,
a changed input or file is not served from the cache."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.recon import fit as F
from scenarios.recon import reference as R
from scenarios.recon.batch import _fitted_frame
from scenarios.recon.fit import MIN_FIT_DAYS, clear_fit_cache, simple_returns
from scenarios.recon.membership import Membership
from scenarios.recon.schedule import build_schedule


def _window(seed: int, T: int = 60, N: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0005, 0.02, (T, N))
    w = rng.dirichlet(np.ones(N))
    growth = np.cumprod(1 + r, axis=0)
    level = growth @ w  # a buy-and-hold index of the names, plus noise
    level = level * np.exp(np.cumsum(rng.normal(0, 1e-4, T)))
    index_r = np.diff(np.r_[1.0, level]) / np.r_[1.0, level[:-1]]
    return r, index_r


def test_fit_cache_gives_the_fit_bit_for_bit_and_copies() -> None:
    clear_fit_cache()
    r, ir = _window(1)
    w0, end = F._solve_period(r, ir, None)                 # the fit, never cached
    a0, a_end = F._fit_period_arrays(r, ir)                 # computed, then remembered
    b0, b_end = F._fit_period_arrays(r.copy(), ir.copy())   # equal inputs: from the cache
    for x in (a0, b0):
        assert x.tobytes() == w0.tobytes()
    for x in (a_end, b_end):
        assert x.tobytes() == end.tobytes()
    b0[:] = -1.0                                            # a caller's edit stays its own
    assert F._fit_period_arrays(r, ir)[0].tobytes() == w0.tobytes()
    # other inputs are fitted, not served from the cache
    r2 = r.copy()
    r2[5, 3] += 1e-9
    assert F._fit_period_arrays(r2, ir)[0].tobytes() == F._solve_period(r2, ir, None)[0].tobytes()
    # the trailing fit too
    t1 = F._fit_trailing_arrays(r, ir)
    assert F._fit_trailing_arrays(r, ir).tobytes() == t1.tobytes()


def test_fit_cache_is_cleared_and_bounded() -> None:
    calls = []
    solve = F._solve_period

    def counting(*a):  # type: ignore[no-untyped-def]
        calls.append(1)
        return solve(*a)

    F._solve_period = counting  # type: ignore[assignment]
    try:
        clear_fit_cache()
        r, ir = _window(2)
        F._fit_period_arrays(r, ir)
        F._fit_period_arrays(r, ir)
        assert len(calls) == 1
        clear_fit_cache()
        F._fit_period_arrays(r, ir)
        assert len(calls) == 2
        # a C-ordered copy of an F-ordered window is another layout: fitted on its own
        rf = np.asfortranarray(r)
        F._fit_period_arrays(rf, ir)
        assert len(calls) == 3
    finally:
        F._solve_period = solve  # type: ignore[assignment]
    for i in range(F._CACHE_SIZE + 5):
        F._cache_put(("k", i), (np.zeros(1),))
    assert len(F._cache) == F._CACHE_SIZE
    clear_fit_cache()


def test_simple_returns_is_pct_change_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    prices = pd.DataFrame(50 * np.cumprod(1 + rng.normal(0, 0.03, (80, 6)), axis=0))
    prices.iloc[:10, 2] = np.nan          # starts late
    prices.iloc[60:, 4] = np.nan          # ends early
    prices.iloc[30, 1] = np.nan           # a hole
    prices.iloc[40, 5] = 0.0              # a zero close: inf / NaN returns after it
    with np.errstate(divide="ignore", invalid="ignore"):
        want = prices.pct_change(fill_method=None).to_numpy()
        got = simple_returns(prices.to_numpy())
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("same", [True, False])
def test_fitted_frame_is_the_pandas_frame(same: bool) -> None:
    rng = np.random.default_rng(4)
    days = pd.to_datetime(["2024-06-10", "2024-03-11", "2024-09-09"])
    names = ["0700.HK", "9988.HK", "3690.HK", "1810.HK"]
    rows = {}
    for i, d in enumerate(days):
        cols = names if same else [n for j, n in enumerate(names) if j != i]
        rows[d] = pd.Series(rng.random(len(cols)), index=pd.Index(cols))
    want = pd.DataFrame(rows).T.sort_index()
    got = _fitted_frame(rows)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == list(want.columns)


def test_periods_and_fit_start_match_the_mask_definition() -> None:
    days = pd.bdate_range("2023-01-02", "2024-12-31", name="date")
    days = days.delete([5, 6, 200, 201, 202])            # holidays
    standard = [pd.Timestamp(d) for d in ("2023-03-06", "2023-06-05", "2023-09-04",
                                          "2023-12-04", "2024-03-11", "2024-06-10",
                                          "2024-09-09", "2024-12-09")]
    m = Membership((("A", None, None), ("B", None, pd.Timestamp("2024-03-11").date()),
                    ("C", pd.Timestamp("2024-03-11").date(), None)))
    sched = build_schedule(days, m, standard, pd.Timestamp("2023-07-03"),
                           pd.Timestamp("2024-11-29"), needs_previous_period=True)
    last = sched.test[-1]
    n = 0
    for per in sched.periods(m):
        k, r_k = per.k, per.start
        r_next = sched.rebal[k + 1] if k + 1 < len(sched.rebal) else None
        want = days[(days >= r_k) & ((days < r_next) if r_next is not None else True)]
        want = want[want <= last]
        assert per.days.equals(want)
        assert per.old == m.on(days[days < r_k][-1])
        # the fit start: back from the previous rebalance until MIN_FIT_DAYS sessions
        fit_days = days[::2]                               # fewer fit sessions than trading days
        j = k - 1
        while j > 0 and int(((fit_days >= sched.rebal[j]) & (fit_days < r_k)).sum()) < MIN_FIT_DAYS:
            j -= 1
        assert sched.period_fit_start(k, fit_days) == sched.rebal[j]
        n += 1
    assert n >= 5


def _reference_dir(path: Path, after: float) -> Path:
    path.mkdir()
    (path / "hstech_weight_estimates.csv").write_text(
        "rebalance_effective,symbol,weight_before_pct,weight_after_pct,source\n"
        f"2025-06-09,1211.HK,0,{after},test\n2025-06-09,0700.HK,7.5,8,test\n")
    return path


def test_reference_tables_reread_when_the_file_changes(tmp_path: Path) -> None:
    ref = _reference_dir(tmp_path / "ref", 8)
    notes: list[str] = []
    entry, known = R._reference_weights(ref, notes, True)
    key = (pd.Timestamp("2025-06-09"), "1211.HK")
    assert entry[key] == 0.08 and known[key] == 0.08 and len(notes) == 1
    entry[key] = 0.5                                   # a caller's edit stays its own
    again, _ = R._reference_weights(ref, notes, True)
    assert again[key] == 0.08 and len(notes) == 2      # the note is given on every call
    est = ref / "hstech_weight_estimates.csv"
    st = est.stat()
    est.write_text(est.read_text().replace(",0,8,", ",0,6,"))
    os.utime(est, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    changed, _ = R._reference_weights(ref, notes, True)
    assert changed[key] == 0.06
    no_prior, none = R._reference_weights(ref, notes, False)
    assert no_prior[key] == 0.06 and none == {}
