"""``scenarios validate|run|new`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scenarios.cli.app import main
from scenarios.cli.run import TEMPLATE_KINDS, template_text
from scenarios.engine import ScenarioResult, run_scenario
from scenarios.model import load_scenario

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"


def test_validate_reports_every_error_and_exits_2(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(
        "name: x\nas_of: 2025-06-30\nhorizon: 2025-01-01\nuniverse: [0700.HK]\n"
        "drivers:\n  - type: earnings_growth\n    growth: 35\n  - type: nope\n", encoding="utf-8")
    (tmp_path / "good.yaml").write_text(template_text("shock"), encoding="utf-8")
    code = main(["validate", "--no-data", "good.yaml", "bad.yaml"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "ok: good.yaml (2 drivers)" in out
    assert "bad.yaml:8:5 drivers[1]: unknown type 'nope'" in err
    assert "bad.yaml:7:13 drivers[0].growth: warning: 35 looks like a percent" in err
    (tmp_path / "syntax.yaml").write_text("name: [x\n", encoding="utf-8")
    assert main(["validate", "--no-data", "syntax.yaml"]) == 2
    assert "syntax.yaml:2:1: invalid YAML" in capsys.readouterr().err
    assert main(["validate", "--no-data", "good.yaml"]) == 0


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_template_validates(kind, tmp_path, capsys) -> None:
    path = tmp_path / f"{kind}.yaml"
    assert main(["new", kind, "--out", str(path)]) == 0
    s = load_scenario(path)
    assert s.warnings == [] and s.drivers
    assert main(["new", kind, "--out", str(path)]) != 0  # no silent overwrite
    assert main(["new", kind]) == 0
    assert capsys.readouterr().out.endswith(path.read_text(encoding="utf-8"))


@pytest.mark.snapshot
def test_templates_validate_against_the_snapshot(snapshot_dir, tmp_path, capsys) -> None:
    files = []
    for k in TEMPLATE_KINDS:  # the skeletons' driver blocks come from the registry
        files.append(str(tmp_path / f"{k}.yaml"))
        Path(files[-1]).write_text(template_text(k), encoding="utf-8")
    assert main(["validate", *files]) == 0, capsys.readouterr().err


@pytest.mark.snapshot
def test_run_json_csv_and_out(snapshot_dir, tmp_path, capsys) -> None:
    code = main(["run", str(FIXTURE), "--draws", "3000", "--seed", "5", "--format", "json",
                 "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    assert payload["draws"] == 3000 and payload["seed"] == 5 and payload["run_id"]
    assert payload["file_sha256"] == load_scenario(FIXTURE).file_sha256
    direct = run_scenario(load_scenario(FIXTURE), draws=3000, seed=5)
    medians = {row["symbol"]: row["median_price"] for row in payload["summary"]}
    assert medians == {s: float(v) for s, v in direct.summary()["median_price"].items()}
    full = ScenarioResult.from_dict(json.loads((tmp_path / "tencent-vat-rumour.json").read_text()))
    assert np.array_equal(full.predicted_price, direct.predicted_price)
    draws_csv = (tmp_path / "tencent-vat-rumour.draws.csv").read_text().splitlines()
    assert len(draws_csv) == 3001

    assert main(["run", str(FIXTURE), "--draws", "500", "--format", "csv", "--no-record"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("scenario,line,symbol,")
    # no index_weighting driver: one basket row (its weights are not re-weighted)
    assert [ln.split(",")[2] for ln in lines[1:]] == ["0700.HK", "9988.HK", "index"]

    assert main(["run", str(FIXTURE), "--draws", "500", "--no-record"]) == 0
    table = capsys.readouterr().out
    assert "0700.HK" in table and "vat-rumour" in table
    assert table.count("market-cap-weighted basket") == 1  # baseline shares: market-cap weights


@pytest.mark.snapshot
def test_run_records_and_runs_show_finds_it(snapshot_dir, capsys) -> None:
    assert main(["run", str(FIXTURE), "--draws", "200", "--format", "json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    from scenarios.store.runs import load_run

    payload = load_run(run_id)
    assert payload["name"] == "tencent-vat-rumour" and payload["draws"] == 200
    assert len(payload["summary"]) == 2


def test_run_of_a_bad_file_is_one_paragraph(tmp_path, capsys) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("name: b\n", encoding="utf-8")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "as_of: is required but missing" in err and "Traceback" not in err


@pytest.mark.snapshot
def test_run_of_a_grid_gives_one_result_per_point(snapshot_dir, tmp_path, capsys) -> None:
    text = FIXTURE.read_text(encoding="utf-8") + "grid:\n  drivers[capex].useful_life_years: [3, 6]\n"
    path = tmp_path / "grid.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "2 grid scenarios" in capsys.readouterr().out
    assert main(["run", str(path), "--draws", "300", "--format", "json", "--no-record"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["grid_point"] for r in results] == [{"drivers[capex].useful_life_years": 3},
                                                  {"drivers[capex].useful_life_years": 6}]
    med = [next(row["median_price"] for row in r["summary"] if row["symbol"] == "0700.HK") for r in results]
    assert med[0] < med[1]  # a shorter life means a larger depreciation charge now


@pytest.mark.snapshot
def test_table_titles_keep_square_brackets(snapshot_dir, tmp_path, capsys) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8")
                    + "grid:\n  drivers[capex].useful_life_years: [4]\n", encoding="utf-8")
    assert main(["run", str(path), "--draws", "100", "--no-record"]) == 0
    assert "tencent-vat-rumour [drivers[capex].useful_life_years=4]" in capsys.readouterr().out


def _render(result) -> str:
    import io

    from rich.console import Console

    from scenarios.cli.run import _table

    buf = io.StringIO()
    Console(file=buf, width=200, highlight=False).print(_table(result))
    return buf.getvalue()


def test_index_lines_only_when_meaningful_and_clearly_labelled() -> None:
    from scenarios.data.memory import flat_source
    from scenarios.model import scenario_from_dict

    src = flat_source({"0700.HK": 500.0, "9988.HK": 120.0, "3690.HK": 100.0})
    one = {"name": "one [pe-reversion]", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK"],
           "drivers": [{"type": "rerating", "change": {"dist": "uniform", "low": 0, "high": 0.2}}],
           "monte_carlo": {"draws": 200}}
    text = _render(run_scenario(scenario_from_dict(one), source=src))
    assert "one [pe-reversion]" in text  # markup escaped
    assert "index" not in text and "basket" not in text
    lines = [ln for ln in text.splitlines() if "0700.HK" in ln]
    assert len(lines) == 1

    two = dict(one, universe=["0700.HK", "9988.HK"])
    text = _render(run_scenario(scenario_from_dict(two), source=src))
    assert text.count("equal-weight basket") == 1 and "re-weighted" not in text

    capped = dict(two, universe=["0700.HK", "9988.HK", "3690.HK"],
                  drivers=two["drivers"] + [{"type": "index_weighting", "scheme": "equal",
                                             "tilts": {"0700.HK": 2}, "cap": 0.4}])
    text = _render(run_scenario(scenario_from_dict(capped), source=src))
    assert "re-weighted index (equal, tilts, cap 40%)" in text
    assert "equal weights, not re-weighted" in text

    # a one-symbol universe WITH an index driver still shows the index lines
    single_idx = dict(one, drivers=one["drivers"] + [{"type": "index_weighting", "scheme": "equal"}])
    text = _render(run_scenario(scenario_from_dict(single_idx), source=src))
    assert "re-weighted index (equal)" in text


@pytest.mark.snapshot
def test_run_says_the_return_kind_per_row(snapshot_dir, tmp_path, capsys) -> None:
    """A universe mixing a stock (adjusted closes: total return) and HSTECH.HK (an index level:
    price return): the table, the CSV and the JSON say the kind per row, and the title does not
    call everything a total return."""
    import pandas as pd

    path = tmp_path / "mix.yaml"
    path.write_text("name: mix\nas_of: 2025-06-30\nhorizon: 6M\nuniverse: [0700.HK, HSTECH.HK]\n"
                    "drivers:\n  - type: rerating\n    change: {dist: uniform, low: -0.1, high: 0.2}\n",
                    encoding="utf-8")
    assert main(["run", str(path), "--draws", "300", "--no-record"]) == 0
    table = capsys.readouterr().out
    flat = " ".join(table.split())  # the title may wrap at the table's width
    assert "(total returns for stocks, price returns for indexes; prices in listing currency)" in flat
    assert "(total returns;" not in flat
    cells = [[c.strip() for c in ln.split("│")] for ln in table.splitlines() if "│" in ln]
    rows = {c[0]: c[1] for c in cells if c[0] in ("0700.HK", "HSTECH.HK", "basket")}
    assert rows == {"0700.HK": "total", "HSTECH.HK": "price", "basket": "mixed"}

    assert main(["run", str(path), "--draws", "300", "--no-record", "--format", "csv"]) == 0
    import io

    csv = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("symbol")
    assert csv["return_kind"].to_dict() == {"0700.HK": "total", "HSTECH.HK": "price", "index": "mixed"}
    # the index's baseline is its level on as_of (the snapshot CSV), not an adjusted close
    level = pd.read_csv(snapshot_dir / "HSTECH.HK.csv", parse_dates=["date"]).set_index("date")["close"]
    assert csv.loc["HSTECH.HK", "baseline_price"] == pytest.approx(float(level[:"2025-06-30"].iloc[-1]))

    assert main(["run", str(path), "--draws", "300", "--no-record", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["return_kinds"] == {"0700.HK": "total", "HSTECH.HK": "price"}
    assert payload["return_kind"] == "mixed"
    assert {r["symbol"]: r["return_kind"] for r in payload["summary"]} == payload["return_kinds"]
    assert {r["return_kind"] for r in payload["index_summary"]} == {"mixed"}

    # stocks only: the title keeps "total returns" and every row says total
    assert main(["run", str(FIXTURE), "--draws", "200", "--no-record", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["return_kind"] == "total" and set(payload["return_kinds"].values()) == {"total"}


def test_index_rows_take_the_kind_of_their_weighted_members() -> None:
    """Re-weighting that drops the index level leaves a stocks-only (total-return) index, while
    the baseline-weight line still mixes both kinds."""
    from scenarios.data.memory import flat_source
    from scenarios.engine.result import combined_return_kind
    from scenarios.model import scenario_from_dict

    src = flat_source({"0700.HK": 500.0, "9988.HK": 120.0, "HSTECH.HK": 5000.0})
    data = {"name": "kinds", "as_of": "2025-06-30", "horizon": "6M",
            "universe": ["0700.HK", "9988.HK", "HSTECH.HK"],
            "drivers": [{"type": "index_weighting", "scheme": "equal", "exclude": ["HSTECH.HK"]}],
            "monte_carlo": {"draws": 50}}
    r = run_scenario(scenario_from_dict(data), source=src)
    assert r.return_kinds == ["total", "total", "price"] and r.return_kind == "mixed"
    assert r.index_weights_after[2] == 0 and r.index_weights_before[2] > 0
    kinds = r.index_summary()["return_kind"].to_dict()
    assert kinds == {"index": "total", "index (baseline weights)": "mixed"}
    table = _render(r)
    row = next(ln for ln in table.splitlines() if "re-weighted index" in ln)
    assert row.split("│")[1].strip() == "total"
    assert [combined_return_kind(k) for k in ([], ["price"], ["total", "total"], ["price", "total"])] == \
        ["total", "price", "total", "mixed"]
