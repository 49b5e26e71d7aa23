"""Cash items in the engine: one-off and programme subsidies, recurring subsidies, buybacks.

The finance (``valuation.cash_items``): a one-off lowers the value of a share by its after-tax
cash per share in the price currency, once; a programme by the present value of its after-tax
yearly cash at a stated rate; a recurring cost is an EPS cut valued at the multiple; a buyback
moves value through the cash out and the share count. Expected values are written out here by
hand, not taken from the engine.
"""

from __future__ import annotations

import copy
import math
import re
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import flat_source
from scenarios.engine import run_scenario as _run_scenario
from scenarios.errors import ScenarioErrors
from scenarios.model import scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

FX = 1.12           # HKD per CNY
SHARES = 9.2e9      # Tencent, approximate, early 2026
TAX = 0.20
#: Yuanbao's RMB 1bn after tax, per share, in HKD, by hand: 1e9 x 0.8 x 1.12 / 9.2e9
YUANBAO_HKD = 1e9 * (1 - TAX) * FX / SHARES

YUANBAO = {"type": "subsidy", "label": "yuanbao", "symbols": ["0700.HK"], "amount": 1, "unit": "bn",
           "currency": "CNY", "recurrence": "one_off"}


def _tencent(as_of: str, horizon: str, drivers: list[dict], *, seed: int = 1, draws: int = 2000,
             residual: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "cash", "as_of": as_of, "horizon": horizon, "universe": ["0700.HK"],
        "currency": "HKD", "fx": {"CNYHKD": FX},
        "baseline": {"0700.HK": {"currency": "CNY", "eps": 27.2, "shares": {"value": 9.2, "unit": "bn"},
                                 "tax_rate": TAX, "dividend_yield": 0.008}},
        "drivers": drivers, "monte_carlo": {"draws": draws, "seed": seed}}
    if residual:
        data["monte_carlo"]["residual"] = {"vol": "history", "correlation": "none"}
    return data


@pytest.fixture(scope="module")
def csv_source(snapshot_dir: Path) -> Any:
    from scenarios.data.csvdir import CsvDirSource

    return CsvDirSource(snapshot_dir)


# ------------------------------------------------------------------ acceptance (issue 11)

GROWTH = {"type": "earnings_growth", "label": "growth",
          "growth": {"dist": "normal", "mean": 0.12, "sd": 0.04, "clip": [-0.10, 0.35]}}
RERATE = {"type": "rerating", "label": "verdict",
          "change": {"dist": "triangular", "low": -0.12, "mode": -0.03, "high": 0.06}}


@SETTINGS
@given(horizon=st.sampled_from(["1M", "3M", "6M", "1Y", "2Y", "5Y"]),
       as_of=st.sampled_from(["2025-06-30", "2026-02-09"]),
       seed=st.integers(0, 2**32 - 1),
       others=st.sampled_from([(), ("growth",), ("growth", "verdict")]),
       first=st.booleans())
def test_yuanbao_one_off_moves_the_median_by_its_cash_per_share(csv_source, horizon, as_of, seed,
                                                               others, first) -> None:
    """Acceptance: with the Yuanbao RMB 1bn one-off, Tencent's median price (against the same run
    without it) falls by the after-tax cash per share in HKD, HKD 0.0974, within 1% (in fact to
    rounding), at any horizon, with or without growth and re-rating, wherever it is listed, with
    the market noise on. As an EPS cut at the P/E it was about HKD 1.77 (18 times)."""
    rest = [d for d in (GROWTH, RERATE) if d["label"] in others]
    drivers = [YUANBAO, *rest] if first else [*rest, YUANBAO]
    with_ = run_scenario(scenario_from_dict(_tencent(as_of, horizon, copy.deepcopy(drivers), seed=seed)),
                         source=csv_source)
    without = run_scenario(scenario_from_dict(_tencent(as_of, horizon, copy.deepcopy(rest), seed=seed)),
                           source=csv_source)
    drop = float(np.median(without.predicted_price) - np.median(with_.predicted_price))
    assert drop == pytest.approx(YUANBAO_HKD, rel=0.01)
    assert drop == pytest.approx(YUANBAO_HKD, rel=1e-6)
    # every path, not only the median, and EPS is untouched
    np.testing.assert_allclose(without.predicted_price - with_.predicted_price, YUANBAO_HKD, rtol=1e-6)
    np.testing.assert_array_equal(with_.eps, without.eps)


