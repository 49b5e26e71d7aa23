"""What each example's narrative implies, checked against an independent computation.

Fundamentals, amounts and claim values are read from the files with plain PyYAML, prices with
plain pandas; formulas are written out here. A scenario wired wrongly (driver on the wrong
symbol, wrong currency or FX, wrong order, tilt on the wrong theme, extends not merging by
label, grid not reaching the driver) fails one of these tests.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from examples_helpers import (
    EXAMPLE_FILES,
    REPO_ROOT,
    driver_return,
    history_vol,
    raw_driver,
    raw_yaml,
    snapshot_close,
)

pytestmark = pytest.mark.filterwarnings("error::FutureWarning")

SCALE = {"bn": 1e9, "m": 1e6, "tn": 1e12, "1": 1.0}


def _value(v):
    return v["value"] if isinstance(v, dict) else v


def _claim_values() -> dict[str, object]:
    data = yaml.safe_load((REPO_ROOT / "seeds" / "claims.yaml").read_text(encoding="utf-8"))
    return {c["id"]: c["value"] for c in data["claims"]}


def _col(res, sym: str) -> int:
    return res.symbols.index(sym)


# ---------------------------------------------------------------------------- 1. US capex


def test_capex_never_raises_eps_and_stays_within_the_plan_bounds(run_example) -> None:
    """Each capex driver lowers EPS of its own company only, in every draw, by an amount per
    share inside [-high/3, -low/5] x (1 - tax) / shares (amount range from the file, life 3-5
    years from the article)."""
    (res,) = run_example("us_ai_capex_2026.yaml")
    data = raw_yaml("us_ai_capex_2026.yaml")
    for sym, label in (("AMZN", "capex-amzn"), ("GOOGL", "capex-googl"),
                       ("MSFT", "capex-msft"), ("META", "capex-meta")):
        c = res.contributions[label]
        j = _col(res, sym)
        others = [k for k in range(len(res.symbols)) if k != j]
        assert np.all(c[:, others] == 0.0)
        assert np.all(c[:, j] < 0.0)
        b = data["baseline"][sym]
        eps0, shares, tax = _value(b["eps"]), _value(b["shares"]) * 1e9, b["tax_rate"]
        # EPS just before the capex driver = EPS0 x growth (the only EPS driver before it)
        before = eps0 * np.exp(res.contributions["growth"][:, j])
        drag = before * np.expm1(c[:, j])           # additive change of EPS, USD per share
        d = raw_driver(data, label)
        lo, hi = d["amount"]["low"] * 1e9, d["amount"]["high"] * 1e9
        assert d["useful_life_years"] == {"dist": "uniform", "low": 3, "high": 5}
        worst = -hi / 3 * (1 - tax) / shares
        mildest = -lo / 5 * (1 - tax) / shares
        assert drag.min() >= worst * (1 + 1e-9)
        assert drag.max() <= mildest * (1 - 1e-9)
        # the draws fill most of that range (uniform life x triangular amount)
        assert drag.min() < worst + 0.25 * (mildest - worst)
        assert drag.max() > mildest - 0.25 * (mildest - worst)


def test_capex_drag_is_exact_with_fixed_amount_and_life(run_dict) -> None:
    """Amazon with USD 75bn and a 4-year life, other EPS drivers off: EPS at the horizon is
    7.08 - 75e9 / 4 x (1 - 0.18) / 10.9e9 in every draw."""
    data = copy.deepcopy(raw_yaml("us_ai_capex_2026.yaml"))
    raw_driver(data, "capex-amzn").update(amount=75, useful_life_years=4)
    raw_driver(data, "growth")["enabled"] = False
    res = run_dict(data)
    b = data["baseline"]["AMZN"]
    expected = _value(b["eps"]) - 75e9 / 4 * (1 - b["tax_rate"]) / (_value(b["shares"]) * 1e9)
    j = _col(res, "AMZN")
    np.testing.assert_allclose(res.eps[:, j], expected, rtol=1e-12)
    np.testing.assert_allclose(res.contributions["capex-amzn"][:, j],
                               math.log(expected / _value(b["eps"])), rtol=1e-12)
    # the re-rating moves the multiple, not EPS
    m0 = res.baseline_price[j] / _value(b["eps"])
    np.testing.assert_allclose(res.multiple[:, j] / m0,
                               np.exp(res.contributions["capex-derating"][:, j]), rtol=1e-12)


def test_capex_scenario_is_bearish_for_every_company(run_example) -> None:
    """The article's point: with the step-up in depreciation and a de-rating, six months of
    ~15% underlying growth do not make up the drag; Amazon, the biggest spender relative to
    its earnings, is hit hardest. (On the drivers' part of the return: the market noise of
    monte_carlo.residual is the same for every narrative and would blur the ranking.)"""
    (res,) = run_example("us_ai_capex_2026.yaml")
    med = dict(zip(res.symbols, np.median(driver_return(res), axis=0), strict=True))
    assert all(v < 0 for v in med.values()), med
    assert min(med, key=med.get) == "AMZN"
    # the noise is mean-centred (the default) and independent of the drivers: E[exp(residual)]
    # = 1, so the expected return is the drivers' expected return, and the bearish call holds
    # for the means too
    full, drivers = res.predicted_return, driver_return(res)
    sd = np.array([res.residual["per_symbol"][s]["sd"] for s in res.symbols])
    assert res.residual["center"] == "mean" and np.all(sd > 0.05)
    se = full.std(axis=0) / np.sqrt(len(full))
    assert np.all(np.abs(full.mean(axis=0) - drivers.mean(axis=0)) < 4 * se)
    assert np.all(full.mean(axis=0) < 0)


# ---------------------------------------------------------------------------- 2. subsidies


def _subsidy_delta_hkd(data: dict, sym: str, label: str) -> float:
    b = data["baseline"][sym]
    d = raw_driver(data, label)
    amount = d["amount"] * SCALE[d["unit"]]
    fx = data["fx"]["CNYHKD"]
    assert d["currency"] == "CNY" == b["currency"]
    return amount * (1 - b["tax_rate"]) * fx / (_value(b["shares"]) * SCALE[b["shares"]["unit"]])


def test_red_packets_cost_exactly_amount_after_tax_per_share(run_example, snapshot_dir: Path) -> None:
    """One-off cash (recurrence: one_off): each path's horizon price is the price without the
    item minus delta = amount x (1 - tax) x fx / shares, so the contribution is
    log(1 - delta / (P_h + delta)) in every draw; it touches only its own company and no EPS."""
    (res,) = run_example("spring_festival_subsidies_2026.yaml")
    data = raw_yaml("spring_festival_subsidies_2026.yaml")
    fx = data["fx"]["CNYHKD"]
    for sym, label, rmb in (("0700.HK", "yuanbao-red-packets", 1e9), ("9988.HK", "qwen-festival-plan", 3e9)):
        assert raw_driver(data, label)["recurrence"] == "one_off"
        j = _col(res, sym)
        b = data["baseline"][sym]
        delta = _subsidy_delta_hkd(data, sym, label)
        assert delta == pytest.approx(rmb * 0.8 * 1.12 / (_value(b["shares"]) * 1e9), rel=1e-12)
        c = res.contributions[label]
        price = res.predicted_price[:, j]
        np.testing.assert_allclose(c[:, j], np.log1p(-delta / (price + delta)), rtol=1e-9)
        assert np.all(c[:, 1 - j] == 0.0)
        # EPS is the baseline grown by the growth driver only: the cash is not an EPS cut
        growth = res.contributions["growth-tencent" if j == _col(res, "0700.HK") else "growth-alibaba"]
        np.testing.assert_allclose(res.eps[:, j], _value(b["eps"]) * fx * np.exp(growth[:, j]), rtol=1e-12)
    # RMB 3bn over twice the shares: Alibaba's cash per share is larger than Tencent's
    assert _subsidy_delta_hkd(data, "9988.HK", "qwen-festival-plan") > \
        _subsidy_delta_hkd(data, "0700.HK", "yuanbao-red-packets")


def test_recurring_red_packets_are_the_old_eps_cut(run_dict) -> None:
    """recurrence: recurring keeps the model before cash items: with the subsidies first, each
    contribution is log(1 - delta / EPS0) (delta per year) exactly, and the price follows."""
    data = copy.deepcopy(raw_yaml("spring_festival_subsidies_2026.yaml"))
    for label in ("yuanbao-red-packets", "qwen-festival-plan"):
        raw_driver(data, label)["recurrence"] = "recurring"
    res = run_dict(data)
    fx = data["fx"]["CNYHKD"]
    for sym, label in (("0700.HK", "yuanbao-red-packets"), ("9988.HK", "qwen-festival-plan")):
        j = _col(res, sym)
        eps0_hkd = _value(data["baseline"][sym]["eps"]) * fx
        delta = _subsidy_delta_hkd(data, sym, label)
        np.testing.assert_allclose(res.contributions[label][:, j], math.log1p(-delta / eps0_hkd), rtol=1e-12)


def _median_price(res, sym: str) -> float:
    return float(np.median(res.predicted_price[:, _col(res, sym)]))


@pytest.mark.parametrize("recurrence", ["one_off", "recurring"])
def test_subsidy_moves_median_price_or_eps_by_the_exact_amount(run_dict, recurrence) -> None:
    """With the other drivers off: one_off lowers the median PRICE by delta = amount x (1 - tax)
    x fx / shares (HKD) and leaves EPS alone; recurring lowers the median EPS by delta and the
    price by delta x P/E (the old behaviour, HKD 1.77 for Tencent)."""
    data = copy.deepcopy(raw_yaml("spring_festival_subsidies_2026.yaml"))
    for label in ("growth-tencent", "growth-alibaba", "subsidy-verdict"):
        raw_driver(data, label)["enabled"] = False
    without = copy.deepcopy(data)
    for label in ("yuanbao-red-packets", "qwen-festival-plan"):
        raw_driver(data, label)["recurrence"] = recurrence
        raw_driver(without, label)["enabled"] = False
    res, ref = run_dict(data), run_dict(without)
    fx = data["fx"]["CNYHKD"]
    for sym, label in (("0700.HK", "yuanbao-red-packets"), ("9988.HK", "qwen-festival-plan")):
        eps0 = _value(data["baseline"][sym]["eps"]) * fx
        delta = _subsidy_delta_hkd(data, sym, label)
        drop_eps = eps0 - float(np.median(res.eps[:, _col(res, sym)]))
        drop_price = _median_price(ref, sym) - _median_price(res, sym)
        if recurrence == "one_off":
            assert drop_eps == 0.0
            assert drop_price == pytest.approx(delta, rel=1e-9)
        else:
            assert drop_eps == pytest.approx(delta, rel=1e-9)
            pe = res.baseline_price[_col(res, sym)] / eps0
            # median of P x (1 - delta / EPS0) with the residual noise: the multiple's share
            assert drop_price == pytest.approx(_median_price(ref, sym) * delta / eps0, rel=1e-9)
            assert drop_price > 10 * delta and delta * pe == pytest.approx(
                {"0700.HK": 1.7697, "9988.HK": 2.9246}[sym], abs=1e-4)


# ---------------------------------------------------------------------------- 3. Tencent


def test_tencent_baseline_is_the_article_cutoff_close(run_example, snapshot_dir: Path) -> None:
    (res,) = run_example("tencent_feb_2026.yaml")
    assert res.as_of == "2026-02-12"
    assert res.baseline_price[0] == pytest.approx(snapshot_close(snapshot_dir, "0700.HK", "2026-02-12"),
                                                  rel=1e-12)
    # inside the article's HKD 533-548 "band" give or take the adjustment for the 2026 dividend
    assert 520 < res.baseline_price[0] < 548


def test_tencent_rumour_fades_into_a_rebound_no_larger_than_the_shock(run_example) -> None:
    """The shock is dated 2026-02-03, before as_of: the driver adds the fading between as_of
    (9 days later) and the horizon (190 days later). For every draw that is positive and below
    -log(1 + shock) x (2^(-9/hl_max) - 2^(-190/hl_min))... bounded by the extreme parameters."""
    (res,) = run_example("tencent_feb_2026.yaml")
    data = raw_yaml("tencent_feb_2026.yaml")
    d = raw_driver(data, "rumour-rebound")
    c = res.contributions["rumour-rebound"][:, 0]
    a = (dt.date(2026, 2, 12) - d["date"]).days
    h = (dt.date(2026, 8, 12) - d["date"]).days
    assert (a, h) == (9, 190)
    s_lo, s_hi = d["shock"]["low"], d["shock"]["high"]
    hl_lo, hl_hi = d["half_life_days"]["low"], d["half_life_days"]["high"]

    def rebound(s, hl):
        return math.log1p(s) * (2 ** (-h / hl) - 2 ** (-a / hl))

    # largest rebound: biggest shock, half-life that maximises the fading in (a, h]
    grid = np.linspace(hl_lo, hl_hi, 2001)
    upper = max(rebound(s_lo, x) for x in grid)
    lower = min(rebound(s_hi, x) for x in grid)
    assert np.all(c > 0)
    assert c.max() <= upper * (1 + 1e-9) and c.min() >= lower * (1 - 1e-9)
    assert c.max() < -math.log1p(s_lo)


def _buyback_amounts(res, label: str, shares: float) -> np.ndarray:
    """The amount B each draw spent, solved from V' = (V N - B) / (N - B / P0): V' is the path's
    price, V = V' / exp(contribution) the price without the buyback."""
    p0 = res.baseline_price[0]
    new = res.predicted_price[:, 0]
    old = new / np.exp(res.contributions[label][:, 0])
    return shares * (old - new) / (1.0 - new / p0)


