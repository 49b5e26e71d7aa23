"""Batched schemes (recon/batch.py) against the per-scheme reference loop (simulate_index) on
synthetic panels: membership changes, a fast entry, a file that ends inside a period, implied /
equal / custom bases, caps that bind, caps that cannot be met, exclusions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from backtest_fakes import FrameSource
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import metrics as M
from scenarios.backtest.sweep import grid_tilts, random_tilts, scheme_metrics
from scenarios.data.frame import to_canonical
from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.recon.batch import SchemeArrays, simulate_index_batch
from scenarios.recon.counterfactual import IndexScheme
from scenarios.recon.membership import Membership
from scenarios.recon.panel import load_index_panel
from scenarios.recon.rules import WeightRule
from scenarios.recon.simulate import simulate_index


def _frame(close: pd.Series) -> pd.DataFrame:
    df = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
                       "volume": 1e6, "dividends": np.nan}, index=close.index)
    return to_canonical(df)


def _world(seed: int, n: int, change: bool, fast: bool, cut: bool):
    """Prices of ``n`` names (+ an entrant and a fast entrant), an index that is a noisy
    buy-and-hold of the members, and the membership."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2023-06-01", "2024-09-30", name="date")
    syms = [f"{1000 + i:04d}.HK" for i in range(n)] + ["2000.HK", "3000.HK"]
    rets = rng.normal(0.0003, 0.02, (len(days), len(syms)))
    rets[0] = 0.0
    prices = pd.DataFrame(40 * np.cumprod(1 + rets, axis=0), index=days, columns=syms)
    w = rng.lognormal(0, 1, n)
    level = 1000 * (prices.iloc[:, :n] / prices.iloc[0, :n] * w / w.sum()).sum(axis=1)
    level = level * np.exp(np.cumsum(rng.normal(0, 0.001, len(days))))
    frames = {s: _frame(prices[s]) for s in syms}
    if cut:  # a member's file ends inside a period
        frames["1003.HK"] = frames["1003.HK"].loc[:"2024-04-20"]
    frames["IDX"] = _frame(level)
    change_on = date(2024, 3, 11)
    intervals = [(s, None, change_on if (change and s == "1001.HK") else None) for s in syms[:n]]
    fast_entries: tuple[tuple[str, date], ...] = ()
    if change:
        intervals.append(("2000.HK", change_on, None))
    if fast:
        intervals.append(("3000.HK", date(2024, 7, 22), None))
        fast_entries = (("3000.HK", date(2024, 7, 22)),)
    m = Membership(tuple(intervals), fast_entries=fast_entries)
    panel = load_index_panel(FrameSource(frames), m.symbols, "IDX", "2023-06-01", "2024-09-30")
    return panel, m


def _rule(base: str, scores: pd.Series, cap: float | None, custom: dict[str, float]) -> WeightRule:
    def transform(w: pd.Series, _on: pd.Timestamp) -> pd.Series:
        return w * scores.reindex(w.index)

    return WeightRule(base=base, cap=cap, transform=transform,  # type: ignore[arg-type]
                      custom_weights=custom if base == "custom" else None)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(9, 16), S=st.integers(1, 4),
       change=st.booleans(), fast=st.booleans(), cut=st.booleans(), data=st.data())
