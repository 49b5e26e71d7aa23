"""A run in blocks of draws gives the numbers of the unblocked run, bit for bit, for any block
size (``scenarios.engine.blocks``), and a run that keeps only contribution means reports the
same means as one that keeps every draw."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data.memory import synthetic_source
from scenarios.engine.run import run_resolved
from scenarios.model import scenario_from_dict
from scenarios.model.resolved import ResolvedScenario, resolve_scenario

SYMBOLS = ["0700.HK", "9988.HK", "3690.HK"]

DRIVERS = [
    # per-symbol draws (one stream per symbol), a floor now and then (years 20: the EPS
    # floor rule is run-wide, so a later block meeting it re-runs the earlier ones)
    {"type": "earnings_growth", "label": "growth", "per_symbol": True, "years": 20,
     "growth": {"dist": "normal", "mean": 0.1, "sd": 0.1, "clip": [-0.6, 0.6]}},
    {"type": "ai_capex", "label": "capex", "amount": {"dist": "uniform", "low": 1, "high": 5},
     "unit": "bn", "currency": "CNY",
     "useful_life_years": {"dist": "triangular", "low": 3, "mode": 5, "high": 8}},
    {"type": "rerating", "label": "revert", "target": {"dist": "lognormal", "median": 15, "sigma": 0.2},
     "half_life_years": 1.0},
    {"type": "sentiment_shock", "label": "shock", "shock": -0.08, "half_life_days": 20,
     "date": "2025-08-20"},
    {"type": "subsidy", "label": "sub", "symbols": ["0700.HK"], "currency": "CNY", "unit": "bn",
     "amount": {"dist": "choice", "values": [0, 5, 50], "weights": [0.5, 0.3, 0.2]}},
    {"type": "index_weighting", "scheme": "market_cap", "cap": 0.5},
]

RESIDUALS = {
    "none": None,
    "independent t": {"vol": 0.3, "dist": "student_t", "df": 5},
    "history": {"vol": "history", "lookback_days": 250, "correlation": "history"},
    "factor": {"vol": 0.4, "correlation": "factor", "lookback_days": 250},
    "constant t": {"vol": 0.25, "correlation": 0.3, "dist": "student_t", "df": 6},
}


@cache
def _resolved(residual: str, n: int, draws: int) -> ResolvedScenario:
    symbols = SYMBOLS[:n]
    data = {
        "name": "blocks", "as_of": "2025-08-29", "horizon": "6M", "universe": symbols,
        "fx": {"CNYHKD": 1.09},
        "baseline": {s: {"currency": "CNY", "eps": 2.0 + 3 * i, "shares": {"value": 1 + i, "unit": "bn"},
                         "tax_rate": 0.2, "dividend_yield": 0.01 * i} for i, s in enumerate(symbols)},
        "drivers": [d for d in DRIVERS if n > 1 or d["type"] != "index_weighting"],
        "monte_carlo": {"draws": draws, "seed": 7},
    }
    if RESIDUALS[residual] is not None:
        data["monte_carlo"]["residual"] = dict(RESIDUALS[residual])
    return resolve_scenario(scenario_from_dict(data), source=synthetic_source(SYMBOLS, seed=1))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _assert_identical(r, ref) -> None:
    for name in ("predicted_return", "predicted_price", "index_return", "index_return_before",
                 "eps", "multiple"):
        assert _same(getattr(r, name), getattr(ref, name)), name
    assert list(r.contribution_mean) == list(ref.contribution_mean)
    for k, v in ref.contribution_mean.items():
        assert _same(r.contribution_mean[k], v), k
    assert list(r.contributions) == list(ref.contributions)
    for k, v in ref.contributions.items():
        assert _same(r.contributions[k], v), k
    assert r.warnings == ref.warnings
    assert r.inputs == ref.inputs
    assert r.to_dict(include_draws=True) == ref.to_dict(include_draws=True)


@settings(max_examples=25, deadline=None)
@given(residual=st.sampled_from(sorted(RESIDUALS)), n=st.sampled_from([1, 3]),
       draws=st.integers(1, 1500), data=st.data(), keep=st.booleans())
def test_blocks_are_bit_identical_to_one_block(residual: str, n: int, draws: int, data, keep: bool) -> None:
    rs = _resolved(residual, n, draws)
    ref = run_resolved(rs, keep_draws=keep, block_draws=draws)
    sizes = data.draw(st.lists(st.integers(1, draws), min_size=1, max_size=3), label="block sizes")
    for block in sizes:
        _assert_identical(run_resolved(rs, keep_draws=keep, block_draws=block), ref)


@pytest.mark.parametrize("residual", sorted(RESIDUALS))
def test_means_without_draws_equal_numpy_means_of_the_draws(residual: str) -> None:
    """The exact means of a run without draws are numpy's means of the kept draws (the
    layout of an unblocked run), and everything else is the same run."""
    rs = _resolved(residual, 3, 2500)
    kept = run_resolved(rs, keep_draws=True, block_draws=2500)
    for block in (2500, 1000, 333):
        lean = run_resolved(rs, keep_draws=False, block_draws=block)
        assert lean.contributions == {} and lean.eps is None and lean.multiple is None
        assert list(lean.contribution_mean) == list(kept.contributions)
        for k, v in kept.contributions.items():
            assert _same(lean.contribution_mean[k], v.mean(axis=0)), k
        assert _same(lean.predicted_return, kept.predicted_return)
        assert lean.to_dict(include_draws=False) == kept.to_dict(include_draws=False)


def test_floor_met_in_a_later_block_reruns_the_earlier_ones() -> None:
    """The EPS floor of ``growth`` is met in some draws; whichever block meets it first, the
    contribution is recorded the unblocked way (log(new / old) on every draw)."""
    rs = _resolved("none", 3, 1500)
    ref = run_resolved(rs, keep_draws=True, block_draws=1500)
    assert any("floored" in w for w in ref.warnings)
    growth = ref.contributions["growth"]
    first = int(np.flatnonzero((growth < np.log(0.0101)).any(axis=1))[0])
    for block in (first, first + 1, 1, 7):
        _assert_identical(run_resolved(rs, keep_draws=True, block_draws=max(block, 1)), ref)


def test_keep_draws_needed_for_log_return() -> None:
    r = run_resolved(_resolved("none", 3, 50))
    with pytest.raises(ValueError, match="keep_draws"):
        r.log_return()
    kept = run_resolved(_resolved("none", 3, 50), keep_draws=True)
    np.testing.assert_allclose(np.expm1(kept.log_return()), kept.predicted_return, atol=1e-12)


_BAND_VALUES = st.sampled_from([-1.0, -0.995, -0.99, -0.9899999999, -0.99000000001, -0.5, 0.0, 3.0,
                                9.9999999999, 10.0, 10.00000000001, 12.0, float("nan")])


@settings(max_examples=300, deadline=None)
@given(rows=st.integers(1, 60).flatmap(
    lambda n: st.lists(st.lists(_BAND_VALUES, min_size=3, max_size=3), min_size=n, max_size=n)))
def test_band_check_equals_the_quantile_rule(rows) -> None:
    """The band check counts draws past the limits and takes quantiles only where they may
    matter: the warnings are those of ``numpy.quantile`` on every symbol."""
    from scenarios.engine.run import BAND_LIMITS, _band_sanity

    class Rs:
        symbols = ("A", "B", "C")

    pr = np.array(rows, dtype=np.float64)
    lo, hi = BAND_LIMITS
    q = np.quantile(pr, [0.05, 0.95], axis=0)
    expected = [f"{s}: the 5-95% band {100 * a:+.1f}%..{100 * b:+.1f}% is wider than "
                f"{100 * lo:+.0f}%..{100 * hi:+,.0f}%: check the baseline units and the price history"
                for s, a, b in zip(Rs.symbols, q[0], q[1], strict=True) if a < lo or b > hi]
    assert _band_sanity(Rs, pr) == expected  # type: ignore[arg-type]
    # with the tail counts taken block by block by the engine (here: blocks of 7 rows)
    from scenarios.engine.run import BAND_TAILS

    counts = [np.zeros(3, np.int64), np.zeros(3, np.int64)]
    for start in range(0, len(pr), 7):
        counts[0] += np.count_nonzero(pr[start:start + 7] <= BAND_TAILS[0], axis=0)
        counts[1] += np.count_nonzero(pr[start:start + 7] >= BAND_TAILS[1], axis=0)
    assert _band_sanity(Rs, pr, (counts[0], counts[1])) == expected  # type: ignore[arg-type]


def _three_names(name: str, drivers: list[dict], *, draws: int, seed: int):
    """A scenario on :data:`SYMBOLS` (CNY EPS 2, 3, 4; 1, 2, 3 bn shares) with ``drivers``."""
    return scenario_from_dict({
        "name": name, "as_of": "2025-08-29", "horizon": "6M", "universe": SYMBOLS,
        "fx": {"CNYHKD": 1.09},
        "baseline": {s: {"currency": "CNY", "eps": 2.0 + i, "shares": {"value": 1 + i, "unit": "bn"}}
                     for i, s in enumerate(SYMBOLS)},
        "drivers": drivers, "monte_carlo": {"draws": draws, "seed": seed}})


def test_api_keeps_draws_only_when_asked() -> None:
    """``api.iter_run(..., keep_draws=...)``: the typed result is the same; the engine result
    holds the contribution draws only when asked."""
    from scenarios import api

    scenario = _three_names("api-keep", DRIVERS[1:3], draws=400, seed=3)
    src = synthetic_source(SYMBOLS, seed=1)
    lean = next(api.iter_run(scenario, source=src))
    kept = next(api.iter_run(scenario, source=src, keep_draws=True))
    assert lean.to_dict() == kept.to_dict()
    assert lean.engine.contributions == {} and lean.engine.eps is None
    assert set(kept.engine.contributions) == {"capex", "revert"}
    assert kept.engine.eps.shape == (400, 3)


def test_a_later_rerating_leaves_the_first_ones_contribution_alone() -> None:
    """The state's log multiple starts as the first re-rating's recorded contribution (no copy);
    a second re-rating of some of the same symbols must not change what the first recorded, and
    the multiple is the sum of both."""
    scenario = _three_names("two-reratings", [
        {"type": "rerating", "label": "first", "change": {"dist": "uniform", "low": -0.2, "high": 0.2}},
        {"type": "rerating", "label": "second", "symbols": ["0700.HK", "3690.HK"],
         "change": {"dist": "normal", "mean": 0.05, "sd": 0.1}},
        {"type": "rerating", "label": "third", "change": 0.1},
    ], draws=500, seed=9)
    rs = resolve_scenario(scenario, source=synthetic_source(SYMBOLS, seed=1))
    out = run_resolved(rs, keep_draws=True)
    first, second, third = (np.asarray(out.contributions[k]) for k in ("first", "second", "third"))
    # the first driver's draw is one per row, shared by every symbol
    assert np.all(first == first[:, :1])
    assert np.all(second[:, 1] == 0.0) and np.any(second[:, 0] != 0.0)
    np.testing.assert_array_equal(third, np.log1p(0.1))
    base = out.baseline_price * 0 + np.asarray(rs.baseline.multiple)
    np.testing.assert_allclose(out.multiple, base * np.exp(first + second + third), rtol=1e-12)


def test_blocks_are_finished_on_a_helper_thread_and_its_errors_surface(monkeypatch) -> None:
    """A run of several blocks finishes each block (prices, sums) on one helper thread, in
    block order, while the next block's drivers run; an error there is the run's error."""
    import threading

    from scenarios.engine import blocks

    rs = _resolved("history", 3, 1000)
    ref = run_resolved(rs, block_draws=1000)
    seen: list[tuple[int, str]] = []
    finish = blocks._finish_block

    def spy(rs_, state, start, stop, *rest):
        seen.append((start, threading.current_thread().name))
        return finish(rs_, state, start, stop, *rest)

    monkeypatch.setattr(blocks, "_finish_block", spy)
    _assert_identical(run_resolved(rs, block_draws=300), ref)
    assert [s for s, _ in seen] == [0, 300, 600, 900]
    assert all(name.startswith("scenarios-block") for _, name in seen)

    seen.clear()
    run_resolved(rs, block_draws=1000)  # one block: finished inline
    assert seen == [(0, threading.current_thread().name)]

    def boom(rs_, state, start, stop, *rest):
        if start == 300:
            raise FloatingPointError("block 300")
        return finish(rs_, state, start, stop, *rest)

    before = threading.active_count()
    monkeypatch.setattr(blocks, "_finish_block", boom)
    with pytest.raises(FloatingPointError, match="block 300"):
        run_resolved(rs, block_draws=300)
    assert threading.active_count() == before  # the helper thread was shut down