def test_recurring_is_the_eps_cut_at_the_multiple(csv_source) -> None:
    """recurrence: recurring is the old model: EPS falls by the yearly after-tax cost per share
    and the price follows at the multiple: P x (1 - delta / EPS0), HKD 1.77 at as_of's P/E."""
    rec = dict(YUANBAO, recurrence="recurring")
    data = _tencent("2026-02-09", "6M", [rec], residual=False)
    r = run_scenario(scenario_from_dict(data), source=csv_source)
    p0 = r.baseline_price[0]
    eps0 = 27.2 * FX
    carry = r.horizon_years * math.log1p(0.008)  # dividend carry, total-return basis
    expected = p0 * (1 - YUANBAO_HKD / eps0) * math.exp(carry)
    np.testing.assert_allclose(r.predicted_price[:, 0], expected, rtol=1e-12)
    np.testing.assert_allclose(r.eps[:, 0], eps0 - YUANBAO_HKD, rtol=1e-12)
    assert p0 * YUANBAO_HKD / eps0 == pytest.approx(1.7697, abs=1e-4)  # the HKD 1.77


# ------------------------------------------------------------------ programme


def _flat(drivers: list[dict], *, price: float = 500.0, draws: int = 200, eps: float | None = 27.2,
          seed: int = 3) -> Any:
    base: dict[str, Any] = {"currency": "CNY", "shares": {"value": 9.2, "unit": "bn"}, "tax_rate": TAX}
    if eps is not None:
        base["eps"] = eps
    data = {"name": "flat", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK"],
            "currency": "HKD", "fx": {"CNYHKD": FX}, "baseline": {"0700.HK": base},
            "drivers": drivers, "monte_carlo": {"draws": draws, "seed": seed}}
    return run_scenario(scenario_from_dict(data), source=flat_source({"0700.HK": price}))


def test_programme_by_year_is_the_hand_present_value() -> None:
    """RMB 3bn, 2bn, 1bn over three years at 10%, cash at each year end:
    PV = 3/1.1 + 2/1.1^2 + 1/1.1^3 = RMB 5.1315bn (against 6bn undiscounted); after 20% tax, at
    1.12 HKD per CNY, over 9.2bn shares: HKD 0.49977 a share off every path."""
    pv = 3 / 1.1 + 2 / 1.1 ** 2 + 1 / 1.1 ** 3
    assert pv == pytest.approx(5.131480, abs=1e-6)
    per_share = pv * 1e9 * 0.8 * FX / SHARES
    r = _flat([{"type": "subsidy", "label": "plan", "amounts_by_year": [3, 2, 1], "unit": "bn",
                "currency": "CNY", "recurrence": "programme", "discount_rate": 0.10}])
    np.testing.assert_allclose(500.0 - r.predicted_price[:, 0], per_share, rtol=1e-12)
    assert per_share == pytest.approx(0.49977, abs=1e-5)


@SETTINGS
@given(amount=st.floats(0.0, 50.0), years=st.integers(1, 10),
       rate=st.one_of(st.just(0.0), st.floats(1e-3, 0.3)),  # the closed form cancels near 0
       timing=st.sampled_from(["end", "mid", "start"]))
def test_programme_amount_and_years_is_an_annuity(amount, years, rate, timing) -> None:
    """amount a year for n years: PV = a x sum_k (1 + r)^-(k - offset); the closed form of the
    annuity, a x (1 - (1 + r)^-n) / r x (1 + r)^offset (a x n at r = 0)."""
    offset = {"end": 0.0, "mid": 0.5, "start": 1.0}[timing]
    annuity = years if rate == 0 else (1 - (1 + rate) ** -years) / rate
    pv = amount * annuity * (1 + rate) ** offset
    per_share = pv * 1e9 * 0.8 * FX / SHARES
    r = _flat([{"type": "subsidy", "label": "plan", "amount": amount, "years": years, "unit": "bn",
                "currency": "CNY", "recurrence": "programme", "discount_rate": rate, "timing": timing}],
              draws=20)
    np.testing.assert_allclose(500.0 - r.predicted_price[:, 0], per_share, rtol=1e-9, atol=1e-12)
    # one year paid at the start is a one-off
    if years == 1 and timing == "start":
        one = _flat([{"type": "subsidy", "label": "plan", "amount": amount, "unit": "bn",
                      "currency": "CNY"}], draws=20)
        np.testing.assert_allclose(one.predicted_price, r.predicted_price, rtol=1e-12)


