"""Backtests through the real engine: no look-ahead, numbers vs independent computations, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from backtest_fakes import ShiftedAfter, csv_close_on_or_before

from scenarios.backtest.forecast import scenario_forecaster
from scenarios.backtest.realized import realized_returns
from scenarios.backtest.scenario import backtest_scenario, walk_forward_scenario
from scenarios.cli.app import main
from scenarios.errors import LookAheadError
from scenarios.model import load_scenario
from scenarios.store.runs import list_runs, load_run

pytestmark = pytest.mark.snapshot

SCENARIO = """\
name: bt-test
as_of: 2025-03-31
horizon: 3M
universe: [0700.HK, 9988.HK, 3690.HK, 0981.HK]
benchmarks: [^HSI]
drivers:
  - type: earnings_growth
    label: growth
    per_symbol: true
    growth: {dist: normal, mean: 0.05, sd: 0.08, clip: [-0.3, 0.4]}
  - type: rerating
    label: ai
    symbols: [0981.HK, 9988.HK]
    change: {dist: uniform, low: 0.0, high: 0.2}
  - type: sentiment_shock
    label: tariff
    shock: -0.05
    half_life_days: 30
    date: 2025-04-07
monte_carlo: {draws: 120, seed: 5}
"""


@pytest.fixture()
def scenario_file(tmp_path: Path, snapshot_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    p = tmp_path / "bt.yaml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p


def test_single_backtest_matches_independent_numbers(scenario_file: Path, snapshot_dir: Path, csv_source) -> None:
    from scenarios.engine import run_scenario

    sc = load_scenario(scenario_file)
    bt = backtest_scenario(sc, source=csv_source).to_dict()
    assert bt["as_of"] == "2025-03-31" and bt["horizon"] == "2025-06-30"
    ens = run_scenario(sc, source=csv_source).predicted_return  # same seed -> same draws
    a, h = pd.Timestamp("2025-03-31"), pd.Timestamp("2025-06-30")
    hits, inside = [], []
    for j, row in enumerate(bt["per_symbol"]):
        sym = row["symbol"]
        real = csv_close_on_or_before(snapshot_dir, sym, h) / csv_close_on_or_before(snapshot_dir, sym, a) - 1
        assert row["realized"] == pytest.approx(real, rel=1e-12)
        assert row["kind"] == "total" and row["scored"]
        assert row["predicted"] == pytest.approx(float(np.median(ens[:, j])), rel=1e-12)
        lo, hi = np.quantile(ens[:, j], [0.05, 0.95])
        hits.append(np.sign(np.median(ens[:, j])) == np.sign(real))
        inside.append(lo <= real <= hi)
        assert row["pit"] == pytest.approx(float(np.mean(ens[:, j] < real)))  # no ties
    s = bt["summary"]
    assert s["hit_rate"] == pytest.approx(np.mean(hits))
    assert s["coverage"] == pytest.approx(np.mean(inside))
    assert s["return_kind"] == "total return" and s["status"] == "complete" and s["n_scored"] == 4


def test_driver_reading_after_as_of_fails(scenario_file: Path, csv_source, monkeypatch: pytest.MonkeyPatch) -> None:
    import scenarios.engine.index as eng_index

    real = eng_index.index_weights

    def peeking(scenario, driver, symbols, price, view, *args, **kwargs):
        view.history(symbols[0], end=view.as_of + pd.Timedelta(days=30))  # a driver peeking ahead
        return real(scenario, driver, symbols, price, view, *args, **kwargs)

    monkeypatch.setattr(eng_index, "index_weights", peeking)
    sc = load_scenario(scenario_file)
    with pytest.raises(LookAheadError):
        backtest_scenario(sc, source=csv_source, index=False)
    with pytest.raises(LookAheadError):
        walk_forward_scenario(sc, roll="quarterly", start="2024-06-01", end="2024-12-31",
                              source=csv_source, progress=False)


def test_shifting_prices_after_as_of_changes_no_prediction(scenario_file: Path, csv_source) -> None:
    sc = load_scenario(scenario_file)
    for as_of in ("2024-06-28", "2024-12-31", "2025-03-31"):
        shifted = ShiftedAfter(csv_source, as_of, 2.0)
        a = scenario_forecaster(sc, source=csv_source)(pd.Timestamp(as_of))
        b = scenario_forecaster(sc, source=shifted)(pd.Timestamp(as_of))
        np.testing.assert_array_equal(a.ensemble, b.ensemble)
        assert a.baseline_date == b.baseline_date
        # ... while what happened afterwards does change (the probe is effective)
        r1 = realized_returns(a.symbols, a.as_of, a.horizon, csv_source)["return"]
        r2 = realized_returns(a.symbols, a.as_of, a.horizon, shifted)["return"]
        np.testing.assert_allclose((1 + r2) / (1 + r1), 2.0, rtol=1e-12)


def test_cli_backtest_records_a_run(scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(scenario_file)]) == 0
    out = capsys.readouterr().out
    for text in ("0700.HK", "0981.HK", "hit rate", "band coverage", "total return", "recorded as run"):
        assert text in out
    runs = list_runs(kind="backtest")
    assert len(runs) == 1 and runs[0].name == "bt-test"
    rid = runs[0].id
    assert rid in out
    payload = load_run(rid)
    assert payload["mode"] == "single" and len(payload["per_symbol"]) == 4

    assert main(["runs", "list", "--kind", "backtest"]) == 0
    assert rid in capsys.readouterr().out
    assert main(["runs", "show", rid]) == 0
    shown = capsys.readouterr().out
    assert "0981.HK" in shown and "hit rate" in shown

    assert main(["backtest", str(scenario_file), "--format", "json", "--no-save"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run_id"] is None
    assert [r["symbol"] for r in data["per_symbol"]] == [r["symbol"] for r in payload["per_symbol"]]
    assert len(list_runs()) == 1


def test_cli_walk_forward(scenario_file: Path, snapshot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["backtest", str(scenario_file), "--roll", "quarterly", "--from", "2024-01-01",
                 "--to", "2024-12-31", "--draws", "40", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "walk-forward" not in captured.err  # no progress bar off a terminal
    d = json.loads(captured.out)
    assert d["mode"] == "walk_forward" and d["draws"] == 40
    assert [w["as_of"] for w in d["windows"]] == ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
    tr = d["track"]
    assert tr["n_windows"] == 4 and tr["n_pairs"] == 16 and tr["h"] == 1
    for key in ("vs_zero_squared", "vs_momentum_squared", "vs_zero_absolute", "vs_momentum_absolute"):
        assert key in tr["dm"]
    # each window's realized return is what the files say for its own window
    p = next(x for x in d["pairs"] if x["as_of"] == "2024-06-30" and x["symbol"] == "3690.HK")
    a, h = pd.Timestamp(p["as_of"]), pd.Timestamp(p["horizon"])
    exp = csv_close_on_or_before(snapshot_dir, "3690.HK", h) / csv_close_on_or_before(snapshot_dir, "3690.HK", a) - 1
    assert p["realized"] == pytest.approx(exp, rel=1e-12)
    # the zero forecast's MAE is the mean absolute realized return
    assert tr["mae_zero"] == pytest.approx(np.mean([abs(x["realized"]) for x in d["pairs"] if x["scored"]]))
    assert load_run(d["run_id"])["mode"] == "walk_forward"

    assert main(["runs", "show", d["run_id"]]) == 0
    shown = capsys.readouterr().out
    assert "track record" in shown and "Diebold-Mariano" in shown


def test_cli_horizon_beyond_data_says_not_scoreable(tmp_path: Path, snapshot_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    p = tmp_path / "late.yaml"
    p.write_text(SCENARIO.replace("as_of: 2025-03-31", "as_of: 2026-06-30").replace(
        "date: 2025-04-07", "date: 2026-07-07"), encoding="utf-8")
    assert main(["backtest", str(p), "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "not scoreable" in out and "2026-08-21" in out


def test_cli_lookahead_is_one_readable_error(scenario_file: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import scenarios.engine.index as eng_index

    real = eng_index.index_weights

    def peeking(scenario, driver, symbols, price, view, *args, **kwargs):
        view.close(symbols[0], end="2030-01-01")
        return real(scenario, driver, symbols, price, view, *args, **kwargs)

    monkeypatch.setattr(eng_index, "index_weights", peeking)
    code = main(["backtest", str(scenario_file), "--no-save"])
    err = capsys.readouterr().err
    assert code == LookAheadError.exit_code and "LookAheadError" in err and "Traceback" not in err


INDEX_SCENARIO = """\
name: bt-index
as_of: 2025-03-31
horizon: 6M
universe: [0700.HK, 9988.HK, 3690.HK, 1810.HK, 0981.HK]
benchmarks: [HSTECH.HK, ^HSI]
themes:
  chips: [0981.HK]