def test_batch_agrees_with_the_per_scheme_loop(seed, n, S, change, fast, cut, data) -> None:
    panel, m = _world(seed, n, change, fast, cut)
    symbols = tuple(panel.prices.columns)
    rng = np.random.default_rng(seed + 1)
    bases = tuple(data.draw(st.sampled_from(["implied", "equal", "custom"])) for _ in range(S))
    caps = np.array([data.draw(st.sampled_from([0.08, 0.1, 0.2, 1.0])) for _ in range(S)])
    scores = rng.uniform(0.2, 2.5, (S, len(symbols)))
    scores[rng.random((S, len(symbols))) < 0.1] = 0.0
    custom = rng.uniform(0.5, 2.0, (S, len(symbols)))
    arrays = SchemeArrays(names=tuple(f"s{j}" for j in range(S)), symbols=symbols, bases=bases,
                          scores=scores, caps=caps, custom=custom)
    entry = {(pd.Timestamp("2024-07-22"), "3000.HK"): 0.05}
    try:
        batch = simulate_index_batch(panel, m, arrays, "2024-01-01", "2024-09-30",
                                     entry_weights=entry)
    except DataUnavailableError:
        # the loop must fail on the same input (e.g. a scheme that excludes every name)
        with pytest.raises(DataUnavailableError):
            for j in range(S):
                simulate_index(panel, m, _rule(bases[j], pd.Series(scores[j], index=symbols),
                                               None if caps[j] == 1.0 else caps[j],
                                               dict(zip(symbols, custom[j], strict=True))),
                               "2024-01-01", "2024-09-30", entry_weights=entry)
        return
    for j in range(S):
        ref = simulate_index(panel, m, _rule(bases[j], pd.Series(scores[j], index=symbols),
                                             None if caps[j] == 1.0 else caps[j],
                                             dict(zip(symbols, custom[j], strict=True))),
                             "2024-01-01", "2024-09-30", entry_weights=entry)
        assert batch.days.equals(ref.returns.index)
        np.testing.assert_allclose(batch.returns[j], ref.returns.to_numpy(), rtol=0, atol=1e-10)
        wf = batch.weights_frame(j)
        assert wf.index.equals(ref.weights.index)
        rw = ref.weights.reindex(columns=wf.columns)
        assert set(ref.weights.columns) == set(wf.columns)
        np.testing.assert_array_equal(wf.isna().to_numpy(), rw.isna().to_numpy())
        np.testing.assert_allclose(wf.fillna(0).to_numpy(), rw.fillna(0).to_numpy(), atol=1e-10)
        t = batch.turnover_series(j)
        assert t.index.equals(ref.turnover.index)
        np.testing.assert_allclose(t.to_numpy(), ref.turnover.to_numpy(), atol=1e-10)
        # every weight vector sums to 1 and respects the cap where the cap can be met
        held = wf.fillna(0.0).to_numpy()
        np.testing.assert_allclose(held.sum(axis=1), 1.0, atol=1e-12)
        if caps[j] < 1.0:
            fast_row = (wf.index == pd.Timestamp("2024-07-22")) & (bases[j] == "implied")
            n_pos = (held > 0).sum(axis=1)
            check = ~fast_row & (n_pos * caps[j] >= 1)
            assert np.all(held[check].max(axis=1) <= caps[j] + 1e-12)
            # too few names for the cap: equal weights on the names left
            few = ~fast_row & (n_pos * caps[j] < 1)
            for row, n in zip(held[few], n_pos[few], strict=True):
                np.testing.assert_allclose(row[row > 0], 1.0 / n)
    if any(b == "implied" for b in bases):
        assert not batch.fitted.empty


def test_scheme_metrics_match_the_backtest_metrics() -> None:
    rng = np.random.default_rng(5)
    r = rng.normal(0.0005, 0.02, (4, 300))
    b = rng.normal(0.0004, 0.018, 300)
    b[7] = np.nan
    turn = rng.uniform(0, 0.2, (4, 6))
    m = scheme_metrics(r, b, turn)
    for s in range(4):
        assert m["total_return"][s] == pytest.approx(M.total_return(r[s]), rel=1e-12)
        assert m["max_drawdown"][s] == pytest.approx(M.max_drawdown(r[s]), rel=1e-12)
        ok = ~np.isnan(b)
        assert m["tracking_error"][s] == pytest.approx(M.tracking_error(r[s][ok], b[ok]), rel=1e-12)
        assert m["mean_turnover"][s] == pytest.approx(turn[s].mean())
        assert m["excess_return"][s] == pytest.approx(M.total_return(r[s]) - M.total_return(b[ok]))


def test_random_and_grid_tilts() -> None:
    base = IndexScheme("x", "implied", tilts={"platforms": 0.5, "0700.HK": 2.0}, cap=0.08)
    a = random_tilts(base, 20, seed=3)
    b = random_tilts(base, 20, seed=3)
    assert [s.tilts for s in a] == [s.tilts for s in b]          # seeded
    assert a[0].name == "base" and a[0].tilts == base.tilts
    assert len({s.name for s in a}) == 20
    for s in a[1:]:
        assert s.tilts["0700.HK"] == 2.0                          # symbol tilts kept
        assert 0.25 <= s.tilts["platforms"] <= 1.0                # 0.5 x [1/2, 2]
        assert 0.5 <= s.tilts["healthcare"] <= 2.0
    r = random_tilts(base, 50, seed=1, ranges={"ai_models_cloud": (0.5, 3.0)})
    vals = [s.tilts["ai_models_cloud"] for s in r[1:]]
    assert min(vals) >= 0.5 and max(vals) <= 3.0
    assert all(s.tilts["platforms"] == 0.5 for s in r)
    g = grid_tilts(base, {"autos_ev": [0, 1], "platforms": [0.5, 1, 2]})
    assert len(g) == 7 and {s.tilts["autos_ev"] for s in g[1:]} == {0.0, 1.0}
    with pytest.raises(ScenarioError, match="unknown theme"):
        random_tilts(base, 5, 0, ranges={"auto_ev": (0.5, 1.0)})
    with pytest.raises(ScenarioError, match="LOW <= HIGH"):
        random_tilts(base, 5, 0, ranges={"autos_ev": (2.0, 1.0)})
    with pytest.raises(ScenarioError, match=">= 1"):
        random_tilts(base, 0, 0)


