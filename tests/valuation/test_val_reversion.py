"""Multiple reversion: the HSTECH Feb 2025 example and limiting cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuation import InputRangeError, reversion_fraction, reversion_rerating, revert_multiple
from valuation.reversion import half_life_from_rate


def test_hstech_forward_pe_feb_2025() -> None:
    # Seed 004: HSTECH forward P/E 17.4 vs a five-year average of 24.5 (13 Feb 2025).
    cur, avg = 17.4, 24.5
    assert revert_multiple(cur, avg, 1.0, 1.0) == pytest.approx((cur + avg) / 2)
    assert revert_multiple(cur, avg, 2.0, 1.0) == pytest.approx(avg - (avg - cur) / 4)
    assert reversion_rerating(cur, avg, 1.0, 1.0) == pytest.approx(20.95 / 17.4 - 1)
    assert revert_multiple(cur, avg, 0.0, 1.0) == cur
    assert revert_multiple(cur, avg, 5.0, math.inf) == cur
    assert revert_multiple(cur, avg, 1e6, 0.5) == pytest.approx(avg)


@settings(max_examples=60, deadline=None)
@given(c=st.floats(1, 100), t=st.floats(1, 100), h=st.floats(0, 30), hl=st.floats(0.05, 30))
def test_stays_between_and_matches_formula(c: float, t: float, h: float, hl: float) -> None:
    m = revert_multiple(c, t, h, hl)
    assert min(c, t) - 1e-9 <= m <= max(c, t) + 1e-9
    assert m == pytest.approx(c + (t - c) * (1 - 2 ** (-h / hl)), rel=1e-12, abs=1e-12)
    # semigroup: reverting h1 then h2 equals reverting h1 + h2
    m1 = revert_multiple(c, t, h / 2, hl)
    assert revert_multiple(m1, t, h / 2, hl) == pytest.approx(m, rel=1e-10)


def test_vectorized_and_half_life_from_rate() -> None:
    out = revert_multiple(np.array([10.0, 20.0]), 15.0, np.array([[0.0], [1.0]]), 1.0)
    np.testing.assert_allclose(out, [[10.0, 20.0], [12.5, 17.5]])
    assert half_life_from_rate(0.5) == pytest.approx(1.0)
    assert half_life_from_rate(0.0) == math.inf
    assert reversion_fraction(3.0, 3.0) == pytest.approx(0.5)


def test_invalid() -> None:
    with pytest.raises(InputRangeError, match="half_life_years must be > 0"):
        revert_multiple(10.0, 20.0, 1.0, 0.0)
    with pytest.raises(InputRangeError, match="horizon_years must be >= 0"):
        revert_multiple(10.0, 20.0, -1.0, 1.0)
    with pytest.raises(InputRangeError, match="current must be > 0"):
        revert_multiple(-10.0, 20.0, 1.0, 1.0)
