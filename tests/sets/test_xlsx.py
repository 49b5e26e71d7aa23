"""--format xlsx: the workbook read back (openpyxl) holds the JSON's numbers as numbers, with
percent formats for fractions; a missing openpyxl or --out is a clear usage error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from set_helpers import component

from scenarios.errors import ScenarioError
from scenarios.exports.xlsx import PCT, PROB, sheets_for, write_workbook
from scenarios.sets import load_set
from scenarios.sets.backtest import backtest_set

openpyxl = pytest.importorskip("openpyxl")


def _rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    return [{h: c for h, c in zip(header, row, strict=False)} for row in ws.iter_rows(min_row=2)]


def _num(cell: Any, want: Any, fmt: str | None = None) -> None:
    if want is None:
        assert cell.value is None
        return
    assert cell.data_type == "n" and not isinstance(cell.value, str), cell.value
    assert cell.value == pytest.approx(want, rel=1e-15, abs=0)
    if fmt is not None:
        assert cell.number_format == fmt


def _run(source) -> Any:
    from scenarios.engine import run_scenario
    from scenarios.model import scenario_from_dict
    from scenarios.results import RunResult

    return RunResult.from_engine(run_scenario(scenario_from_dict(component("x", 0.1, draws=800)), source=source))


def test_run_workbook_matches_the_json(tmp_path: Path, source) -> None:
    r = _run(source)
    data = json.loads(r.to_json())
    path = write_workbook(sheets_for(r), tmp_path / "run.xlsx")
    summary = _rows(path, "summary")
    by_symbol = {row["symbol"].value: row for row in summary if row["line"].value == "symbol"}
    for f in data["summary"]:
        row = by_symbol[f["symbol"]]
        _num(row["median return"], f["median_return"], PCT)
        _num(row["return 5%"], f["return_p05"], PCT)
        _num(row["return 95%"], f["return_p95"], PCT)
        _num(row["expected return"], f["mean_return"], PCT)
        _num(row["P(up)"], f["prob_up"], PROB)
        _num(row["baseline price"], f["baseline_price"], "#,##0.00")
        _num(row["median price"], f["median_price"])
    index_rows = [row for row in summary if row["line"].value == "index"]
    assert [row["symbol"].value for row in index_rows] == [x.label for x in r.index_lines()]
    idx = {x["line"]: x for x in data["index_summary"]}
    for row in index_rows:
        _num(row["median return"], idx[row["symbol"].value]["median_return"], PCT)
    attribution = _rows(path, "attribution")
    assert len(attribution) == len(data["contribution_means"]) * len(data["symbols"])
    for row in attribution:
        j = data["symbols"].index(row["symbol"].value)
        _num(row["mean log contribution"], data["contribution_means"][row["driver"].value][j], "0.0000")
    quantiles = _rows(path, "quantiles")
    got = {(row["symbol"].value, row["quantile"].value): row["return"] for row in quantiles}
    for f in data["summary"]:
        _num(got[(f["symbol"], 0.05)], f["return_p05"], PCT)
        _num(got[(f["symbol"], 0.5)], f["median_return"], PCT)
    inputs = {row["field"].value: row["value"].value for row in _rows(path, "inputs")}
    assert inputs["as_of"] == data["as_of"] and inputs["draws"] == data["draws"] == 800


def test_set_backtest_workbook_matches_the_json(tmp_path: Path, make_set, source) -> None:
    sset = load_set(make_set([(component("a", 0.1), 0.7), (component("b", -0.2), 0.3)], draws=600))
    b = backtest_set(sset, source=source)
    data = json.loads(b.to_json())
    path = write_workbook(sheets_for(b), tmp_path / "set.xlsx")
    lines = {x["line"]: x for x in data["result"]["lines"]}
    for row in _rows(path, "summary"):
        x = lines[row["line"].value]
        _num(row["expected return"], x["mean_return"], PCT)
        _num(row["median return"], x["median_return"], PCT)
        _num(row["s.e. median"], x["se_median"], PCT)
        _num(row["P(up)"], x["prob_up"], PROB)
    for row in _rows(path, "attribution"):
        c = next(c for c in lines[row["line"].value]["components"] if c["label"] == row["component"].value)
        _num(row["contribution"], c["contribution"], PCT)
        _num(row["share of expected return"], c["share"], PROB)
        _num(row["median return"], c["median_return"], PCT)
    scores = {row["symbol"].value: row for row in _rows(path, "scores")}
    for s in data["per_symbol"]:
        _num(scores[s["symbol"]]["CRPS"], s["crps"], PCT)
        _num(scores[s["symbol"]]["PIT"], s["pit"], PROB)
        _num(scores[s["symbol"]]["realized"], s["realized"], PCT)
    comp = {row["component"].value: row for row in _rows(path, "component scores")}
    for c in data["components"]:
        _num(comp[c["label"]]["CRPS"], c["crps"], PCT)
    summary = {row["field"].value: row["value"] for row in _rows(path, "score summary")}
    _num(summary["crps"], data["summary"]["crps"], PCT)
    assert summary["best_component"].value == data["best_component"]
    assert summary["hindsight"].value is True


def test_a_formula_looking_text_stays_text(tmp_path: Path) -> None:
    from scenarios.exports.xlsx import Column, Sheet

    sh = Sheet("t", [Column("a")])
    sh.add("=HYPERLINK(\"x\")")
    path = write_workbook([sh], tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(path)["t"]["A2"]
    assert cell.data_type == "s" and cell.value.endswith('HYPERLINK("x")')


def test_missing_openpyxl_is_a_clear_usage_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ScenarioError, match=r"needs openpyxl.*pip install") as exc:
        write_workbook([], tmp_path / "x.xlsx")
    assert exc.value.exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_xlsx_needs_out(capsys) -> None:
    from scenarios.cli.app import main

    example = Path(__file__).resolve().parents[2] / "examples" / "tencent_feb_2026.yaml"
    code = main(["run", str(example), "--format", "xlsx", "--no-record"])
    assert code == 2
    assert "--out" in capsys.readouterr().err


def test_single_and_walk_forward_backtest_workbooks_match_the_json(tmp_path: Path, source) -> None:
    import scenarios.api as sa
    from scenarios.data.memory import synthetic_source
    from scenarios.model import scenario_from_dict

    src = synthetic_source(["0700.HK", "9988.HK"], start="2024-01-01", end="2026-06-30", seed=2)
    scenario = scenario_from_dict(component("bt", 0.1, draws=400))
    (single,) = sa.iter_backtest(scenario, source=src, index=False)
    data = json.loads(single.to_json())
    path = write_workbook(sheets_for(single), tmp_path / "single.xlsx")
    scores = {row["symbol"].value: row for row in _rows(path, "scores")}
    assert set(scores) == {"0700.HK", "9988.HK"}
    for s in data["per_symbol"]:
        _num(scores[s["symbol"]]["realized"], s["realized"], PCT)
        _num(scores[s["symbol"]]["predicted (median)"], s["predicted"], PCT)
        _num(scores[s["symbol"]]["CRPS"], s["crps"], PCT)
    summary = {row["field"].value: row["value"] for row in _rows(path, "score summary")}
    _num(summary["mae"], data["summary"]["mae"], PCT)
    _num(summary["coverage"], data["summary"]["coverage"], PROB)
    (walk,) = sa.iter_backtest(scenario, roll="quarterly", start="2024-06-30", end="2025-06-30", source=src)
    wdata = json.loads(walk.to_json())
    path = write_workbook(sheets_for(walk), tmp_path / "walk.xlsx")
    windows = {row["as_of"].value: row for row in _rows(path, "windows")}
    assert len(windows) == len(wdata["windows"]) >= 4
    for w in wdata["windows"]:
        _num(windows[w["as_of"]]["MAE"], w["mae"], PCT)
        _num(windows[w["as_of"]]["CRPS"], w["crps"], PCT)
    assert len(_rows(path, "scores")) == len(wdata["pairs"])


def test_cli_run_xlsx_and_views_of_a_plain_scenario(tmp_path: Path, monkeypatch, capsys) -> None:
    import yaml

    from scenarios.cli.app import main
    from scenarios.data.memory import flat_source

    src = flat_source({"0700.HK": 400.0, "9988.HK": 100.0})
    monkeypatch.setattr("scenarios.data.default_source", lambda: src)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(component("plain", 0.1, draws=300)), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(f), "--format", "xlsx", "--out", str(out), "--no-record"])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert (out / "plain.xlsx").is_file() and (out / "plain.json").is_file()
    payload = json.loads((out / "plain.json").read_text())
    rows = _rows(out / "plain.xlsx", "summary")
    med = {r["symbol"].value: r["median return"].value for r in rows if r["line"].value == "symbol"}
    # (openpyxl writes floats with 16 significant digits: equal to the last unit or so)
    want = {r["symbol"]: r["median_return"] for r in payload["summary"]}
    assert set(med) == set(want) and all(med[k] == pytest.approx(want[k], rel=1e-15) for k in want)
    code = main(["run", str(f), "--format", "views", "--no-record"])
    text, err = capsys.readouterr()
    assert code == 0, err
    v = json.loads(text)
    assert v["symbols"] == ["0700.HK", "9988.HK"] and set(v["expected_returns"]) == set(v["symbols"])