def test_batched_scores_equal_each_schemes_scores() -> None:
    from scenarios.recon.counterfactual import _scores

    theme_map = {"0700.HK": "platforms", "9988.HK": "ai_models_cloud", "1211.HK": "autos_ev",
                 "0981.HK": "ai_compute_chips", "2018.HK": "hardware_appliances"}
    symbols = ["0700.HK", "9988.HK", "1211.HK", "0981.HK", "2018.HK", "9999.HK"]
    schemes = [IndexScheme("a", tilts={"platforms": 2.0, "9988.HK": 0.3}, exclude=("autos_ev",)),
               IndexScheme("b", tilts={"other": 3.0}, exclude=("0981.HK",)),
               IndexScheme("c")]
    got = _scores(schemes, theme_map, symbols)
    for j, s in enumerate(schemes):
        np.testing.assert_array_equal(got[j], s.scores(theme_map, symbols))
    np.testing.assert_array_equal(got[0], [2.0, 0.3, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(got[1], [1.0, 1.0, 1.0, 0.0, 1.0, 3.0])   # unknown -> other
    with pytest.raises(ScenarioError, match="neither a theme"):
        _scores([IndexScheme("d", tilts={"auto_ev": 2.0})], theme_map, symbols)


def test_simulate_schemes_engines_and_a_start_after_the_index_data() -> None:
    from scenarios.recon.counterfactual import simulate_schemes

    panel, m = _world(4, 12, True, True, True)
    schemes = [IndexScheme("eq", "equal", cap=0.1), IndexScheme("imp", "implied", cap=0.2),
               IndexScheme("cu", "custom", weights={"1000.HK": 2, "1002.HK": 1}, cap=None)]
    kw = dict(universe=m, index_symbol="IDX", panel=panel, benchmarks=("IDX",),
              reference_dir="/nonexistent")
    src = FrameSource({})
    a = simulate_schemes(schemes, src, "2024-01-01", "2024-09-30", **kw)
    b = simulate_schemes(schemes, src, "2024-01-01", "2024-09-30", engine="loop", **kw)
    assert a.batch is not None and b.batch is None
    np.testing.assert_allclose(a.returns.to_numpy(), b.returns.to_numpy(), atol=1e-10)
    assert list(a.weights) == ["eq", "imp", "cu"] and len(a.turnover) == 3
    with pytest.raises(ScenarioError, match="engine"):
        simulate_schemes(schemes, src, "2024-01-01", "2024-09-30", engine="fast", **kw)
    with pytest.raises(DataUnavailableError, match="nothing to simulate from 2024-11-01"):
        simulate_schemes(schemes, src, "2024-11-01", "2024-12-31", **kw)


def test_scenario_sweep_spec_expands_local_themes(tmp_path) -> None:
    from scenarios.backtest.sweep import scenario_sweep_spec
    from scenarios.model import load_scenario

    f = tmp_path / "s.yaml"
    f.write_text(
        "name: t\nas_of: 2024-12-31\nhorizon: 2025-06-30\n"
        "universe: [0700.HK, 9988.HK, 3690.HK, 1211.HK]\n"
        "themes:\n  mine: [0700.HK, 9988.HK]\n"
        "drivers:\n  - type: index_weighting\n    label: tilted\n    scheme: implied\n"
        "    benchmark: HSTECH.HK\n    tilts: {mine: 2.0, 3690.HK: 0.5}\n"
        "    exclude: [1211.HK]\n    cap: 0.4\n")
    spec = scenario_sweep_spec(load_scenario(f), file=f)
    assert spec.base.name == "tilted" and spec.base.cap == 0.4
    assert dict(spec.base.tilts) == {"0700.HK": 2.0, "9988.HK": 2.0, "3690.HK": 0.5}
    assert tuple(spec.base.exclude) == ("1211.HK",)
    assert spec.index_symbol == "HSTECH.HK"
    assert (spec.start, spec.end) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30"))
    assert isinstance(spec.universe, Membership)
    assert spec.universe.symbols == ["0700.HK", "1211.HK", "3690.HK", "9988.HK"]
