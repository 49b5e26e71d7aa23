"""--format views: the export goes into pypfopt.BlackLittermanModel and gives posterior returns;
they match the Black-Litterman formula computed by hand; confidence follows the band width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from set_helpers import component

from scenarios.sets import load_set
from scenarios.sets.run import run_set
from scenarios.sets.views import views

pypfopt = pytest.importorskip("pypfopt")


def _set_views(make_set, source) -> dict:
    sset = load_set(make_set([(component("a", 0.15, sd=0.05), 0.5), (component("b", -0.05, sd=0.10), 0.5)],
                             draws=3000))
    import scenarios.api as sa

    return sa.views(run_set(sset, source=source).result)


def test_views_feed_black_litterman_and_give_posterior_returns(make_set, source) -> None:
    v = _set_views(make_set, source)
    syms = v["symbols"]
    cov = pd.DataFrame(v["cov_matrix"]).loc[syms, syms]
    pi = pd.Series([0.02, 0.01], index=syms)
    bl = pypfopt.BlackLittermanModel(cov, pi=pi, absolute_views=v["expected_returns"], omega="idzorek",
                                     view_confidences=v["view_confidences"], tau=v["tau"])
    post = bl.bl_returns()
    assert list(post.index) == syms and np.isfinite(post).all()
    # by hand: pi + tau S P' (P tau S P' + Omega)^-1 (Q - P pi), with P = I and the exported Omega
    S = cov.to_numpy()
    Q = np.array([v["expected_returns"][s] for s in syms])
    omega = np.array(v["omega"])
    tS = v["tau"] * S
    want = pi.to_numpy() + tS @ np.linalg.solve(tS + omega, Q - pi.to_numpy())
    np.testing.assert_allclose(post.to_numpy(), want, rtol=1e-6, atol=1e-10)
    # Idzorek's confidences are the same Omega: the explicit-omega model agrees
    bl2 = pypfopt.BlackLittermanModel(cov, pi=pi, absolute_views=v["expected_returns"], omega=omega, tau=v["tau"])
    np.testing.assert_allclose(bl2.bl_returns().to_numpy(), post.to_numpy(), rtol=1e-9)


def test_expected_returns_and_covariance_are_those_of_the_draws() -> None:
    rng = np.random.default_rng(3)
    r = rng.multivariate_normal([0.05, -0.02], [[0.04, 0.01], [0.01, 0.09]], size=20_000)
    v = views(r, ["A", "B"])
    assert v["expected_returns"]["A"] == pytest.approx(r[:, 0].mean(), abs=1e-15)
    assert v["cov_matrix"]["A"]["B"] == pytest.approx(np.cov(r.T)[0, 1], rel=1e-12)
    # normal draws: the band's normal-equivalent variance is the variance itself
    assert v["omega"][0][0] == pytest.approx(0.04, rel=0.05)
    assert v["omega"][1][1] == pytest.approx(0.09, rel=0.05)
    assert v["omega"][0][1] == 0.0


def test_a_narrower_band_gives_a_higher_confidence() -> None:
    rng = np.random.default_rng(5)
    normal = rng.normal(0.0, 0.2, size=(20_000, 1))
    # same variance (the same prior tau Sigma) but a narrow 5-95% band: rare big moves
    jumps = np.where(rng.random((20_000, 1)) < 0.02, 1.4, 0.0)
    jumps = (jumps - jumps.mean()) / jumps.std() * 0.2
    v = views(np.hstack([normal, jumps]), ["N", "J"])
    c = dict(zip(v["symbols"], v["view_confidences"], strict=True))
    # normal draws: Omega = Sigma, so Idzorek's confidence is tau / (1 + tau)
    assert c["N"] == pytest.approx(0.05 / 1.05, rel=0.05)
    assert c["J"] > c["N"]
    assert all(0.0 < x <= 1.0 for x in c.values())


def test_views_reject_too_few_draws() -> None:
    with pytest.raises(ValueError, match="draws >= 2"):
        views(np.zeros((1, 2)), ["A", "B"])
