"""HSTECH membership from the launch on the real snapshot (issue: the snapshot grew).

Scenarios and walk-forwards with an ``as_of`` from 2020-07-27 on take the members of that date;
members without a price file are left out with a warning (never an error); the reconstruction
runs from 2021 and reports the weight its missing members held where a weight list says.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scenarios.backtest.scenario import walk_forward_scenario
from scenarios.engine.run import run_scenario
from scenarios.model import scenario_from_dict
from scenarios.recon.hstech import reconstruct_hstech
from scenarios.recon.membership import Membership
from scenarios.recon.reference import snapshot_weight_coverage
from scenarios.recon.rules import WeightRule
from scenarios.seeds.universes import universe_members

pytestmark = pytest.mark.snapshot

_SCENARIO = {
    "name": "hstech-2021", "as_of": "2021-06-30", "horizon": "3M", "universe": "hstech",
    "benchmarks": ["HSTECH.HK"],
    "drivers": [{"type": "rerating", "label": "cloud", "themes": ["ai_models_cloud"],
                 "change": 0.05}],
    "monte_carlo": {"draws": 200, "seed": 1},
}


def _priced(snapshot_dir: Path, symbols: list[str]) -> list[str]:
    return [s for s in symbols if (snapshot_dir / f"{s}.csv").exists()]


def test_run_takes_the_2021_members_and_leaves_out_those_without_prices(snapshot_dir: Path, csv_source) -> None:
    members = universe_members("hstech", "2021-06-30")
    assert len(members) == 30
    have = _priced(snapshot_dir, members)
    unpriced = sorted(set(members) - set(have))
    assert unpriced == ["0909.HK", "1833.HK", "2518.HK", "9698.HK"]
    r = run_scenario(scenario_from_dict(_SCENARIO), source=csv_source)
    assert r.symbols == have  # Koolearn (1797) and ZTE's replacements as of that day, no ZTE
    assert "1797.HK" in r.symbols and "0763.HK" not in r.symbols
    text = " ".join(r.warnings)
    assert "4 of the 30 members of universe 'hstech' on 2021-06-30" in text
    assert all(s in text for s in unpriced)


def test_an_explicit_symbol_without_prices_is_still_an_error(csv_source) -> None:
    from scenarios.errors import ScenarioErrors

    data = dict(_SCENARIO, universe=["0700.HK", "1833.HK"], drivers=[])
    with pytest.raises(ScenarioErrors, match="unknown symbol 1833.HK"):
        run_scenario(scenario_from_dict(data), source=csv_source)


def test_walk_forward_before_2024_uses_each_dates_members(csv_source) -> None:
    wf = walk_forward_scenario(scenario_from_dict(_SCENARIO), roll="quarterly", start="2021-06-30",
                               end="2021-09-30", source=csv_source, progress=False)
    by_date = {s.as_of.date().isoformat(): s for s in wf.result.scores}
    first, second = by_date["2021-06-30"], by_date["2021-09-30"]
    syms_1 = set(first.table["symbol"] if "symbol" in first.table else first.table.index)
    syms_2 = set(second.table["symbol"] if "symbol" in second.table else second.table.index)
    # Koolearn left and Trip.com joined on 2021-09-06
    assert "1797.HK" in syms_1 and "1797.HK" not in syms_2
    assert "9961.HK" in syms_2 and "9961.HK" not in syms_1


def test_reconstruction_runs_from_2021_with_the_recorded_reviews(csv_source, reference_dir: Path) -> None:
    res = reconstruct_hstech(csv_source, "2021-01-01", "2021-12-31", reference_dir=reference_dir)
    w = res.weights
    # the March 2021 review took effect on 2021-03-15, not on the schedule's 2021-03-08
    assert pd.Timestamp("2021-03-15") in w.index and pd.Timestamp("2021-03-08") not in w.index
    # fast entries: JD Health at its published 8.00%, then Kuaishou and Baidu between reviews
    assert w.loc["2020-12-22", "6618.HK"] == pytest.approx(0.08, abs=1e-12)
    assert w.loc["2021-02-23", "1024.HK"] > 0 and w.loc["2021-04-09", "9888.HK"] > 0
    no_price = set(res.missing.loc[res.missing.reason == "no price data in the source", "symbol"])
    assert {"1478.HK", "1896.HK", "2400.HK", "2858.HK", "6088.HK", "1833.HK"} <= no_price
    # documented in docs/backtesting.md: 3.28% for 2021 (data-limited); it still beats the
    # naive equal-weight reference measured on the same days
    eq = reconstruct_hstech(csv_source, "2021-01-01", "2021-12-31", reference_dir=reference_dir,
                            rule=WeightRule("equal"))
    assert res.te < eq.te
    assert res.te == pytest.approx(0.0328, abs=0.0005)


def test_weight_held_by_members_without_prices(snapshot_dir: Path, reference_dir: Path) -> None:
    have = {p.name[:-4] for p in snapshot_dir.glob("*.csv")}
    got = snapshot_weight_coverage(reference_dir / "hstech_weights_snapshots.csv", have)
    row = got.set_index("as_of").loc[pd.Timestamp("2020-11-09")]
    # independent reading with the csv module
    stated = missing = 0.0
    names = set()
    with (reference_dir / "hstech_weights_snapshots.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["as_of"] != "2020-11-09" or not r["kind"].startswith("index"):
                continue
            sym = r["code"].zfill(4) + ".HK"
            w = float(r["weight_pct"]) / 100 if r["weight_pct"] else 0.0
            stated += w
            if sym not in have:
                missing += w
                names.add(sym)
    assert row["names"] == 30
    assert row["listed"] == pytest.approx(stated, abs=1e-12)
    assert row["without_data"] == pytest.approx(missing, abs=1e-12) == pytest.approx(0.0531, abs=1e-9)
    assert set(row["missing_names"].split()) == names
    assert names == {"0136.HK", "0777.HK", "1478.HK", "1833.HK", "1896.HK", "2400.HK", "2858.HK", "6088.HK"}
    assert Membership.from_universe("hstech").on("2020-11-09") == sorted(
        set(universe_members("hstech", "2020-11-09")))
