"""The noise-free forecast and its Shapley attribution (issue 11, items 3 and 5).

Expected values come from independent computations: the mean of a clipped law by numerical
integration of its quantile function, coalitions by separate engine runs of reduced scenarios,
and the Meituan delivery-war repro with its drivers reordered.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import flat_source
from scenarios.engine import run_scenario
from scenarios.engine.noise_free import (
    coalition_masks,
    coalition_returns,
    driver_attribution,
    point_forecast,
)
from scenarios.model import distributions as D
from scenarios.model import load_scenario, scenario_from_dict
from scenarios.model.resolved import resolve_scenario

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------------ distribution means

def _integrated_mean(dist: Any) -> float:
    """E[clip(X)] = int_0^1 clip(ppf(q)) dq, midpoint rule on 200,001 levels, with scipy's
    quantile functions (independent of the project's)."""
    from scipy import stats

    q = (np.arange(200_001) + 0.5) / 200_001
    kind = dist.dist
    if kind == "normal":
        x = stats.norm.ppf(q, dist.mean, dist.sd)
    elif kind == "lognormal":
        x = stats.lognorm.ppf(q, dist.sigma, scale=dist.median)
    elif kind == "uniform":
        x = stats.uniform.ppf(q, dist.low, dist.high - dist.low)
    else:
        w = dist.high - dist.low
        x = stats.triang.ppf(q, (dist.mode - dist.low) / w, dist.low, w)
    if dist.clip is not None:
        x = np.clip(x, *dist.clip)
    return float(np.mean(x))


@SETTINGS
@given(mean=st.floats(-1, 1), sd=st.floats(0.001, 0.5),
       lo=st.floats(-2, 0.5), width=st.floats(0.01, 3))
def test_normal_mean_after_clip_matches_integration(mean: float, sd: float, lo: float, width: float) -> None:
    from hypothesis import assume

    assume(lo < mean + 8 * sd and lo + width > mean - 8 * sd)  # the clip meets the law
    d = D.parse_distribution({"dist": "normal", "mean": mean, "sd": sd, "clip": [lo, lo + width]})
    assert d is not None
    assert D.mean(d) == pytest.approx(_integrated_mean(d), abs=2e-4 * max(sd, 1e-3) + 1e-9)


@pytest.mark.parametrize("spec", [
    {"dist": "lognormal", "median": 18, "sigma": 0.15},
    {"dist": "lognormal", "median": 18, "sigma": 0.5, "clip": [10, 20]},
    {"dist": "uniform", "low": -0.04, "high": -0.01, "clip": [-0.03, 0.0]},
    {"dist": "triangular", "low": 20, "mode": 35, "high": 50},
    {"dist": "triangular", "low": -0.2, "mode": -0.08, "high": 0.05, "clip": [-0.1, 0.0]},
    {"dist": "triangular", "low": 0, "mode": 0, "high": 1},
])
def test_continuous_means_match_integration(spec: dict[str, Any]) -> None:
    d = D.parse_distribution(spec)
    assert D.mean(d) == pytest.approx(_integrated_mean(d), rel=1e-4, abs=1e-7)


def test_known_means() -> None:
    # lognormal: median x exp(sigma^2 / 2); a one-sided clip of a centred normal: sd x phi(0)
    assert D.mean(D.parse_distribution({"dist": "lognormal", "median": 18, "sigma": 0.15})) == \
        pytest.approx(18 * math.exp(0.15 ** 2 / 2), rel=1e-12)
    assert D.mean(D.parse_distribution({"dist": "normal", "mean": 0, "sd": 0.1, "clip": [0, 1]})) == \
        pytest.approx(0.1 / math.sqrt(2 * math.pi), rel=1e-9)
    # choice: probability-weighted mean of the clipped values (3 -> 2)
    assert D.mean(D.parse_distribution({"dist": "choice", "values": [1, 2, 3], "weights": [0.2, 0.5, 0.3],
                                        "clip": [0, 2]})) == pytest.approx(0.2 + 1.0 + 0.6)
    assert D.mean(0.25) == 0.25


# ------------------------------------------------------------------------ the noise-free path

PRICES = {"0700.HK": 500.0, "9988.HK": 120.0, "3690.HK": 100.0}


def _scenario(drivers: list[dict[str, Any]], *, seed: int = 1, draws: int = 500) -> dict[str, Any]:
    return {
        "name": "nf", "as_of": "2025-06-30", "horizon": "6M", "universe": list(PRICES),
        "currency": "HKD", "fx": {"CNYHKD": 1.1},
        "baseline": {s: {"currency": "CNY", "eps": p / 18 / 1.1, "shares": {"value": 5, "unit": "bn"},
                         "sales": {"value": 300, "unit": "bn"}, "tax_rate": 0.2,
                         "dividend_yield": 0.01 * (j + 1)}
                     for j, (s, p) in enumerate(PRICES.items())},
        "drivers": drivers,
        "monte_carlo": {"draws": draws, "seed": seed,
                        "residual": {"vol": 0.3, "correlation": "none"}},
    }


DRIVERS = [
    {"type": "earnings_growth", "label": "growth", "per_symbol": True,
     "growth": {"dist": "normal", "mean": 0.08, "sd": 0.05, "clip": [0.0, 0.4]}},
    {"type": "subsidy", "label": "burn", "symbols": ["3690.HK"], "unit": "bn", "currency": "CNY",
     "amount": {"dist": "triangular", "low": 20, "mode": 35, "high": 50}},
    {"type": "margin_change", "label": "margin", "symbols": ["3690.HK", "9988.HK"],
     "change": {"dist": "uniform", "low": -0.04, "high": -0.01}},
    {"type": "rerating", "label": "derate",
     "change": {"dist": "triangular", "low": -0.2, "mode": -0.08, "high": 0.05}},
]


@pytest.fixture
def source() -> Any:
    return flat_source(PRICES)


def _resolved(source: Any, drivers: list[dict[str, Any]], **kw: Any) -> Any:
    return resolve_scenario(scenario_from_dict(_scenario(drivers, **kw)), source=source)


def test_point_forecast_ignores_seed_and_draws(source: Any) -> None:
    a = point_forecast(_resolved(source, DRIVERS, seed=1, draws=100))
    for seed, draws in ((2, 100), (99, 3000)):
        assert np.array_equal(a, point_forecast(_resolved(source, DRIVERS, seed=seed, draws=draws)))
    # and it is what every-parameter-at-its-mean gives with fixed parameters in the file
    fixed = copy.deepcopy(DRIVERS)
    for d in fixed:
        for k, v in list(d.items()):
            if isinstance(v, dict) and "dist" in v:
                d[k] = D.mean(D.parse_distribution(v))
    data = _scenario(fixed, draws=1)
    del data["monte_carlo"]["residual"]
    r = run_scenario(scenario_from_dict(data), source=source)
    np.testing.assert_allclose(a, r.predicted_return[0], rtol=1e-12, atol=1e-14)


def test_batched_coalitions_equal_separate_runs(source: Any) -> None:
    rs = _resolved(source, DRIVERS)
    masks = coalition_masks(len(rs.drivers))
    batched = coalition_returns(rs, masks)
    for row, mask in enumerate(masks):
        sub = dataclasses.replace(rs, drivers=tuple(d for d, on in zip(rs.drivers, mask, strict=True) if on))
        np.testing.assert_allclose(batched[row], point_forecast(sub), rtol=1e-13, atol=1e-15)
    assert np.all(batched[0] >= 0) and not np.allclose(batched[0], 0.0)  # dividends alone


def test_attribution_sums_exactly_to_the_noise_free_return(source: Any) -> None:
    rs = _resolved(source, DRIVERS)
    a = driver_attribution(rs)
    total = point_forecast(rs)
    np.testing.assert_allclose(a.total_pp, 100 * total, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.base_pp + a.contributions_pp.sum(axis=0), a.total_pp, rtol=0, atol=1e-11)
    # a driver that does not target a symbol gets exactly 0 there (null player)
    j = rs.symbols.index("0700.HK")
    assert a.contributions_pp[list(a.drivers).index("burn"), j] == 0.0
    assert a.contributions_pp[list(a.drivers).index("margin"), j] == 0.0


@SETTINGS
@given(perm=st.permutations(range(1, len(DRIVERS))))
def test_attribution_is_invariant_to_driver_order(source: Any, perm: list[int]) -> None:
    """Growth stays first: an additive EPS change before or after a growth RATE is a different
    model (``(E + d)(1 + g)`` vs ``E (1 + g) + d``), not a different attribution."""
    base = driver_attribution(_resolved(source, DRIVERS))
    shuffled = [DRIVERS[0]] + [DRIVERS[i] for i in perm]
    other = driver_attribution(_resolved(source, shuffled))
    np.testing.assert_allclose(other.total_pp, base.total_pp, rtol=0, atol=1e-11)
    for name in base.drivers:
        np.testing.assert_allclose(other.contributions_pp[list(other.drivers).index(name)],
                                   base.contributions_pp[list(base.drivers).index(name)],
                                   rtol=0, atol=1e-11)


def test_run_result_carries_attribution_and_top_driver_in_pp(source: Any) -> None:
    r = run_scenario(scenario_from_dict(_scenario(DRIVERS)), source=source)
    s = r.summary()
    j = r.symbols.index("3690.HK")
    pp = r.attribution_pp()
    assert s["top_driver"].iloc[j] == pp["3690.HK"].abs().idxmax()
    assert s["top_driver_pp"].iloc[j] == pytest.approx(pp["3690.HK"].loc[s["top_driver"].iloc[j]])
    np.testing.assert_allclose(s["point_return"].to_numpy(), point_forecast(_resolved(source, DRIVERS)))
    # Monte Carlo standard errors: binomial for P(up), order statistics for the median
    n = r.draws
    np.testing.assert_allclose(s["prob_up_se"], np.sqrt(s["prob_up"] * (1 - s["prob_up"]) / n))
    assert (s["median_return_se"] > 0).all()


def test_more_than_twelve_drivers_leave_attribution_out(source: Any) -> None:
    many = [{"type": "sentiment_shock", "label": f"s{i}", "shock": 0.001 * i, "half_life_days": 30}
            for i in range(13)]
    a = driver_attribution(_resolved(source, many))
    assert a.drivers == () and "13 drivers" in (a.note or "")


# ------------------------------------------------------------------------ the repro (issue 11 H)

def _repro(snapshot_dir: Path) -> Path:
    p = snapshot_dir.parent.parent / "repro" / "delivery_war_h2_2025.yaml"
    if not p.exists():
        pytest.skip("../shared/repro is not available")
    return p


def test_delivery_war_margin_attribution_does_not_depend_on_its_place(snapshot_dir: Path, tmp_path: Path) -> None:
    """Moving Meituan's margin driver before the subsidies used to move its term from about
    -56% to -17% (log, sequential); the Shapley pp are the same in both orders."""
    import yaml

    from scenarios.data.csvdir import CsvDirSource

    src = CsvDirSource(snapshot_dir)
    path = _repro(snapshot_dir)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    drivers = doc["drivers"]
    margin = next(d for d in drivers if d["label"] == "meituan-margin")
    moved = [d for d in drivers if d is not margin]
    moved.insert(1, margin)  # right after base growth, before every subsidy
    doc["drivers"] = moved
    other = tmp_path / "moved.yaml"
    other.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    a = driver_attribution(resolve_scenario(load_scenario(path), source=src))
    b = driver_attribution(resolve_scenario(load_scenario(other), source=src))
    assert list(a.drivers) != list(b.drivers)  # the order did change
    j = a.symbols.index("3690.HK")
    ma = a.contributions_pp[list(a.drivers).index("meituan-margin"), j]
    mb = b.contributions_pp[list(b.drivers).index("meituan-margin"), j]
    assert ma == pytest.approx(mb, abs=1e-10)
    assert -30 < ma < -5  # a margin cut of 1-4 points of sales: a double-digit pp loss
    assert a.total_pp[j] == pytest.approx(a.base_pp[j] + a.contributions_pp[:, j].sum(), abs=1e-11)
