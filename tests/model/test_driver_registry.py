"""The driver registry: every kind has every part, and everything else is derived from it."""

from __future__ import annotations

import importlib.util
import math
import pkgutil
import typing
from pathlib import Path

import numpy as np
import pytest
import yaml

import scenarios.model.drivers as drivers_pkg
from scenarios.engine import run_scenario
from scenarios.engine.synthetic import flat_source
from scenarios.model import scenario_from_dict
from scenarios.model.drivers import GROUPS, MODULES, REGISTRY, DriverBase, MoneyDriver
from scenarios.model.schema import DRIVER_TYPES, Baseline, Driver

ROOT = Path(__file__).resolve().parents[2]
PRICES = {"0700.HK": 400.0, "9988.HK": 120.0, "3690.HK": 150.0}
#: parameter values under which a kind leaves every price unchanged
NEUTRAL = {
    "earnings_growth": {"growth": 0.0},
    "ai_capex": {"amount": 0.0},
    "subsidy": {"amount": 0.0, "users": None, "users_unit": "1", "retention": None, "arpu": None,
                "margin": None},
    "buyback": {"amount": 0.0},
    "margin_change": {"change": 0.0},
    "revenue_uplift": {"uplift": 0.0},
    "fx_change": {"change": 0.0},
    "rerating": {"change": 0.0, "target": None, "half_life_years": None},
    "sentiment_shock": {"shock": 0.0},
}


def _scenario(driver: dict, **extra) -> dict:
    """Three HK stocks reporting in CNY with every baseline field a driver may need."""
    base = {"currency": "CNY", "eps": 20.0, "shares": {"value": 9, "unit": "bn"},
            "sales": {"value": 600, "unit": "bn"}, "tax_rate": 0.2}
    return {"name": "registry", "as_of": "2026-02-12", "horizon": "3M",
            "universe": list(PRICES), "currency": "HKD", "fx": {"CNYHKD": 1.09},
            "themes": {"ai_bet": ["9988.HK"]},
            "baseline": {s: dict(base) for s in PRICES},
            "drivers": [driver], "monte_carlo": {"draws": 500, "seed": 3}, **extra}


def _snippet(spec) -> dict:
    items = yaml.safe_load(spec.template)
    assert isinstance(items, list) and len(items) == 1, f"{spec.type}: template is one list item"
    return items[0]


def test_every_module_of_the_package_is_registered() -> None:
    found = {m.name for m in pkgutil.iter_modules(drivers_pkg.__path__)
             if not m.name.startswith("_") and m.name != "base"}
    assert found == set(MODULES), "add new driver modules to scenarios.model.drivers.MODULES"
    assert tuple(REGISTRY) == MODULES


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_every_registered_driver_has_every_part(kind: str) -> None:
    spec = REGISTRY[kind]
    assert spec.type == kind
    assert issubclass(spec.schema, DriverBase)
    assert typing.get_args(spec.schema.model_fields["type"].annotation) == (kind,)
    assert spec.doc.strip() and "\n" not in spec.doc and spec.doc.endswith(".")
    assert spec.reference.strip()
    assert (spec.group is None) == (spec.evaluate is None)
    assert spec.evaluate is None or callable(spec.evaluate)
    assert spec.group is None or spec.group in GROUPS
    # the template snippet is a valid driver of this kind, and its needs are baseline fields
    driver = spec.schema.model_validate(_snippet(spec))
    assert driver.type == kind
    assert set(spec.baseline_needs(driver)) <= set(Baseline.model_fields)
    assert spec.money == issubclass(spec.schema, MoneyDriver)


def test_schema_union_and_type_list_come_from_the_registry() -> None:
    union = typing.get_args(typing.get_args(Driver)[0])
    assert union == tuple(s.schema for s in REGISTRY.values())
    assert DRIVER_TYPES == tuple(REGISTRY)


