"""``--seed``, ``--draws`` and ``--levels`` on every command: a negative seed is a usage error naming
``--seed`` (sweep crashed with exit 70; backtest, report and sensitivity blamed a driver line of the
scenario file), and an option the command would ignore is refused (``report RUN_ID --seed``,
``sensitivity`` without ``--two-way`` given ``--levels``/``--draws``/``--seed``, ``--two-way --out``
without xlsx)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.store.runs import record_run

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize("argv", [
    ["sweep", str(EXAMPLES / "hstech_ai_reweight_2025.yaml"), "-n", "2", "--seed", "-1"],
    ["backtest", str(FIXTURE), "--seed", "-1", "--no-record"],
    ["report", str(FIXTURE), "--seed", "-1", "--out", "OUT"],
    ["report", str(FIXTURE), "--draws", "0", "--out", "OUT"],
    ["sensitivity", str(FIXTURE), "--two-way", "a", "b", "--seed", "-1"],
], ids=["sweep", "backtest", "report-seed", "report-draws", "sensitivity"])
def test_a_negative_seed_is_a_usage_error(tmp_path, capsys, argv) -> None:
    argv = [str(tmp_path / "r.html") if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--seed" in err or "--draws" in err, err
    assert "bug" not in err and "drivers[" not in err, err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("option", [["--seed", "5"], ["--draws", "7"]], ids=["seed", "draws"])
def test_report_of_a_run_refuses_file_only_options(tmp_path, capsys, option) -> None:
    run_id = record_run("run", {"x": 1}, name="n")
    out = tmp_path / "r.html"
    assert main(["report", run_id, *option, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert option[0] in err and "FILE only" in err, err
    assert not out.exists()


@pytest.mark.parametrize("option", [["--levels", "3"], ["--draws", "3"], ["--seed", "1"]],
                         ids=["levels", "draws", "seed"])
def test_tornado_refuses_two_way_only_options(capsys, option) -> None:
    assert main(["sensitivity", str(FIXTURE), *option]) == 2
    err = capsys.readouterr().err
    assert f"{option[0]} applies to --two-way only" in err, err


def test_two_way_refuses_out_without_xlsx(tmp_path, capsys) -> None:
    out = tmp_path / "charts"
    assert main(["sensitivity", str(FIXTURE), "--two-way", "a", "b", "--out", str(out)]) == 2
    assert "--out is only for --format xlsx" in capsys.readouterr().err
    assert not out.exists()


def test_a_huge_tilt_multiplier_keeps_the_table_readable() -> None:
    """``--tilt THEME=1e308:1e308`` printed a 309-digit multiplier that collapsed the sweep table."""
    from scenarios.cli.sweep import _multiplier

    assert _multiplier(1e308) == "x1e+308" and _multiplier(1.5) == "x1.50" and _multiplier(0.0) == "x0.00"
    assert _multiplier(2.5e-5) == "x2.5e-05" and _multiplier(999_999.0) == "x999999.00"
