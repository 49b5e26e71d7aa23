"""Invariants of the engine, as hypothesis properties (in-memory prices)."""

from __future__ import annotations

import copy
import math
from functools import partial

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import flat_source
from scenarios.engine import run_scenario as _run_scenario
from scenarios.model import expand_grid, scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

prices = st.floats(min_value=1.0, max_value=1000.0, allow_nan=False)  # x 1-60bn shares: HKD 1bn..60trn
eps_values = st.floats(min_value=0.1, max_value=100.0, allow_nan=False)
# bn; with prices >= 1 every market cap is >= HKD 1bn, the plausibility floor of the checks
share_counts = st.floats(min_value=1.0, max_value=30.0, allow_nan=False)


def _base(p0: float, p1: float, eps: float, shares: float) -> dict:
    return {
        "name": "prop",
        "as_of": "2025-06-30",
        "horizon": "6M",
        "universe": ["0700.HK", "9988.HK"],
        "fx": {"CNYHKD": 1.09},
        "baseline": {
            "0700.HK": {"currency": "CNY", "eps": eps, "shares": {"value": shares, "unit": "bn"},
                        "sales": {"value": 100 * shares, "unit": "bn"}, "tax_rate": 0.2},
            "9988.HK": {"eps": eps / 3, "shares": {"value": shares * 2, "unit": "bn"},
                        "sales": {"value": 50 * shares, "unit": "bn"}},
        },
        "drivers": [],
        "monte_carlo": {"draws": 500, "seed": 3},
    }


def _source(p0: float, p1: float):
    return flat_source({"0700.HK": p0, "9988.HK": p1})


NEUTRAL_DRIVERS = [
    {"type": "earnings_growth", "label": "g", "growth": {"dist": "uniform", "low": 0.0, "high": 0.0}},
    {"type": "ai_capex", "label": "capex", "amount": 0, "unit": "bn", "currency": "CNY",
     "useful_life_years": {"dist": "uniform", "low": 3, "high": 7}},
    {"type": "subsidy", "label": "sub", "amount": 0, "currency": "CNY"},
    {"type": "buyback", "label": "bb", "amount": 0, "currency": "CNY"},
    {"type": "margin_change", "label": "margin", "change": 0.0},
    {"type": "revenue_uplift", "label": "ai-rev", "uplift": 0.0, "margin": 0.3},
    {"type": "rerating", "label": "rr", "change": {"dist": "normal", "mean": 0.0, "sd": 0.0}},
    {"type": "sentiment_shock", "label": "shock", "shock": 0.0,
     "half_life_days": {"dist": "lognormal", "median": 20, "sigma": 0.4}, "date": "2025-06-20"},
    {"type": "index_weighting", "label": "idx", "scheme": "equal", "cap": 0.6},
]


@SETTINGS
@given(p0=prices, p1=prices, eps=eps_values, shares=share_counts, seed=st.integers(0, 2**32 - 1))
def test_neutral_drivers_predict_exactly_the_baseline_price(p0, p1, eps, shares, seed) -> None:
    data = _base(p0, p1, eps, shares)
    data["drivers"] = copy.deepcopy(NEUTRAL_DRIVERS)
    r = run_scenario(scenario_from_dict(data), source=_source(p0, p1), seed=seed)
    expected = np.broadcast_to(np.array([p0, p1]), r.predicted_price.shape)
    assert np.array_equal(r.predicted_price, expected)
    assert np.array_equal(r.predicted_return, np.zeros_like(r.predicted_return))
    # and the starting multiple is the implied one: P0 / (EPS0 x fx)
    assert math.isclose(r.multiple[0, 0], p0 / (eps * 1.09), rel_tol=1e-12)


@SETTINGS
@given(eps=eps_values, shares=share_counts, a=st.floats(0, 500), extra=st.floats(0, 500),
       life=st.floats(0.5, 20))
def test_larger_capex_never_raises_eps(eps, shares, a, extra, life) -> None:
    def run(amount: float):
        data = _base(400.0, 100.0, eps, shares)
        data["drivers"] = [
            {"type": "earnings_growth", "growth": {"dist": "uniform", "low": -0.2, "high": 0.3}},
            {"type": "ai_capex", "amount": amount, "unit": "bn", "currency": "CNY",
             "useful_life_years": {"dist": "uniform", "low": life, "high": life * 1.5}},
        ]
        return run_scenario(scenario_from_dict(data), source=_source(400.0, 100.0))

    small, large = run(a), run(a + extra)
    assert np.all(large.eps <= small.eps)
    assert np.all(large.predicted_price <= small.predicted_price)