def test_programme_discounting_lowers_the_cost_below_the_undiscounted_total() -> None:
    undiscounted = _flat([{"type": "subsidy", "label": "p", "amount": 5, "years": 4, "unit": "bn",
                           "currency": "CNY", "recurrence": "programme", "discount_rate": 0.0}])
    discounted = _flat([{"type": "subsidy", "label": "p", "amount": 5, "years": 4, "unit": "bn",
                         "currency": "CNY", "recurrence": "programme", "discount_rate": 0.09}])
    total = 20e9 * 0.8 * FX / SHARES
    np.testing.assert_allclose(500.0 - undiscounted.predicted_price, total, rtol=1e-12)
    assert np.all(discounted.predicted_price > undiscounted.predicted_price)


# ------------------------------------------------------------------ buyback


def _buyback_run(amount: float, growth: float, premium: float, price: float = 400.0) -> Any:
    drivers = [{"type": "earnings_growth", "label": "g", "growth": growth},
               {"type": "buyback", "label": "bb", "amount": amount, "unit": "bn", "currency": "HKD",
                "premium": premium}]
    return _flat(drivers, price=price, draws=5)


@SETTINGS
@given(amount=st.floats(0.0, 300.0), growth=st.floats(-0.5, 1.0), premium=st.floats(-0.3, 0.5),
       price=st.floats(50.0, 2000.0))
def test_buyback_is_cash_out_and_share_count(amount, growth, premium, price) -> None:
    """V' = (V N - B) / (N - B / P_buy), V = the price without the buyback (P0 grown by the
    growth at a constant multiple, no noise), P_buy = P0 (1 + premium)."""
    buy = price * (1 + premium)
    b = amount * 1e9
    r = _buyback_run(amount, growth, premium, price)
    v = price * (1 + growth) ** (r.horizon_years)
    if b / buy >= SHARES or v * SHARES <= b:
        return  # not a buyback the formula covers (retires every share / spends all the equity)
    expected = (v * SHARES - b) / (SHARES - b / buy)
    if expected < 0.01 * v:
        return  # floored (see test_cash_item_larger_than_the_price_is_floored_and_reported)
    np.testing.assert_allclose(r.predicted_price[:, 0], expected, rtol=1e-9)
    c = r.contributions["bb"][:, 0]
    # value is created exactly when the shares are worth more than was paid for them
    if b > 1e6 and abs(v / buy - 1) > 1e-6:  # HKD 1m or more, not bought at value
        assert np.all((c > 0) == (v > buy))
    # buyback changes no EPS (the cash and the share count are valued, not an accretion)
    np.testing.assert_allclose(r.eps[:, 0], 27.2 * FX * (1 + growth) ** r.horizon_years, rtol=1e-12)


@SETTINGS
@given(amount=st.floats(0.1, 300.0), price=st.floats(50.0, 2000.0))
def test_buyback_at_value_is_neutral_and_a_premium_destroys_value(amount, price) -> None:
    """At value (no growth, price flat, premium 0) nothing is created; paying a premium lowers the
    price, buying at a discount raises it (the old EPS-accretion model made all three accretive)."""
    at = _buyback_run(amount, 0.0, 0.0, price).predicted_price[0, 0]
    above = _buyback_run(amount, 0.0, 0.2, price).predicted_price[0, 0]
    below = _buyback_run(amount, 0.0, -0.2, price).predicted_price[0, 0]
    assert at == pytest.approx(price, rel=1e-12)
    assert above < price < below


# ------------------------------------------------------------------ attribution and edges


