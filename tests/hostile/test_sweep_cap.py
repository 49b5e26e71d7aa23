"""``sweep`` refuses an index cap no weighting can meet, as ``run`` does (it used to fall back to
equal weights at every rebalance and print the table as if the cap held)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.cli.app import main

pytestmark = pytest.mark.snapshot

EXAMPLE = Path(__file__).parents[2] / "examples" / "hstech_ai_reweight_2025.yaml"


@pytest.mark.parametrize("command", [["sweep", "-n", "3"], ["run", "--no-record", "--draws", "100"]])
def test_an_infeasible_cap_is_located_input_error(command, snapshot_dir, tmp_path, capsys) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "cap: 0.08" in text
    path = tmp_path / "capped.yaml"
    path.write_text(text.replace("cap: 0.08", "cap: 0.0001"), encoding="utf-8")
    line = 1 + text[:text.index("cap: 0.08")].count("\n")
    assert main([command[0], str(path), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert f"capped.yaml:{line}:" in err and "cap 0.0001 is infeasible for 30 names" in err


def test_a_feasible_cap_still_sweeps(snapshot_dir, capsys) -> None:
    assert main(["sweep", str(EXAMPLE), "-n", "3", "--format", "json"]) == 0
