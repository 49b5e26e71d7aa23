"""Bad prices never silently ruin a forecast (issue 16): error-level rows in a run's window
exit 3 naming symbol, file and dates (``--drop-bad-rows`` drops them with a warning); one-day
spikes that revert are a ``spike`` warning in ``data check`` and are left out of volatility
estimates with a printed warning; no numpy warning reaches the user."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.cli.app import main
from scenarios.data.screen import bad_close_dates, spike_dates

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
RESIDUAL = FIXTURE.read_text(encoding="utf-8").replace(
    "monte_carlo: {draws: 2000, seed: 7}", "monte_carlo: {draws: 500, seed: 7, residual: {vol: history}}")


def test_bad_and_spike_dates_on_a_small_series() -> None:
    idx = pd.bdate_range("2025-01-01", periods=8)
    c = pd.Series([10, 10.5, 60.0, 10.4, 0.0, np.nan, np.inf, 11], index=idx, dtype="float64")
    assert list(bad_close_dates(c)) == list(idx[[4, 5, 6]])
    assert list(spike_dates(c)) == [idx[2]]  # 60 > 5 x max(10.5, 10.4)
    # a level shift that does not revert is not a spike
    shift = pd.Series([10, 10, 60, 61, 62], index=idx[:5], dtype="float64")
    assert list(spike_dates(shift)) == []
    down = pd.Series([10, 10, 1.5, 10], index=idx[:4], dtype="float64")
    assert list(spike_dates(down)) == [idx[2]]


@pytest.fixture
def prices(snapshot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the three CSVs the fixture needs (edited by the tests)."""
    folder = tmp_path / "prices"
    folder.mkdir()
    for sym in ("0700.HK", "9988.HK", "^HSI"):
        shutil.copy(snapshot_dir / f"{sym}.csv", folder / f"{sym}.csv")
    monkeypatch.setenv("SCENARIOS_PRICES", str(folder))
    return folder


def _edit(folder: Path, sym: str, day: str, close: str) -> None:
    path = folder / f"{sym}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    k = header.index("close")
    for i, line in enumerate(lines):
        if line.startswith(day + ","):
            cells = line.split(",")
            cells[k] = close
            lines[i] = ",".join(cells)
            break
    else:
        raise AssertionError(f"{day} not in {path}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("close", ["0", "-5", ""])
def test_a_bad_close_in_the_window_exits_3_naming_symbol_file_and_date(prices, tmp_path, capsys, close) -> None:
    _edit(prices, "0700.HK", "2025-11-03", close)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(RESIDUAL, encoding="utf-8")
    code = main(["run", str(scenario)])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert "0700.HK" in err and str(prices / "0700.HK.csv") in err and "2025-11-03" in err
    assert "--drop-bad-rows" in err
    assert main(["runs", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing recorded
    assert main(["run", str(scenario), "--drop-bad-rows", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "dropped 1 row(s)" in err and "2025-11-03" in err
    assert json.loads(out)["run_id"]
    assert main(["backtest", str(scenario), "--no-record"]) == 3
    assert "2025-11-03" in capsys.readouterr().err


def test_a_bad_baseline_close_exits_3(prices, tmp_path, capsys) -> None:
    _edit(prices, "0700.HK", "2026-02-12", "0")
    assert main(["run", str(FIXTURE), "--no-record"]) == 3
    err = capsys.readouterr().err
    assert "the baseline close" in err and "2026-02-12" in err and "0700.HK" in err


@pytest.mark.parametrize("close", ["5293.3", "529330", "1e300"])
def test_a_one_day_spike_is_left_out_of_the_vol_with_a_warning(prices, tmp_path, capsys, close,
                                                               monkeypatch) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(RESIDUAL, encoding="utf-8")
    assert main(["run", str(scenario), "--no-record", "--format", "json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    _edit(prices, "0700.HK", "2025-11-03", close)
    monkeypatch.setenv("SCENARIOS_HOME", str(tmp_path / "home2"))  # the store cached the clean file
    assert main(["run", str(scenario), "--no-record", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    spiky = json.loads(out)
    assert "0700.HK" in err and "2025-11-03" in err and "left out of the volatility estimate" in err
    assert "RuntimeWarning" not in err and "overflow" not in err
    # the band is what it was without the bad row (the spike does not blow it up), within the
    # change of one return in 250 (two returns replaced by their sum)
    a = clean["residual"]["per_symbol"]["0700.HK"]["vol"]
    b = spiky["residual"]["per_symbol"]["0700.HK"]["vol"]
    assert abs(b / a - 1) < 0.05, (a, b)


def test_data_check_reports_a_spike(prices, capsys) -> None:
    _edit(prices, "0700.HK", "2025-11-03", "5293.3")
    main(["data", "check", "0700.HK", "--format", "json"])
    reports = json.loads(capsys.readouterr().out)
    spikes = [i for r in reports for i in r["issues"] if i["check"] == "spike"]
    assert [(s["first"], s["severity"]) for s in spikes] == [("2025-11-03", "warning")]


def test_a_bad_close_in_the_realized_window_stops_a_backtest(prices, tmp_path, capsys) -> None:
    _edit(prices, "0700.HK", "2026-04-01", "0")  # after as_of 2026-02-12, before the horizon
    code = main(["backtest", str(FIXTURE), "--no-record", "--draws", "200"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "0700.HK" in err and "realized window 2026-02-12..2026-08-12" in err and "2026-04-01" in err
    assert main(["backtest", str(FIXTURE), "--no-record", "--draws", "200", "--drop-bad-rows",
                 "--format", "json"]) == 0
    assert "left out 1 row(s) with a bad close (2026-04-01" in capsys.readouterr().out


def test_data_check_makes_an_infinite_close_an_error(prices, capsys) -> None:
    _edit(prices, "0700.HK", "2025-11-03", "inf")
    main(["data", "check", "0700.HK", "--format", "json"])
    out = capsys.readouterr().out
    issues = [i for r in json.loads(out) for i in r["issues"] if i["first"] == "2025-11-03"]
    assert any(i["severity"] == "error" for i in issues), issues
