"""The public Python API (scenarios.api) and the typed results (scenarios.results)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TENCENT = REPO_ROOT / "examples" / "tencent_feb_2026.yaml"


@pytest.fixture(scope="module")
def tencent_run(snapshot_dir: Path):
    import scenarios.api as sa

    return sa.run(str(TENCENT), draws=2000, seed=1)


def test_notebook_snippet_summary_is_indexed_by_symbol(tencent_run, snapshot_dir: Path) -> None:
    r = tencent_run[0]
    assert len(tencent_run) == 1
    s = r.summary()
    assert isinstance(s, pd.DataFrame) and s.index.name == "symbol" and list(s.index) == ["0700.HK"]
    assert {"median", "band_low", "band_high", "P(up)"} <= set(s.columns)
    # the same numbers as an independent computation from the draws
    draws = r.engine.predicted_return[:, 0]
    assert s.loc["0700.HK", "median"] == pytest.approx(float(np.median(draws)), abs=1e-12)
    assert s.loc["0700.HK", "band_low"] == pytest.approx(float(np.quantile(draws, 0.05)), abs=1e-12)
    assert s.loc["0700.HK", "P(up)"] == pytest.approx(float((draws > 0).mean()))
    # the baseline is the snapshot's 0700.HK close at as_of (read independently of the engine)
    csv = pd.read_csv(snapshot_dir / "0700.HK.csv", index_col=0, parse_dates=True)
    close = csv.loc[:r.as_of].iloc[-1]
    assert s.loc["0700.HK", "baseline_price"] == pytest.approx(float(close[[c for c in csv.columns
                                                                             if c.lower() == "close"][0]]))
    # typed rows and the JSON form agree
    assert r.to_dict()["summary"][0]["median_return"] == s.loc["0700.HK", "median"]
    with pytest.raises(ValueError, match="not a backtest"):
        r.scores()


def test_run_result_json_roundtrip_and_same_seed_same_numbers(tencent_run, snapshot_dir: Path) -> None:
    import scenarios.api as sa
    from scenarios.results import RunResult, from_json

    r = tencent_run[0]
    back = from_json(r.to_json())
    assert isinstance(back, RunResult) and back.to_dict() == r.to_dict()  # private draws aside
    with pytest.raises(ValueError, match="without its draws"):
        back.engine  # noqa: B018 - the property raises
    again = sa.run(sa.load(TENCENT), draws=2000, seed=1)[0]
    assert again.to_dict() == r.to_dict()


def test_backtest_scores_frame_matches_the_recorded_payload(snapshot_dir: Path) -> None:
    import scenarios.api as sa
    from scenarios import metrics as M
    from scenarios.results import SingleBacktestResult

    bt = sa.backtest(str(TENCENT), draws=2000, seed=1, index=False)
    assert len(bt) == 1 and isinstance(bt[0], SingleBacktestResult)
    scores = bt.scores()
    assert isinstance(scores, pd.DataFrame) and list(scores.index) == ["0700.HK"]
    row = scores.loc["0700.HK"]
    assert row["scored"] and row["error"] == pytest.approx(row["predicted"] - row["realized"])
    assert bt[0].score_summary.hit_rate == M.hit_rate(scores["predicted"], scores["realized"])
    # the summary of a backtest is the scored run's forecast
    assert bt.summary().loc["0700.HK", "median"] == pytest.approx(row["predicted"], abs=1e-12)


def test_record_compare_and_load_result(tencent_run, snapshot_dir: Path) -> None:
    import scenarios.api as sa

    a = sa.run(str(TENCENT), draws=500, seed=1, record=True)[0]
    b = sa.run(str(TENCENT), draws=500, seed=2, record=True)[0]
    assert a.run_id and b.run_id and a.run_id != b.run_id
    back = sa.load_result(a.run_id)
    assert back.to_dict() == a.to_dict() and back.run_id == a.run_id
    cmp = sa.compare([a.run_id, b.run_id])
    frame = cmp.summary()
    diff = frame.loc[("0700.HK", b.run_id), "median_diff"]
    assert diff == pytest.approx(b.forecasts[0].median_return - a.forecasts[0].median_return, abs=1e-15)
    assert json.loads(cmp.to_json())["runs"][0]["id"] == a.run_id


def test_payloads_of_the_first_release_read_back_and_others_fail_clearly() -> None:
    from scenarios.errors import IncompatibleRunError
    from scenarios.results import SingleBacktestResult, from_payload

    summary = {"n_symbols": 1, "n_scored": 1, "hit_rate": 1.0, "ic": None, "mae": 0.02, "coverage": 1.0,
               "nominal_coverage": 0.9, "crps": 0.01, "mean_pit": 0.4, "return_kind": "total return",
               "draws": 100, "status": "complete"}
    old = {"mode": "single", "scenario": "x", "file": None, "file_sha256": None, "as_of": "2025-01-02",
           "horizon": "2025-07-02", "draws": 100, "seed": 1, "band": [0.05, 0.95], "summary": summary,
           "per_symbol": [], "index": None, "index_performance": None, "notes": [], "result": None}
    typed = from_payload("backtest", old)  # no schema_version: the first release
    assert isinstance(typed, SingleBacktestResult) and typed.to_dict() == old
    with pytest.raises(IncompatibleRunError, match="re-run it"):
        from_payload("backtest", {**old, "schema_version": 99})
    with pytest.raises(IncompatibleRunError, match=r"summary\.hit_rate"):
        from_payload("backtest", {**old, "summary": {**summary, "hit_rate": "high"}})
    with pytest.raises(IncompatibleRunError, match="another version"):
        from_payload("run", {"scenario": "alpha", "median": 0.12})
    assert from_payload("other", {"anything": 1}) is None


def test_index_lines_one_rule(snapshot_dir: Path) -> None:
    from scenarios.results import INDEX_BASE_LINE, INDEX_LINE, RunResult

    base = {"name": "n", "symbols": ["A", "B"], "currencies": ["HKD"] * 2, "as_of": "2025-01-02",
            "horizon": "2025-07-02", "horizon_years": 0.5, "baseline_date": ["2025-01-02"] * 2,
            "seed": 1, "draws": 10, "summary": [], "baseline_price": [1.0, 2.0],
            "index_summary": [{"line": INDEX_LINE, "return_kind": "total", "mean_return": 0.0,
                               "median_return": 0.0, "return_p05": -0.1, "return_p95": 0.1, "prob_up": 0.5}]}
    assert [x.name for x in RunResult.model_validate(base).index_lines()] == ["basket"]
    one = {**base, "symbols": ["A"]}
    assert RunResult.model_validate(one).index_lines() == []
    drv = {**one, "inputs": {"drivers": [{"type": "index_weighting", "scheme": "equal", "cap": 0.4}]}}
    lines = RunResult.model_validate(drv).index_lines()
    assert [x.label for x in lines] == [INDEX_LINE, INDEX_BASE_LINE]
    assert lines[0].note == "re-weighted index (equal, cap 40%)"


def test_api_tour_runs(snapshot_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "SCENARIOS_HOME": str(tmp_path / "home"),
           "SCENARIOS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "examples" / "api_tour.py"), str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "0700.HK" in proc.stdout and "report:" in proc.stdout
    html = (tmp_path / "tencent_backtest.html").read_text(encoding="utf-8")
    assert "<svg" in html and "0700.HK" in html


def test_a_grid_gives_one_result_per_point_and_frames_keyed_by_scenario(snapshot_dir: Path) -> None:
    import scenarios.api as sa
    from scenarios.model import expand_grid

    path = REPO_ROOT / "examples" / "deepseek_rally_feb_2025.yaml"
    rs = sa.run(str(path), draws=300, seed=3)
    points = expand_grid(sa.load(path))
    assert [r.name for r in rs] == [p.name for p in points] and len(rs) > 1
    s = rs.summary()
    assert s.index.names == ["scenario", "symbol"]
    for r in rs:
        assert s.loc[r.name]["median"].tolist() == r.summary()["median"].tolist()
        assert r.grid_point and r.to_dict()["grid_point"] == r.grid_point
    assert [d["name"] for d in json.loads(rs.to_json())] == [r.name for r in rs]
