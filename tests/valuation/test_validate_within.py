"""The fast accept of input checks (``_within``) never accepts what the full checks refuse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from valuation._validate import _within, check_finite, check_range
from valuation.exceptions import ValuationError

_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([-1.0, 0.0, -0.0, 1.0, 100.0]))
_BOUND = st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 1.0]))


@settings(max_examples=400, deadline=None)
@given(a=arrays(np.float64, st.integers(0, 6), elements=_VALUES), gt=_BOUND, ge=_BOUND, lt=_BOUND,
       le=_BOUND)
def test_within_only_when_every_check_passes(a, gt, ge, lt, le) -> None:
    """``_within`` is True exactly when the strict checks (no NaN, no inf, bounds) pass: it
    never lets a bad value through, and proves every good array (so it always saves the work)."""
    bounds = {"gt": gt, "ge": ge, "lt": lt, "le": le}
    try:
        check_finite(a, "x")
        check_range(a, "x", **bounds)
        ok = True
    except ValuationError:
        ok = False
    assert _within(a, **bounds) == ok


def test_a_refused_input_still_gets_the_full_message() -> None:
    from valuation.drivers.growth import growth_to_log

    with pytest.raises(ValuationError, match=r"growth must be > -1 \(got -2.0 at position \(1,\)"):
        growth_to_log(np.array([0.1, -2.0, 0.2]))
    with pytest.raises(ValuationError, match="NaN"):
        growth_to_log(np.array([0.1, np.nan]))
