"""The frozen laws behind ``_Dist.expectation`` (support, cdf, sf) are scipy.stats' own values,
bit for bit, and so are the clipped means: the run no longer imports scipy.stats for them."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios.model import distributions as dm
from scenarios.model.distributions import parse_distribution

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


def _reference(d: Any) -> Any:
    """The scipy.stats frozen law the distribution stood for before."""
    if isinstance(d, dm.Normal):
        return stats.norm(d.mean, d.sd)
    if isinstance(d, dm.LogNormal):
        return stats.lognorm(d.sigma, scale=d.median)
    if isinstance(d, dm.Uniform):
        return stats.uniform(d.low, d.high - d.low)
    width = d.high - d.low
    return stats.triang((d.mode - d.low) / width, d.low, width)


def _reference_expectation(d: Any) -> float:
    """``_Dist.expectation`` as written before, on scipy.stats."""
    lo, hi = d.support()
    ref = _reference(d)
    a, b = ref.support()
    a, b = max(a, lo), min(b, hi)
    if isinstance(d, dm.Normal):
        al, be = (a - d.mean) / d.sd, (b - d.mean) / d.sd
        inner = float(d.mean * (stats.norm.cdf(be) - stats.norm.cdf(al))
                      + d.sd * (stats.norm.pdf(al) - stats.norm.pdf(be))) if b > a else 0.0
    elif isinstance(d, dm.LogNormal):
        mu, s = math.log(d.median), d.sigma

        def z(x: float) -> float:
            return (math.log(x) - mu - s * s) / s if x > 0 else -math.inf
        inner = float(math.exp(mu + 0.5 * s * s) * (stats.norm.cdf(z(b)) - stats.norm.cdf(z(a)))) if b > a else 0.0
    else:
        inner = d._partial_mean(a, b) if b > a else 0.0
    below = a * ref.cdf(a) if math.isfinite(a) else 0.0
    above = b * ref.sf(b) if math.isfinite(b) else 0.0
    return float(below + above + inner)


@st.composite
def laws(draw: Any) -> Any:
    kind = draw(st.sampled_from(["normal", "lognormal", "uniform", "triangular"]))
    if kind == "normal":
        spec: dict[str, Any] = {"dist": "normal", "mean": draw(finite), "sd": draw(positive)}
    elif kind == "lognormal":
        spec = {"dist": "lognormal", "median": draw(positive), "sigma": draw(st.floats(1e-3, 3.0))}
    elif kind == "uniform":
        lo = draw(finite)
        spec = {"dist": "uniform", "low": lo, "high": lo + draw(positive)}
    else:
        lo, w = draw(finite), draw(positive)
        mode = draw(st.sampled_from([lo, lo + w])) if draw(st.booleans()) else lo + w * draw(st.floats(0, 1))
        spec = {"dist": "triangular", "low": lo, "mode": mode, "high": lo + w}
    if draw(st.booleans()):
        c = sorted([draw(finite), draw(finite)])
        spec["clip"] = c
    d = parse_distribution(spec)
    assert d is not None
    return d


@settings(max_examples=300, deadline=None)
@given(laws(), st.lists(st.floats(-2e3, 2e3, allow_nan=False), min_size=1, max_size=6))
def test_law_values_are_scipys(d: Any, xs: list[float]) -> None:
    ref, law = _reference(d), d._scipy()
    assert law is not None
    for got, want in zip(law.support(), ref.support(), strict=True):
        assert float(got) == float(want)
    pts = list(xs) + [float(v) for v in ref.support() if math.isfinite(v)] + [float(v) for v in d.support()]
    for x in pts:
        assert float(law.cdf(x)) == float(ref.cdf(x)), x
        assert float(law.sf(x)) == float(ref.sf(x)), x


@settings(max_examples=300, deadline=None)
@given(laws())
def test_expectation_is_bit_identical_to_scipy_path(d: Any) -> None:
    lo, hi = d.support()
    assume(lo < hi)
    assert d.expectation() == _reference_expectation(d)


def test_known_clipped_mean() -> None:
    # normal(0, 0.1) clipped to [0, 1]: E = sd * phi(0) = 0.1 / sqrt(2 pi) (+ 1 * P(X > 1) ~ 0)
    d = parse_distribution({"dist": "normal", "mean": 0.0, "sd": 0.1, "clip": [0.0, 1.0]})
    assert d is not None
    assert abs(d.expectation() - 0.1 / math.sqrt(2 * math.pi)) < 1e-15


@pytest.mark.parametrize("mode", [1.1e-308, 5e-324, 1.0 - 1e-16])
def test_triangular_mode_a_hair_from_an_end_has_its_true_mean(mode: float) -> None:
    # hypothesis found a mode of 1.1e-308: 2 / ((hi - lo)(c - lo)) overflowed and inf * 0 gave NaN
    d = parse_distribution({"dist": "triangular", "low": 0.0, "mode": mode, "high": 1.0})
    assert d is not None
    assert d.expectation() == pytest.approx((0.0 + mode + 1.0) / 3, abs=1e-15)
    clipped = parse_distribution({"dist": "triangular", "low": 0.0, "mode": mode, "high": 1.0, "clip": [0.0, 0.5]})
    assert clipped is not None
    # E[min(X, 0.5)] with mode at the low end: int_0^0.5 2x(1 - x) dx + 0.5 * P(X > 0.5) = 1/6 + 1/8
    if mode < 0.5:
        assert clipped.expectation() == pytest.approx(1 / 6 + 1 / 8, abs=1e-15)