def test_tencent_buyback_outcomes_are_the_four_amounts(run_example, run_dict) -> None:
    """Buyback through cash out and share count at the baseline price: every draw's price is
    (V N - B) / (N - B / P0) with V the same path's price without the buyback (the run with it
    disabled: the other drivers' draws do not depend on it) and B one of HKD 0, 15, 30, 45bn,
    drawn with weights 0.15, 0.25, 0.40, 0.20."""
    (res,) = run_example("tencent_feb_2026.yaml")
    data = copy.deepcopy(raw_yaml("tencent_feb_2026.yaml"))
    d = raw_driver(data, "buyback")
    shares = _value(data["baseline"]["0700.HK"]["shares"]) * 1e9
    p0 = res.baseline_price[0]
    raw_driver(data, "buyback")["enabled"] = False
    ref = run_dict(data, draws=len(res.predicted_price))
    v = ref.predicted_price[:, 0]
    got = res.predicted_price[:, 0]
    outcome = {b: (v * shares - b * 1e9) / (shares - b * 1e9 / p0) for b in d["amount"]["values"]}
    matched = np.zeros(got.shape, dtype=bool)
    for amount, weight in zip(d["amount"]["values"], d["amount"]["weights"], strict=True):
        hits = np.isclose(got, outcome[amount], rtol=1e-12, atol=0)
        assert abs(hits.mean() - weight) < 0.02, (amount, hits.mean())
        matched |= hits
    assert matched.all()
    # accretive exactly on the paths that end above the price paid
    bought = _buyback_amounts(res, "buyback", shares) > 1e9
    c = res.contributions["buyback"][:, 0]
    assert np.all((c[bought] > 0) == (v[bought] > p0))


