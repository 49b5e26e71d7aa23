"""Implied index weights: exact recovery, optimality against scipy, NaN policies, real HSTECH."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from valuation import InfeasibleCapError, InputRangeError, InputShapeError, NonFiniteInputError
from valuation.index import cap_weights, chain_link_index, implied_weights
from valuation.index.implied import _project, project_capped_simplex, solve_simplex_qp


def synthetic(seed: int, T: int, N: int, zeros: int = 0):
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.015, (T, 1))
    X = market + rng.normal(0, 0.02, (T, N))
    w = rng.dirichlet(np.full(N, 0.7))
    if zeros:
        w[rng.choice(N, size=zeros, replace=False)] = 0.0
        w /= w.sum()
    return X, w


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), N=st.integers(2, 25), extra=st.integers(5, 150),
       zeros=st.integers(0, 3))
def test_recovers_known_weights(seed: int, N: int, extra: int, zeros: int) -> None:
    X, w = synthetic(seed, N + extra, N, min(zeros, N - 1))
    res = implied_weights(X, X @ w)
    assert res.converged
    assert np.abs(res.weights - w).max() < 1e-6
    assert res.weights.min() >= 0 and abs(res.weights.sum() - 1) < 1e-12
    np.testing.assert_array_equal(np.asarray(res), res.weights)  # arrays see the weights
    assert res.r2 == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), N=st.integers(13, 30), cap=st.sampled_from([0.08, 0.1, 0.15]))
def test_recovers_capped_weights(seed: int, N: int, cap: float) -> None:
    X, w = synthetic(seed, 3 * N, N)
    wc = cap_weights(w, cap)
    res = implied_weights(X, X @ wc, cap=cap)
    assert res.converged
    assert np.abs(res.weights - wc).max() < 1e-6
    assert res.weights.max() <= cap + 1e-12


def test_buy_and_hold_model_recovers_drifting_index() -> None:
    X, w = synthetic(11, 60, 12)
    idx = chain_link_index(X, w[None, :], np.r_[True, np.zeros(59, bool)])
    exact = implied_weights(X, idx.returns, model="buy_and_hold")
    assert exact.converged and np.abs(exact.weights - w).max() < 1e-6
    assert exact.r2 == pytest.approx(1.0, abs=1e-9)
    # constant weights cannot fit a drifting index exactly
    approx = implied_weights(X, idx.returns, model="returns")
    assert approx.r2 < 1.0 - 1e-8


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31), cap=st.sampled_from([None, 0.12]))
def test_noisy_fit_is_optimal_compared_with_scipy(seed: int, cap: float | None) -> None:
    X, w = synthetic(seed, 80, 10)
    rng = np.random.default_rng(seed + 1)
    y = X @ w + rng.normal(0, 0.004, 80)
    res = implied_weights(X, y, cap=cap)
    ub = 1.0 if cap is None else cap

    def obj(v: np.ndarray) -> float:
        return float(np.mean((X @ v - y) ** 2))

    ref = minimize(obj, np.full(10, 0.1), method="SLSQP", bounds=[(0.0, ub)] * 10,
                   constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1.0}],
                   options={"ftol": 1e-16, "maxiter": 1000})
    assert obj(res.weights) <= ref.fun * (1 + 1e-9) + 1e-15
    np.testing.assert_allclose(res.weights, np.clip(ref.x, 0, ub), atol=1e-4)
    # diagnostics are what they say
    assert res.residual_std == pytest.approx(np.std(y - X @ res.weights, ddof=1), rel=1e-12)
    ss = ((y - y.mean()) ** 2).sum()
    assert res.r2 == pytest.approx(1 - ((y - X @ res.weights) ** 2).sum() / ss, rel=1e-12)
    assert res.tracking_error == pytest.approx(res.residual_std * np.sqrt(252))


def test_ridge_pulls_toward_prior_and_handles_too_few_days() -> None:
    X, w = synthetic(3, 8, 20)  # fewer days than names: not identifiable
    y = X @ w
    loose = implied_weights(X, y)
    assert not loose.identifiable or loose.r2 > 0.999
    prior = np.full(20, 0.05)
    strong = implied_weights(X, y, ridge=1e6, prior=prior)
    np.testing.assert_allclose(strong.weights, prior, atol=1e-4)
    mid = implied_weights(X, y, ridge=1.0, prior=prior)
    assert mid.identifiable and mid.converged
    assert np.abs(mid.weights - prior).sum() < np.abs(loose.weights - prior).sum() + 1e-12


def test_nan_policies() -> None:
    X, w = synthetic(5, 100, 6)
    y = X @ w
    Xn = X.copy()
    Xn[:30, 2] = np.nan  # listed late
    Xn[:, 5] = np.nan  # never traded in the window
    res = implied_weights(Xn, y)  # drop_rows
    assert res.n_obs == 70 and res.n_dropped == 30 and res.excluded == [5]
    assert res.weights[5] == 0.0
    ex = implied_weights(Xn, y, nan_policy="exclude_names")
    assert ex.excluded == [2, 5] and ex.n_obs == 100
    assert ex.weights[2] == 0.0 and ex.weights[5] == 0.0
    z = implied_weights(Xn, y, nan_policy="zero")
    assert z.n_obs == 100
    with pytest.raises(NonFiniteInputError):
        implied_weights(Xn, y, nan_policy="raise")
    yn = y.copy()
    yn[[0, 50]] = np.nan
    assert implied_weights(X, yn).n_obs == 98


def test_pandas_labels_and_invalid() -> None:
    X, w = synthetic(9, 50, 4)
    days = pd.bdate_range("2025-06-09", periods=50)
    Xd = pd.DataFrame(X, index=days, columns=["0700.HK", "9988.HK", "3690.HK", "1810.HK"])
    res = implied_weights(Xd, pd.Series(X @ w, index=days))
    assert isinstance(res.weights, pd.Series) and res.weights.index.equals(Xd.columns)
    assert res.fitted.index.equals(days)
    with pytest.raises(InputShapeError, match="different dates"):
        implied_weights(Xd, pd.Series(X @ w, index=days + pd.Timedelta(days=1)))
    with pytest.raises(InputShapeError):
        implied_weights(X, np.ones(49))
    with pytest.raises(InfeasibleCapError):
        implied_weights(X, X @ w, cap=0.2)
    with pytest.raises(InputRangeError, match="nan_policy"):
        implied_weights(X, X @ w, nan_policy="skip")  # type: ignore[arg-type]
    with pytest.raises(InputRangeError, match="ridge"):
        implied_weights(X, X @ w, ridge=-1.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 12), cap=st.sampled_from([1.0, 0.3, 0.5]))
def test_projection_is_the_euclidean_projection(seed: int, n: int, cap: float) -> None:
    if cap * n < 1:
        return
    rng = np.random.default_rng(seed)
    v = rng.normal(0, 1, n)
    x = project_capped_simplex(v, cap)
    assert abs(x.sum() - 1) < 1e-12 and x.min() >= 0 and x.max() <= cap + 1e-15
    # variational inequality: (v - x) . (z - x) <= 0 for every feasible z
    for _ in range(20):
        z = project_capped_simplex(rng.normal(0, 3, n), cap)  # some feasible point
        assert (v - x) @ (z - x) <= 1e-10


def _project_reference(v: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The projection as first written (one temporary per step): the fast path must match it."""
    c = np.minimum(np.broadcast_to(cap, v.shape), 1.0)
    bps = np.sort(np.concatenate([v, v - c]))
    sums = np.minimum(np.maximum(v[None, :] - bps[:, None], 0.0), c[None, :]).sum(axis=1)
    j = int(np.searchsorted(-sums, -1.0, side="right")) - 1
    j = min(max(j, 0), len(bps) - 2)
    lo, hi = bps[j], bps[j + 1]
    s_lo, s_hi = sums[j], sums[j + 1]
    tau = lo if s_lo == s_hi else lo + (s_lo - 1.0) * (hi - lo) / (s_lo - s_hi)
    x = np.clip(v - tau, 0.0, c)
    free = (x > 0) & (x < c)
    if free.any():
        x[free] += (1.0 - x.sum()) / free.sum()
        x = np.clip(x, 0.0, c)
    return x


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 40), kind=st.sampled_from(["one", "per", "ties"]))
def test_projection_fast_path_is_bit_identical(seed: int, n: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    v = rng.normal(0.03, 0.05, n)
    if kind == "ties":
        v = np.round(v, 2)
    cap = np.full(n, max(0.08, 1.0 / n)) if kind != "per" else rng.uniform(1.0 / n, 1.0, n)
    want = _project_reference(v, cap)
    assert _project(v, np.minimum(cap, 1.0)).tobytes() == want.tobytes()
    assert project_capped_simplex(v, cap).tobytes() == want.tobytes()
    # and inside the solver: the QP solution with the reference projection is the same
    X = rng.normal(0, 0.02, (max(3 * n, 10), n))
    Q, c = X.T @ X, X.T @ (X @ rng.dirichlet(np.ones(n)))
    import valuation.index.implied as impl

    fast = solve_simplex_qp(Q, c, cap)
    impl._project = _project_reference  # type: ignore[assignment]
    try:
        ref = solve_simplex_qp(Q, c, cap)
    finally:
        impl._project = _project  # type: ignore[assignment]
    assert fast[0].tobytes() == ref[0].tobytes() and fast[1:] == ref[1:]


HSTECH_Q3_2025 = (
    "0020 0241 0268 0285 0300 0522 0700 0780 0981 0992 1024 1211 1347 1698 1810 2015 2382 3690 "
    "3888 6618 6690 9618 9626 9660 9866 9868 9888 9961 9988 9999").split()


@pytest.mark.snapshot
def test_real_hstech_weights_after_june_2025_review(snapshot_dir, reference_dir) -> None:
    """Start-of-quarter HSTECH weights implied by the real index and its 30 members over
    2025-06-09..2025-09-05 agree with CICC's estimates for the June 2025 rebalance."""
    closes = {f"{s}.HK": pd.read_csv(snapshot_dir / f"{s}.HK.csv", index_col="date",
                                      parse_dates=["date"])["close"] for s in HSTECH_Q3_2025}
    index = pd.read_csv(snapshot_dir / "HSTECH.HK.csv", index_col="date", parse_dates=["date"])
    C = pd.DataFrame(closes).loc["2025-06-06":"2025-09-05"]
    level = index["close"].reindex(C.index)
    X = C.pct_change().iloc[1:]
    y = level.pct_change().iloc[1:]
    res = implied_weights(X, y, cap=0.08, model="buy_and_hold")
    assert res.converged and res.n_obs == 64
    assert res.r2 > 0.995
    est = pd.read_csv(reference_dir / "hstech_weight_estimates.csv")
    est = est[(est["rebalance_effective"] == "2025-06-09") & est["symbol"].isin(X.columns)]
    cicc = est.set_index("symbol")["weight_after_pct"] / 100.0
    diff = (res.weights.reindex(cicc.index) - cicc).abs()
    assert len(cicc) >= 12
    assert diff.max() < 0.015 and diff.mean() < 0.005
    assert res.weights["0700.HK"] == pytest.approx(0.08, abs=1e-9)  # Tencent sits at the cap
