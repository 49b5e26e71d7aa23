"""extends (merge rules, provenance of errors), grid paths, horizons, sampling streams."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.errors import ScenarioError
from scenarios.model import (
    Choice,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    add_period,
    expand_grid,
    load_scenario,
    parse_grid_path,
)

FIXTURES = Path(__file__).parent / "fixtures"

BASE = """name: base
as_of: 2025-06-30
horizon: 6M
universe: [0700.HK, 9988.HK]
fx: {CNYHKD: 1.09}
baseline:
  0700.HK: {currency: CNY, eps: 27, shares: {value: 9.15, unit: bn}}
drivers:
  - type: earnings_growth
    label: growth
    growth: {dist: normal, mean: 0.1, sd: 0.04}
  - type: ai_capex
    label: capex
    symbols: [0700.HK]
    amount: 100
    unit: bn
    currency: CNY
    useful_life_years: 5
monte_carlo: {draws: 1000, seed: 3}
"""


def test_the_fixture_loads(tmp_path) -> None:
    s = load_scenario(FIXTURES / "tencent_small.yaml")
    assert s.name == "tencent-vat-rumour"
    assert s.horizon_date() == dt.date(2026, 8, 12)
    assert [d.name for d in s.drivers] == ["growth", "capex", "vat-rumour", "derating"]
    assert len(s.file_sha256) == 64 and s.warnings == []


def test_extends_merges_drivers_by_label_and_replaces_distributions(tmp_path) -> None:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "bear.yaml").write_text(
        "extends: base.yaml\nname: bear\nhorizon: 1Y\n"
        "baseline:\n  0700.HK: {eps: 25}\n"
        "drivers:\n"
        "  - label: capex\n    amount: {dist: uniform, low: 120, high: 160}\n"
        "  - label: growth\n    growth: {dist: uniform, low: 0.0, high: 0.05}\n"
        "  - type: rerating\n    label: derate\n    change: -0.1\n", encoding="utf-8")
    s = load_scenario(tmp_path / "bear.yaml")
    assert s.name == "bear" and s.horizon == "1Y" and s.as_of == dt.date(2025, 6, 30)
    assert [d.name for d in s.drivers] == ["growth", "capex", "derate"]
    assert s.drivers[0].growth == Uniform(dist="uniform", low=0.0, high=0.05)  # not merged with normal
    assert s.drivers[1].amount == Uniform(dist="uniform", low=120, high=160)
    assert s.drivers[1].useful_life_years == 5.0  # inherited
    b = s.baseline["0700.HK"]
    assert (b.eps.value, b.currency, b.shares.scaled) == (25.0, "CNY", 9.15e9)
    assert s.extends is None and s.file_sha256 != load_scenario(tmp_path / "base.yaml").file_sha256


def test_extends_can_switch_a_driver_off_and_chains(tmp_path) -> None:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "mid.yaml").write_text("extends: base.yaml\nname: mid\ndrivers:\n  - label: capex\n"
                                       "    enabled: false\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "leaf.yaml").write_text("extends: ../mid.yaml\nname: leaf\nmonte_carlo: {draws: 50}\n",
                                   encoding="utf-8")
    from scenarios.model.loader import allow_paths

    allow_paths([tmp_path])  # ../mid.yaml is outside sub/: allowed explicitly (--allow-path)
    try:
        s = load_scenario(sub / "leaf.yaml")
    finally:
        allow_paths(None)
    assert [d.name for d in s.active_drivers()] == ["growth"]
    assert (s.monte_carlo.draws, s.monte_carlo.seed) == (50, 3)


def test_missing_parent_is_located(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text("name: c\nextends: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario("c.yaml")
    assert str(info.value).startswith("c.yaml:2:10 extends: file not found: nowhere.yaml")


def test_grid_paths() -> None:
    assert parse_grid_path("drivers[capex].amount") == ["drivers", "capex", "amount"]
    assert parse_grid_path("drivers[0].growth") == ["drivers", 0, "growth"]
    assert parse_grid_path("baseline[0700.HK].eps") == ["baseline", "0700.HK", "eps"]
    assert parse_grid_path("monte_carlo.draws") == ["monte_carlo", "draws"]


def test_grid_expands_products_with_names_and_points(tmp_path) -> None:
    (tmp_path / "g.yaml").write_text(
        BASE + "grid:\n  drivers[capex].amount: [50, 150]\n  baseline[700].eps: [20, 25, 30]\n"
        "  drivers[growth].growth: [{dist: uniform, low: 0, high: 0.1}]\n", encoding="utf-8")
    family = expand_grid(load_scenario(tmp_path / "g.yaml"))
    assert len(family) == 6
    first = family[0]
    assert first.name == ("base [drivers[capex].amount=50, baseline[700].eps=20, "
                          "drivers[growth].growth=uniform(low=0, high=0.1)]")
    assert first.grid_point == {"drivers[capex].amount": 50, "baseline[700].eps": 20,
                                "drivers[growth].growth": {"dist": "uniform", "low": 0, "high": 0.1}}
    assert [(f.drivers[1].amount, f.baseline["0700.HK"].eps.value) for f in family] == \
        [(a, e) for a in (50.0, 150.0) for e in (20.0, 25.0, 30.0)]
    assert all(f.file_sha256 == first.file_sha256 for f in family)


@pytest.mark.parametrize("start,period,end", [
    ("2025-08-31", "6M", "2026-02-28"), ("2024-02-29", "1Y", "2025-02-28"),
    ("2025-01-31", "1M", "2025-02-28"), ("2025-06-30", "2Q", "2025-12-31"),
    ("2025-06-30", "90D", "2025-09-28"), ("2025-06-30", "2W", "2025-07-14"),
])
def test_periods(start, period, end) -> None:
    assert add_period(dt.date.fromisoformat(start), period) == dt.date.fromisoformat(end)


DISTS = [
    Normal(dist="normal", mean=0.1, sd=0.05),
    LogNormal(dist="lognormal", median=18, sigma=0.2),
    Uniform(dist="uniform", low=-1, high=3),
    Triangular(dist="triangular", low=0, mode=1, high=4),
    Choice(dist="choice", values=[1, 2, 5], weights=[0.2, 0.3, 0.5]),
]


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.dist)
def test_distribution_moments_and_prefix_stability(dist) -> None:
    from scipy import stats

    rng = np.random.default_rng(1)
    x = dist.sample(rng, (60_000,))
    ref = {
        "normal": stats.norm(0.1, 0.05),
        "lognormal": stats.lognorm(s=0.2, scale=18),
        "uniform": stats.uniform(-1, 4),
        "triangular": stats.triang(c=0.25, loc=0, scale=4),
    }.get(dist.dist)
    if ref is not None:
        assert abs(x.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(x.size)
        assert stats.kstest(x, ref.cdf).pvalue > 1e-4
    else:
        freq = [np.mean(x == v) for v in (1, 2, 5)]
        np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.01)
    lo, hi = dist.support()
    assert lo <= x.min() and x.max() <= hi
    head = dist.sample(np.random.default_rng(1), (1000,))
    assert np.array_equal(head, x[:1000])


@settings(max_examples=30, deadline=None)
@given(low=st.floats(-5, 5), width=st.floats(0, 5), clip_lo=st.floats(-6, 0), clip_w=st.floats(0, 6))
def test_clip_bounds_every_draw(low, width, clip_lo, clip_w) -> None:
    d = Uniform(dist="uniform", low=low, high=low + width, clip=(clip_lo, clip_lo + clip_w))
    x = d.sample(np.random.default_rng(0), (500,))
    assert np.all((x >= clip_lo) & (x <= clip_lo + clip_w))


def test_grid_points_get_the_cross_field_checks(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.yaml").write_text(BASE + "grid:\n  horizon: [3M, 2025-05-01]\n", encoding="utf-8")
    scenario = load_scenario("g.yaml")
    with pytest.raises(ScenarioError) as info:
        expand_grid(scenario)
    assert str(info.value) == ("g.yaml:21:17 horizon: at grid point [horizon=2025-05-01]: must be after "
                               "as_of (2025-06-30) (got 2025-05-01)")
