"""``scenarios runs list|show|delete`` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from scenarios.cli.app import main
from scenarios.store.runs import list_runs, record_run


def test_runs_list_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list"]) == 0
    assert "no recorded runs" in capsys.readouterr().out


def test_runs_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    a = record_run("run", {"scenario": "alpha", "median": 0.12}, name="alpha")
    b = record_run("backtest", {"scenario": "beta", "hit_rate": 0.6,
                                "per_symbol": [{"symbol": "0700.HK", "hit": True}]}, name="beta")
    assert main(["runs", "list"]) == 0
    out = capsys.readouterr().out
    assert a in out and b in out and out.index(b) < out.index(a)  # newest first

    assert main(["runs", "list", "--kind", "backtest"]) == 0
    out = capsys.readouterr().out
    assert b in out and a not in out

    assert main(["runs", "list", "--format", "json", "--limit", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == [b]

    assert main(["runs", "show", a]) == 0
    out = capsys.readouterr().out
    assert a in out and "alpha" in out and "0.12" in out

    assert main(["runs", "show", a[:-1] if a[:-1] != b[:-1] else a, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == a and data["payload"] == {"scenario": "alpha", "median": 0.12}


def test_runs_show_unknown_is_one_readable_error(capsys: pytest.CaptureFixture[str]) -> None:
    record_run("run", {}, name="x")
    code = main(["runs", "show", "rdoesnotexist"])
    err = capsys.readouterr().err
    assert code != 0
    assert "RunNotFoundError" in err and "scenarios runs list" in err
    assert "Traceback" not in err


def test_runs_delete(capsys: pytest.CaptureFixture[str]) -> None:
    a = record_run("run", {}, name="x")
    assert main(["runs", "delete", a]) == 0
    assert list_runs() == []