def test_tencent_bear_variant_changes_only_what_it_names(run_example) -> None:
    (base,) = run_example("tencent_feb_2026.yaml")
    (bear,) = run_example("tencent_feb_2026_bear.yaml")
    assert bear.name == "tencent-feb-2026-bear"
    assert (bear.as_of, bear.horizon) == (base.as_of, base.horizon)
    assert bear.baseline_price[0] == base.baseline_price[0]
    # unchanged driver (inherited as is): the same one-off cash per share in every draw of both,
    # although its log contribution differs because the bear's prices are lower. Cash items
    # apply in file order after everything else: the marketing cash, then the buyback.
    data = raw_yaml("tencent_feb_2026.yaml")
    cost = {}
    for tag, res in (("base", base), ("bear", bear)):
        c = res.contributions["yuanbao-marketing"][:, 0]
        before = res.predicted_price[:, 0] / np.exp(c + res.contributions["buyback"][:, 0])
        cost[tag] = before * np.expm1(c)
    np.testing.assert_allclose(cost["bear"], -1e9 * 0.8 * 1.12 / 9.2e9, rtol=1e-9)
    np.testing.assert_allclose(cost["base"], -1e9 * 0.8 * 1.12 / 9.2e9, rtol=1e-9)
    assert np.median(bear.contributions["growth"]) < np.median(base.contributions["growth"])
    # changed drivers: the bear spends HKD 0 or 15bn, the base case up to 45bn
    shares = _value(data["baseline"]["0700.HK"]["shares"]) * 1e9
    for res, allowed in ((bear, (0.0, 15e9)), (base, (0.0, 15e9, 30e9, 45e9))):
        spent = _buyback_amounts(res, "buyback", shares)
        assert np.all(np.min(np.abs(spent[:, None] - np.array(allowed)), axis=1) < 1e3)
    assert np.all(bear.contributions["ai-gap"] <= 1e-15)
    assert np.median(bear.contributions["rumour-rebound"]) < np.median(base.contributions["rumour-rebound"])
    assert np.median(bear.predicted_return) < np.median(base.predicted_return) - 0.05


