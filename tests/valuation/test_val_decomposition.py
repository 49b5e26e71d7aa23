"""Return decomposition: exact log identities and the Xiaomi worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import (
    InputRangeError,
    decompose_prices,
    decompose_return,
    implied_rerating,
    price_from_pe,
)

ret = st.floats(min_value=-0.95, max_value=5.0)


def test_xiaomi_2025_rerating() -> None:
    # Seed 001: Xiaomi rose about 13% in 2025 while JPMorgan put EPS growth at 45.8%.
    dm = implied_rerating(0.13, 0.458)
    assert dm == pytest.approx(1.13 / 1.458 - 1.0, rel=1e-15)
    assert round(dm, 3) == -0.225
    d = decompose_return(0.13, 0.458)
    assert d.rerating == pytest.approx(-0.2250, abs=5e-5)
    assert d.log_dividend == 0.0


@settings(max_examples=40, deadline=None)
@given(
    p=hnp.arrays(np.float64, (7, 3), elements=ret),
    g=hnp.arrays(np.float64, (3,), elements=ret),
    d=hnp.arrays(np.float64, (7, 1), elements=st.floats(min_value=0.0, max_value=0.2)),
)
def test_log_terms_add_up_exactly(p: np.ndarray, g: np.ndarray, d: np.ndarray) -> None:
    r = decompose_return(p, g, d)
    total = r.log_earnings + r.log_rerating + r.log_dividend
    np.testing.assert_allclose(total, r.log_total, rtol=0, atol=1e-13)
    # and the total is the compounded price return and dividend yield
    np.testing.assert_allclose(np.expm1(r.log_total), (1 + p) * (1 + d) - 1, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(r.rerating, (1 + p) / (1 + g) - 1, rtol=1e-12, atol=1e-13)
    assert r.log_total.shape == (7, 3)


@settings(max_examples=60, deadline=None)
@given(eps0=st.floats(0.1, 100), pe0=st.floats(2, 100), g=ret, dm=ret, div=st.floats(0, 5))
def test_decompose_prices_matches_pe_model(eps0: float, pe0: float, g: float, dm: float,
                                           div: float) -> None:
    eps1 = eps0 * (1 + g)
    pe1 = pe0 * (1 + dm)
    p0, p1 = price_from_pe(eps0, pe0), price_from_pe(eps1, pe1)
    r = decompose_prices(p0, p1, eps0, eps1, div)
    assert r.rerating == pytest.approx(dm, rel=1e-9, abs=1e-12)
    assert r.log_earnings == pytest.approx(np.log1p(g), rel=1e-9, abs=1e-12)
    assert r.log_total == pytest.approx(np.log((p1 + div) / p0), rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(p=ret, g=ret, fx=st.floats(0.01, 100))
def test_currency_scaling_leaves_decomposition_unchanged(p: float, g: float, fx: float) -> None:
    a = decompose_prices(10.0, 10.0 * (1 + p), 2.0, 2.0 * (1 + g))
    b = decompose_prices(10.0 * fx, 10.0 * (1 + p) * fx, 2.0 * fx, 2.0 * (1 + g) * fx)
    for x, y in zip(a, b, strict=True):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-12)


def test_pandas_fields_keep_labels() -> None:
    idx = pd.Index(["1810.HK", "0700.HK"])
    r = decompose_return(pd.Series([0.13, 0.40], index=idx), pd.Series([0.458, 0.1], index=idx))
    assert isinstance(r.rerating, pd.Series) and r.rerating.index.equals(idx)
    assert r.log_dividend.index.equals(idx)


def test_invalid() -> None:
    with pytest.raises(InputRangeError, match="eps_growth must be > -1"):
        decompose_return(0.1, -1.0)
    with pytest.raises(InputRangeError, match="price_return"):
        decompose_return(-1.5, 0.1)
    with pytest.raises(InputRangeError, match="eps0 must be > 0"):
        decompose_prices(1.0, 1.1, -0.5, 0.2)
