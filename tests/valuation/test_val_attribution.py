"""Exact Shapley attribution: order invariance, efficiency, symmetry, null player, brute force."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import InputRangeError, InputShapeError
from valuation.attribution import (
    MAX_DRIVERS,
    attribute_return,
    shapley_from_coalitions,
    shapley_values,
)


def _brute_force(v: np.ndarray) -> np.ndarray:
    """Average marginal contribution over all n! orders (independent of the weight formula)."""
    n = v.shape[0].bit_length() - 1
    out = np.zeros((n,) + v.shape[1:])
    for order in itertools.permutations(range(n)):
        s = 0
        for i in order:
            out[i] += v[s | 1 << i] - v[s]
            s |= 1 << i
    return out / math.factorial(n)


def _permute_coalitions(v: np.ndarray, perm: list[int]) -> np.ndarray:
    """Coalition values when driver ``i`` is relabelled ``perm[i]``."""
    n = len(perm)
    out = np.empty_like(v)
    for s in range(1 << n):
        t = sum(1 << perm[i] for i in range(n) if s >> i & 1)
        out[t] = v[s]
    return out


def coalitions(max_n: int = 6) -> st.SearchStrategy[np.ndarray]:
    return st.integers(1, max_n).flatmap(lambda n: st.integers(1, 4).flatmap(
        lambda m: hnp.arrays(np.float64, (1 << n, m), elements=st.floats(-1.0, 1.0))))


@settings(max_examples=80, deadline=None)
@given(v=coalitions())
def test_equals_the_permutation_average_and_sums_to_the_total(v: np.ndarray) -> None:
    phi = shapley_from_coalitions(v)
    np.testing.assert_allclose(phi, _brute_force(v), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(phi.sum(axis=0), v[-1] - v[0], rtol=1e-12, atol=1e-12)  # efficiency


@settings(max_examples=60, deadline=None)
@given(v=coalitions(), data=st.data())
def test_invariant_to_permuting_drivers(v: np.ndarray, data: st.DataObject) -> None:
    n = v.shape[0].bit_length() - 1
    perm = data.draw(st.permutations(list(range(n))))
    phi = shapley_from_coalitions(v)
    phi_perm = shapley_from_coalitions(_permute_coalitions(v, perm))
    for i in range(n):  # driver i is called perm[i] after relabelling
        np.testing.assert_allclose(phi_perm[perm[i]], phi[i], rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(base=hnp.arrays(np.float64, 16, elements=st.floats(-1.0, 1.0)),
       extra=st.floats(-1.0, 1.0))
def test_symmetry_and_null_player(base: np.ndarray, extra: float) -> None:
    # 5 drivers: 0 and 1 interchangeable (f depends on whether each is in only through their
    # count), driver 4 a null player (f ignores it).
    def f(s: int) -> float:
        core = s & 0b1111
        swapped = (core & ~0b11) | ((core & 1) << 1) | ((core >> 1) & 1)
        return float(base[core] + base[swapped]) + extra * bin(core & 0b11).count("1") ** 2

    v = np.array([f(s) for s in range(32)])
    phi = shapley_from_coalitions(v)
    assert phi[0] == pytest.approx(phi[1], rel=1e-12, abs=1e-12)
    assert phi[4] == pytest.approx(0.0, abs=1e-12)


def _meituan_like(order: list[str]) -> Callable[[frozenset[str]], np.ndarray]:
    """A noise-free path where a margin cut and a subsidy interact through the same EPS:
    EPS = eps0 x (1 + growth) x margin_factor - subsidy_ps; price = EPS x P/E x rerating."""
    del order  # the function of a coalition does not depend on the listing order

    def ret(s: frozenset[str]) -> np.ndarray:
        eps0 = np.array([7.18, 6.70])
        eps = eps0 * (1.08 if "growth" in s else 1.0)
        eps = eps * (0.6 if "margin" in s else 1.0)
        eps = eps - (np.array([2.0, 1.0]) if "subsidy" in s else 0.0)
        pe = 1.0 * (0.85 if "rerating" in s else 1.0)
        return eps * pe / eps0 - 1.0

    return ret


def test_attribution_does_not_depend_on_driver_order_and_is_in_points() -> None:
    syms = ["3690.HK", "9988.HK"]
    orders = [["growth", "subsidy", "margin", "rerating"], ["margin", "rerating", "growth", "subsidy"]]
    results = [attribute_return(_meituan_like(o), o, syms) for o in orders]
    a, b = (r.contributions_pp.sort_index() for r in results)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    res = results[0]
    total = 100.0 * (_meituan_like([])(frozenset(orders[0])) - _meituan_like([])(frozenset()))
    np.testing.assert_allclose(res.total_pp.to_numpy(), total, rtol=1e-12)
    np.testing.assert_allclose(res.contributions_pp.sum().to_numpy(), total, rtol=1e-12, atol=1e-12)
    assert res.contributions_pp.index.name == "driver" and res.total_pp.name == "total_pp"
    # A sequential attribution gives the margin a different share depending on the order: the
    # Shapley share lies between the two sequential answers.
    ret = _meituan_like([])
    seq_first = 100 * (ret(frozenset({"margin"})) - ret(frozenset()))[0]
    others = frozenset({"growth", "subsidy", "rerating"})
    seq_after = 100 * (ret(others | {"margin"}) - ret(others))[0]
    shap = res.contributions_pp.loc["margin", "3690.HK"]
    assert min(seq_first, seq_after) < shap < max(seq_first, seq_after)
    assert abs(seq_first - seq_after) > 3  # points: the order effect the issue measured


def test_additive_drivers_get_their_own_effect() -> None:
    effects = {"a": 0.02, "b": -0.05, "c": 0.0}

    def ret(s: frozenset[str]) -> pd.Series:
        return pd.Series([sum(effects[d] for d in s)] * 2, index=["Y", "X"])

    res = attribute_return(ret, list(effects), ["X", "Y"])
    assert res.contributions_pp["X"].to_dict() == pytest.approx({"a": 2.0, "b": -5.0, "c": 0.0})


def test_vectorised_over_symbols_and_twelve_drivers() -> None:
    rng = np.random.default_rng(3)
    n, m = MAX_DRIVERS, 50
    w = rng.normal(size=(n, m))
    inter = rng.normal(size=m)

    def f(s: frozenset[str]) -> np.ndarray:
        idx = [int(d[1:]) for d in s]
        return w[idx].sum(axis=0) + (inter if {"d0", "d1"} <= s else 0.0)

    phi = shapley_values(f, [f"d{i}" for i in range(n)])
    assert phi.shape == (n, m)
    expected = w.copy()
    expected[0] += inter / 2  # the interaction is split evenly between the two drivers
    expected[1] += inter / 2
    np.testing.assert_allclose(phi, expected, rtol=1e-10, atol=1e-12)


def test_bad_inputs() -> None:
    with pytest.raises(InputRangeError, match=r"\[1, 12\]"):
        shapley_values(lambda s: 0.0, [f"d{i}" for i in range(13)])
    with pytest.raises(InputRangeError, match="distinct"):
        shapley_values(lambda s: 0.0, ["a", "a"])
    with pytest.raises(InputShapeError, match="2 \\*\\* n rows"):
        shapley_from_coalitions(np.zeros(6))
    with pytest.raises(InputShapeError, match="shape"):
        shapley_values(lambda s: np.zeros(len(s) + 1), ["a", "b"])
    with pytest.raises(InputShapeError, match="one return per symbol"):
        attribute_return(lambda s: np.zeros(3), ["a"], ["X", "Y"])
    with pytest.raises(InputRangeError, match="simple return must be > -1"):
        attribute_return(lambda s: np.full(1, -1.5), ["a"], ["X"])


def test_docs_worked_example_margin_and_subsidy() -> None:
    # docs/finance.md: Meituan EPS RMB 7.18, margin cut RMB 2.00, subsidy RMB 3.00 a share.
    def ret(s: frozenset[str]) -> np.ndarray:
        eps = 7.18 - (2.0 if "margin" in s else 0.0) - (3.0 if "subsidy" in s else 0.0)
        return np.array([eps / 7.18 - 1.0])

    res = attribute_return(ret, ["subsidy", "margin"], ["3690.HK"])
    pp = res.contributions_pp["3690.HK"]
    assert pp["margin"] == pytest.approx(-2.0 / 7.18 * 100, rel=1e-12)  # -27.86 pp
    assert pp["subsidy"] == pytest.approx(-3.0 / 7.18 * 100, rel=1e-12)  # -41.78 pp
    assert res.total_pp["3690.HK"] == pytest.approx((2.18 / 7.18 - 1) * 100, rel=1e-12)
    # the order-dependent log contributions of the margin that the docs contrast it with
    assert np.log(5.18 / 7.18) == pytest.approx(-0.3265, abs=1e-4)
    assert np.log(2.18 / 4.18) == pytest.approx(-0.6510, abs=1e-4)