# ---------------------------------------------------------------------------- 4. Xiaomi


def test_xiaomi_as_of_matches_the_articles_13_percent(run_example, snapshot_dir: Path) -> None:
    """The article's +13% for 2025 holds at the as_of close (so the article is not earlier)."""
    (res,) = run_example("xiaomi_ai_rerating.yaml")
    claims = _claim_values()
    p0 = snapshot_close(snapshot_dir, "1810.HK", res.as_of)
    start = snapshot_close(snapshot_dir, "1810.HK", "2024-12-31")
    assert res.baseline_price[0] == pytest.approx(p0, rel=1e-12)
    assert p0 / start - 1 == pytest.approx(claims["a001-xiaomi-2025"], abs=0.005)


def test_xiaomi_catch_up_is_a_share_of_the_2025_derating(run_example) -> None:
    """EPS +45.8% against a price +13% means the P/E lost 1.13/1.458 - 1; the catch-up lifts
    the multiple by between 0 and 1.458/1.13 - 1 (the whole gap), and only the multiple."""
    (res,) = run_example("xiaomi_ai_rerating.yaml")
    claims = _claim_values()
    full_gap = (1 + claims["a001-xiaomi-eps-growth"]) / (1 + claims["a001-xiaomi-2025"])
    c = res.contributions["ai-catch-up"][:, 0]
    assert c.min() >= 0.0 and c.max() <= math.log(full_gap) + 1e-12
    assert c.max() > 0.9 * math.log(full_gap)            # the top of the range is reached
    data = raw_yaml("xiaomi_ai_rerating.yaml")
    m0 = res.baseline_price[0] / (_value(data["baseline"]["1810.HK"]["eps"]) * data["fx"]["CNYHKD"])
    np.testing.assert_allclose(res.multiple[:, 0], m0 * np.exp(c), rtol=1e-12)
    # the scenario is the article's bullish one: the median catch-up is positive and lifts the
    # median return above what growth alone gives
    growth_only = np.expm1(np.median(res.contributions["growth-2026"][:, 0]))
    assert np.median(driver_return(res)[:, 0]) > growth_only


