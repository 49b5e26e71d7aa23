"""One HSTECH (issue 11 item 9): the engine's index weights are the backtest replica's holdings.

The strategist's counterfactual (HSTECH members at the start of 2024, Xiaomi and BYD Electronic
out, 5% cap; ``../shared/repro/hstech_cap5_ex_xiaomi_byd_2024.yaml``) is inlined here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

UNIVERSE = ["0020.HK", "0241.HK", "0268.HK", "0285.HK", "0700.HK", "0772.HK", "0780.HK", "0981.HK",
            "0992.HK", "1024.HK", "1347.HK", "1797.HK", "1810.HK", "2015.HK", "2382.HK", "3690.HK",
            "3888.HK", "6060.HK", "6618.HK", "6690.HK", "9618.HK", "9626.HK", "9866.HK", "9868.HK",
            "9888.HK", "9961.HK", "9988.HK", "9999.HK"]
AS_OF = dt.date(2023, 12, 29)


def _scenario():
    from scenarios.model.loader import scenario_from_dict

    return scenario_from_dict({
        "name": "cap5-ex-xiaomi-byd", "as_of": AS_OF.isoformat(), "horizon": "2024-12-31",
        "universe": UNIVERSE, "benchmarks": ["HSTECH.HK", "^HSI"],
        "drivers": [{"type": "index_weighting", "label": "cap5", "scheme": "implied",
                     "benchmark": "HSTECH.HK", "exclude": ["1810.HK", "0285.HK"], "cap": 0.05}],
        "monte_carlo": {"draws": 50, "seed": 1}})


@pytest.fixture(scope="module")
def run(snapshot_dir: Path):
    from scenarios.engine import run_scenario

    return run_scenario(_scenario())


def _w(res, sym: str, which: str = "before") -> float:
    return float(getattr(res, f"index_weights_{which}")[list(res.symbols).index(sym)])


def test_engine_weights_are_the_replica_holdings_at_as_of(run, snapshot_dir: Path) -> None:
    from scenarios.data import default_source
    from scenarios.data.view import PriceView
    from scenarios.recon.counterfactual import IndexScheme
    from scenarios.recon.membership import Membership
    from scenarios.recon.weights_at import ViewSource, scenario_scheme, weights_at

    sc = _scenario()
    drv = sc.drivers[0]
    schemes = [IndexScheme("index", cap=0.08), scenario_scheme(drv)]
    got = weights_at(schemes, ViewSource(PriceView(default_source(), AS_OF)), AS_OF,
                     universe=Membership.static(UNIVERSE))
    assert got.review == pd.Timestamp("2023-12-04")       # the December 2023 review
    for nm, which in (("index", "before"), ("scenario", "after")):
        ref = got.drifted[nm].reindex(run.symbols).fillna(0.0).to_numpy()
        np.testing.assert_allclose(getattr(run, f"index_weights_{which}"), ref / ref.sum(), atol=1e-12)
    # the caps bind at the review: 8% for the index, 5% for the counterfactual
    assert got.at_review["index"].max() <= 0.08 + 1e-12
    assert got.at_review["scenario"].max() <= 0.05 + 1e-12
    # drifting is buy and hold: at_review x growth, renormalized
    w = got.at_review["index"]
    assert got.drifted["index"].sum() == pytest.approx(1.0, abs=1e-12)
    assert set(got.drifted["index"].index) == set(w.index)
    # the complaint: Xiaomi is no longer far above the cap, NIO is held
    assert _w(run, "1810.HK") < 0.0875
    assert _w(run, "9866.HK") > 0.0
    assert _w(run, "1810.HK", "after") == 0.0 and _w(run, "0285.HK", "after") == 0.0


def test_the_replica_starts_from_the_engine_weights(run, snapshot_dir: Path) -> None:
    """The first session of the backtest's simulated index is earned by the weights at as_of:
    its return equals ``drifted weights @ price returns`` that day, exactly (same source), and
    the engine's weights (closes up to as_of only) agree within 2e-4 (dividend un-adjustment)."""
    from scenarios.data import default_source
    from scenarios.recon.counterfactual import IndexScheme, simulate_schemes
    from scenarios.recon.membership import Membership
    from scenarios.recon.panel import load_index_panel
    from scenarios.recon.weights_at import scenario_scheme, weights_at

    src = default_source()
    members = Membership.static(UNIVERSE)
    scheme = scenario_scheme(_scenario().drivers[0])
    got = weights_at([IndexScheme("index", cap=0.08), scheme], src, AS_OF, universe=members)
    cf = simulate_schemes([scheme], src, pd.Timestamp(AS_OF) + pd.Timedelta(days=1),
                          pd.Timestamp("2024-01-05"), benchmarks=(), universe=members)
    first = cf.returns.index[0]
    assert first == pd.Timestamp("2024-01-02")
    panel = load_index_panel(src, members.symbols, "HSTECH.HK", pd.Timestamp("2023-06-01"),
                             pd.Timestamp("2024-01-05"))
    w = got.drifted["scenario"]
    r = panel.returns.loc[first, list(w.index)].fillna(0.0)
    assert float(cf.returns["scenario"].iloc[0]) == pytest.approx(float(w @ r), abs=1e-12)
    eng = pd.Series(run.index_weights_after, index=run.symbols)
    np.testing.assert_allclose(eng.reindex(w.index).fillna(0.0).to_numpy(), w.to_numpy(), atol=2e-4)


def test_the_report_shows_one_hstech_weighting(run, snapshot_dir: Path) -> None:
    """The report's weights are the engine's (= the replica's), labelled as the replica's, once."""
    import re

    from scenarios.report import chart_specs
    from scenarios.report.adapters import view_from_parts
    from scenarios.report.charts import to_svg
    from scenarios.report.html import Chart, render_html

    view = view_from_parts(run.to_dict(include_draws=False), read_prices=False)
    assert view.weights is not None
    np.testing.assert_allclose(view.weights.before, run.index_weights_before, atol=1e-12)
    assert view.weights.before_label == "HSTECH.HK (replica at as_of)"
    # only the weights chart is drawn (28 fan charts would add seconds and test nothing here)
    spec = next(sp for sp in chart_specs(view) if sp.id == "index-weights")
    html = render_html(view, {spec.id: Chart(spec.id, spec.title, spec.caption,
                                             to_svg(spec.make(), spec.id, spec.title))})
    assert html.count('id="weights-caption"') == 1
    assert "One HSTECH.HK weighting" in html
    # every weight printed in the table is the replica's (data-value holds the fraction)
    vals = re.findall(r'data-value="([^"]+)" data-field="weight_before" data-key="1810.HK"', html)
    assert vals and float(vals[0]) == pytest.approx(_w(run, "1810.HK"), abs=1e-12)


def test_backtest_reconciles_the_scored_and_the_simulated_index(snapshot_dir: Path) -> None:
    from scenarios.backtest.scenario import backtest_scenario

    d = backtest_scenario(_scenario(), draws=50).to_dict()
    held, sim = d["index"]["realized"], d["index_performance"]["total_return"]
    note = next(n for n in d["notes"] if n.startswith("one index, two holding rules"))
    assert f"{held:+.2%}" in note and f"{sim:+.2%}" in note
    assert f"{100 * (held - sim):+.2f} pp" in note
