"""The summary's quantiles of a large run, found in two halves of the columns at once, are
``numpy.quantile``'s, bit for bit (``scenarios.engine.result._column_quantiles``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scenarios.engine import result
from valuation.mc_error import quantiles_and_order_statistics

VALUES = st.one_of(st.floats(-5, 5, allow_nan=False), st.sampled_from([0.0, -0.0, 1.5, np.nan, np.inf, -np.inf]))


@settings(max_examples=200, deadline=None)
@given(a=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9), elements=VALUES),
       q=st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_halves_equal_the_whole(a: np.ndarray, q: list[float]) -> None:
    ranks = tuple(sorted({0, a.shape[0] // 2, a.shape[0] - 1}))
    whole = quantiles_and_order_statistics(a, q, ranks)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(result, "PARALLEL_CELLS", 0)  # split whatever the size
        split = result._column_quantiles(a, q, ranks)
    for got, want in zip(split, whole, strict=True):
        assert got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True)
    with np.errstate(invalid="ignore"):
        expect = np.quantile(a, q, axis=0)
    assert np.array_equal(split[0], expect, equal_nan=True)


def test_a_large_summary_uses_the_helper_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import valuation.mc_error as mc  # imported where it is used (lazily): patched at its source

    calls: list[str] = []

    real = mc.quantiles_and_order_statistics

    def spy(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(mc, "quantiles_and_order_statistics", spy)
    a = np.random.default_rng(0).standard_normal((result.PARALLEL_CELLS // 4 + 1, 4))
    got = result._column_quantiles(a, [0.05, 0.5, 0.95], ())
    assert sorted(n.startswith("scenarios-summary") for n in calls) == [False, True]
    assert np.array_equal(got[0], np.quantile(a, [0.05, 0.5, 0.95], axis=0))