# ---------------------------------------------------------------------------- 5. HSTECH


def _cap(w: np.ndarray, cap: float) -> np.ndarray:
    """Cap weights at ``cap`` and hand the excess to the uncapped names pro rata (repeat)."""
    w = w / w.sum()
    capped = np.zeros(w.shape, dtype=bool)
    for _ in range(len(w)):
        over = (w > cap + 1e-15) & ~capped
        if not over.any():
            break
        capped |= over
        free = ~capped
        rest = 1.0 - cap * capped.sum()
        w = np.where(capped, cap, w / w[free].sum() * rest)
    return w


def test_hstech_weights_obey_the_cap_sum_to_one_and_follow_the_tilts(run_example) -> None:
    (res,) = run_example("hstech_ai_reweight_2025.yaml")
    data = raw_yaml("hstech_ai_reweight_2025.yaml")
    d = raw_driver(data, "ai-tilt")
    themes = yaml.safe_load((REPO_ROOT / "seeds" / "universes.yaml").read_text(encoding="utf-8"))["themes"]
    before, after = res.index_weights_before, res.index_weights_after
    assert after.sum() == pytest.approx(1.0, abs=1e-12)
    assert before.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(after >= 0) and np.all(before >= 0)
    # one HSTECH (issue 11 item 9): both are the replica's holdings at as_of, set at the last
    # review (2024-12-09) under the cap and drifted with prices to as_of
    from scenarios.data import default_source
    from scenarios.data.view import PriceView
    from scenarios.model.loader import load_scenario
    from scenarios.recon.counterfactual import IndexScheme
    from scenarios.recon.weights_at import ViewSource, scenario_scheme, weights_at

    scen = load_scenario(REPO_ROOT / "examples" / "hstech_ai_reweight_2025.yaml")
    drv = next(x for x in scen.drivers if x.type == "index_weighting")
    schemes = [IndexScheme("index", cap=0.08), scenario_scheme(drv, scen.themes or {})]
    # the engine's own path (closes up to as_of only) ...
    view = weights_at(schemes, ViewSource(PriceView(default_source(), dt.date(2024, 12, 31))),
                      dt.date(2024, 12, 31), universe="hstech")
    # ... and the backtest's replica (whole files: the dividend un-adjustment also sees the
    # dividends after as_of, which moves weights by < 2e-4)
    got = weights_at(schemes, default_source(), dt.date(2024, 12, 31), universe="hstech")
    import pandas as pd

    assert got.review == view.review == pd.Timestamp("2024-12-09")
    for nm, w in (("index", before), ("scenario", after)):
        ref = view.drifted[nm].reindex(res.symbols).fillna(0.0).to_numpy()
        np.testing.assert_allclose(w, ref / ref.sum(), atol=1e-12)
        ref = got.drifted[nm].reindex(res.symbols).fillna(0.0).to_numpy()
        np.testing.assert_allclose(w, ref / ref.sum(), atol=2e-4)
        assert got.at_review[nm].max() <= d["cap"] + 1e-12
    assert np.isclose(got.at_review["scenario"], d["cap"], atol=1e-12).sum() >= 4  # big names at the cap
    idx = got.at_review["index"].to_numpy()
    np.testing.assert_allclose(_cap(idx, d["cap"]), idx / idx.sum(), atol=1e-12)  # capping is a no-op

    def share(w, names):
        return sum(w[k] for k, s in enumerate(res.symbols) if themes[s]["theme"] in names)

    ai, old = ("ai_compute_chips", "ai_models_cloud"), ("autos_ev", "hardware_appliances")
    assert share(after, ai) > share(before, ai) + 0.05
    assert share(after, old) < share(before, old) - 0.05
    # each theme separately moves the way the article wants
    for theme in ai:
        assert share(after, (theme,)) > share(before, (theme,)), theme
    for theme in old:
        assert share(after, (theme,)) < share(before, (theme,)), theme
    for theme in ("platforms", "healthcare", "other"):   # untilted: only the renormalization
        assert share(after, (theme,)) <= share(before, (theme,)) * 1.35, theme
    # index line = weighted constituents, per draw
    np.testing.assert_allclose(res.index_return, res.predicted_return @ after, atol=1e-12)
    np.testing.assert_allclose(res.index_return_before, res.predicted_return @ before, atol=1e-12)
    # the AI tilt helps in this scenario (AI names re-rate, car makers de-rate), in the drivers'
    # part of the returns (the market noise is the same for both weightings)
    narrative = driver_return(res)
    assert np.median(narrative @ after - narrative @ before) > 0


