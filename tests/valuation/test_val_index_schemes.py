"""The scheme axis of valuation.index (valuation/index/schemes.py).

Every batched result is compared with the single-scheme functions that already exist
(cap_weights, tilt_weights, chain_link_index, drift_weights), scheme by scheme, and with an
independent iterative capping loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuation.exceptions import (
    InfeasibleCapError,
    InputRangeError,
    InputShapeError,
    InputTypeError,
    PercentNotFractionError,
)
from valuation.index import (
    cap_weights,
    chain_link_index,
    chain_link_schemes,
    drift_weights,
    hold_schemes,
    scheme_weights,
    tilt_weights,
)


def _cap_loop(w: np.ndarray, cap: float) -> np.ndarray:
    """Independent iterative capping: hand the excess to the uncapped names pro rata."""
    w = w / w.sum()
    for _ in range(500):
        over = w > cap + 1e-15
        if not over.any():
            break
        excess = (w[over] - cap).sum()
        w = np.where(over, cap, w)
        free = (w < cap - 1e-15) & (w > 0)
        w[free] += excess * w[free] / w[free].sum()
    return w


@st.composite
def _batch(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    seed = draw(st.integers(0, 2**31 - 1))
    S = draw(st.integers(1, 6))
    K = draw(st.integers(1, 5))
    N = draw(st.integers(13, 30))
    rng = np.random.default_rng(seed)
    base = rng.lognormal(0.0, 1.5, (K, N))
    base[rng.random((K, N)) < 0.1] = 0.0
    scores = rng.uniform(0.0, 3.0, (S, N))
    scores[rng.random((S, N)) < 0.15] = 0.0      # exclusions
    caps = rng.choice([0.08, 0.1, 0.15, 0.5, 1.0], S)
    return base, scores, caps, seed


@settings(max_examples=60, deadline=None)
@given(_batch())
def test_scheme_weights_sum_to_one_respect_the_cap_and_match_the_single_scheme_path(case) -> None:
    base, scores, caps, _ = case
    S, N = scores.shape
    K = base.shape[0]
    raw = base[None] * scores[:, None, :]
    if np.any(raw.sum(axis=-1) <= 0):
        with pytest.raises(InputRangeError, match="scheme"):
            scheme_weights(base, scores, caps, on_infeasible="equal")
        return
    w = scheme_weights(base, scores, caps, on_infeasible="equal")
    assert w.shape == (S, K, N)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-12)
    for s in range(S):
        for k in range(K):
            pos = raw[s, k] > 0
            if caps[s] * pos.sum() < 1:  # the cap cannot bind everywhere: equal weights
                np.testing.assert_allclose(w[s, k], pos / pos.sum(), atol=1e-15)
                continue
            assert w[s, k].max() <= caps[s] + 1e-12
            # the same numbers as the existing single-scheme functions, and an iterative loop
            single = np.asarray(tilt_weights(base[k], scores[s]))
            if caps[s] < 1:
                single = np.asarray(cap_weights(single, caps[s]))
            np.testing.assert_allclose(w[s, k], single, atol=1e-14)
            np.testing.assert_allclose(w[s, k], _cap_loop(raw[s, k], caps[s]), atol=1e-12)
            assert np.all(w[s, k][~pos] == 0.0)


def test_scheme_weights_raise_or_fall_back_when_the_cap_is_infeasible() -> None:
    base = np.ones((1, 10))
    scores = np.ones((2, 10))
    scores[0, 5:] = 0.0                     # 5 names under an 8% cap: infeasible
    with pytest.raises(InfeasibleCapError):
        scheme_weights(base, scores, 0.08)
    w = scheme_weights(base, scores, 0.08, on_infeasible="equal")
    np.testing.assert_allclose(w[0, 0], np.r_[np.full(5, 0.2), np.zeros(5)])
    np.testing.assert_allclose(w[1, 0], 0.1)   # 10 names at 10% > 8%: still infeasible -> equal


def test_scheme_weights_validate_their_inputs() -> None:
    base = np.ones((2, 4))
    with pytest.raises(PercentNotFractionError):
        scheme_weights(base, np.ones((3, 4)), 8)
    with pytest.raises(InputRangeError, match="scores"):
        scheme_weights(base, -np.ones((3, 4)), 0.5)
    with pytest.raises(InputShapeError, match="scores"):
        scheme_weights(base, np.ones((3, 5)), 0.5)
    with pytest.raises(InputShapeError, match="cap"):
        scheme_weights(base, np.ones((3, 4)), [0.5, 0.5])
    with pytest.raises(InputRangeError, match="scheme 1 .* rebalance 0"):
        scheme_weights(base, np.array([[1.0, 1, 1, 1], [0, 0, 0, 0]]), 0.5)


@st.composite
def _panel(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seed = draw(st.integers(0, 2**31 - 1))
    T = draw(st.integers(2, 120))
    N = draw(st.integers(2, 12))
    S = draw(st.integers(1, 5))
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0005, 0.03, (T, N))
    r[rng.random((T, N)) < draw(st.sampled_from([0.0, 0.02]))] = np.nan
    mask = rng.random(T) < 0.08
    K = int(mask.sum()) + (0 if mask[0] else 1)
    w = rng.lognormal(0.0, 1.0, (S, K, N))
    w[:, :, 0] += 1.0  # keep every row positive
    return r, w, mask


@settings(max_examples=80, deadline=None)
@given(_panel())
def test_chain_link_schemes_equals_chain_link_index_scheme_by_scheme(case) -> None:
    r, w, mask = case
    try:
        res = chain_link_schemes(r, w, mask, base=100.0)
    except InputRangeError:
        # a scheme with nothing priced on some day: the single-scheme function must agree
        with pytest.raises(InputRangeError):
            for s in range(w.shape[0]):
                chain_link_index(r, w[s], mask)
        return
    for s in range(w.shape[0]):
        one = chain_link_index(r, w[s], mask, base=100.0)
        np.testing.assert_allclose(res.levels[s], one.levels, rtol=1e-12, atol=0)
        np.testing.assert_allclose(res.returns[s], one.returns, rtol=0, atol=1e-14)
        np.testing.assert_allclose(res.turnover[s], one.turnover, rtol=0, atol=1e-14)
        # end weights before each rebalance are the single path's end-of-day weights
        starts = np.flatnonzero(mask | (np.arange(len(mask)) == 0))
        ends = np.r_[starts[1:] - 1, len(mask) - 1]
        np.testing.assert_allclose(res.end_weights[s], one.weights[ends], atol=1e-14)


def test_one_scheme_equals_the_single_scheme_result() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0, 0.02, (250, 30))
    mask = np.zeros(250, dtype=bool)
    mask[[60, 125, 190]] = True
    base = rng.lognormal(0.0, 1.0, (4, 30))
    scores = rng.uniform(0.5, 2.0, (1, 30))
    w = scheme_weights(base, scores, 0.08)
    single_w = np.stack([np.asarray(cap_weights(tilt_weights(base[k], scores[0]), 0.08))
                         for k in range(4)])
    np.testing.assert_allclose(w[0], single_w, atol=1e-15)
    res = chain_link_schemes(r, w, mask)
    one = chain_link_index(r, single_w, mask)
    np.testing.assert_allclose(res.levels[0], one.levels, rtol=1e-13)
    assert res.levels.shape == (1, 250)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 60), st.integers(1, 8))
def test_hold_schemes_drifts_like_drift_weights(seed: int, D: int, S: int) -> None:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 0.03, (D, 9))
    w = rng.dirichlet(np.ones(9), S)
    res = hold_schemes(w, r)
    for s in range(S):
        path = np.asarray(drift_weights(w[s], r))
        np.testing.assert_allclose(res.end_weights[s], path[-1], atol=1e-14)
        value = np.cumprod(1.0 + (w[s] * np.vstack([np.ones(9), np.cumprod(1 + r, 0)[:-1]]) * r
                                  ).sum(1) / (w[s] * np.vstack([np.ones(9), np.cumprod(1 + r, 0)[:-1]])).sum(1))
        np.testing.assert_allclose(res.value[s], value, rtol=1e-12)
        np.testing.assert_allclose(res.value[s], (w[s] * np.cumprod(1 + r, 0)).sum(1), rtol=1e-12)


def test_chain_link_schemes_validates_inputs() -> None:
    r = np.zeros((5, 3))
    mask = np.array([True, False, True, False, False])
    w = np.ones((2, 2, 3))
    with pytest.raises(InputShapeError, match="rebalances"):
        chain_link_schemes(r, np.ones((2, 3, 3)), mask)
    with pytest.raises(InputShapeError, match=r"\(S, K, 3\)"):
        chain_link_schemes(r, np.ones((2, 3)), mask)
    with pytest.raises(InputTypeError, match="boolean"):
        chain_link_schemes(r, w, mask.astype(int))
    with pytest.raises(InputRangeError, match="returns"):
        chain_link_schemes(r - 2.0, w, mask)
    with pytest.raises(InputRangeError, match="scheme 1 at rebalance 0"):
        chain_link_schemes(r, np.stack([np.ones((2, 3)), np.r_[[np.zeros(3)], [np.ones(3)]]]), mask)
    with pytest.raises(InputRangeError, match="base"):
        chain_link_schemes(r, w, mask, base=0.0)
