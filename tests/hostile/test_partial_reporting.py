"""Partial reporting (issue 16): ``data check`` with no arguments and ``data import`` list
every malformed file; the import stays all-or-nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scenarios.cli.app import main


@pytest.fixture
def folder(snapshot_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "prices"
    out.mkdir()
    for sym in ("0700.HK", "9988.HK"):
        shutil.copy(snapshot_dir / f"{sym}.csv", out / f"{sym}.csv")
    (out / "BAD1.HK.csv").write_text("Date,Open\n2025-01-02,1\n", encoding="utf-8")
    (out / "BAD2.HK.csv").write_text("garbage\n", encoding="utf-8")
    (out / "BAD3.HK.csv").write_text("date,open,high,low,close,volume\n2025-01-02,1,1,1,x,5\n",
                                     encoding="utf-8")
    return out


def test_data_import_lists_every_bad_file_and_imports_nothing(folder, capsys) -> None:
    assert main(["data", "import", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "3 of 5 files" in err and "nothing was imported" in err
    for name in ("BAD1.HK.csv", "BAD2.HK.csv", "BAD3.HK.csv"):
        assert str(folder / name) in err
    assert main(["data", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # all or nothing
    assert main(["data", "import", str(folder), "--skip-bad"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 series" in out and out.count("skipped:") == 3


def test_data_check_without_arguments_reports_every_bad_file(folder, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SCENARIOS_PRICES", str(folder))
    assert main(["data", "check", "--format", "json"]) == 1
    reports = {r["symbol"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(reports) == {"0700.HK", "9988.HK", "BAD1.HK", "BAD2.HK", "BAD3.HK"}
    for sym in ("BAD1.HK", "BAD2.HK", "BAD3.HK"):
        checks = {i["check"] for i in reports[sym]["issues"]}
        assert "unreadable" in checks, reports[sym]
    assert not any(i["severity"] == "error" and i["check"] == "unreadable"
                   for i in reports["0700.HK"]["issues"])
    assert main(["data", "check", "--dir", str(folder), "--format", "json"]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 5
