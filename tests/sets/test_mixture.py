"""Mixture acceptance: quantiles equal the pooled, probability-resampled component draws within
Monte Carlo error (any probabilities summing to 1); a point mass equals its component exactly;
contributions add up; standard errors match the textbook values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from set_helpers import component

from scenarios.engine import run_scenario
from scenarios.results import RunResult
from scenarios.sets import load_set
from scenarios.sets.mixture import assign_components, mixture_stats, quantile_se
from scenarios.sets.run import run_set

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def probabilities(draw) -> list[float]:
    k = draw(st.integers(2, 4))
    raw = draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
    p = [x / sum(raw) for x in raw]
    p[-1] = 1.0 - sum(p[:-1])  # the file states them; they sum to 1 within 1e-9
    return p


MEANS = [0.20, -0.15, 0.05, 0.40]


@SETTINGS
@given(p=probabilities(), seed=st.integers(0, 2**31 - 1))
def test_mixture_quantiles_equal_resampled_pooled_component_draws(p, seed, make_set, source) -> None:
    n = 4000
    comps = [(component(f"c{i}", MEANS[i], sd=0.08, seed=100 + i, draws=n), pi) for i, pi in enumerate(p)]
    sset = load_set(make_set(comps, draws=n, seed=seed))
    mix = run_set(sset, source=source).result
    # independent reference: each component alone (full runs), pooled, resampled by probability
    # with another generator
    alone = [run_scenario(c.scenario, source=source, draws=n).predicted_return for c in sset.components]
    rng = np.random.default_rng(seed + 1)
    pick = rng.choice(len(p), size=n, p=np.asarray(p) / sum(p))
    rows = rng.integers(0, n, size=n)
    ref = np.stack([alone[c][r] for c, r in zip(pick, rows, strict=True)])
    for j, line in enumerate(mix.lines[:2]):
        x = ref[:, j]
        for q, got, se in ((0.05, line.return_p05, line.se_p05), (0.5, line.median_return, line.se_median),
                           (0.95, line.return_p95, line.se_p95)):
            want = float(np.quantile(x, q))
            tol = 5 * np.hypot(se, quantile_se(x, q))
            assert abs(got - want) <= tol, (line.line, q, got, want, tol)
        assert abs(line.mean_return - x.mean()) <= 5 * np.hypot(line.se_mean, x.std() / np.sqrt(n))


@SETTINGS
@given(p=probabilities(), n=st.integers(1, 5000), seed=st.integers(0, 2**31 - 1))
def test_assignment_follows_the_probabilities_and_keeps_its_prefix(p, n, seed) -> None:
    labels = assign_components(p, n, seed)
    assert labels.shape == (n,) and labels.min() >= 0 and labels.max() < len(p)
    counts = np.bincount(labels, minlength=len(p))
    # each count is binomial(n, p_c): within 5 standard deviations (and a draw of slack)
    sd = np.sqrt(n * np.asarray(p) * (1 - np.asarray(p)))
    assert np.all(np.abs(counts - n * np.asarray(p)) <= 5 * sd + 1)
    # the first k assignments do not depend on the number of draws
    assert np.array_equal(assign_components(p, n + 17, seed)[:n], labels)


def test_a_zero_probability_component_is_never_drawn() -> None:
    labels = assign_components([0.0, 0.5, 0.0, 0.5, 0.0], 20_000, 4)
    assert set(np.unique(labels)) == {1, 3}


@pytest.mark.parametrize("others", [0, 2])
def test_a_point_mass_equals_that_component_run_exactly(others, make_set, source) -> None:
    comps = [(component("only", 0.12, draws=777, seed=42), 1.0)]
    comps += [(component(f"zero{i}", -0.3, seed=i), 0.0) for i in range(others)]
    sset = load_set(make_set(comps, draws=1500, seed=9))
    run = run_set(sset, source=source)
    alone = RunResult.from_engine(run_scenario(sset.components[0].scenario, source=source, draws=1500))
    assert np.array_equal(run.result.draws_data["returns"], alone.engine.predicted_return)
    for line, f in zip(run.result.lines, alone.forecasts, strict=False):
        assert line.line == f.symbol
        assert (line.mean_return, line.median_return, line.return_p05, line.return_p95, line.prob_up) == \
            (f.mean_return, f.median_return, f.return_p05, f.return_p95, f.prob_up)
        assert line.components[0].share == 1.0 and line.components[0].median_return == f.median_return
    idx = next(x for x in run.result.lines if x.kind == "index")
    want = alone.index_forecast("index")
    assert (idx.mean_return, idx.median_return, idx.return_p05, idx.return_p95, idx.prob_up) == \
        (want.mean_return, want.median_return, want.return_p05, want.return_p95, want.prob_up)
    assert run.result.components[0].seed == 42 and all(c.assigned_draws == 0 for c in run.result.components[1:])


def test_same_seed_same_numbers_and_components_keep_their_seeds(make_set, source) -> None:
    sset = load_set(make_set([(component("a", 0.1, seed=5), 0.6), (component("b", -0.1, seed=6), 0.4)]))
    one, two = run_set(sset, source=source), run_set(sset, source=source)
    assert one.result.to_dict() == two.result.to_dict()
    other = run_set(sset, source=source, seed=12)
    assert other.result.lines[0].median_return != one.result.lines[0].median_return
    # draw i of component c is that component's own k-th draw on its seed
    labels = one.labels
    alone = run_scenario(sset.components[1].scenario, source=source, draws=int((labels == 1).sum()))
    assert np.array_equal(one.result.draws_data["returns"][labels == 1], alone.predicted_return)


@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 4))
@settings(max_examples=30, deadline=None)
def test_contributions_sum_to_the_expected_return(seed, k) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.05, 0.2, size=(3000, 2))
    labels = rng.integers(0, k, size=3000)
    for st_ in mixture_stats(x, labels, k):
        assert sum(c for c in st_.component_contribution if c is not None) == pytest.approx(st_.mean, abs=1e-12)
        assert sum(st_.component_weight) == pytest.approx(1.0)
        if abs(st_.mean) > 1e-3:
            assert sum(s for s in st_.component_share if s is not None) == pytest.approx(1.0, rel=1e-9)


def test_standard_errors_match_the_normal_textbook_values() -> None:
    rng = np.random.default_rng(0)
    n, sigma = 40_000, 0.2
    x = rng.normal(0.0, sigma, size=n)
    # median: sqrt(pi / 2) sigma / sqrt(N); 5% quantile: sqrt(q (1-q)) / (sqrt(N) phi(z_q)) sigma
    assert quantile_se(x, 0.5) == pytest.approx(np.sqrt(np.pi / 2) * sigma / np.sqrt(n), rel=0.1)
    phi = np.exp(-1.6448536 ** 2 / 2) / np.sqrt(2 * np.pi)
    assert quantile_se(x, 0.05) == pytest.approx(np.sqrt(0.05 * 0.95) / phi * sigma / np.sqrt(n), rel=0.15)
    st_ = mixture_stats(x, np.zeros(n, dtype=int), 1)[0]
    assert st_.se_mean == pytest.approx(sigma / np.sqrt(n), rel=0.02)
    assert st_.se_prob_up == pytest.approx(0.5 / np.sqrt(n), rel=0.02)


def test_set_results_read_back_from_json_key_for_key(make_set, source) -> None:
    from scenarios.results import SetRunResult

    sset = load_set(make_set([(component("a", 0.1), 0.5), (component("b", -0.1), 0.5)], draws=300))
    r = run_set(sset, source=source).result
    data = r.to_dict()
    back = SetRunResult.model_validate(data)
    assert back.to_dict() == data
    assert data["kind"] == "scenario_set_result" and data["schema_version"] >= 2
    with pytest.raises(ValueError, match="without its draws"):
        _ = back.draws_data
    bad = {**data, "surprise": 1}
    with pytest.raises(Exception, match="surprise"):
        SetRunResult.model_validate(bad)
