"""`scenarios report` end to end on a real scenario, real engine, real backtest and the real
price snapshot: the numbers the page shows are the numbers of the recorded run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_htmlparse import parse

from scenarios.cli.app import main

pytestmark = pytest.mark.snapshot

DATA = Path(__file__).parent / "data"
INDEX_FILE = DATA / "capex_index.yaml"
FUTURE_FILE = DATA / "future.yaml"


def _cells(root, table_id: str) -> dict[tuple[str, str], float]:
    table = root.find_all("table", id=table_id)
    assert len(table) == 1, f"no table {table_id}"
    return {(td.attrs.get("data-key", ""), td.attrs.get("data-field", "")): float(td.attrs["data-value"])
            for td in table[0].find_all("td") if "data-value" in td.attrs}


def _section(root, sid: str):
    (sec,) = root.find_all("section", id=sid)
    return sec


def _record(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*args, "--format", "json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)["run_id"]


@pytest.fixture(scope="module")
def backtest_report(snapshot_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Record a backtest of the index scenario, then report it by run id (with --png)."""
    import os

    from scenarios.store.runs import load_run

    tmp = tmp_path_factory.mktemp("cli")
    home = tmp / "home"
    old = os.environ.get("SCENARIOS_HOME")
    os.environ["SCENARIOS_HOME"] = str(home)   # module-scoped store shared by the tests below
    try:
        import io
        from contextlib import redirect_stdout

        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["backtest", str(INDEX_FILE), "--format", "json"]) == 0
        run_id = json.loads(buf.getvalue())["run_id"]
        payload = load_run(run_id)
        out = tmp / "report.html"
        with redirect_stdout(io.StringIO()) as printed:
            assert main(["report", run_id[:12], "--out", str(out)]) == 0
        yield {"run_id": run_id, "payload": payload, "html": out.read_text(encoding="utf-8"),
               "png": tmp / "png", "printed": printed.getvalue(), "home": home}
    finally:
        if old is None:
            os.environ.pop("SCENARIOS_HOME", None)
        else:
            os.environ["SCENARIOS_HOME"] = old


def test_backtest_report_numbers_equal_the_run_json(backtest_report) -> None:
    payload, root = backtest_report["payload"], parse(backtest_report["html"])
    rows = {r["symbol"]: r for r in payload["per_symbol"]}
    assert rows and all(r["scored"] for r in rows.values())
    scatter = _cells(root, "scatter-table")
    forecast = _cells(root, "forecast-table")
    for sym, r in rows.items():
        assert scatter[(sym, "predicted")] == r["predicted"]
        assert scatter[(sym, "realized")] == r["realized"]
        assert forecast[(sym, "realized_return")] == r["realized"]
        assert forecast[(sym, "pit")] == r["pit"]
        # the fan is re-run from the recorded file/seed/draws: its median is the scored median
        assert forecast[(sym, "median_return")] == pytest.approx(r["predicted"], abs=1e-12)
    metrics = {k[0]: v for k, v in _cells(root, "metrics-table").items()}
    summ = payload["summary"]
    assert metrics["Hit rate"] == summ["hit_rate"] and metrics["IC"] == summ["ic"]
    assert metrics["CRPS"] == summ["crps"] and metrics["Band coverage"] == summ["coverage"]
    # the index forecast scored by the backtest
    idx = {k[0]: v for k, v in _cells(root, "index-metrics-table").items()}
    assert idx["Predicted index return (median)"] == payload["index"]["predicted"]
    assert idx["Realized return"] == payload["index"]["realized"]
    # the simulated index and the benchmarks: the chart's lines end where the recorded totals say
    perf = payload["index_performance"]
    lines = {k[0]: v for k, v in _cells(root, "index-lines-table").items()}
    vs = {k[0]: v for k, v in _cells(root, "index-vs-table").items() if k[1] == "total_return"}
    assert lines["Scenario index (simulated, price)"] == pytest.approx(perf["total_return"], abs=1e-12)
    assert lines["HSTECH (actual, price)"] == pytest.approx(perf["vs"]["HSTECH.HK"]["total_return"], abs=1e-12)
    assert lines["HSI (actual, price)"] == pytest.approx(perf["vs"]["^HSI"]["total_return"], abs=1e-12)
    assert vs["HSTECH (actual, price)"] == perf["vs"]["HSTECH.HK"]["total_return"]
    # the visible text agrees with the machine-readable value
    ic_card = [c for c in root.find_all("div") if c.attrs.get("data-key") == "ic"][0]
    assert ic_card.find_all("div", **{"class": "value"})[0].text == f"{summ['ic']:+.2f}"