def test_hstech_universe_is_the_index_membership(run_example) -> None:
    """All 30 members on as_of, Midea (0300.HK, in the index from 2024-12-09) included: the
    implied fit no longer shrinks to its short history, and it gets a small positive weight."""
    from scenarios.seeds.universes import universe_members

    (res,) = run_example("hstech_ai_reweight_2025.yaml")
    members = set(universe_members("hstech", dt.date(2024, 12, 31)))
    assert len(members) == 30
    assert set(res.symbols) == members
    assert res.horizon == "2025-12-31"
    midea = res.index_weights_before[_col(res, "0300.HK")]
    assert 0.0 < midea < 0.03
    fit = res.inputs["resolved"]["index_fit"]
    # the replica's weights (issue 11 item 9): set at the 2024-12-09 review, where Midea joined
    assert fit[0].startswith("weights from the replica: set at the review of 2024-12-09")
    assert any(line.startswith("0300.HK enters on 2024-12-09") for line in fit)


def test_hstech_implied_weights_put_the_big_platforms_on_top(run_example) -> None:
    """With 250 sessions of history the weights implied from HSTECH.HK's returns rank the known
    heavyweights (Alibaba, Meituan, Xiaomi, Tencent, JD, Kuaishou) as the six largest, each
    within two points of the 8% cap."""
    (res,) = run_example("hstech_ai_reweight_2025.yaml")
    top6 = {res.symbols[k] for k in np.argsort(res.index_weights_before)[-6:]}
    # the article's top ten (SMIC, Alibaba, Meituan, Tencent, BYD, NetEase, Xiaomi, Kuaishou, JD,
    # Baidu); the replica at 2024-12-31 has SMIC (0981.HK) where the old single fit had Kuaishou
    top10 = {"0981.HK", "9988.HK", "3690.HK", "0700.HK", "1211.HK", "9999.HK", "1810.HK", "1024.HK",
             "9618.HK", "9888.HK"}
    assert top6 <= top10 and {"9988.HK", "3690.HK", "1810.HK", "0700.HK", "9618.HK"} <= top6
    for s in top6:
        assert abs(res.index_weights_before[_col(res, s)] - 0.08) < 0.02