drivers:
  - type: earnings_growth
    label: growth
    per_symbol: true
    growth: {dist: normal, mean: 0.05, sd: 0.08, clip: [-0.3, 0.4]}
  - type: index_weighting
    label: chips-tilt
    scheme: equal
    tilts: {chips: 2.0}
    cap: 0.4
monte_carlo: {draws: 100, seed: 9}
"""


def test_index_scenario_scores_the_same_portfolio_and_compares_benchmarks(
        tmp_path: Path, snapshot_dir: Path, csv_source, monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.engine import run_scenario

    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    p = tmp_path / "idx.yaml"
    p.write_text(INDEX_SCENARIO, encoding="utf-8")
    sc = load_scenario(p)
    bt = backtest_scenario(sc, source=csv_source).to_dict()
    res = run_scenario(sc, source=csv_source)
    w = np.asarray(res.index_weights_after)
    a, h = pd.Timestamp("2025-03-31"), pd.Timestamp("2025-09-30")
    real = np.array([csv_close_on_or_before(snapshot_dir, s, h) / csv_close_on_or_before(snapshot_dir, s, a) - 1
                     for s in res.symbols])
    idx = bt["index"]
    assert idx["scored"] and idx["kind"] == "total"
    assert idx["realized"] == pytest.approx(float(w @ real / w.sum()), rel=1e-12)
    assert idx["predicted"] == pytest.approx(float(np.median(res.index_return)), rel=1e-12)
    hst = (csv_close_on_or_before(snapshot_dir, "HSTECH.HK", h)
           / csv_close_on_or_before(snapshot_dir, "HSTECH.HK", a) - 1)
    assert idx["benchmark"] == "HSTECH.HK" and idx["benchmark_realized"] == pytest.approx(hst, rel=1e-12)

    perf = bt["index_performance"]
    assert perf["status"] == "complete" and perf["return_kind"] == "price"
    # the benchmark's compounded daily returns over the window = its close-to-close price return
    assert perf["vs"]["HSTECH.HK"]["total_return"] == pytest.approx(hst, rel=1e-9)
    hsi = csv_close_on_or_before(snapshot_dir, "^HSI", h) / csv_close_on_or_before(snapshot_dir, "^HSI", a) - 1
    assert perf["vs"]["^HSI"]["total_return"] == pytest.approx(hsi, rel=1e-9)
    for v in perf["vs"].values():
        assert v["excess_return"] == pytest.approx(perf["total_return"] - v["total_return"], abs=1e-12)
        assert v["tracking_error"] > 0
    assert perf["scheme"]["tilts"] == {"0981.HK": 2.0}  # the scenario's theme expanded
    assert all(a.date().isoformat() < d <= h.date().isoformat() for d in perf["turnover"])
    lv = perf["levels"]
    assert lv["index"][0] == perf["start"] and len(lv["scenario index"]) == perf["sessions"]


def test_cli_usage_errors_are_one_line(scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(scenario_file), "--band", "95,5"]) == 2
    assert main(["backtest", str(scenario_file), "--roll", "weekly"]) == 2
    assert main(["backtest", str(scenario_file), "--roll", "quarterly", "--from", "2025-04-01",
                 "--to", "2025-05-01"]) == 2
    err = capsys.readouterr().err
    assert "--band" in err and "--roll" in err and "no quarterly as_of date" in err
    assert "Traceback" not in err and "bug" not in err
    assert list_runs() == []


def test_cli_grid_backtests_each_point(scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = scenario_file.read_text(encoding="utf-8").replace(
        "monte_carlo:", "grid:\n  drivers.ai.change.high: [0.1, 0.4]\nmonte_carlo:")
    scenario_file.write_text(text, encoding="utf-8")
    assert main(["backtest", str(scenario_file)]) == 0
    out = capsys.readouterr().out
    runs = list_runs(kind="backtest")
    assert len(runs) == 2
    names = sorted(r.name for r in runs)
    assert names == ["bt-test [drivers.ai.change.high=0.1]", "bt-test [drivers.ai.change.high=0.4]"]
    assert "grid: 2 scenarios" in out and all(n in out for n in names)
    points = sorted(load_run(r.id)["grid_point"]["drivers.ai.change.high"] for r in runs)
    assert points == [0.1, 0.4]
    # a wider rerating range moves the predicted medians of the re-rated names only
    med = {load_run(r.id)["grid_point"]["drivers.ai.change.high"]:
           {row["symbol"]: row["predicted"] for row in load_run(r.id)["per_symbol"]} for r in runs}
    assert med[0.4]["0981.HK"] > med[0.1]["0981.HK"]
    assert med[0.4]["0700.HK"] == pytest.approx(med[0.1]["0700.HK"])


def test_cli_store_failure_still_shows_results(scenario_file: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import scenarios.store.runs as runs_mod
    from scenarios.errors import StoreError

    def busy(*args, **kwargs):
        raise StoreError("cannot open the store: Conflicting lock is held")

    monkeypatch.setattr(runs_mod, "record_run", busy)
    code = main(["backtest", str(scenario_file)])
    cap = capsys.readouterr()
    assert code == StoreError.exit_code
    assert "0981.HK" in cap.out and "hit rate" in cap.out  # the results were printed
    assert "could not be recorded" in cap.err and "lock" in cap.err


def test_walk_forward_index_scenario_tracks_the_portfolio(tmp_path: Path, snapshot_dir: Path, csv_source,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.engine import run_scenario

    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    p = tmp_path / "idx.yaml"
    p.write_text(INDEX_SCENARIO.replace("horizon: 6M", "horizon: 3M"), encoding="utf-8")
    sc = load_scenario(p)
    wf = walk_forward_scenario(sc, roll="quarterly", start="2024-09-01", end="2025-03-31",
                               source=csv_source, draws=30, progress=False)
    iw = wf.result.index_windows
    assert list(iw["as_of"].dt.date.astype(str)) == ["2024-09-30", "2024-12-31", "2025-03-31"]
    assert wf.result.track["index"]["n_scored"] == 3
    res = run_scenario(sc, source=csv_source, draws=30, as_of="2024-12-31")
    a, h = pd.Timestamp("2024-12-31"), pd.Timestamp(res.horizon)
    real = np.array([csv_close_on_or_before(snapshot_dir, s, h) / csv_close_on_or_before(snapshot_dir, s, a) - 1
                     for s in res.symbols])
    w = np.asarray(res.index_weights_after)
    row = iw.loc[iw["as_of"] == a].iloc[0]
    assert row["realized"] == pytest.approx(float(w @ real / w.sum()), rel=1e-12)
    assert row["predicted"] == pytest.approx(float(np.median(res.index_return)), rel=1e-12)
