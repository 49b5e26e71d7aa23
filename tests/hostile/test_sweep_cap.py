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


@pytest.mark.parametrize("edit", ["cap: 0.034\n    exclude: [autos_ev]", "cap: 0.034"])
def test_sweep_counts_names_as_run_does(edit, snapshot_dir, tmp_path, capsys) -> None:
    """A theme excluded by name (or tilted to 0) leaves fewer names: run refused the cap, sweep fell
    back to equal weights for every scheme. Both refuse it now; a range of 0:0 given to --tilt is
    refused the same way (the variants lose that theme)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("cap: 0.08", edit)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    if "exclude" in edit:
        for command in (["run", str(path), "--no-record", "--draws", "100"], ["sweep", str(path), "-n", "2"]):
            assert main(command) == 2
            assert "cap 0.034 is infeasible for 27 names" in capsys.readouterr().err
    else:
        assert main(["sweep", str(path), "-n", "3", "--format", "json"]) == 0      # 30 names: feasible
        capsys.readouterr()
        assert main(["sweep", str(path), "-n", "3", "--tilt", "autos_ev=0:0"]) == 2
        assert "keeps 27 names, too few for the cap 0.034" in capsys.readouterr().err


def test_positive_names_follow_exclusions_and_zero_tilts() -> None:
    from scenarios.backtest.sweep import positive_names
    from scenarios.recon.counterfactual import IndexScheme

    members = ["0700.HK", "9988.HK", "1211.HK", "2015.HK"]     # platforms x2, autos_ev x2
    assert positive_names(IndexScheme("a"), members) == 4
    assert positive_names(IndexScheme("b", exclude=("autos_ev",)), members) == 2
    assert positive_names(IndexScheme("c", tilts={"autos_ev": 0.0, "0700.HK": 2.0}), members) == 2
    assert positive_names(IndexScheme("d", exclude=("0700.HK",), tilts={"9988.HK": 0.0}), members) == 2


def test_tilt_ranges_that_remove_every_theme_are_a_usage_error(snapshot_dir, capsys) -> None:
    """Every theme at 0:0 left no name: the simulation stopped with a data error (exit 3)."""
    from scenarios.seeds.universes import THEMES

    tilts = [a for t in THEMES for a in ("--tilt", f"{t}=0:0")]
    assert main(["sweep", str(EXAMPLE), "-n", "2", *tilts]) == 2
    assert "keeps no name with a weight" in capsys.readouterr().err
