"""monte_carlo.residual: market noise around the drivers' prediction.

Expected values are computed independently: volatilities and correlations with plain numpy
from the closes handed to the in-memory source, trading sessions with exchange-calendars
directly, the lognormal mean and the clipped Student-t mean with scipy.
"""

from __future__ import annotations

import copy
import json
import math
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import MemorySource
from scenarios.engine import ScenarioResult
from scenarios.engine import run_scenario as _run_scenario
from scenarios.engine.residual import log_mgf, nearest_correlation
from scenarios.errors import LookAheadError, ScenarioErrors
from scenarios.model import scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

AS_OF = "2025-06-30"
HORIZON = "2025-12-31"
SYMS = ["0700.HK", "9988.HK", "3690.HK"]
DAILY_VOL = np.array([0.02, 0.03, 0.015])


def _closes(seed: int = 0, corr: float = 0.0, end: str = "2026-06-30") -> dict[str, pd.Series]:
    """Business-day closes with known daily log vol DAILY_VOL and pairwise correlation corr."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-02", end)
    common = rng.standard_normal(len(idx))
    out = {}
    for j, s in enumerate(SYMS):
        z = math.sqrt(corr) * common + math.sqrt(1 - corr) * rng.standard_normal(len(idx))
        out[s] = pd.Series(100 * np.exp(np.cumsum(DAILY_VOL[j] * z)), index=idx)
    out["^HSI"] = pd.Series(20000 * np.exp(np.cumsum(0.01 * common)), index=idx)
    return out


def _scenario(residual: dict | str | float, *, drivers: list | None = None, draws: int = 20_000,
              universe: list[str] | None = None) -> dict:
    return {"name": "res", "as_of": AS_OF, "horizon": HORIZON, "universe": universe or SYMS,
            "benchmarks": ["^HSI"], "drivers": drivers or [],
            "monte_carlo": {"draws": draws, "seed": 11, "residual": residual}}


def _hk_sessions(after: str, until: str) -> int:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import exchange_calendars as xcals

        cal = xcals.get_calendar("XHKG")
        days = cal.sessions_in_range(pd.Timestamp(after) + pd.Timedelta(days=1), pd.Timestamp(until))
    return len(days)


def _hist_vol(series: pd.Series, lookback: int = 250) -> float:
    s = series[series.index <= AS_OF].to_numpy()
    r = np.diff(np.log(s))[-lookback:]
    return float(np.std(r, ddof=1) * math.sqrt(252))


def test_history_vol_and_horizon_match_an_independent_computation() -> None:
    closes = _closes()
    r = run_scenario(scenario_from_dict(_scenario({"vol": "history", "correlation": "none",
                                                   "center": "mean"})),
                     source=MemorySource(closes))
    sessions = _hk_sessions(AS_OF, HORIZON)
    assert 120 <= sessions <= 130
    per = r.residual["per_symbol"]
    for j, s in enumerate(SYMS):
        vol = _hist_vol(closes[s])
        assert per[s]["vol"] == pytest.approx(vol, rel=1e-12)
        assert per[s]["sessions"] == sessions and per[s]["n_returns"] == 250
        # the estimate is near the true vol (sampling error of a sd from 250 returns ~ 4.5%)
        assert abs(vol / (DAILY_VOL[j] * math.sqrt(252)) - 1) < 4 * 0.045
        sd = vol * math.sqrt(sessions / 252)
        assert per[s]["sd"] == pytest.approx(sd, rel=1e-12)
        c = r.contributions["residual"][:, j]
        # sample sd of 20,000 normal draws: relative standard error 1 / sqrt(2 n) = 0.5%
        assert abs(c.std(ddof=1) / sd - 1) < 4 / math.sqrt(2 * len(c))
        # mean-centred: drift -sd^2/2 and E[exp(residual)] = 1 within sampling error
        assert per[s]["drift"] == pytest.approx(-sd * sd / 2, rel=1e-12)
        se = math.sqrt(math.expm1(sd * sd) / len(c))
        assert abs(np.exp(c).mean() - 1) < 4 * se


def test_residual_is_its_own_contribution_and_the_sum_still_holds() -> None:
    drivers = [{"type": "rerating", "label": "rr", "change": {"dist": "uniform", "low": -0.1, "high": 0.2}}]
    r = run_scenario(scenario_from_dict(_scenario("history", drivers=drivers)),
                     source=MemorySource(_closes()))
    assert list(r.contributions) == ["rr", "residual"]
    np.testing.assert_allclose(sum(r.contributions.values()), np.log1p(r.predicted_return),
                               rtol=0, atol=1e-13)
    np.testing.assert_allclose(r.predicted_price,
                               r.baseline_price * np.exp(r.contributions["rr"] + r.contributions["residual"]),
                               rtol=1e-12)
    # the index includes it (weights x simple returns, per draw)
    np.testing.assert_allclose(r.index_return, r.predicted_return @ r.index_weights_after, rtol=1e-12)
    # the residual is noise, never "the driver that moved it most"
    assert set(r.top_driver()) == {"rr"}
    assert {f"monte_carlo.residual/{s}" for s in SYMS} <= set(r.inputs["resolved"]["random_parameters"])


def test_same_seed_same_numbers_and_first_draws_do_not_depend_on_the_count() -> None:
    src = MemorySource(_closes())
    s = scenario_from_dict(_scenario({"vol": "history", "dist": "student_t", "df": 4}))
    a = run_scenario(s, source=src)
    b = run_scenario(s, source=src)
    assert np.array_equal(a.contributions["residual"], b.contributions["residual"])
    c = run_scenario(s, source=src, draws=500)
    np.testing.assert_array_equal(c.contributions["residual"], a.contributions["residual"][:500])
    d = run_scenario(s, source=src, seed=12)
    assert not np.array_equal(d.contributions["residual"], a.contributions["residual"])
    # adding a driver does not reshuffle the residual
    data = _scenario({"vol": "history", "dist": "student_t", "df": 4})
    data["drivers"] = [{"type": "earnings_growth", "growth": {"dist": "normal", "mean": 0.1, "sd": 0.1}}]
    e = run_scenario(scenario_from_dict(data), source=src)
    assert np.array_equal(e.contributions["residual"], a.contributions["residual"])


def test_no_look_ahead_prices_after_as_of_change_nothing() -> None:
    closes = _closes()
    shifted = {k: v.where(v.index <= AS_OF, v * 5.0 + np.arange(len(v))) for k, v in closes.items()}
    s = scenario_from_dict(_scenario({"vol": "history", "correlation": "history"}))
    a = run_scenario(s, source=MemorySource(closes))
    b = run_scenario(s, source=MemorySource(shifted))
    assert np.array_equal(a.contributions["residual"], b.contributions["residual"])
    assert a.residual == b.residual

    class Guarded(MemorySource):
        def get(self, symbol, start=None, end=None):
            if end is None or pd.Timestamp(end) > pd.Timestamp(AS_OF):
                raise LookAheadError(f"{symbol} asked up to {end}")
            return super().get(symbol, start, end)

    g = Guarded(closes)
    run_scenario(s, source=g)
    assert g.requests and all(pd.Timestamp(e) <= pd.Timestamp(AS_OF) for _, _, e in g.requests)
    # and the estimate really uses the window before as_of: a later as_of gives another vol
    later = run_scenario(s, source=MemorySource(shifted), as_of="2026-03-31")
    assert later.residual["per_symbol"]["0700.HK"]["vol"] != a.residual["per_symbol"]["0700.HK"]["vol"]


SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _neutral_drivers() -> list[dict]:
    return [
        {"type": "earnings_growth", "label": "g", "growth": 0.0},
        {"type": "rerating", "label": "rr", "change": {"dist": "normal", "mean": 0.0, "sd": 0.0}},
        {"type": "sentiment_shock", "label": "shock", "shock": 0.0, "half_life_days": 20},
    ]


@SETTINGS
@given(vol=st.floats(0.05, 0.9), seed=st.integers(0, 2**32 - 1),
       center=st.sampled_from(["mean", "median", None]), dist=st.sampled_from(["normal", "student_t"]))
def test_neutral_drivers_with_a_residual(vol, seed, center, dist) -> None:
    """center None = not written: the default is mean."""
    res = {"vol": vol, "dist": dist, "correlation": "none"}
    if center is not None:
        res["center"] = center
    data = _scenario(res, drivers=_neutral_drivers(), draws=20_000, universe=["0700.HK"])
    data["monte_carlo"]["seed"] = seed
    r = run_scenario(scenario_from_dict(data), source=_FLAT)
    for k in ("g", "rr", "shock"):
        assert np.all(r.contributions[k] == 0.0)
    c = r.contributions["residual"][:, 0]
    n = len(c)
    sd = vol * math.sqrt(_FLAT_SESSIONS / 252)
    assert r.residual["per_symbol"]["0700.HK"]["sd"] == pytest.approx(sd, rel=1e-12)
    np.testing.assert_allclose(r.predicted_price[:, 0], 100.0 * np.exp(c), rtol=1e-12)
    assert r.residual["center"] == (center or "mean")
    if center == "median":
        # median of the residual is 0: the share of draws above 0 is 1/2 within sampling error
        assert abs((c > 0).mean() - 0.5) < 4 * 0.5 / math.sqrt(n)
        assert r.residual["per_symbol"]["0700.HK"]["drift"] == 0.0
        assert abs(r.summary().loc["0700.HK", "prob_up"] - 0.5) < 4 * 0.5 / math.sqrt(n)
    else:
        # E[1 + R] = 1: the drivers' price is the expected price
        g = np.exp(c)
        assert abs(g.mean() - 1) < 5 * g.std() / math.sqrt(n)
        assert (c > 0).mean() < 0.5


def test_default_center_is_mean_and_median_stays_available() -> None:
    """A 60%-vol stock over a year with no driver: the default (mean) keeps E[P] = P0 and moves
    the median return to exp(-s^2/2) - 1 (about -16.5%); center: median keeps the median
    return at 0 (P(up) = 1/2) instead. Expected values from the lognormal formulas."""
    data = _scenario({"vol": 0.6, "correlation": "none"}, draws=40_000, universe=["0700.HK"])
    data["horizon"] = "2026-06-30"
    mean = run_scenario(scenario_from_dict(data), source=_FLAT)
    assert mean.residual["center"] == "mean"
    data["monte_carlo"]["residual"]["center"] = "median"
    med = run_scenario(scenario_from_dict(data), source=_FLAT)
    sd = med.residual["per_symbol"]["0700.HK"]["sd"]
    assert sd == mean.residual["per_symbol"]["0700.HK"]["sd"]
    assert 0.55 < sd < 0.65  # about a year of sessions
    n = 40_000
    tol = 4 * 0.5 / math.sqrt(n)
    rm, ra = med.predicted_return[:, 0], mean.predicted_return[:, 0]
    assert med.residual["center"] == "median" and med.residual["per_symbol"]["0700.HK"]["drift"] == 0.0
    assert abs((rm > 0).mean() - 0.5) < tol
    assert abs(float(np.median(rm))) < 4 * sd * 1.2533 / math.sqrt(n)  # se of a normal median
    assert abs(rm.mean() - math.expm1(sd * sd / 2)) < 5 * math.sqrt(math.expm1(sd * sd) * math.exp(sd * sd) / n)
    # mean-centred: median exp(-s^2/2) - 1, P(up) = Phi(-s/2), E[1 + R] = 1
    from scipy.stats import norm

    assert abs(float(np.median(ra)) - math.expm1(-sd * sd / 2)) < 0.02
    assert abs((ra > 0).mean() - norm.cdf(-sd / 2)) < tol
    assert abs(ra.mean()) < 5 * math.sqrt(math.expm1(sd * sd) / n)
    # same shocks, only the drift differs
    np.testing.assert_allclose(np.log1p(ra) - np.log1p(rm), -sd * sd / 2, rtol=0, atol=1e-12)


_FLAT = MemorySource({"0700.HK": pd.Series(100.0, index=pd.bdate_range("2024-01-02", "2026-06-30")),
                      "^HSI": pd.Series(1.0, index=pd.bdate_range("2024-01-02", "2026-06-30"))})
_FLAT_SESSIONS = _hk_sessions(AS_OF, HORIZON)


def test_given_vols_by_symbol_and_scale() -> None:
    res = {"vol": 0.3, "by_symbol": {"9988": 0.5, "3690.HK": "history"}, "scale": 1.2,
           "correlation": "none"}
    closes = _closes()
    r = run_scenario(scenario_from_dict(_scenario(res)), source=MemorySource(closes))
    per = r.residual["per_symbol"]
    assert per["0700.HK"]["vol"] == pytest.approx(0.36) and per["0700.HK"]["vol_source"] == "given"
    assert per["9988.HK"]["vol"] == pytest.approx(0.6)
    assert per["3690.HK"]["vol"] == pytest.approx(1.2 * _hist_vol(closes["3690.HK"]), rel=1e-12)
    assert per["3690.HK"]["vol_source"] == "history"


def test_constant_and_historical_correlation() -> None:
    closes = _closes(seed=3, corr=0.6)
    r = run_scenario(scenario_from_dict(_scenario({"vol": 0.3, "correlation": 0.5})),
                     source=MemorySource(closes))
    cc = np.corrcoef(r.contributions["residual"].T)
    assert np.all(np.abs(cc[~np.eye(3, dtype=bool)] - 0.5) < 0.03)

    r = run_scenario(scenario_from_dict(_scenario({"vol": "history", "correlation": "history"})),
                     source=MemorySource(closes))
    lr = pd.DataFrame({s: np.diff(np.log(closes[s][closes[s].index <= AS_OF].to_numpy()))[-250:]
                       for s in SYMS})
    hist = lr.corr().to_numpy()
    assert np.all(hist[~np.eye(3, dtype=bool)] > 0.45)  # the source is correlated (0.6)
    cc = np.corrcoef(r.contributions["residual"].T)
    np.testing.assert_allclose(cc, hist, atol=0.03)
    # the equal-weight basket's spread follows w' S w (S = covariance of the log residuals)
    sd = np.array([r.residual["per_symbol"][s]["sd"] for s in SYMS])
    w = np.full(3, 1 / 3)
    basket_sd = math.sqrt(w @ (hist * np.outer(sd, sd)) @ w)
    log_basket = np.log1p(r.index_return)
    assert abs(log_basket.std() / basket_sd - 1) < 0.08  # log of a sum ~ sum of logs here
    indep = run_scenario(scenario_from_dict(_scenario({"vol": "history", "correlation": "none"})),
                         source=MemorySource(closes))
    assert indep.index_return.std() < 0.85 * r.index_return.std()  # independence is too narrow

    r = run_scenario(scenario_from_dict(_scenario({"vol": "history", "correlation": "factor"})),
                     source=MemorySource(closes))
    hsi = np.diff(np.log(closes["^HSI"][closes["^HSI"].index <= AS_OF].to_numpy()))[-250:]
    for j, s in enumerate(SYMS):
        rho = np.corrcoef(lr[s], hsi)[0, 1]
        assert r.residual["loadings"][j] == pytest.approx(rho, rel=1e-9)
    assert r.residual["factor"] == "^HSI"


def test_student_t_has_fat_tails_and_the_documented_mean() -> None:
    from scipy import integrate, stats

    closes = _closes()
    res = {"vol": 0.6, "dist": "student_t", "df": 4, "correlation": "none", "center": "mean"}
    r = run_scenario(scenario_from_dict(_scenario(res, draws=100_000)), source=MemorySource(closes))
    c = r.contributions["residual"][:, 0]
    sd = r.residual["per_symbol"]["0700.HK"]["sd"]
    z = (c - c.mean()) / sd
    assert abs(z.std() - 1) < 0.03
    assert stats.kurtosis(z) > 1.5  # normal: 0
    # the drift makes E[exp(residual)] = 1 for the t clipped at 10 sd (scipy quadrature)
    k = math.sqrt((4 - 2) / 4)
    dens = stats.t(df=4, scale=k)
    inner = integrate.quad(lambda x: math.exp(sd * x) * dens.pdf(x), -10, 10, limit=200)[0]
    mgf = inner + dens.cdf(-10) * (math.exp(-10 * sd) + math.exp(10 * sd))
    assert log_mgf(np.array([sd]), "student_t", 4.0)[0] == pytest.approx(math.log(mgf), rel=1e-7)
    assert r.residual["per_symbol"]["0700.HK"]["drift"] == pytest.approx(-math.log(mgf), rel=1e-7)
    g = np.exp(c)
    assert abs(g.mean() - 1) < 5 * g.std() / math.sqrt(len(g))
    assert np.abs(z).max() <= 10 + 1e-9 + abs(c.mean()) / sd


def test_nearest_correlation_repairs_an_indefinite_matrix() -> None:
    c = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(c).min() < 0
    fixed = nearest_correlation(c)
    assert np.linalg.eigvalsh(fixed).min() > 0
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    np.linalg.cholesky(fixed)
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    assert np.array_equal(nearest_correlation(good), good)


def test_short_history_is_a_located_error_and_by_symbol_fixes_it(tmp_path, monkeypatch) -> None:
    closes = _closes()
    closes["3690.HK"] = closes["3690.HK"][closes["3690.HK"].index >= "2025-05-01"]  # ~40 returns
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(
        f"name: r\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [{', '.join(SYMS)}]\n"
        "monte_carlo:\n  residual:\n    vol: history\n", encoding="utf-8")
    from scenarios.model import data_checks, load_scenario

    s = load_scenario("r.yaml")
    with pytest.raises(ScenarioErrors) as info:
        run_scenario(s, source=MemorySource(closes))
    msg = str(info.value)
    assert msg.startswith("r.yaml:7:10 monte_carlo.residual.vol: vol history: 3690.HK has 42 daily")
    errors, _ = data_checks(s, MemorySource(closes))
    assert len(errors) == 1 and "3690.HK" in errors[0].message
    (tmp_path / "r.yaml").write_text(
        f"name: r\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [{', '.join(SYMS)}]\n"
        "monte_carlo:\n  residual:\n    vol: history\n    by_symbol: {3690.HK: 0.45}\n",
        encoding="utf-8")
    r = run_scenario(load_scenario("r.yaml"), source=MemorySource(closes))
    assert r.residual["per_symbol"]["3690.HK"]["vol"] == 0.45


@pytest.mark.parametrize("residual, message", [
    ({"vol": "hist"}, "must be history, ewma, garch or an annualized volatility"),
    ({"vol": -0.1}, "must be >= 0"),
    ({"dist": "normal", "df": 5}, "df goes with dist: student_t"),
    ({"factor": "^HSI"}, "factor goes with correlation: factor"),
    ({"correlation": 1.0}, "a constant correlation must be in [0, 1)"),
    ({"correlation": "pairwise"}, "must be none, history, factor"),
    ({"dist": "student_t", "df": 2}, "must be > 2 (got 2)"),
    ({"lookback_days": 100, "min_days": 120}, "min_days (120) cannot exceed lookback_days (100)"),
    ({"vols": 0.3}, "vols"),
])
def test_bad_residual_settings_are_errors(residual, message) -> None:
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_dict(_scenario(residual))
    assert message in str(info.value)
    assert "monte_carlo.residual" in str(info.value)


def test_shorthand_forms_and_percent_warning() -> None:
    s = scenario_from_dict(_scenario("history"))
    assert s.monte_carlo.residual.vol == "history" and s.monte_carlo.residual.correlation == "history"
    s = scenario_from_dict(_scenario(0.3))
    assert s.monte_carlo.residual.vol == 0.3
    s = scenario_from_dict(_scenario({"vol": 35}))
    assert any("vol 35 looks like a percent" in w.format() for w in s.warnings)
    assert scenario_from_dict(_scenario(None)).monte_carlo.residual is None


def test_absent_residual_keeps_the_old_result_and_round_trips() -> None:
    src = MemorySource(_closes())
    data = _scenario("history")
    data["drivers"] = [{"type": "rerating", "change": {"dist": "uniform", "low": -0.1, "high": 0.2}}]
    with_res = run_scenario(scenario_from_dict(data), source=src, draws=300)
    plain_data = copy.deepcopy(data)
    del plain_data["monte_carlo"]["residual"]
    plain = run_scenario(scenario_from_dict(plain_data), source=src, draws=300)
    assert plain.residual is None and list(plain.contributions) == ["rerating"]
    np.testing.assert_array_equal(plain.contributions["rerating"], with_res.contributions["rerating"])
    np.testing.assert_allclose(with_res.predicted_price,
                               plain.predicted_price * np.exp(with_res.contributions["residual"]), rtol=1e-12)
    back = ScenarioResult.from_dict(json.loads(json.dumps(with_res.to_dict(), allow_nan=False)))
    assert back.residual == with_res.residual and back.residual_label == "residual"
    assert np.array_equal(back.contributions["residual"], with_res.contributions["residual"])


def test_by_symbol_names_must_be_in_the_universe(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.yaml").write_text(
        f"name: b\nas_of: {AS_OF}\nhorizon: {HORIZON}\nuniverse: [0700.HK]\n"
        "monte_carlo:\n  residual:\n    by_symbol: {9988: 0.3}\n", encoding="utf-8")
    from scenarios.model import load_scenario

    with pytest.raises(ScenarioErrors) as info:
        load_scenario("b.yaml")
    assert str(info.value) == "b.yaml:7:17 monte_carlo.residual.by_symbol[9988]: 9988.HK is not in the universe"


def _log_returns_pandas(closes: pd.Series, lookback: int) -> pd.Series:
    """The pandas path :func:`scenarios.engine.residual.log_returns` had (and keeps for other dtypes)."""
    c = closes.dropna()
    c = c[c > 0]
    r = np.log(c).diff().iloc[1:]
    return r.iloc[-lookback:]


_closes_value = st.one_of(st.floats(1e-3, 1e4), st.just(float("nan")), st.just(0.0), st.just(-1.0),
                          st.just(float("inf")))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_closes_value, max_size=60), lookback=st.integers(0, 70), freq=st.booleans())
def test_log_returns_on_the_array_equal_the_pandas_path(values: list[float], lookback: int, freq: bool) -> None:
    """The array path of ``log_returns`` gives the pandas path's Series: values (bit for bit), dates, name."""
    from scenarios.engine.residual import log_returns

    idx = pd.bdate_range("2024-01-02", periods=len(values), name="date")
    closes = pd.Series(values, index=idx if freq else pd.DatetimeIndex(list(idx), name="date"),
                       name="0700.HK", dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        want = _log_returns_pandas(closes, lookback)
        got = log_returns(closes, lookback)
    pd.testing.assert_series_equal(got, want, check_exact=True, check_freq=True)
    assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True)
