"""``scenarios data import|list|show|check`` through the real CLI entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yfinance

from scenarios.cli.app import main
from scenarios.data.barstore import BarStore
from scenarios.store.db import store_path

pytestmark = pytest.mark.snapshot

FEW = ("0700.HK", "9988.HK", "^HSI", "HSTECH.HK", "1211.HK")


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")


@pytest.fixture
def few(tmp_path: Path, snapshot_dir: Path) -> Path:
    """A small folder with a few snapshot files (copied into tmp_path, not into the repo)."""
    d = tmp_path / "few"
    d.mkdir()
    for s in FEW:
        shutil.copy(snapshot_dir / f"{s}.csv", d / f"{s}.csv")
    return d


def _no_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)


def _assert_helpful_paragraph(err: str) -> None:
    assert "Traceback" not in err
    text = err.strip()
    assert text.count("\n") == 0, text  # one paragraph
    assert "0700.HK" in text and "SCENARIOS_PRICES" in text
    assert "scenarios data import DIR" in text and "online" in text


def test_show_with_nothing_anywhere_offline(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    _no_sources(monkeypatch)
    rc = main(["data", "show", "0700.HK"])
    out, err = capsys.readouterr()
    assert rc != 0 and out == ""
    _assert_helpful_paragraph(err)


def test_show_with_nothing_anywhere_and_yfinance_empty(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    _no_sources(monkeypatch)
    monkeypatch.delenv("SCENARIOS_OFFLINE")
    calls: list[str] = []

    class EmptyTicker:  # what yfinance returns offline: an empty frame, no exception
        def __init__(self, symbol: str) -> None:
            calls.append(symbol)

        def history(self, **kw: object) -> pd.DataFrame:
            return pd.DataFrame()

    monkeypatch.setattr(yfinance, "Ticker", EmptyTicker)
    rc = main(["data", "show", "HK.00700"])
    _, err = capsys.readouterr()
    assert rc != 0 and calls == ["0700.HK"]
    _assert_helpful_paragraph(err)


def test_show_reads_the_csv_folder_and_caches_it(snapshot_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "show", "700.HK", "--start", "2025-12-29", "--end", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "0700.HK" in out and "2025-12-31" in out and "592.1014" in out and "2025-12-24" not in out
    assert BarStore(store_path()).symbols() == ["0700.HK"]
    assert main(["data", "show", "^HSI", "--start", "2025-02-13", "--end", "2025-02-13", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["date"] == "2025-02-13" and round(rows[0]["close"], 2) == 21814.37


def test_import_then_list(few: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    _no_sources(monkeypatch)
    assert main(["data", "list"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["data", "import", str(few)]) == 0
    assert "imported 5 series" in capsys.readouterr().out
    assert main(["data", "list", "--format", "json"]) == 0
    listed = {r["symbol"]: r for r in json.loads(capsys.readouterr().out)}
    assert sorted(listed) == sorted(FEW)
    assert listed["HSTECH.HK"]["first"] == "2020-08-17" and listed["HSTECH.HK"]["source"] == "csv"
    assert listed["0700.HK"]["rows"] == len(pd.read_csv(few / "0700.HK.csv"))
    assert main(["data", "list"]) == 0
    table = capsys.readouterr().out
    for word in ("symbol", "first", "last", "rows", "source", "^HSI", "2026-08-20"):
        assert word in table
    # served from the store alone: no CSV folder, offline
    assert main(["data", "show", "0700.HK", "--start", "2025-12-31", "--end", "2025-12-31", "--format", "csv"]) == 0
    assert "2025-12-31,592.10144" in capsys.readouterr().out


def test_failed_import_changes_nothing(few: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture) -> None:
    _no_sources(monkeypatch)
    assert main(["data", "import", str(few)]) == 0
    before = {s: BarStore(store_path()).read(s) for s in FEW}
    bad = tmp_path / "bad"
    shutil.copytree(few, bad)
    (bad / "ZZZZ.csv").write_text("date,open,high,low,close\n2025-01-02,1,2,0.5,1.5\n2025-01-03,1,2,x,1\n")
    (bad / "0700.HK.csv").write_text("date,close\n2025-01-02,1.0\n")  # would replace Tencent
    capsys.readouterr()
    rc = main(["data", "import", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and "ZZZZ.csv:3" in err and "Traceback" not in err
    store = BarStore(store_path())
    assert sorted(store.symbols()) == sorted(FEW)
    for s, frame in before.items():
        pd.testing.assert_frame_equal(store.read(s), frame, check_exact=True)
    store.close()
    assert main(["data", "import", str(bad), "--skip-bad"]) == 0
    out = capsys.readouterr().out
    assert "imported 5 series" in out and "skipped" in out and "ZZZZ.csv:3" in out


def test_check_commands(few: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "check", "0700.HK"]) == 0
    out = capsys.readouterr().out
    assert "flat_close" in out and "2025-12-31" in out and "half-day" in out
    assert main(["data", "check", "--dir", str(few), "--format", "json"]) == 0
    reports = {r["symbol"]: r for r in json.loads(capsys.readouterr().out)}
    assert sorted(reports) == sorted(FEW)
    hstech = {i["check"]: i for i in reports["HSTECH.HK"]["issues"]}
    assert "2020-08-19" in hstech["missing_session"]["dates"]
    assert "close_outside_range" in hstech
    hsi = [i for i in reports["^HSI"]["issues"] if i["check"] == "missing_price"]
    assert any(i["first"] == "2024-08-05" for i in hsi)
    # --strict turns warnings into a failing exit code (for CI use)
    assert main(["data", "check", "--dir", str(few), "HSTECH.HK", "--strict"]) == 1


def test_check_reports_errors_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "DUP.csv").write_text("date,close,volume\n2025-01-02,1,5\n2025-01-03,2,5\n2025-01-03,2,5\n")
    rc = main(["data", "check", "--dir", str(tmp_path), "--all"])
    out = capsys.readouterr().out
    assert rc == 1 and "duplicate_date" in out and "2025-01-03" in out


def test_check_with_nothing_to_check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    _no_sources(monkeypatch)
    rc = main(["data", "check"])
    err = capsys.readouterr().err
    assert rc != 0 and "scenarios data import DIR" in err and "Traceback" not in err
