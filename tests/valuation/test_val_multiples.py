"""Multiples: identities, round trips, pandas in/out and invalid inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuation import (
    InputRangeError,
    InputShapeError,
    NonFiniteInputError,
    PercentNotFractionError,
    ValuationError,
    implied_ev_ebitda,
    implied_pe,
    implied_peg,
    implied_ps,
    price_from_ev_ebitda,
    price_from_pe,
    price_from_peg,
    price_from_ps,
)

pos = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
mult = st.floats(min_value=0.5, max_value=200.0)


@settings(max_examples=60, deadline=None)
@given(e1=pos, e2=pos, k=st.floats(min_value=1e-3, max_value=1e3), pe=mult)
def test_price_is_linear_in_eps(e1: float, e2: float, k: float, pe: float) -> None:
    assert price_from_pe(k * e1, pe) == pytest.approx(k * price_from_pe(e1, pe), rel=1e-12)
    assert price_from_pe(e1 + e2, pe) == pytest.approx(
        price_from_pe(e1, pe) + price_from_pe(e2, pe), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(eps=pos, pe=mult, fx=st.floats(min_value=0.01, max_value=200.0))
def test_currency_scaling_leaves_multiple_unchanged(eps: float, pe: float, fx: float) -> None:
    price = price_from_pe(eps, pe)
    assert implied_pe(price * fx, eps * fx) == pytest.approx(pe, rel=1e-12)
    assert implied_pe(price, eps) == pytest.approx(pe, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(ebitda=pos, m=mult, net_debt=st.floats(min_value=-1e4, max_value=1e3), shares=pos)
def test_ev_ebitda_round_trip(ebitda: float, m: float, net_debt: float, shares: float) -> None:
    if ebitda * m - net_debt <= 0:
        with pytest.raises(InputRangeError):
            price_from_ev_ebitda(ebitda, m, net_debt, shares)
        return
    price = price_from_ev_ebitda(ebitda, m, net_debt, shares)
    # the round trip loses digits when net cash dwarfs the enterprise value: scale the tolerance
    # by the condition number (|net_debt| + EV) / EV
    cond = (abs(net_debt) + ebitda * m) / (ebitda * m)
    assert implied_ev_ebitda(price, shares, net_debt, ebitda) == pytest.approx(m, rel=1e-13 * cond
                                                                               + 1e-12)


def test_known_values() -> None:
    assert price_from_pe(2.5, 20.0) == 50.0
    assert price_from_ps(30.0, 1.5) == 45.0
    # EV = 100 * 8 = 800, equity = 800 - 200 = 600, per share = 600 / 50 = 12
    assert price_from_ev_ebitda(100.0, 8.0, 200.0, 50.0) == pytest.approx(12.0)
    # net cash adds value
    assert price_from_ev_ebitda(100.0, 8.0, -200.0, 50.0) == pytest.approx(20.0)
    # PEG 1 with 20% growth -> P/E 20
    assert price_from_peg(3.0, 0.20, 1.0) == pytest.approx(60.0)
    assert implied_peg(60.0, 3.0, 0.20) == pytest.approx(1.0)
    assert implied_ps(45.0, 30.0) == pytest.approx(1.5)
    assert isinstance(price_from_pe(2.5, 20.0), float)


def test_broadcast_over_draws_and_symbols() -> None:
    eps = np.array([1.0, 2.0, 3.0])  # per symbol
    pe = np.array([[10.0], [20.0]])  # per draw
    out = price_from_pe(eps, pe)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, pe * eps)


def test_pandas_in_pandas_out() -> None:
    cols = pd.Index(["0700.HK", "9988.HK"])
    eps = pd.Series([25.0, 8.0], index=cols)
    draws = pd.DataFrame([[18.0, 12.0], [20.0, 14.0], [22.0, 9.0]], columns=cols,
                         index=pd.RangeIndex(3, name="draw"))
    out = price_from_pe(eps, draws)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.equals(cols) and out.index.equals(draws.index)
    np.testing.assert_allclose(out.to_numpy(), draws.to_numpy() * eps.to_numpy())
    s = price_from_pe(eps, 10.0)
    assert isinstance(s, pd.Series) and s.index.equals(cols)
    # a Series indexed like the rows multiplies row-wise
    per_draw = pd.Series([1.0, 2.0, 3.0], index=draws.index)
    out2 = price_from_pe(per_draw, draws)
    np.testing.assert_allclose(out2.to_numpy(), draws.to_numpy() * np.array([[1.0], [2.0], [3.0]]))


def test_misaligned_pandas_raise() -> None:
    a = pd.Series([1.0, 2.0], index=["a", "b"])
    b = pd.Series([10.0, 20.0], index=["b", "a"])
    with pytest.raises(InputShapeError, match="different indexes"):
        price_from_pe(a, b)


def test_invalid_inputs() -> None:
    with pytest.raises(InputRangeError, match="eps must be > 0"):
        price_from_pe(-1.0, 10.0)
    np.testing.assert_array_equal(
        price_from_pe(np.array([-1.0, 2.0]), 10.0, on_invalid="nan"), [np.nan, 20.0])
    with pytest.raises(InputRangeError, match="pe must be > 0"):
        price_from_pe(1.0, 0.0)
    with pytest.raises(NonFiniteInputError, match="NaN"):
        price_from_pe(np.array([1.0, np.nan]), 10.0)
    with pytest.raises(InputShapeError, match="cannot be broadcast"):
        price_from_pe(np.ones(3), np.ones(4))
    with pytest.raises(PercentNotFractionError, match="percent"):
        price_from_peg(1.0, 20.0, 1.0)
    with pytest.raises(InputRangeError):
        implied_pe(10.0, 0.0)
    assert np.isnan(implied_pe(10.0, -1.0, on_invalid="nan"))
    with pytest.raises(InputRangeError, match="equity value <= 0"):
        price_from_ev_ebitda(10.0, 5.0, 100.0, 1.0)
    with pytest.raises(ValuationError):
        price_from_pe(1.0, 10.0, on_invalid="ignore")  # type: ignore[arg-type]
    # every valuation error is a ValueError
    assert issubclass(ValuationError, ValueError)