def _random_scenario(seed: int, draws: int = 400) -> dict:
    data = _base(400.0, 100.0, 20.0, 9.0)
    data["drivers"] = [
        {"type": "earnings_growth", "label": "g", "growth": {"dist": "normal", "mean": 0.1, "sd": 0.05}},
        {"type": "ai_capex", "label": "capex", "symbols": ["0700.HK"], "amount": {"dist": "uniform", "low": 50,
                                                                                  "high": 150},
         "unit": "bn", "currency": "CNY", "useful_life_years": {"dist": "triangular", "low": 3, "mode": 5, "high": 8}},
        {"type": "rerating", "label": "rr", "target": {"dist": "lognormal", "median": 15, "sigma": 0.2},
         "half_life_years": 1.0, "per_symbol": True},
        {"type": "sentiment_shock", "label": "shock", "shock": {"dist": "choice", "values": [-0.1, -0.05, 0.02]},
         "half_life_days": 15, "date": "2025-06-25"},
        {"type": "buyback", "label": "bb", "symbols": ["9988.HK"], "amount": {"dist": "uniform", "low": 1, "high": 20},
         "unit": "bn"},
    ]
    data["baseline"]["9988.HK"]["dividend_yield"] = 0.02
    data["monte_carlo"] = {"draws": draws, "seed": seed}
    return data


@SETTINGS
@given(seed=st.integers(0, 2**63))
def test_contributions_sum_to_the_log_return(seed) -> None:
    r = run_scenario(scenario_from_dict(_random_scenario(seed)), source=_source(400.0, 100.0))
    total = sum(r.contributions.values())
    np.testing.assert_allclose(total, np.log1p(r.predicted_return), rtol=0, atol=1e-13)
    np.testing.assert_allclose(r.predicted_price, r.baseline_price * np.exp(total), rtol=1e-14)
    # and the decomposition matches the levels: price = EPS x multiple x shock x dividends x
    # the buyback's value adjustment (a cash item: neither an EPS nor a multiple change)
    non_level = r.contributions["shock"] + r.contributions.get("dividends", 0.0) + r.contributions["bb"]
    np.testing.assert_allclose(r.predicted_price, r.eps * r.multiple * np.exp(non_level), rtol=1e-12)
    assert set(r.contributions) == {"g", "capex", "rr", "shock", "bb", "dividends"}


@SETTINGS
@given(seed=st.integers(0, 2**63), other=st.integers(0, 2**63))
def test_same_seed_same_numbers_other_seed_other_numbers(seed, other) -> None:
    src = _source(400.0, 100.0)
    s = scenario_from_dict(_random_scenario(seed))
    a = run_scenario(s, source=src)
    b = run_scenario(s, source=src)
    assert np.array_equal(a.predicted_price, b.predicted_price)
    assert all(np.array_equal(a.contributions[k], b.contributions[k]) for k in a.contributions)
    if other != seed:
        c = run_scenario(s, source=src, seed=other)
        assert not np.array_equal(a.predicted_price, c.predicted_price)


def test_more_draws_keep_the_first_draws_and_new_drivers_do_not_reshuffle() -> None:
    src = _source(400.0, 100.0)
    s = scenario_from_dict(_random_scenario(11, draws=300))
    short = run_scenario(s, source=src)
    long = run_scenario(s, source=src, draws=1000)
    assert np.array_equal(long.predicted_price[:300], short.predicted_price)
    data = _random_scenario(11, draws=300)
    data["drivers"].insert(0, {"type": "margin_change", "label": "m",
                               "change": {"dist": "uniform", "low": -0.01, "high": 0.01}})
    more = run_scenario(scenario_from_dict(data), source=src)
    # the growth and shock draws are keyed by driver name, not position
    assert np.array_equal(more.contributions["shock"], short.contributions["shock"])
    assert not np.array_equal(more.contributions["m"], np.zeros_like(more.contributions["m"]))


@settings(max_examples=20, deadline=None)
@given(values=st.lists(st.floats(-0.5, 2.0, allow_nan=False), min_size=1, max_size=6, unique=True),
       lives=st.lists(st.integers(1, 10), min_size=1, max_size=3, unique=True))
def test_grid_of_k_values_expands_to_k_scenarios(values, lives) -> None:
    data = _base(400.0, 100.0, 20.0, 9.0)
    data["drivers"] = [
        {"type": "earnings_growth", "label": "g", "growth": 0.1},
        {"type": "ai_capex", "label": "capex", "amount": 10, "unit": "bn", "useful_life_years": 5,
         "currency": "CNY", "symbols": ["0700.HK"]},
    ]
    data["grid"] = {"drivers[g].growth": values}
    family = expand_grid(scenario_from_dict(data))
    assert len(family) == len(values)
    assert [f.drivers[0].growth for f in family] == values
    assert len({f.name for f in family}) == len(values)
    data["grid"]["drivers[capex].useful_life_years"] = lives
    family = expand_grid(scenario_from_dict(data))
    assert len(family) == len(values) * len(lives)
    assert {(f.drivers[0].growth, f.drivers[1].useful_life_years) for f in family} == \
        {(v, float(n)) for v in values for n in lives}
    assert all(not f.grid for f in family)
