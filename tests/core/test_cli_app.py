"""The CLI shell: version, help, usage errors and ScenariosError -> one paragraph, no traceback."""

from __future__ import annotations

import pytest

from scenarios import __version__
from scenarios.cli.app import main
from scenarios.errors import ScenarioError


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"narrative-scenarios {__version__}"


def test_usage_errors_exit_2_with_clicks_message(capsys: pytest.CaptureFixture[str]) -> None:
    # typer vendors its own click: its BadParameter must still be a usage error, not a "bug"
    assert main(["backtest", "whatever.yaml", "--draws", "0"]) == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--draws'" in err
    assert "Traceback" not in err and "bug" not in err
    assert main(["no-such-command"]) == 2
    assert "No such command 'no-such-command'" in capsys.readouterr().err


def test_scenarios_errors_become_one_paragraph(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    code = main(["validate", str(bad)])
    captured = capsys.readouterr()
    assert code == ScenarioError.exit_code == 2
    assert "Traceback" not in captured.err + captured.out
    assert f"{bad}:" in captured.err + captured.out