@SETTINGS
@given(seed=st.integers(0, 2**63 - 1), recurrence=st.sampled_from(["one_off", "programme", "recurring"]))
def test_contributions_still_sum_to_the_log_return(seed, recurrence) -> None:
    """Every draw: the log contributions (drivers, cash items, dividends, noise) add up to
    log(1 + R) exactly, whatever the cash items' recurrence."""
    sub = {"type": "subsidy", "label": "sub", "amount": {"dist": "uniform", "low": 10, "high": 100},
           "unit": "bn", "currency": "CNY", "recurrence": recurrence,
           "users": 50, "users_unit": "m", "retention": 0.2, "arpu": 100, "margin": 0.3}
    if recurrence == "programme":
        sub.update(years=3, discount_rate={"dist": "uniform", "low": 0.05, "high": 0.12})
    data = {"name": "attr", "as_of": "2025-06-30", "horizon": "1Y", "universe": ["0700.HK", "9988.HK"],
            "currency": "HKD", "fx": {"CNYHKD": FX},
            "baseline": {s: {"currency": "CNY", "eps": e, "shares": {"value": n, "unit": "bn"},
                             "tax_rate": TAX, "dividend_yield": 0.01}
                         for s, e, n in (("0700.HK", 27.2, 9.2), ("9988.HK", 6.7, 19.3))},
            "drivers": [{"type": "earnings_growth", "label": "g",
                         "growth": {"dist": "normal", "mean": 0.1, "sd": 0.1}, "per_symbol": True},
                        sub,
                        {"type": "buyback", "label": "bb", "symbols": ["9988.HK"], "currency": "HKD",
                         "amount": {"dist": "uniform", "low": 0, "high": 200}, "unit": "bn"},
                        {"type": "rerating", "label": "rr", "change": {"dist": "uniform", "low": -0.3, "high": 0.2}}],
            "monte_carlo": {"draws": 400, "seed": seed, "residual": {"vol": 0.4, "correlation": 0.5}}}
    src = flat_source({"0700.HK": 500.0, "9988.HK": 120.0})
    r = run_scenario(scenario_from_dict(data), source=src)
    total = sum(r.contributions.values())
    np.testing.assert_allclose(total, np.log1p(r.predicted_return), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(r.predicted_price, r.baseline_price * np.exp(total), rtol=1e-13)
    assert list(r.contributions)[:4] == ["g", "sub", "bb", "rr"]  # cash items keep their place


def test_cash_item_larger_than_the_price_is_floored_and_reported() -> None:
    """RMB 10tn one-off against a HKD 500 share: no log exists, so the path keeps 1% of its price
    and the run says how many draws were floored (no crash)."""
    r = _flat([{"type": "subsidy", "label": "huge", "amount": 10, "unit": "tn", "currency": "CNY"}])
    np.testing.assert_allclose(r.predicted_price, 5.0, rtol=1e-12)
    assert any("0700.HK: in 200 of 200 draws a cash item" in w for w in r.warnings)


def test_one_off_needs_shares_but_not_eps() -> None:
    r = _flat([YUANBAO], eps=None, draws=10)
    np.testing.assert_allclose(500.0 - r.predicted_price, YUANBAO_HKD, rtol=1e-12)
    with pytest.raises(ScenarioErrors, match="needs baseline eps and shares"):
        _flat([dict(YUANBAO, recurrence="recurring")], eps=None, draws=10)


@pytest.mark.parametrize(("extra", "message"), [
    ({"recurrence": "programme", "amount": 1, "years": 3}, "needs discount_rate"),
    ({"recurrence": "programme", "discount_rate": 0.1, "amount": 1}, "amount (per year) with years"),
    ({"recurrence": "programme", "discount_rate": 0.1, "amount": 1, "years": 2, "amounts_by_year": [1, 2]},
     "either amounts_by_year or amount"),
    ({"recurrence": "one_off", "amount": 1, "discount_rate": 0.1}, "only apply to recurrence: programme"),
    ({"recurrence": "recurring", "amount": 1, "timing": "mid"}, "only apply to recurrence: programme"),
    ({"recurrence": "one_off"}, "amount is required"),
    ({"recurrence": "once", "amount": 1}, "recurrence"),
    ({"recurrence": "programme", "discount_rate": 1.5, "amount": 1, "years": 2}, "discount_rate"),
])
def test_bad_cash_item_keys_are_located_errors(extra, message) -> None:
    d = {"type": "subsidy", "label": "s", "unit": "bn", "currency": "CNY", **extra}
    with pytest.raises(ScenarioErrors, match=re.escape(message)) as info:
        _flat([d])
    assert "drivers[0]" in str(info.value)