def test_backtest_report_sections_charts_and_header(backtest_report) -> None:
    root = parse(backtest_report["html"])
    payload = backtest_report["payload"]
    for sid in ("inputs", "forecast", "scatter", "index", "decomposition"):
        assert "data-omitted" not in _section(root, sid).attrs, sid
    track = _section(root, "track")
    assert track.attrs.get("data-omitted") == "true" and "walk-forward" in track.text.lower()
    facts = {dd.attrs["data-fact"]: dd.text for dd in root.find_all("dd")}
    assert facts["as of"] == payload["as_of"] and facts["horizon"] == payload["horizon"]
    assert facts["run"] == backtest_report["run_id"] and facts["kind"] == "backtest"
    assert facts["draws"] == f"{payload['draws']:,}"
    # inputs: the driver distributions and the claim they rest on, with its article
    drivers = _cells(root, "drivers-table")
    assert drivers[("growth.growth", "q50")] == pytest.approx(0.12)
    assert drivers[("growth.growth", "q05")] == pytest.approx(0.12 - 1.6448536269514722 * 0.06)
    claims = root.find_all("table", id="claims-table")[0]
    assert "a001-hstech-2025-peak-gain" in claims.text and "001_399d74a4d9af2aed.txt" in claims.text
    # index: weights from the run (0981.HK tilted x2, capped at 35%)
    weights = _cells(root, "weights-table")
    after = [v for (s, f), v in weights.items() if f == "weight_after"]
    assert sum(after) == pytest.approx(1.0) and max(after) <= 0.35 + 1e-12
    assert weights[("0981.HK", "weight_after")] == pytest.approx(max(after))
    # decomposition adds up: the components' sum is the mean log return of the run's draws
    dec = _cells(root, "decomposition-table")
    for sym in payload["per_symbol"]:
        s = sym["symbol"]
        parts = [v for (k, f), v in dec.items() if k == s and f.startswith("log_") and f != "log_total"]
        assert sum(parts) == pytest.approx(dec[(s, "log_total")], abs=1e-12)
    # one chart per fan + scatter + index lines + weights + decomposition, also as PNG files
    svgs = [s.attrs["data-chart"] for s in root.find_all("svg") if "data-chart" in s.attrs]
    assert len([c for c in svgs if c.startswith("fan-")]) == len(payload["per_symbol"])
    assert {"scatter", "index-lines", "index-weights", "decomposition"} <= set(svgs)
    assert "wrote" in backtest_report["printed"] and "omitted (no data): Walk-forward" in backtest_report["printed"]


def test_file_report_equals_the_recorded_backtest(backtest_report, tmp_path: Path) -> None:
    """Reporting the FILE runs, scores and simulates the index on the spot: same seed, same
    numbers as the recorded backtest run."""
    out = tmp_path / "file.html"
    assert main(["report", str(INDEX_FILE), "--out", str(out)]) == 0
    root = parse(out.read_text(encoding="utf-8"))
    recorded = parse(backtest_report["html"])
    for table in ("scatter-table", "metrics-table", "index-vs-table", "index-lines-table", "weights-table"):
        assert _cells(root, table) == _cells(recorded, table), table
    fan = _cells(root, "forecast-table")
    for r in backtest_report["payload"]["per_symbol"]:
        assert fan[(r["symbol"], "median_return")] == pytest.approx(r["predicted"], abs=1e-12)
        assert fan[(r["symbol"], "pit")] == r["pit"]


