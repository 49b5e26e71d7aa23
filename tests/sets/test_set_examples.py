"""The example sets on the real snapshot: CLI run and backtest, realized return from the CSV
with plain pandas, CRPS and PIT of the mixture draws by properscoring, the hindsight flag,
the xlsx workbook and the views."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.cli.app import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TENCENT = EXAMPLES / "tencent_2026_set.yaml"
US = EXAMPLES / "us_capex_2026_set.yaml"


def test_cli_runs_the_tencent_set(snapshot_dir: Path, capsys) -> None:
    code = main(["run", str(TENCENT), "--draws", "3000", "--format", "json", "--no-record"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "scenario_set_result" and data["draws"] == 3000 and data["seed"] == 2026
    assert [c["probability"] for c in data["components"]] == [0.5, 0.3, 0.2]
    assert sum(c["assigned_draws"] for c in data["components"]) == 3000
    (line,) = data["lines"]
    assert line["line"] == "0700.HK" and line["return_p05"] < line["median_return"] < line["return_p95"]
    meds = {c["label"]: c["median_return"] for c in line["components"]}
    # the bear reading is below the base, the bull above
    assert meds["tencent-feb-2026-bear"] < meds["tencent-feb-2026"] < meds["tencent-feb-2026-bull"]
    assert sum(c["contribution"] for c in line["components"]) == pytest.approx(line["mean_return"], abs=1e-12)


def test_set_backtest_scores_the_mixture_draws(snapshot_dir: Path) -> None:
    properscoring = pytest.importorskip("properscoring")
    import scenarios.api as sa

    (b,) = sa.backtest(US, draws=2000)
    draws = b.result.draws_data["returns"]
    for j, s in enumerate(b.per_symbol):
        csv = pd.read_csv(snapshot_dir / f"{s.symbol}.csv", parse_dates=["date"]).set_index("date")["close"]
        p0 = csv[csv.index <= pd.Timestamp(b.as_of)].iloc[-1]
        p1 = csv[csv.index <= pd.Timestamp(b.horizon)].iloc[-1]
        assert s.realized == pytest.approx(p1 / p0 - 1, rel=1e-12)
        assert s.crps == pytest.approx(properscoring.crps_ensemble(s.realized, draws[:, j]), rel=1e-9)
        assert s.pit == pytest.approx(np.mean(draws[:, j] < s.realized) + 0.5 * np.mean(draws[:, j] == s.realized),
                                      abs=1e-12)
    crps = {c.label: c.crps for c in b.components}
    assert b.best_component == min(crps, key=crps.get) and b.hindsight is True
    assert any("hindsight" in n for n in b.notes)
    assert b.score_summary.crps == pytest.approx(np.mean([s.crps for s in b.per_symbol]))


def test_cli_set_backtest_writes_the_workbook(snapshot_dir: Path, tmp_path: Path, capsys) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    code = main(["backtest", str(TENCENT), "--draws", "1000", "--format", "xlsx", "--out", str(tmp_path),
                 "--no-save"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "hindsight" in out
    wb = openpyxl.load_workbook(tmp_path / "tencent-2026-set.xlsx")
    assert {"inputs", "components", "summary", "attribution", "quantiles", "scores",
            "score summary", "component scores"} <= set(wb.sheetnames)


def test_cli_views_of_a_set(snapshot_dir: Path, capsys) -> None:
    code = main(["run", str(US), "--draws", "2000", "--format", "views", "--no-record"])
    out, err = capsys.readouterr()
    assert code == 0, err
    v = json.loads(out)
    assert v["symbols"] == ["AMZN", "GOOGL", "META", "MSFT"]
    assert len(v["view_confidences"]) == 4 and all(0 < c < 1 for c in v["view_confidences"])


def test_backtest_roll_on_a_set_is_a_usage_error(capsys) -> None:
    code = main(["backtest", str(TENCENT), "--roll", "quarterly", "--no-save"])
    assert code == 2
    assert "--roll" in capsys.readouterr().err
