"""Grid families across drivers: globs and lists of labels in a path, zip groups, located
errors. Expected names, counts and positions are written by hand from the YAML text."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model import expand_grid, load_scenario, parse_grid_path
from scenarios.model.loader import resolve_grid_paths

CAPEX = """name: capex
as_of: 2025-06-30
horizon: 6M
universe: [0700.HK, 9988.HK, 3690.HK]
fx: {CNYHKD: 1.09}
baseline:
  0700.HK: {currency: CNY, eps: 27, shares: {value: 9.15, unit: bn}}
  9988.HK: {currency: CNY, eps: 7, shares: {value: 19, unit: bn}}
  3690.HK: {currency: CNY, eps: 5, shares: {value: 6, unit: bn}}
drivers:
  - type: earnings_growth
    label: growth
    growth: 0.1
  - type: ai_capex
    label: capex-tencent
    symbols: [0700.HK]
    amount: 100
    unit: bn
    currency: CNY
    useful_life_years: 5
  - type: ai_capex
    label: capex-alibaba
    symbols: [9988.HK]
    amount: 120
    unit: bn
    currency: CNY
    useful_life_years: 5
  - type: ai_capex
    label: capex-meituan
    symbols: [3690.HK]
    amount: 20
    unit: bn
    currency: CNY
    useful_life_years: 5
  - type: rerating
    label: derating
    change: -0.05
