"""Shared input handling: kinds in = kinds out, label alignment, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuation import (
    InputShapeError,
    InputTypeError,
    NonFiniteInputError,
    PercentNotFractionError,
    ValuationError,
    decompose_return,
    price_from_pe,
)
from valuation.drivers.capex import capex_eps_drag
from valuation.drivers.growth import grow_eps
from valuation.index import cap_weights


def test_kinds_round_trip() -> None:
    assert isinstance(grow_eps(1.0, 0.1), float)
    assert isinstance(grow_eps(np.float64(1.0), 0.1), float)
    out = grow_eps([1.0, 2.0], 0.1)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out.flags.writeable  # outputs are ordinary arrays, never read-only broadcast views
    d = decompose_return(np.array([0.1, 0.2]), 0.05)
    d.log_total[0] = 0.0


def test_dataframe_labels_are_kept_through_draws() -> None:
    draws = pd.DataFrame(np.full((4, 2), 0.2), columns=["0700.HK", "9988.HK"],
                         index=pd.RangeIndex(4, name="draw"))
    out = capex_eps_drag(draws * 100, 5.0, pd.Series([9.2, 18.0], index=draws.columns), 0.2)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(draws.index) and out.columns.equals(draws.columns)
    # a (draws,) numpy array next to a per-symbol Series gives a DataFrame with symbol columns
    eps = pd.Series([25.0, 8.0], index=draws.columns)
    pe = np.array([[15.0], [20.0], [25.0]])
    res = price_from_pe(eps, pe)
    assert isinstance(res, pd.DataFrame) and res.columns.equals(draws.columns)


def test_misaligned_and_bad_types() -> None:
    a = pd.DataFrame(np.ones((2, 2)), columns=["x", "y"])
    b = pd.DataFrame(np.ones((2, 2)), columns=["y", "x"])
    with pytest.raises(InputShapeError, match="different labels"):
        price_from_pe(a, b)
    with pytest.raises(InputShapeError, match="columns of"):
        price_from_pe(a, pd.Series([1.0, 2.0, 3.0], index=["p", "q", "r"]))
    with pytest.raises(InputTypeError, match="numeric"):
        price_from_pe(pd.Series(["a", "b"]), 10.0)
    with pytest.raises(NonFiniteInputError, match=r"position \(1,\)"):
        price_from_pe(pd.Series([1.0, None], dtype="Float64"), 10.0)
    with pytest.raises(NonFiniteInputError, match="finite"):
        price_from_pe(np.inf, 10.0)
    with pytest.raises(InputShapeError, match="rectangular"):
        price_from_pe([[1.0, 2.0], [3.0]], 10.0)
    with pytest.raises(PercentNotFractionError, match=r"pass 0\.08 for 8%"):
        cap_weights(np.ones(30), 8)
    # all of them are ValueErrors too
    with pytest.raises(ValueError):
        price_from_pe(None, 10.0)  # type: ignore[arg-type]
    assert issubclass(InputTypeError, ValuationError)
