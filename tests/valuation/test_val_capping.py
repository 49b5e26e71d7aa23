"""Capping: exactness, feasibility, idempotence, permutation invariance, against a naive loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import InfeasibleCapError, InputRangeError, NonFiniteInputError, PercentNotFractionError
from valuation.index.capping import HANG_SENG_CAP, cap_weights


def naive_cap(w: np.ndarray, cap: float | np.ndarray) -> np.ndarray:
    """Textbook iteration: cap the names above the cap, hand the excess to the uncapped names in
    proportion to their weights, repeat until nothing is above the cap."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    c = np.broadcast_to(np.asarray(cap, dtype=float), w.shape)
    capped = np.zeros(w.shape, dtype=bool)
    for _ in range(w.size + 1):
        over = (w > c * (1 + 1e-15)) & ~capped
        if not over.any():
            break
        capped |= over
        w = w.copy()
        w[capped] = c[capped]
        free = ~capped
        w[free] = w[free] * (1.0 - c[capped].sum()) / w[free].sum()
    return w


weights_row = hnp.arrays(
    np.float64, st.integers(1, 40),
    elements=st.one_of(st.just(0.0), st.floats(1e-4, 100.0)),
)


@settings(max_examples=80, deadline=None)
@given(w=weights_row, cap=st.floats(0.02, 1.0))
def test_capped_weights_properties(w: np.ndarray, cap: float) -> None:
    n_pos = int((w > 0).sum())
    assume(n_pos > 0)
    if cap * n_pos < 1.0 - 1e-12:
        with pytest.raises(InfeasibleCapError, match="at least"):
            cap_weights(w, cap)
        return
    out = cap_weights(w, cap)
    assert out.shape == w.shape
    assert abs(out.sum() - 1.0) <= 1e-12
    assert np.all(out <= cap * (1 + 1e-12) + 1e-15)
    assert np.all(out[w == 0] == 0.0)
    assert np.all(out >= 0)
    np.testing.assert_allclose(out, naive_cap(w, cap), rtol=1e-9, atol=1e-13)
    # idempotent
    np.testing.assert_allclose(cap_weights(out, cap), out, rtol=0, atol=1e-13)
    # ranking kept: a bigger input weight never gets a smaller capped weight
    order = np.argsort(w, kind="stable")
    assert np.all(np.diff(out[order]) >= -1e-15)


