"""benchmarks/calibration.py helpers: the binomial interval, the KS distance and the residual
override, each against an independent computation."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("calibration_bench", ROOT / "benchmarks" / "calibration.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


CAL = _module()


def _quantile(n: int, p: float, q: float) -> int:
    """Smallest k with P(X <= k) >= q for X ~ Binomial(n, p), from the pmf with math.comb."""
    cdf = 0.0
    for k in range(n + 1):
        cdf += math.comb(n, k) * p ** k * (1 - p) ** (n - k)
        if cdf >= q - 1e-12:
            return k
    return n


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 200), p=st.sampled_from([0.8, 0.9, 0.5]))
def test_binomial_interval_is_the_central_95_percent_of_the_coverage(n, p) -> None:
    lo, hi = CAL.binomial_interval(n, p)
    assert lo == pytest.approx(_quantile(n, p, 0.025) / n)
    assert hi == pytest.approx(_quantile(n, p, 0.975) / n)
    assert 0 <= lo <= p <= hi <= 1


def test_known_intervals_for_ten_and_fifty_four_windows() -> None:
    assert CAL.binomial_interval(10) == (0.7, 1.0)
    lo, hi = CAL.binomial_interval(54)
    assert (round(lo * 54), round(hi * 54)) == (44, 52)


def test_ks_distance_from_uniform_by_hand() -> None:
    x = [0.1, 0.2, 0.9]
    # D = max_i max(i/n - x_(i), x_(i) - (i-1)/n)
    s = np.sort(x)
    n = len(s)
    d = max(max((i + 1) / n - v, v - i / n) for i, v in enumerate(s))
    assert CAL.ks_uniform(x) == pytest.approx(d, abs=1e-15)
    assert CAL.ks_uniform(list(np.linspace(0.05, 0.95, 10))) == pytest.approx(0.05, abs=1e-12)


def test_with_residual_changes_only_the_model_and_the_centring() -> None:
    from scenarios.model import scenario_from_dict

    s = scenario_from_dict({"name": "x", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK"],
                            "monte_carlo": {"draws": 100, "residual": {"vol": "history", "scale": 0.9,
                                                                        "correlation": "none"}}})
    t = CAL.with_residual(s, "ewma", "median")
    assert (t.monte_carlo.residual.vol, t.monte_carlo.residual.center) == ("ewma", "median")
    assert t.monte_carlo.residual.scale == 0.9 and t.monte_carlo.residual.correlation == "none"
    assert (s.monte_carlo.residual.vol, s.monte_carlo.residual.center) == ("history", "mean")


@pytest.mark.snapshot
@pytest.mark.parametrize("example", ["tencent_feb_2026", "xiaomi_ai_rerating",
                                     "spring_festival_subsidies_2026"])
def test_default_noise_keeps_each_walk_forward_inside_its_binomial_interval(example, csv_source) -> None:
    """The acceptance of issue 11 on the snapshot for the single- and two-name examples: with
    the defaults (vol history, center mean) the quarterly walk-forward 2021-2025 covers the
    5%-95% band inside the binomial 95% interval of its non-overlapping windows. The counts
    are recomputed here from the walk-forward's own pairs."""
    from scenarios.backtest.scenario import walk_forward_scenario
    from scenarios.model import load_scenario

    sc = load_scenario(ROOT / "examples" / f"{example}.yaml")
    res = sc.monte_carlo.residual
    assert (res.vol, res.center) == ("history", "mean")
    d = walk_forward_scenario(sc, roll="quarterly", start="2021-01-01", end="2025-12-31",
                              source=csv_source, draws=1000, progress=False).to_dict()
    scored = [p for p in d["pairs"] if p["scored"]]
    assert len(scored) >= 20
    inside = [bool(p["lower"] <= p["realized"] <= p["upper"]) for p in scored]
    assert inside == [bool(p["inside"]) for p in scored]
    cov = sum(inside) / len(inside)
    n = int(d["track"]["n_scored_windows"]) // int(d["track"]["h"])
    lo, hi = CAL.binomial_interval(n)
    assert lo <= cov <= hi, (example, cov, n, lo, hi)
    # a binomial upper bound of 100% cannot catch bands that are far too wide; the PIT can:
    # its KS distance from uniform stays under the 5% critical value for n independent windows
    ks = CAL.ks_uniform([p["pit"] for p in scored])
    assert ks < 1.36 / math.sqrt(n), (example, ks, n)
    # the same numbers through the benchmark's own path
    cell = CAL.run_cell(sc, example, "history", "mean", csv_source, 1000, "2021-01-01", "2025-12-31")
    assert cell.inside == [float(x) for x in inside] and cell.n_independent == n
