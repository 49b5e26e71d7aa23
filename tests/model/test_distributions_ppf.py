"""Distributions' quantile function (``ppf``) and readable text against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios.model.distributions import (
    NORMAL_TAIL_SD,
    parse_distribution,
    ppf,
)

LEVELS = np.array([0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999])


@pytest.mark.parametrize(("spec", "ref"), [
    ({"dist": "normal", "mean": 0.12, "sd": 0.04}, stats.norm(0.12, 0.04)),
    ({"dist": "lognormal", "median": 18.0, "sigma": 0.15}, stats.lognorm(0.15, scale=18.0)),
    ({"dist": "uniform", "low": 80.0, "high": 120.0}, stats.uniform(80.0, 40.0)),
    ({"dist": "triangular", "low": -0.12, "mode": -0.08, "high": -0.02}, stats.triang(0.4, loc=-0.12, scale=0.10)),
])
def test_continuous_ppf_matches_scipy(spec: dict, ref) -> None:
    d = parse_distribution(spec)
    assert d is not None
    np.testing.assert_allclose(d.ppf(LEVELS), ref.ppf(LEVELS), rtol=1e-9, atol=1e-12)
    assert d.ppf(0.5) == pytest.approx(float(ref.ppf(0.5)), rel=1e-12)
    assert isinstance(d.ppf(0.5), float)


def test_choice_ppf_matches_scipy_discrete() -> None:
    spec = {"dist": "choice", "values": [3, 1, 2], "weights": [0.3, 0.2, 0.5]}
    ref = stats.rv_discrete(values=([1, 2, 3], [0.2, 0.5, 0.3]))
    d = parse_distribution(spec)
    qs = np.array([0.01, 0.2, 0.5, 0.7, 0.71, 0.99])
    np.testing.assert_array_equal(d.ppf(qs), ref.ppf(qs))
    # zero-weight values are never a quantile
    z = parse_distribution({"dist": "choice", "values": [0, 5, 9], "weights": [0, 1, 1],
                            "normalize": True})  # weights must sum to 1 unless normalize (issue 16)
    assert z.ppf(0.0) == 5.0 and z.ppf(1.0) == 9.0


def test_clip_and_tails_bound_the_quantiles_like_the_draws() -> None:
    d = parse_distribution({"dist": "normal", "mean": 0.0, "sd": 1.0, "clip": [-1.0, 0.5]})
    q = d.ppf([0.05, 0.5, 0.95])
    assert q[0] == -1.0 and q[2] == 0.5 and q[1] == pytest.approx(0.0, abs=1e-12)
    n = parse_distribution({"dist": "normal", "mean": 1.0, "sd": 2.0})
    assert n.ppf(0.0) == 1.0 - NORMAL_TAIL_SD * 2.0 and n.ppf(1.0) == 1.0 + NORMAL_TAIL_SD * 2.0
    assert ppf(0.35, [0.1, 0.9]).tolist() == [0.35, 0.35] and ppf(0.35, 0.5) == 0.35
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        n.ppf(1.5)


@settings(deadline=None, max_examples=80)
@given(st.floats(-1, 1), st.floats(0.001, 1), st.floats(0.01, 0.99), st.integers(0, 2**32 - 1))
def test_ppf_inverts_the_sampled_distribution(mean: float, sd: float, q: float, seed: int) -> None:
    # the share of draws at or below ppf(q) is q, to Monte Carlo error (and ppf is monotone)
    d = parse_distribution({"dist": "normal", "mean": mean, "sd": sd})
    x = d.sample(np.random.default_rng(seed), (20_000,))
    share = float(np.mean(x <= d.ppf(q)))
    assert abs(share - q) < 5 * np.sqrt(q * (1 - q) / x.size) + 1e-3
    assert d.ppf(min(q + 0.005, 1.0)) >= d.ppf(q)


def test_readable_describe_and_compact_form() -> None:
    d = parse_distribution({"dist": "normal", "mean": 0.12, "sd": 0.04, "clip": [-0.5, 0.6]})
    assert d.describe(True) == "normal: mean +12.0%, sd 4.0%, clipped to [-50.0%, +60.0%]"
    assert d.describe() == "normal(clip=[-0.5, 0.6], mean=0.12, sd=0.04)"
    assert parse_distribution({"dist": "nope"}) is None
