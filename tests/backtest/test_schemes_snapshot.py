"""Batched index schemes and ``scenarios sweep`` on the real snapshot (needs SCENARIOS_PRICES).

The batched counterfactual path must give the per-scheme reference loop's numbers (1e-10) on
the real HSTECH 2024-2025 panel (recorded review dates, the 2024-2025 membership changes,
members whose data ends, broker entry weights), and ``scenarios sweep`` must report the index's
own return as it reads in the price file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.backtest.sweep import random_tilts
from scenarios.cli.app import main
from scenarios.data.csvdir import CsvDirSource
from scenarios.recon.counterfactual import IndexScheme, default_schemes, simulate_schemes
from scenarios.recon.hstech import WARMUP_DAYS
from scenarios.recon.membership import Membership
from scenarios.recon.panel import load_index_panel

pytestmark = pytest.mark.snapshot

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def panel(csv_source: CsvDirSource):
    m = Membership.from_universe("hstech")
    t0 = pd.Timestamp("2024-01-01") - pd.Timedelta(days=WARMUP_DAYS)
    return load_index_panel(csv_source, m.symbols, "HSTECH.HK", t0, "2025-12-31")


@pytest.fixture(scope="module")
def both(csv_source: CsvDirSource, panel, reference_dir: Path):
    base = IndexScheme("ai", "implied", tilts={"ai_models_cloud": 1.5, "autos_ev": 0.5}, cap=0.08)
    schemes = default_schemes() + random_tilts(base, 5, seed=11)[1:] + [
        IndexScheme("custom3", "custom", weights={"0700.HK": 3, "9988.HK": 2, "3690.HK": 1},
                    cap=None),
        IndexScheme("eq_ex_health", "equal", exclude=("healthcare", "9868.HK"), cap=0.1),
    ]
    kw = dict(panel=panel, reference_dir=reference_dir)
    loop = simulate_schemes(schemes, csv_source, "2024-01-01", "2025-12-31", engine="loop", **kw)
    batch = simulate_schemes(schemes, csv_source, "2024-01-01", "2025-12-31", **kw)
    return schemes, loop, batch


def test_batched_schemes_agree_with_the_loop_on_hstech_2024_2025(both) -> None:
    schemes, loop, batch = both
    assert batch.returns.index.equals(loop.returns.index)
    assert list(batch.returns.columns) == list(loop.returns.columns)
    diff = (batch.returns - loop.returns).abs().to_numpy()
    assert np.nanmax(diff) <= 1e-10
    assert np.nanmax((batch.levels - loop.levels).abs().to_numpy()) <= 1e-8  # levels ~100
    assert batch.notes == loop.notes
    for s in schemes:
        wb, wl = batch.weights[s.name], loop.weights[s.name]
        assert wb.index.equals(wl.index)
        assert set(wb.columns) == set(wl.columns)
        wl = wl[wb.columns]
        assert (wb.isna() == wl.isna()).all().all()
        np.testing.assert_allclose(wb.fillna(0).to_numpy(), wl.fillna(0).to_numpy(), atol=1e-10)
        tb, tl = batch.turnover[s.name], loop.turnover[s.name]
        assert tb.index.equals(tl.index)
        np.testing.assert_allclose(tb.to_numpy(), tl.to_numpy(), atol=1e-10)
    # both years are there, and the replica (implied) is the one closest to the real index
    te = (batch.returns[[s.name for s in schemes]].sub(batch.returns["HSTECH.HK"], axis=0)).std()
    assert te.idxmin() == "implied"


def test_every_scheme_sums_to_one_and_respects_its_cap_at_every_review(both, panel) -> None:
    schemes, _, batch = both
    m = Membership.from_universe("hstech")
    days = panel.prices.index
    fast = {days[days.searchsorted(d)] for d in m.fast_entry_dates()}
    for s in schemes:
        w = batch.weights[s.name]
        np.testing.assert_allclose(w.sum(axis=1).to_numpy(), 1.0, atol=1e-12)
        if s.cap is None:
            continue
        regular = w.loc[[d for d in w.index if d not in fast]]
        held = regular.notna().sum(axis=1)
        capped = regular[held * s.cap >= 1]       # enough names for the cap to be met
        assert (capped.max(axis=1) <= s.cap + 1e-12).all(), s.name
        # entrants between reviews are not re-capped (Hang Seng fast-entry rule)
    assert (batch.weights["eq_ex_health"]["9868.HK"].fillna(0.0) == 0.0).all()


def test_one_scheme_batched_equals_the_single_scheme_path(csv_source, panel, reference_dir) -> None:
    s = IndexScheme("ai_tilt", "implied", tilts={"ai_compute_chips": 2.0, "other": 0.5}, cap=0.08)
    kw = dict(panel=panel, reference_dir=reference_dir, benchmarks=())
    one = simulate_schemes([s], csv_source, "2024-01-01", "2025-12-31", **kw)
    ref = simulate_schemes([s], csv_source, "2024-01-01", "2025-12-31", engine="loop", **kw)
    np.testing.assert_allclose(one.returns["ai_tilt"], ref.returns["ai_tilt"], atol=1e-10)
    assert one.table.loc["total", "ai_tilt"] == pytest.approx(ref.table.loc["total", "ai_tilt"],
                                                              abs=1e-10)


def _close_on(path: Path, day: str) -> float:
    """Independent reading with the csv module: the last close on or before ``day``."""
    best = None
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["date"] <= day and row["close"]:
                best = float(row["close"])
    assert best is not None
    return best


def test_sweep_cli_on_the_hstech_example(snapshot_dir: Path, capsys) -> None:
    example = str(REPO / "examples" / "hstech_ai_reweight_2025.yaml")
    assert main(["sweep", example, "--schemes", "40", "--seed", "7", "--top", "3",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schemes"] == 40 and out["index"] == "HSTECH.HK"
    assert (out["start"], out["end"]) == ("2025-01-02", "2025-12-31")
    hstech = _close_on(snapshot_dir / "HSTECH.HK.csv", "2025-12-31") / \
        _close_on(snapshot_dir / "HSTECH.HK.csv", "2024-12-31") - 1.0
    assert out["index_total_return"] == pytest.approx(hstech, abs=1e-12)
    best = [r["total_return"] for r in out["best"]]
    worst = [r["total_return"] for r in out["worst"]]
    assert best == sorted(best, reverse=True) and worst == sorted(worst)
    assert best[0] >= out["base"]["total_return"] >= worst[0]
    for r in out["best"] + out["worst"]:
        assert r["excess_return"] == pytest.approx(r["total_return"] - hstech, abs=1e-12)
        assert r["tracking_error"] > 0 and r["max_drawdown"] < 0 and 0 < r["mean_turnover"] < 1
    # the base row is the scenario's own scheme (x1.5 AI, x0.5 autos/appliances, 8% cap)
    assert out["base"]["tilt:ai_models_cloud"] == 1.5 and out["base"]["tilt:autos_ev"] == 0.5
    # same seed, same schemes; a range keeps its theme inside it
    assert main(["sweep", example, "--schemes", "40", "--seed", "7", "--top", "3",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["best"] == out["best"]
    assert main(["sweep", example, "-n", "12", "--tilt", "autos_ev=0:0.2", "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(0 <= r["tilt:autos_ev"] <= 0.2 for r in rows["best"] + rows["worst"]
               if r["scheme"] != "base")


def test_sweep_cli_table_and_bad_input(snapshot_dir: Path, capsys, tmp_path: Path) -> None:
    example = str(REPO / "examples" / "hstech_ai_reweight_2025.yaml")
    assert main(["sweep", example, "-n", "5", "--top", "2"]) == 0
    text = capsys.readouterr().out
    assert "best" in text and "worst" in text and "HSTECH.HK" in text and "turnover" in text
    assert main(["sweep", example, "--tilt", "autos=0:1"]) == 2
    assert "autos" in capsys.readouterr().err
    bad = tmp_path / "no_index.yaml"
    bad.write_text((REPO / "examples" / "hstech_ai_reweight_2025.yaml").read_text()
                   .replace("type: index_weighting", "type: index_weighting\n    enabled: false"))
    assert main(["sweep", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "no_index.yaml" in err and "index_weighting" in err


def test_sweep_after_the_data_ends_is_a_data_error(snapshot_dir: Path, capsys, tmp_path: Path) -> None:
    text = (REPO / "examples" / "hstech_ai_reweight_2025.yaml").read_text()
    text = text.replace("    rebalance: [2025-03-10, 2025-06-09, 2025-09-08, 2025-12-08]\n", "")
    late = tmp_path / "late.yaml"
    late.write_text(text.replace("as_of: 2024-12-31", "as_of: 2035-06-28")
                    .replace("horizon: 2025-12-31", "horizon: 2035-12-31"))
    assert main(["sweep", str(late), "-n", "3"]) == 3
    err = capsys.readouterr().err
    assert "DataUnavailableError" in err and "HSTECH.HK" in err and "2035" in err


def test_sweep_tilts_grid_on_the_snapshot(csv_source, panel, reference_dir) -> None:
    from scenarios.backtest.sweep import sweep_tilts

    base = IndexScheme("ai", "implied", tilts={"ai_models_cloud": 1.5}, cap=0.08)
    res = sweep_tilts(base, csv_source, "2025-01-01", "2025-12-31",
                      grid={"ai_models_cloud": [0.5, 1.0, 2.0], "autos_ev": [0.0, 1.0]},
                      panel=panel, reference_dir=reference_dir)
    t = res.table
    assert len(t) == 7 and t.index[0] == "base"
    assert t.loc["base", "tilt:ai_models_cloud"] == 1.5
    # each row is the scheme simulated on its own (batched result == single-scheme loop)
    row = t.index[1]
    one = IndexScheme(row, "implied", tilts={"ai_models_cloud": float(t.loc[row, "tilt:ai_models_cloud"]),
                                             "autos_ev": float(t.loc[row, "tilt:autos_ev"])}, cap=0.08)
    ref = simulate_schemes([one], csv_source, "2025-01-01", "2025-12-31", engine="loop",
                           panel=panel, reference_dir=reference_dir, benchmarks=())
    assert t.loc[row, "total_return"] == pytest.approx(ref.table.loc["total", row], abs=1e-10)
    # the index's 2025 price return, from HSTECH.HK's own closes
    assert res.index_total_return == pytest.approx(
        panel.index.loc["2025-12-31"] / panel.index.loc[:"2024-12-31"].iloc[-1] - 1, abs=1e-12)
