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


def _close(text: str, x: float, shift: int = 0) -> bool:
    """``text`` reads as ``x * 10**shift`` to 3 significant digits (in decimal, where 1.8e+308 or
    100 x 1e307 do not overflow)."""
    want = Decimal(x).scaleb(shift)
    return abs(Decimal(text) - want) <= Decimal("0.005") * abs(want)


@given(x=finite, digits=st.integers(0, 4), signed=st.booleans())
def test_pct_is_the_fixed_percent_below_huge_and_short_above(x: float, digits: int, signed: bool) -> None:
    text = pct(x, signed=signed, digits=digits)
    if abs(round(100 * x, digits)) < HUGE:  # the one format every table had
        assert text == (f"{x:+.{digits}%}" if signed else f"{x:.{digits}%}")
    else:  # even where 100 x overflows a float (x = 1e307): never "inf"
        assert len(text) <= 11 and "inf" not in text and _close(text[:-1], x, shift=2), text
        assert text.startswith("+") == (signed and x > 0)


@given(x=finite, digits=st.integers(0, 4))
def test_num_is_fixed_below_huge_and_short_above(x: float, digits: int) -> None:
    text = num(x, digits)
    if abs(round(x, digits)) < HUGE:
        assert text == f"{x:.{digits}f}"
    else:
        assert len(text) <= 10 and _close(text, x)


def test_missing_and_known_values() -> None:
    assert [pct(0.0394), pct(0.0394, signed=False), pct(-0.5, digits=2), pct(None), pct(math.nan)] == \
        ["+3.9%", "3.9%", "-50.00%", "n/a", "n/a"]
    assert pct(2.24e74, digits=2) == "+2.24e+76%" and num(1e12) == "1e+12" and num(1.23456) == "1.235"
    assert pct(1e307) == "+1e+309%" and pct(-3.1e10, signed=False) == "-3.1e+12%"
    assert pct(9999999.999996, digits=0) == "+1e+09%"  # rounds up to 1e9: exponent form
