"""Numbers as text (:mod:`scenarios.numfmt`): the fixed-point forms every table prints, and the
exponent form for magnitudes no column can hold (a tornado with ``--vary growth=0:1e150`` printed
a 77-digit return)."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scenarios.numfmt import HUGE, num, pct

finite = st.floats(allow_nan=False, allow_infinity=False)


def _close(text: str, x: float) -> bool:
    """``text`` reads as ``x`` to 3 significant digits (in decimal: 1.8e+308 overflows a float)."""
    return abs(Decimal(text) - Decimal(x)) <= Decimal("0.005") * abs(Decimal(x))


@given(x=finite, digits=st.integers(0, 4), signed=st.booleans())
def test_pct_is_the_fixed_percent_below_huge_and_short_above(x: float, digits: int, signed: bool) -> None:
    text = pct(x, signed=signed, digits=digits)
    if not math.isfinite(100 * x):
        assert text.endswith("%") and len(text) <= 12       # 1e308 as a fraction: still short
        return
    if abs(100 * x) < HUGE:  # the one format every table had
        assert text == (f"{x:+.{digits}%}" if signed else f"{x:.{digits}%}")
    else:
        assert len(text) <= 11 and _close(text[:-1], 100 * x)
        assert text.startswith("+") == (signed and x > 0)


@given(x=finite, digits=st.integers(0, 4))
def test_num_is_fixed_below_huge_and_short_above(x: float, digits: int) -> None:
    text = num(x, digits)
    if abs(x) < HUGE:
        assert text == f"{x:.{digits}f}"
    else:
        assert len(text) <= 10 and _close(text, x)


def test_missing_and_known_values() -> None:
    assert [pct(0.0394), pct(0.0394, signed=False), pct(-0.5, digits=2), pct(None), pct(math.nan)] == \
        ["+3.9%", "3.9%", "-50.00%", "n/a", "n/a"]
    assert pct(2.24e74, digits=2) == "+2.24e+76%" and num(1e12) == "1e+12" and num(1.23456) == "1.235"