def test_stored_run_past_its_horizon_is_scored(backtest_report, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A plain `scenarios run` record whose horizon has passed: the report re-runs the recorded
    file/seed/draws and scores it - the same scores as the recorded backtest."""
    from scenarios.store.runs import list_runs

    assert main(["run", str(INDEX_FILE), "--format", "json"]) == 0
    capsys.readouterr()
    (info,) = [r for r in list_runs() if r.kind == "run"]
    out = tmp_path / "run.html"
    assert main(["report", info.id, "--out", str(out)]) == 0
    root = parse(out.read_text(encoding="utf-8"))
    recorded = parse(backtest_report["html"])
    for table in ("scatter-table", "metrics-table", "index-vs-table"):
        assert _cells(root, table) == _cells(recorded, table), table
    facts = {dd.attrs["data-fact"]: dd.text for dd in root.find_all("dd")}
    assert facts["kind"] == "run, scored now"
    assert "Scored now" in _section(root, "forecast").text


def test_run_payload_without_draws(snapshot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios run` stores summaries only: the report shows exactly those numbers."""
    from scenarios.store.runs import list_runs, load_run

    assert main(["run", str(FUTURE_FILE), "--format", "json"]) == 0
    capsys.readouterr()
    (info,) = list_runs()
    payload = load_run(info.id)
    out = tmp_path / "r.html"
    assert main(["report", info.id, "--out", str(out)]) == 0
    root = parse(out.read_text(encoding="utf-8"))
    forecast = _cells(root, "forecast-table")
    for row in payload["summary"]:
        s = row["symbol"]
        assert forecast[(s, "price_q50")] == row["median_price"]
        assert forecast[(s, "price_q05")] == row["price_p05"] and forecast[(s, "price_q95")] == row["price_p95"]
        assert forecast[(s, "mean_return")] == row["mean_return"] and forecast[(s, "prob_up")] == row["prob_up"]
        assert (s, "realized_return") not in forecast
    scatter = _section(root, "scatter")
    assert scatter.attrs.get("data-omitted") == "true" and "2027-08-20" in scatter.text
    assert _section(root, "index").attrs.get("data-omitted") == "true"
    base = dict(zip(payload["symbols"], payload["baseline_price"], strict=True))
    assert forecast[("0700.HK", "baseline_price")] == base["0700.HK"]


def test_file_target_future_horizon(snapshot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.html"
    assert main(["report", str(FUTURE_FILE), "--out", str(out), "--png", str(tmp_path / "png")]) == 0
    printed = capsys.readouterr().out
    assert "omitted (no data): Predicted vs realized, Index counterfactual, Walk-forward" in printed
    root = parse(out.read_text(encoding="utf-8"))
    svgs = [s.attrs["data-chart"] for s in root.find_all("svg") if "data-chart" in s.attrs]
    assert svgs == ["fan-0700-HK", "fan-9988-HK", "fan-1810-HK", "decomposition", "tornado"]
    assert sorted(p.stem for p in (tmp_path / "png").glob("*.png")) == sorted(svgs)   # --png: one per chart
    data = json.loads(root.find_all("script", id="run-data")[0].text)
    assert data["name"] == "future-tencent" and data["draws"] == 300 and data["seed"] == 1
    assert [s["symbol"] for s in data["symbols"]] == ["0700.HK", "9988.HK", "1810.HK"]
    # the lognormal growth driver in readable form
    assert "lognormal: median +10.0%" in _section(root, "inputs").text


def test_walk_forward_report(snapshot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(INDEX_FILE), "--roll", "quarterly", "--from", "2024-12-31",
                 "--to", "2025-06-30", "--draws", "200", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    out = tmp_path / "wf.html"
    assert main(["report", payload["run_id"], "--out", str(out)]) == 0
    root = parse(out.read_text(encoding="utf-8"))
    track = _section(root, "track")
    assert "data-omitted" not in track.attrs and track.find_all("svg")
    cells = _cells(root, "track-table")
    for w in payload["windows"]:
        if w["ic"] is not None:
            assert cells[(w["as_of"], "ic")] == w["ic"]
        if w["hit_rate"] is not None:
            assert cells[(w["as_of"], "hit_rate")] == w["hit_rate"]
    scores = {k[0]: v for k, v in _cells(root, "track-metrics-table").items()}
    assert scores["Hit rate"] == payload["track"]["hit_rate"]
    assert scores["Windows"] == payload["track"]["n_windows"] == len(payload["windows"])


def test_errors_are_one_paragraph(snapshot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "r-no-such-run", "--out", str(tmp_path / "x.html")]) != 0
    err = capsys.readouterr().err
    assert "r-no-such-run" in err and "Traceback" not in err
    assert main(["report", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "missing.yaml" in err and "not found" in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_example_scenario_report(snapshot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The US capex example (USD, horizon passed): realized returns equal the snapshot's closes."""
    import pandas as pd

    example = Path(__file__).resolve().parents[2] / "examples" / "us_ai_capex_2026.yaml"
    out = tmp_path / "us.html"
    assert main(["report", str(example), "--out", str(out), "--draws", "300"]) == 0
    capsys.readouterr()
    root = parse(out.read_text(encoding="utf-8"))
    for sid in ("inputs", "forecast", "scatter", "decomposition"):
        assert "data-omitted" not in _section(root, sid).attrs, sid
    assert _section(root, "index").attrs.get("data-omitted") == "true"
    data = json.loads(root.find_all("script", id="run-data")[0].text)
    forecast = _cells(root, "forecast-table")
    assert sorted(s["symbol"] for s in data["symbols"]) == ["AMZN", "GOOGL", "META", "MSFT"]
    for s in data["symbols"]:
        sym = s["symbol"]
        close = pd.read_csv(snapshot_dir / f"{sym}.csv", usecols=["date", "close"], index_col="date")["close"]
        expected = close.loc[:data["horizon"]].iloc[-1] / close.loc[:data["as_of"]].iloc[-1] - 1
        assert forecast[(sym, "realized_return")] == pytest.approx(expected, abs=1e-9)
        assert forecast[(sym, "baseline_price")] == pytest.approx(close.loc[:data["as_of"]].iloc[-1], abs=1e-9)
    figures = "".join(f.text for f in root.find_all("figure"))
    assert "Price (USD)" in figures and "Price (HKD)" not in figures
    claims = root.find_all("table", id="claims-table")[0].text
    assert "a002-us-capex-total" in claims and "002_ddd815a4c54b9b20.txt" in claims
    amzn = [tr for tr in root.find_all("tr") if tr.attrs.get("data-driver") == "capex-amzn"
            and tr.attrs.get("data-parameter") == "amount"][0]
    assert "triangular: low 55, mode 75, high 85 (USD bn)" in amzn.text
    q = _cells(root, "drivers-table")
    # triangular(55, 75, 85): the mode sits past the middle (F(75) = 2/3), so the median solves
    # (x - 55)^2 / (30 * 20) = 0.5 on the rising side
    assert q[("capex-amzn.amount", "q50")] == pytest.approx(55 + (0.5 * 30 * 20) ** 0.5)