def test_report_groups_are_exactly_the_registered_ones() -> None:
    from scenarios.report.adapters import DRIVER_GROUPS

    engine_terms = {"dividends", "dividend_carry"}  # the engine's own carry term, not a driver
    driver_keys = {k: v for k, v in DRIVER_GROUPS.items() if k not in engine_terms}
    assert driver_keys == {t: s.group for t, s in REGISTRY.items() if s.group is not None}
    assert set(DRIVER_GROUPS) - engine_terms <= set(REGISTRY)  # no stale keys


def test_format_reference_is_generated_from_the_registry() -> None:
    spec = importlib.util.spec_from_file_location("gen_driver_docs", ROOT / "scripts" / "gen_driver_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert gen.render(text) == text, "run python scripts/gen_driver_docs.py"
    for kind in REGISTRY:
        assert f"### `{kind}`" in text


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_every_template_snippet_runs_and_lands_in_its_group(kind: str) -> None:
    """The snippet runs through the engine; a kind with a group leaves one contribution under
    its label, and the contributions still add up to log(P_h / P0)."""
    from scenarios.report.adapters import view_from_parts

    spec = REGISTRY[kind]
    res = run_scenario(scenario_from_dict(_scenario(_snippet(spec))), source=flat_source(PRICES),
                       keep_draws=True)  # reads every draw of the contributions
    label = _snippet(spec).get("label") or kind
    total = sum(res.contributions.values())
    np.testing.assert_allclose(np.log(res.predicted_price / res.baseline_price), total, atol=1e-12)
    if spec.group is None:
        assert label not in res.contributions
        assert not np.allclose(res.index_weights_after, res.index_weights_before)
        return
    assert set(res.contributions) == {label}
    dec = view_from_parts(res.to_dict(include_draws=False), read_prices=False).decomposition
    assert dec is not None and dec.groups[label] == spec.group


def test_neutral_parameters_leave_every_price_unchanged() -> None:
    """With neutral parameters (no growth, no money, no change, no shock) each kind's evaluator
    maps P0 to P0 (up to rounding of exp(log x)), for every draw."""
    priced = {t for t, s in REGISTRY.items() if s.evaluate is not None}
    assert set(NEUTRAL) == priced, "give new driver kinds their neutral parameters here"
    for kind, neutral in NEUTRAL.items():
        d = {k: v for k, v in {**_snippet(REGISTRY[kind]), **neutral}.items() if v is not None}
        res = run_scenario(scenario_from_dict(_scenario(d)), source=flat_source(PRICES))
        np.testing.assert_allclose(res.predicted_price, np.broadcast_to(res.baseline_price,
                                   res.predicted_price.shape), rtol=1e-13, err_msg=kind)


def test_a_second_single_driver_is_a_located_error() -> None:
    from scenarios.errors import ScenarioError

    iw = _snippet(REGISTRY["index_weighting"])
    data = _scenario(iw)
    data["drivers"] = [iw, {**iw, "label": "again"}]
    for s in data["baseline"].values():
        s["market_cap"] = {"value": 1, "unit": "tn"}
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(data)
    assert "drivers[1].type" in str(exc.value) and "only one index_weighting" in str(exc.value)


def test_growth_evaluator_matches_compounding() -> None:
    """earnings_growth: EPS_h / EPS0 = (1 + g) ^ years with years = calendar days / 365.25."""
    res = run_scenario(scenario_from_dict(_scenario({"type": "earnings_growth", "growth": 0.25})),
                       source=flat_source(PRICES))
    expected = (1.25) ** res.horizon_years
    assert math.isclose(float(res.predicted_price[0, 0] / res.baseline_price[0]), expected, rel_tol=1e-12)


def test_seed_driver_types_are_the_registered_ones() -> None:
    """Seeds sit below the model, so seeds/drivers.py spells the types out; they must match."""
    from scenarios.seeds.drivers import DriverType

    assert set(typing.get_args(DriverType)) == set(REGISTRY)