@settings(max_examples=25, deadline=None)
@given(w=weights_row, cap=st.floats(0.05, 1.0), seed=st.integers(0, 2**32 - 1))
def test_permutation_invariant(w: np.ndarray, cap: float, seed: int) -> None:
    assume((w > 0).sum() * cap >= 1.0)
    perm = np.random.default_rng(seed).permutation(w.size)
    np.testing.assert_allclose(cap_weights(w[perm], cap), cap_weights(w, cap)[perm], rtol=0,
                               atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(w=hnp.arrays(np.float64, (6, 15), elements=st.floats(0.01, 50.0)),
       cap=st.floats(0.07, 0.5))
def test_vectorized_rows_match_single_rows(w: np.ndarray, cap: float) -> None:
    out = cap_weights(w, cap)
    for i in range(w.shape[0]):
        np.testing.assert_allclose(out[i], cap_weights(w[i], cap), rtol=0, atol=1e-15)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(w=hnp.arrays(np.float64, 12, elements=st.floats(0.01, 50.0)),
       caps=hnp.arrays(np.float64, 12, elements=st.floats(0.05, 0.6)))
def test_per_name_caps(w: np.ndarray, caps: np.ndarray) -> None:
    assume(caps.sum() >= 1.0)
    out = cap_weights(w, caps)
    assert abs(out.sum() - 1) <= 1e-12
    assert np.all(out <= caps * (1 + 1e-12))
    np.testing.assert_allclose(out, naive_cap(w, caps), rtol=1e-9, atol=1e-13)


def test_per_name_caps_on_rows_and_per_row_caps() -> None:
    rng = np.random.default_rng(5)
    w = rng.lognormal(size=(7, 12))
    caps = np.r_[np.full(6, 0.05), np.full(6, 0.3)]
    out = cap_weights(w, caps)
    for i in range(7):
        np.testing.assert_allclose(out[i], naive_cap(w[i], caps), rtol=1e-9, atol=1e-14)
    row_caps = np.linspace(0.1, 0.3, 7)[:, None]
    out2 = cap_weights(w, row_caps)
    for i in range(7):
        np.testing.assert_allclose(out2[i], naive_cap(w[i], row_caps[i, 0]), rtol=1e-9, atol=1e-14)


def test_known_example_and_pandas() -> None:
    # 50% is capped to 25%, its excess lifts the 20% name above 25% too: two names capped, the
    # other four share 50% in proportion 0.1:0.1:0.05:0.05.
    w = pd.Series([0.5, 0.2, 0.1, 0.1, 0.05, 0.05], index=list("abcdef"))
    out = cap_weights(w, 0.25)
    assert isinstance(out, pd.Series) and out.index.equals(w.index)
    np.testing.assert_allclose(out.to_numpy(), [0.25, 0.25, 1 / 6, 1 / 6, 1 / 12, 1 / 12])
    df = pd.DataFrame(np.random.default_rng(3).lognormal(size=(4, 20)),
                      index=pd.date_range("2025-03-10", periods=4), columns=[f"s{i}" for i in range(20)])
    capped = cap_weights(df, HANG_SENG_CAP)
    assert isinstance(capped, pd.DataFrame) and capped.index.equals(df.index)
    assert capped.to_numpy().max() <= 0.08 + 1e-15
    # exactly feasible: 1/cap names
    np.testing.assert_allclose(cap_weights(np.arange(1.0, 5.0), 0.25), 0.25)


def test_infeasible_message_and_invalid() -> None:
    with pytest.raises(InfeasibleCapError, match=r"at most 80\.0%.*at least 13 names"):
        cap_weights(np.ones(10), 0.08)
    w2 = np.vstack([np.ones(20), np.r_[np.ones(5), np.zeros(15)]])
    with pytest.raises(InfeasibleCapError, match=r"row \(1,\)"):
        cap_weights(w2, 0.08)
    with pytest.raises(InputRangeError, match="cap must be > 0"):
        cap_weights(np.ones(20), 0.0)
    with pytest.raises(PercentNotFractionError, match="pass 0.08"):
        cap_weights(np.ones(20), 8.0)
    with pytest.raises(InputRangeError, match="weights must be >= 0"):
        cap_weights(np.array([0.5, -0.1, 0.6]), 0.5)
    with pytest.raises(NonFiniteInputError):
        cap_weights(np.array([0.5, np.nan, 0.6]), 0.5)
    with pytest.raises(InputRangeError, match="no positive weight"):
        cap_weights(np.zeros(20), 0.1)


@settings(max_examples=200, deadline=None)
@given(cap=st.floats(min_value=0.005, max_value=1.0), n=st.integers(min_value=1, max_value=300))
def test_cap_holds_exactly_when_cap_weights_can_cap(cap: float, n: int) -> None:
    """``cap_holds`` (the check run and sweep make before weighting) agrees with what cap_weights
    accepts, and ``names_needed`` is the fewest names it holds for."""
    from valuation.index.capping import cap_holds, names_needed

    w = np.full(n, 1.0 / n)
    if cap_holds(cap, n):
        out = cap_weights(w, cap)
        assert np.all(out <= cap + 1e-12) and abs(out.sum() - 1.0) < 1e-12
    else:
        with pytest.raises(InfeasibleCapError):
            cap_weights(w, cap)
    k = names_needed(cap)
    assert cap_holds(cap, k) and not cap_holds(cap, k - 1)


@pytest.mark.parametrize("n", [8, 13, 30])
def test_a_cap_of_exactly_one_over_n_holds_for_n_names(n: int) -> None:
    from valuation.index.capping import cap_holds, names_needed

    assert cap_holds(1.0 / n, n) and names_needed(1.0 / n) == n
