"""``quantiles_and_order_statistics`` against ``numpy.quantile`` / ``numpy.sort``, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation.exceptions import InputShapeError
from valuation.mc_error import median_se_ranks, median_standard_error, quantiles_and_order_statistics

# no -0.0: +0 and -0 compare equal, so which of them a partition or a sort puts at a rank of
# tied zeros is not a property of the data
_FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=True).map(lambda v: v + 0.0)
_ANY = st.one_of(_FINITE, st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.just(1.5))
_LEVELS = st.lists(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.05, 0.5, 0.95, 1.0, 1 / 3])),
                   min_size=1, max_size=5)


def _bits(a: np.ndarray) -> bytes:
    """The bytes of ``a`` with one NaN (the sign and payload of a NaN are not data)."""
    a = np.asarray(a, dtype=np.float64)
    return np.ascontiguousarray(np.where(np.isnan(a), math.nan, a)).tobytes()


@settings(max_examples=300, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)), elements=_ANY), q=_LEVELS)
def test_quantiles_are_numpy_quantile_bit_for_bit(x: np.ndarray, q: list[float]) -> None:
    got, _ = quantiles_and_order_statistics(x, q)
    with np.errstate(invalid="ignore"):
        want = np.quantile(x, q, axis=0)
    assert got.shape == want.shape
    assert _bits(got) == _bits(want)


@settings(max_examples=200, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 3), st.integers(1, 3)),
                    elements=_FINITE),
       q=_LEVELS, axis=st.integers(0, 2), data=st.data())
def test_order_statistics_are_the_sorted_values_on_any_axis(x: np.ndarray, q: list[float], axis: int,
                                                            data: st.DataObject) -> None:
    n = x.shape[axis]
    ranks = tuple(data.draw(st.lists(st.integers(0, n - 1), max_size=4)))
    got_q, got_o = quantiles_and_order_statistics(x, q, ranks, axis=axis)
    assert _bits(got_q) == _bits(np.quantile(x, q, axis=axis))
    want_o = np.moveaxis(np.take(np.sort(x, axis=axis), list(ranks), axis=axis), axis, 0)
    assert got_o.shape == (len(ranks),) + tuple(np.delete(x.shape, axis))
    assert _bits(got_o) == _bits(want_o)


@settings(max_examples=100, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(2, 60), st.integers(1, 3)), elements=_FINITE))
def test_median_standard_error_is_half_the_distance_of_its_sorted_ranks(x: np.ndarray) -> None:
    lo, hi = median_se_ranks(x.shape[0])
    s = np.sort(x, axis=0)
    assert _bits(median_standard_error(x)) == _bits(0.5 * (s[hi] - s[lo]))


def test_large_sample_and_input_errors() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((100_001, 3))
    q, o = quantiles_and_order_statistics(x, [0.05, 0.5, 0.95], median_se_ranks(100_001))
    assert _bits(q) == _bits(np.quantile(x, [0.05, 0.5, 0.95], axis=0))
    assert _bits(0.5 * (o[1] - o[0])) == _bits(median_standard_error(x))
    with pytest.raises(InputShapeError, match="quantiles must be in"):
        quantiles_and_order_statistics(x, [1.5])
    with pytest.raises(InputShapeError, match="ranks must be in"):
        quantiles_and_order_statistics(x, [0.5], (100_001,))
    with pytest.raises(InputShapeError, match="at least 1 draw"):
        quantiles_and_order_statistics(np.empty((0, 2)), [0.5])


@settings(max_examples=150, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 300), st.integers(1, 20)),
                    elements=_ANY, fill=_ANY),
       q=_LEVELS, data=st.data(), transposed=st.booleans())
def test_series_in_tiles_are_numpy_quantile_and_sort_bit_for_bit(
        x: np.ndarray, q: list[float], data: st.DataObject, transposed: bool) -> None:
    """More series than one tile of the selection buffer (``TILE_SERIES``), many ranks (ends,
    neighbours, repeats), NaN and infinities, and either memory layout of the input."""
    n = x.shape[0]
    edge = st.sampled_from(sorted({r for r in (0, 1, n // 2, n - 2, n - 1) if 0 <= r < n}))
    ranks = tuple(data.draw(st.lists(st.one_of(st.integers(0, n - 1), edge), max_size=8)))
    if transposed:  # the same values, the draws axis contiguous
        x = np.asfortranarray(x)
    got_q, got_o = quantiles_and_order_statistics(x, q, ranks)
    with np.errstate(invalid="ignore"):
        want_q = np.quantile(x, q, axis=0)
    assert _bits(got_q) == _bits(want_q)
    assert got_o.shape == (len(ranks), x.shape[1])
    assert _bits(got_o) == _bits(np.sort(x, axis=0)[list(ranks)])  # NaN sorts last