# ---------------------------------------------------------------------------- 6. DeepSeek


@pytest.mark.parametrize("name, horizon", [("deepseek_rally_feb_2025.yaml", dt.date(2026, 2, 13)),
                                           ("deepseek_rally_feb_2025_dec.yaml", dt.date(2025, 12, 31))])
def test_deepseek_multiple_reverts_by_the_documented_fraction(name: str, horizon: dt.date, run_example,
                                                             snapshot_dir: Path) -> None:
    """Forward P/E 17.4 -> 24.5 (claims a004-hstech-forward-pe / -5y-average-pe): the multiple
    at the horizon is 17.4 + 7.1 x (1 - 2^(-years / half_life)) in every draw, one grid point
    per half-life 0.5, 1, 2 years."""
    results = run_example(name)
    claims = _claim_values()
    pe0, target = claims["a004-hstech-forward-pe"], claims["a004-hstech-5y-average-pe"]
    data = raw_yaml("deepseek_rally_feb_2025.yaml")
    eps = _value(data["baseline"]["HSTECH.HK"]["eps"])
    close = snapshot_close(snapshot_dir, "HSTECH.HK", "2025-02-13")
    m0 = close / eps
    assert m0 == pytest.approx(pe0, rel=1e-7)
    years = (horizon - dt.date(2025, 2, 13)).days / 365.25
    assert [r.grid_point for r in results] == [
        {"drivers[pe-reversion].half_life_years": hl} for hl in (0.5, 1.0, 2.0)]
    medians = []
    for res, hl in zip(results, (0.5, 1.0, 2.0), strict=True):
        assert res.horizon == horizon.isoformat()
        frac = 1 - 2 ** (-years / hl)
        np.testing.assert_allclose(res.multiple[:, 0], m0 + (target - m0) * frac, rtol=1e-12)
        assert float(np.median(res.multiple[:, 0])) == pytest.approx(pe0 + (target - pe0) * frac, rel=1e-6)
        medians.append(float(np.median(res.predicted_return[:, 0])))
    # a shorter half-life closes more of the gap: higher median return
    assert medians[0] > medians[1] > medians[2] > 0
    # the 1-year half-life over 12 months closes (almost exactly) half the gap
    if name == "deepseek_rally_feb_2025.yaml":
        assert 1 - 2 ** (-years / 1.0) == pytest.approx(0.5, abs=1e-3)