monte_carlo: {draws: 100, seed: 3}
"""


def _load(tmp_path: Path, grid: str, name: str = "g.yaml"):
    (tmp_path / name).write_text(CAPEX + grid, encoding="utf-8")
    return load_scenario(tmp_path / name)


def _errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grid: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.yaml").write_text(CAPEX + grid, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        expand_grid(load_scenario("g.yaml"))
    exc = info.value
    return [e.format() for e in exc.errors] if isinstance(exc, ScenarioErrors) else [exc.format()]


def test_a_glob_sets_every_matching_driver_at_once(tmp_path) -> None:
    family = expand_grid(_load(tmp_path, "grid:\n  drivers[capex-*].useful_life_years: [3, 4, 5]\n"))
    assert len(family) == 3  # not 3 ** 3 = 27
    for f, life in zip(family, (3, 4, 5), strict=True):
        lives = {d.label: d.useful_life_years for d in f.drivers if d.type == "ai_capex"}
        assert lives == {"capex-tencent": life, "capex-alibaba": life, "capex-meituan": life}
        assert f.grid_point == {"drivers[capex-*].useful_life_years": life}
        assert f.name == f"capex [drivers[capex-*].useful_life_years={life}]"
        assert f.drivers[0].growth == 0.1  # untouched


def test_a_list_of_labels_and_a_type_glob(tmp_path) -> None:
    family = expand_grid(_load(tmp_path, "grid:\n  drivers[capex-tencent, capex-meituan].amount: [50, 80]\n"
                               "  drivers[*].enabled: [true]\n"))
    assert len(family) == 2
    for f, amount in zip(family, (50, 80), strict=True):
        got = {d.label: d.amount for d in f.drivers if d.type == "ai_capex"}
        assert got == {"capex-tencent": amount, "capex-alibaba": 120, "capex-meituan": amount}
    raw = _load(tmp_path, "")._raw
    assert resolve_grid_paths(raw, parse_grid_path("drivers[capex-t*, 4].label")) == [
        ("drivers", 1, "label"), ("drivers", 4, "label")]
    assert resolve_grid_paths(raw, parse_grid_path("baseline[*].eps")) == [
        ("baseline", "0700.HK", "eps"), ("baseline", "9988.HK", "eps"), ("baseline", "3690.HK", "eps")]
    assert resolve_grid_paths(raw, parse_grid_path("drivers[capex-alibaba, capex-*].amount")) == [
        ("drivers", 2, "amount"), ("drivers", 1, "amount"), ("drivers", 3, "amount")]


def test_zip_groups_move_together_and_multiply_with_the_rest(tmp_path) -> None:
    grid = ("grid:\n  zip:\n    drivers[growth].growth: [0.05, 0.10, 0.15]\n"
            "    drivers[derating].change: [-0.10, 0.0, 0.05]\n"
            "  monte_carlo.seed: [1, 2]\n")
    family = expand_grid(_load(tmp_path, grid))
    assert len(family) == 6
    got = [(f.drivers[0].growth, f.drivers[4].change, f.monte_carlo.seed) for f in family]
    assert got == [(g, c, s) for g, c in ((0.05, -0.10), (0.10, 0.0), (0.15, 0.05)) for s in (1, 2)]
    assert family[0].grid_point == {"drivers[growth].growth": 0.05, "drivers[derating].change": -0.10,
                                    "monte_carlo.seed": 1}
    assert family[0].name == ("capex [drivers[growth].growth=0.05, drivers[derating].change=-0.1, "
                              "monte_carlo.seed=1]")
    # several zip groups: a list of mappings
    grid = ("grid:\n  zip:\n    - drivers[growth].growth: [0.05, 0.1]\n      monte_carlo.seed: [1, 2]\n"
            "    - drivers[derating].change: [-0.1, 0.0, 0.1]\n")
    assert len(expand_grid(_load(tmp_path, grid))) == 6


def test_grid_errors_are_located(tmp_path, monkeypatch) -> None:
    # grid: starts on line 39
    assert _errors(tmp_path, monkeypatch, "grid:\n  drivers[capx-*].amount: [1]\n") == [
        "g.yaml:40:3 grid.drivers[capx-*].amount: bad parameter path: the pattern 'capx-*' matches "
        "no item (names here: growth, capex-tencent, capex-alibaba, capex-meituan, derating)"]
    assert _errors(tmp_path, monkeypatch, "grid:\n  drivers[capex-*].useful_life_years: [4, -1]\n") == [
        "g.yaml:40:43 grid.drivers[capex-*].useful_life_years[1]: value -1 for "
        "drivers[1].useful_life_years, drivers[2].useful_life_years, drivers[3].useful_life_years: "
        "drivers[1].useful_life_years: must be > 0 (got -1)",
        "g.yaml:40:43 grid.drivers[capex-*].useful_life_years[1]: value -1 for "
        "drivers[1].useful_life_years, drivers[2].useful_life_years, drivers[3].useful_life_years: "
        "drivers[2].useful_life_years: must be > 0 (got -1)",
        "g.yaml:40:43 grid.drivers[capex-*].useful_life_years[1]: value -1 for "
        "drivers[1].useful_life_years, drivers[2].useful_life_years, drivers[3].useful_life_years: "
        "drivers[3].useful_life_years: must be > 0 (got -1)"]
    assert _errors(tmp_path, monkeypatch, "grid:\n  zip:\n    drivers[growth].growth: [0.1, 0.2]\n"
                   "    monte_carlo.seed: [1, 2, 3]\n") == [
        "g.yaml:41:5 grid.zip: zip lists must have the same length (drivers[growth].growth: 2, "
        "monte_carlo.seed: 3)"]
    assert _errors(tmp_path, monkeypatch, "grid:\n  drivers[growth].growth: 0.1\n") == [
        "g.yaml:40:27 grid.drivers[growth].growth: must be a list of values (got 0.1)"]
    assert _errors(tmp_path, monkeypatch, "grid:\n  zip:\n    monte_carlo.seed: [1, -2]\n") == [
        "g.yaml:41:27 grid.zip.monte_carlo.seed[1]: value -2 for monte_carlo.seed: monte_carlo.seed: "
        "must be >= 0 (got -2)"]


def test_expanded_point_errors_point_at_the_glob_value(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.yaml").write_text(CAPEX.replace("horizon: 6M", "horizon: 6M\n") +
                                     "grid:\n  zip:\n    horizon: [3M, 2025-05-01]\n"
                                     "    drivers[capex-*].amount: [1, 2]\n", encoding="utf-8")
    s = load_scenario("g.yaml")
    with pytest.raises(ScenarioError) as info:
        expand_grid(s)
    assert str(info.value) == ("g.yaml:42:19 horizon: at grid point [horizon=2025-05-01, "
                               "drivers[capex-*].amount=2]: must be after as_of (2025-06-30) (got 2025-05-01)")
