"""Per-symbol draws in one go (``_Dist.sample_columns``) equal one generator at a time.

The engine draws a per-symbol parameter with one stream per symbol. ``sample_columns`` draws
each stream's variates into a row of one buffer and maps them at once; every column must be,
bit for bit, what ``sample`` gives that stream alone (and the streams must end where ``sample``
leaves them, so the next block continues correctly).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.model.distributions import parse_distribution

_SPECS = [
    {"dist": "normal", "mean": 0.1, "sd": 0.05},
    {"dist": "normal", "mean": 0.1, "sd": 0.3, "clip": [-0.2, 0.3]},
    {"dist": "normal", "mean": 2.0, "sd": 0.0},
    {"dist": "lognormal", "median": 15.0, "sigma": 0.2},
    {"dist": "lognormal", "median": 15.0, "sigma": 0.9, "clip": [5, 30]},
    {"dist": "uniform", "low": 1.0, "high": 5.0},
    {"dist": "uniform", "low": 1.0, "high": 1.0},
    {"dist": "triangular", "low": 3.0, "mode": 5.0, "high": 8.0},
    {"dist": "triangular", "low": -0.1, "mode": -0.1, "high": 0.2, "clip": [-0.05, 0.1]},
    {"dist": "triangular", "low": 2.0, "mode": 2.0, "high": 2.0},
    {"dist": "choice", "values": [1, 2, 3]},
    {"dist": "choice", "values": [1, 2, 3], "weights": [0.2, 0.5, 0.3], "clip": [1.5, 3]},
]


@settings(max_examples=120, deadline=None)
@given(spec=st.sampled_from(_SPECS), n=st.integers(1, 7), draws=st.integers(0, 300),
       seed=st.integers(0, 2**32 - 1))
def test_columns_equal_one_stream_at_a_time(spec, n, draws, seed) -> None:
    dist = parse_distribution(spec)
    assert dist is not None
    seqs = np.random.SeedSequence(seed).spawn(n)
    gens = [np.random.default_rng(s) for s in seqs]
    got = dist.sample_columns(gens, draws)
    assert got.shape == (draws, n) and got.dtype == np.float64 and got.flags.c_contiguous
    for j, s in enumerate(seqs):
        alone = np.random.default_rng(s)
        want = dist.sample(alone, (draws,))
        assert np.array_equal(got[:, j], want)  # same bits (no NaN can occur here)
        # both generators stopped at the same place: the next draws agree too
        assert np.array_equal(gens[j].random(3), alone.random(3))


@settings(max_examples=60, deadline=None)
@given(spec=st.sampled_from(_SPECS), shape=st.sampled_from([(5,), (4, 3), (0,), (2, 0, 3)]),
       seed=st.integers(0, 2**32 - 1))
def test_sample_consumes_the_stream_in_c_order(spec, shape, seed) -> None:
    """``sample(rng, shape)`` is the flat sample of the same count, reshaped (draw-count stable)."""
    dist = parse_distribution(spec)
    assert dist is not None
    a = dist.sample(np.random.default_rng(seed), shape)
    b = dist.sample(np.random.default_rng(seed), (int(np.prod(shape)),))
    assert a.shape == shape and np.array_equal(a.reshape(-1), b)
    lo, hi = dist.support()
    assert a.size == 0 or (a.min() >= lo and a.max() <= hi)