# ---------------------------------------------------------------------------- market noise


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_examples_carry_market_noise_from_their_own_history(path: Path, run_example,
                                                            snapshot_dir: Path) -> None:
    """Every example is a forecast to be scored, so it has monte_carlo.residual with vol
    history: each symbol's noise has the sd of its daily log returns over the 250 sessions
    before as_of (plain pandas on the CSV) times sqrt(sessions to the horizon), the sessions
    counted on the exchange calendar (exchange-calendars directly)."""
    import warnings

    import pandas as pd

    def hk_or_us_sessions(sym: str, start: pd.Timestamp, end: pd.Timestamp) -> int:
        with warnings.catch_warnings():  # exchange-calendars 4 on pandas 3: deprecations
            warnings.simplefilter("ignore")
            import exchange_calendars as xcals

            cal = xcals.get_calendar("XHKG" if sym.endswith(".HK") else "XNYS")
            return len(cal.sessions_in_range(start, end))

    for res in run_example(path.name):
        assert res.residual is not None and res.residual["label"] == "residual"
        for j, sym in enumerate(res.symbols):
            per = res.residual["per_symbol"][sym]
            vol, n = history_vol(snapshot_dir, sym, res.as_of)
            assert per["vol_source"] == "history" and per["n_returns"] == n
            # 250 returns, or every return since listing for a recent listing (Midea: 61)
            assert n == 250 or (sym == "0300.HK" and n == 61)
            assert per["vol"] == pytest.approx(vol, rel=1e-9)
            start = pd.Timestamp(res.baseline_date[j]) + pd.Timedelta(days=1)
            sessions = hk_or_us_sessions(sym, start, pd.Timestamp(res.horizon))
            assert per["sessions"] == sessions
            sd = vol * math.sqrt(sessions / 252)
            c = res.contributions["residual"][:, j]
            assert abs(c.std() / sd - 1) < 4 / math.sqrt(2 * len(c))
            # mean-centred (the default): drift -sd^2/2, E[exp(residual)] = 1, and the share of
            # draws above 0 is Phi(-sd/2) < 1/2
            from scipy.stats import norm

            assert res.residual["center"] == "mean"
            assert per["drift"] == pytest.approx(-sd * sd / 2, rel=1e-9)
            assert abs((c > 0).mean() - norm.cdf(-sd / 2)) < 4 * 0.5 / math.sqrt(len(c))
            se = math.sqrt(math.expm1(sd * sd) / len(c))
            assert np.mean(np.exp(c)) == pytest.approx(1.0, abs=5 * se)


def test_tencent_bands_are_no_longer_certain(run_example) -> None:
    """Before the residual, the Tencent scenario's drivers were all bullish enough to give
    P(up) of about 100%; with the market noise the band spans losses too and P(up) is a
    probability."""
    (res,) = run_example("tencent_feb_2026.yaml")
    assert (driver_return(res)[:, 0] > 0).mean() > 0.99
    s = res.summary().loc["0700.HK"]
    assert 0.5 < s["prob_up"] < 0.9
    assert s["return_p05"] < 0 < s["return_p95"]
