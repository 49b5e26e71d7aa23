"""monte_carlo.residual vol models: history | ewma | garch | NUMBER.

The engine's volatilities are compared with ``valuation.volatility`` called directly on the
same daily log returns (computed here with plain numpy from the closes handed to the source),
and with the lognormal / sampling identities of the two centrings.
"""

from __future__ import annotations

import math
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import MemorySource
from scenarios.engine import run_scenario as _run_scenario
from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model import scenario_from_dict
from valuation.volatility import ewma_vol, garch_vol, history_vol

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

AS_OF = "2025-06-30"
HORIZON = "2025-12-31"


def _closes(seed: int = 0, daily: float = 0.02, start: str = "2021-01-04") -> dict[str, pd.Series]:
    """Closes with volatility clustering (a GARCH-like daily sd), so the models disagree."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(start, "2026-06-30")
    sd = np.empty(len(idx))
    v = daily ** 2
    r = np.empty(len(idx))
    for t in range(len(idx)):
        sd[t] = math.sqrt(v)
        r[t] = sd[t] * rng.standard_normal()
        v = 0.05 * daily ** 2 + 0.10 * r[t] ** 2 + 0.85 * v
    return {"0700.HK": pd.Series(100 * np.exp(np.cumsum(r)), index=idx),
            "^HSI": pd.Series(20000.0, index=idx)}


def _returns(series: pd.Series, n: int) -> np.ndarray:
    s = series[series.index <= AS_OF].to_numpy()
    return np.diff(np.log(s))[-n:]


def _scenario(residual: dict, draws: int = 2000, seed: int = 3) -> dict:
    return {"name": "vol", "as_of": AS_OF, "horizon": HORIZON, "universe": ["0700.HK"],
            "drivers": [], "monte_carlo": {"draws": draws, "seed": seed, "residual": residual}}


def _run(residual: dict, closes: dict[str, pd.Series], **kw):  # type: ignore[no-untyped-def]
    return run_scenario(scenario_from_dict(_scenario(residual, **kw)), source=MemorySource(closes))


def test_history_and_ewma_equal_the_valuation_functions_on_the_same_returns() -> None:
    closes = _closes()
    r250 = _returns(closes["0700.HK"], 250)
    out = {}
    for model, ref in (("history", history_vol), ("ewma", ewma_vol)):
        res = _run({"vol": model, "correlation": "none"}, closes)
        per = res.residual["per_symbol"]["0700.HK"]
        h = per["sessions"]
        expected = ref(r250, h)
        assert per["vol_source"] == model and per["n_returns"] == 250
        assert per["vol"] == pytest.approx(expected.annualised, rel=1e-12)
        assert per["sd"] == pytest.approx(expected.horizon, rel=1e-12)  # sd over the horizon
        out[model] = per["vol"]
    # the clustered series makes the two estimates differ: the test can tell them apart
    assert abs(out["ewma"] / out["history"] - 1) > 0.01
    # RiskMetrics by hand: zero-mean, weights (1 - 0.94) 0.94^k normalised over the window
    w = 0.06 * 0.94 ** np.arange(249, -1, -1)
    assert out["ewma"] == pytest.approx(math.sqrt((w * r250 ** 2).sum() / w.sum() * 252), rel=1e-12)


def test_garch_equals_the_valuation_function_with_its_own_window() -> None:
    pytest.importorskip("arch")
    closes = _closes(seed=5)
    res = _run({"vol": "garch", "correlation": "none", "garch_days": 800}, closes)
    per = res.residual["per_symbol"]["0700.HK"]
    r = _returns(closes["0700.HK"], 800)
    expected = garch_vol(r, per["sessions"])
    assert per["vol_source"] == "garch" and per["n_returns"] == 800
    assert per["vol"] == pytest.approx(expected.annualised, rel=1e-9)
    assert per["sd"] == pytest.approx(expected.horizon, rel=1e-9)
    assert per["vol"] != pytest.approx(_run({"vol": "history", "correlation": "none"},
                                            closes).residual["per_symbol"]["0700.HK"]["vol"], rel=1e-3)


def test_a_number_is_exactly_that_annualised_vol() -> None:
    closes = _closes()
    res = _run({"vol": 0.3, "correlation": "none"}, closes, draws=40_000)
    per = res.residual["per_symbol"]["0700.HK"]
    import exchange_calendars as xcals

    cal = xcals.get_calendar("XHKG")
    sessions = len(cal.sessions_in_range(pd.Timestamp(AS_OF) + pd.Timedelta(days=1),
                                         pd.Timestamp(HORIZON)))
    assert per["vol"] == 0.3 and per["vol_source"] == "given" and per["n_returns"] is None
    assert per["sessions"] == sessions
    assert per["sd"] == pytest.approx(0.3 * math.sqrt(sessions / 252), rel=1e-15)
    c = res.contributions["residual"][:, 0]
    realised_annual = c.std(ddof=1) / math.sqrt(sessions / 252)
    assert abs(realised_annual - 0.3) < 4 * 0.3 / math.sqrt(2 * len(c))  # se of a sample sd


def test_by_symbol_takes_a_model_per_symbol() -> None:
    closes = _closes()
    closes["9988.HK"] = closes["0700.HK"] * 1.5
    data = _scenario({"vol": 0.25, "by_symbol": {"9988": "ewma"}, "correlation": "none"})
    data["universe"] = ["0700.HK", "9988.HK"]
    res = run_scenario(scenario_from_dict(data), source=MemorySource(closes))
    per = res.residual["per_symbol"]
    assert per["0700.HK"]["vol"] == 0.25
    assert per["9988.HK"]["vol_source"] == "ewma"
    assert per["9988.HK"]["vol"] == pytest.approx(
        ewma_vol(_returns(closes["0700.HK"], 250), per["9988.HK"]["sessions"]).annualised, rel=1e-12)


SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), daily=st.floats(0.005, 0.035),
       model=st.sampled_from(["history", "ewma", 0.45]), center=st.sampled_from(["mean", "median"]),
       dist=st.sampled_from(["normal", "student_t"]))
def test_centring_identities_hold_for_every_vol_model(seed, daily, model, center, dist) -> None:
    """mean: E[exp(residual)] = 1 (the drivers' price is the expected price); median: the
    median residual is 0. Checked within Monte Carlo error (20,000 draws)."""
    closes = _closes(seed=seed % 1000, daily=daily, start="2024-01-02")
    res = _run({"vol": model, "center": center, "dist": dist, "correlation": "none"}, closes,
               draws=20_000, seed=seed)
    c = res.contributions["residual"][:, 0]
    n = len(c)
    assert res.residual["center"] == center
    if center == "mean":
        g = np.exp(c)
        assert abs(g.mean() - 1) < 5 * g.std(ddof=1) / math.sqrt(n)
        assert res.summary().loc["0700.HK", "mean_return"] == pytest.approx(g.mean() - 1, abs=1e-12)
    else:
        assert res.residual["per_symbol"]["0700.HK"]["drift"] == 0.0
        assert abs((c > 0).mean() - 0.5) < 4 * 0.5 / math.sqrt(n)


def test_garch_without_arch_names_the_install_command(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "arch", None)  # import arch -> ImportError
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.yaml").write_text(
        f"name: g\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [0700.HK]\n"
        "monte_carlo:\n  residual:\n    vol: garch\n", encoding="utf-8")
    from scenarios.model import load_scenario

    with pytest.raises(ScenarioError) as info:
        run_scenario(load_scenario("g.yaml"), source=MemorySource(_closes()))
    msg = str(info.value)
    assert msg.startswith("g.yaml:7:10 monte_carlo.residual.vol: vol garch (0700.HK)")
    assert "pip install 'narrative-scenarios[vol]'" in msg


def test_estimation_problems_are_located_at_the_field_that_asked(monkeypatch, tmp_path) -> None:
    closes = _closes()
    idx = closes["0700.HK"].index
    wild = np.cumsum(np.where(np.arange(len(idx)) % 2 == 0, 0.4, -0.4))  # 0.4 a day: 635% a year
    closes["9988.HK"] = pd.Series(100 * np.exp(wild), index=idx)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "e.yaml").write_text(
        f"name: e\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [0700.HK, 9988.HK]\n"
        "monte_carlo:\n  residual:\n    vol: 0.3\n    by_symbol: {9988.HK: ewma}\n", encoding="utf-8")
    from scenarios.model import load_scenario

    with pytest.raises(ScenarioError) as info:
        run_scenario(load_scenario("e.yaml"), source=MemorySource(closes))
    msg = str(info.value)
    assert msg.startswith("e.yaml:8:") and "monte_carlo.residual.by_symbol.9988.HK" in msg
    assert "vol ewma: the forecast for 9988.HK" in msg and "above 5" in msg and "give it a vol in by_symbol" in msg


@pytest.mark.parametrize("vol, expected", [("EWMA", "ewma"), (" garch ", "garch"), ("history", "history"),
                                           (0.3, 0.3), (0, 0.0)])
def test_schema_accepts_the_models_and_numbers(vol, expected) -> None:
    assert scenario_from_dict(_scenario({"vol": vol})).monte_carlo.residual.vol == expected


@pytest.mark.parametrize("vol, message", [
    ("garch11", "must be history, ewma, garch or an annualized volatility such as 0.35"),
    (True, "must be history, ewma, garch or an annualized volatility"),
    (-0.2, "must be >= 0"),
])
def test_schema_rejects_other_vols_with_a_location(vol, message) -> None:
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_dict(_scenario({"vol": vol}))
    assert message in str(info.value) and "monte_carlo.residual.vol" in str(info.value)
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_dict(_scenario({"vol": 0.3, "by_symbol": {"0700.HK": vol}}))
    assert message in str(info.value) and "monte_carlo.residual.by_symbol" in str(info.value)


@pytest.mark.snapshot
def test_ewma_on_the_snapshot_equals_valuation_on_the_csv(snapshot_dir) -> None:
    """Tencent at 2025-02-13: the engine's EWMA vol equals ewma_vol on the last 250 log returns
    of the snapshot's adjusted closes read straight from the CSV."""
    from scenarios.data.csvdir import CsvDirSource

    df = pd.read_csv(snapshot_dir / "0700.HK.csv", parse_dates=["date"]).set_index("date")
    close = df["close"].dropna()
    close = close[(close > 0) & (close.index <= "2025-02-13")]
    assert close.index[-1] == pd.Timestamp("2025-02-13")
    r = np.diff(np.log(close.to_numpy()))[-250:]
    data = {"name": "snap", "as_of": "2025-02-13", "horizon": "2025-08-13", "universe": ["0700.HK"],
            "drivers": [], "monte_carlo": {"draws": 500, "seed": 1,
                                            "residual": {"vol": "ewma", "center": "mean"}}}
    res = run_scenario(scenario_from_dict(data), source=CsvDirSource(snapshot_dir))
    per = res.residual["per_symbol"]["0700.HK"]
    expected = ewma_vol(r, per["sessions"])
    assert per["vol"] == pytest.approx(expected.annualised, rel=1e-9)
    assert 0.15 < per["vol"] < 0.8  # a plausible annual vol for Tencent


def test_summary_and_json_report_both_the_mean_and_the_median() -> None:
    """The result's summary (and so ``--format json``) has the mean and the median of the
    return and of the price; with the default mean centring the mean price is the drivers'
    price (here P0: no driver) and the median is below it by about exp(-s^2/2)."""
    closes = _closes()
    res = _run({"vol": 0.5, "correlation": "none"}, closes, draws=40_000)
    row = res.summary().loc["0700.HK"]
    r = res.predicted_return[:, 0]
    p0 = float(res.baseline_price[0])
    assert row["mean_return"] == pytest.approx(r.mean(), abs=1e-15)
    assert row["median_return"] == pytest.approx(np.median(r), abs=1e-15)
    assert row["mean_price"] == pytest.approx(res.predicted_price[:, 0].mean(), rel=1e-12)
    assert row["median_price"] == pytest.approx(np.median(res.predicted_price[:, 0]), rel=1e-12)
    sd = res.residual["per_symbol"]["0700.HK"]["sd"]
    se = p0 * math.sqrt(math.expm1(sd * sd) / len(r))
    assert abs(row["mean_price"] - p0) < 5 * se
    assert row["median_price"] == pytest.approx(p0 * math.exp(-sd * sd / 2), rel=0.02)
    payload = res.to_dict(include_draws=False)["summary"][0]
    assert {"mean_return", "median_return", "mean_price", "median_price"} <= set(payload)


def test_too_short_for_garch_is_caught_before_the_run_at_the_by_symbol_entry(monkeypatch, tmp_path) -> None:
    """GARCH needs 100 returns (history and EWMA: min_days, 60): the data check says so at the
    by_symbol entry that asked for it, with the key as written."""
    closes = _closes()
    closes["3690.HK"] = closes["0700.HK"][closes["0700.HK"].index >= "2025-03-01"]  # 85 returns
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(
        f"name: s\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [0700.HK, 3690.HK]\n"
        "monte_carlo:\n  residual:\n    vol: history\n    by_symbol: {3690.hk: garch}\n",
        encoding="utf-8")
    from scenarios.model import data_checks, load_scenario

    s = load_scenario("s.yaml")
    errors, _ = data_checks(s, MemorySource(closes))
    assert [str(e) for e in errors] == [
        ("s.yaml:8:26 monte_carlo.residual.by_symbol.3690.hk: vol garch: 3690.HK has 85 daily "
         f"returns on or before {AS_OF} (needs 100); give it a vol in by_symbol")]
    # history accepts the same 85 returns (min_days 60)
    (tmp_path / "s.yaml").write_text(
        f"name: s\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [0700.HK, 3690.HK]\n"
        "monte_carlo:\n  residual:\n    vol: history\n", encoding="utf-8")
    res = run_scenario(load_scenario("s.yaml"), source=MemorySource(closes))
    assert res.residual["per_symbol"]["3690.HK"]["n_returns"] == 85


@pytest.mark.parametrize("center", ["mean", "median"])
def test_a_residual_wider_than_three_log_sd_is_a_located_error(center, monkeypatch, tmp_path) -> None:
    """vol 3 over five years: s = 3 sqrt(T / 252) is about 6.7. Mean-centred, a draw's log return
    (-s^2/2 - 4 s, about -49) underflows to a price of exactly 0 in floating point, which no
    scorer can use: the run stops with a located error instead. Just under the bound it runs
    and every price stays positive."""
    monkeypatch.chdir(tmp_path)
    closes = _closes()
    text = (f"name: w\nas_of: {AS_OF}\nhorizon: 5Y\nuniverse: [0700.HK]\n"
            "monte_carlo:\n  draws: 20000\n  residual:\n    vol: {vol}\n"
            f"    center: {center}\n    correlation: none\n")
    (tmp_path / "w.yaml").write_text(text.replace("{vol}", "3.0"), encoding="utf-8")
    from scenarios.errors import ScenarioError
    from scenarios.model import load_scenario

    with pytest.raises(ScenarioError) as info:
        run_scenario(load_scenario("w.yaml"), source=MemorySource(closes))
    msg = str(info.value)
    assert msg.startswith("w.yaml:8:10 monte_carlo.residual.vol: 0700.HK: vol 3 a year")
    assert "above 3" in msg
    # just under the bound over one year (the sessions as the engine counts them)
    (tmp_path / "w.yaml").write_text(text.replace("{vol}", "1.0").replace("5Y", "1Y"), encoding="utf-8")
    sessions = run_scenario(load_scenario("w.yaml"), source=MemorySource(closes)).residual[
        "per_symbol"]["0700.HK"]["sessions"]
    vol_ok = 2.99 / math.sqrt(sessions / 252)
    (tmp_path / "w.yaml").write_text(text.replace("{vol}", f"{vol_ok:.6f}").replace("5Y", "1Y"),
                                     encoding="utf-8")
    res = run_scenario(load_scenario("w.yaml"), source=MemorySource(closes))
    assert res.residual["per_symbol"]["0700.HK"]["sd"] < 3.0
    assert np.all(res.predicted_return > -1.0) and np.all(res.predicted_price > 0)


def test_a_fat_tailed_mean_centred_residual_cannot_underflow_to_a_zero_price(monkeypatch, tmp_path) -> None:
    """Mean-centred Student t: the drift -log E[exp(s Z)] grows fast with s (the clipped tail
    dominates: about -9.7 at s = 2 for df 5), so a draw at the -10 sd clip can reach a price of
    0 in floating point well below the sd bound. Such a setting is refused with a located
    error; the same sd with a normal runs."""
    monkeypatch.chdir(tmp_path)
    closes = _closes()
    text = (f"name: t\nas_of: {AS_OF}\nhorizon: 1Y\nuniverse: [0700.HK]\n"
            "monte_carlo:\n  draws: 5000\n  residual:\n    vol: 2.5\n    dist: {dist}\n"
            "    correlation: none\n")
    from scenarios.errors import ScenarioError
    from scenarios.model import load_scenario

    (tmp_path / "t.yaml").write_text(text.replace("{dist}", "student_t"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        run_scenario(load_scenario("t.yaml"), source=MemorySource(closes))
    msg = str(info.value)
    assert msg.startswith("t.yaml:8:10 monte_carlo.residual.vol: 0700.HK: a log-return sd of")
    assert "or use dist: normal" in msg
    (tmp_path / "t.yaml").write_text(text.replace("{dist}", "normal"), encoding="utf-8")
    res = run_scenario(load_scenario("t.yaml"), source=MemorySource(closes))
    per = res.residual["per_symbol"]["0700.HK"]
    assert per["drift"] - 8.5 * per["sd"] > -30
    assert np.all(res.predicted_return > -1.0)
