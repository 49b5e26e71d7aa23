"""The small hostile cases of issue 16: booleans are not numbers, choice weights sum to 1 (or
``normalize: true``), horizons of at most 10 years, ``1.0e9`` is a number, ``--no-save`` is a
hidden alias of ``--no-record``, ``<!--`` in a name cannot blank the HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import ScenarioErrors
from scenarios.model import load_scenario
from scenarios.yamlio import parse_yaml

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
TEXT = FIXTURE.read_text(encoding="utf-8")


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    return [e.format().replace(str(path), "s.yaml") for e in info.value.errors]


def test_booleans_are_not_numbers(tmp_path) -> None:
    text = TEXT.replace("monte_carlo: {draws: 2000, seed: 7}", "monte_carlo: {draws: true, seed: 7}")
    text = text.replace("    shock: -0.08", "    shock: false")
    errs = _errors(tmp_path, text)
    assert any(e.startswith("s.yaml:45:22 monte_carlo.draws: must be a number, not a boolean (got true)")
               for e in errs), errs
    assert any("shock: must be a number, not a boolean (got false)" in e for e in errs), errs


def test_booleans_in_number_lists_are_rejected_too() -> None:
    from scenarios.model import scenario_from_dict

    data = {"name": "x", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK"], "drivers": [
        {"type": "earnings_growth", "growth": {"dist": "choice", "values": [True, 0.1], "weights": [0.5, 0.5]}},
        {"type": "rerating", "change": {"dist": "normal", "mean": 0, "sd": 0.1, "clip": [False, 0.2]}}]}
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_dict(data)
    assert [e.format() for e in info.value.errors] == [
        "<dict> drivers[0].growth.values[0]: must be a number, not a boolean (got true)",
        "<dict> drivers[1].change.clip[0]: must be a number, not a boolean (got false)"]


def test_booleans_still_work_where_a_boolean_is_meant(tmp_path) -> None:
    text = TEXT.replace("    label: derating\n", "    label: derating\n    enabled: false\n")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert [d.label for d in load_scenario(path).drivers if not d.enabled] == ["derating"]


def test_choice_weights_must_sum_to_one_unless_normalized(tmp_path) -> None:
    bad = TEXT.replace("amount: {dist: uniform, low: 60, high: 100}",
                       "amount: {dist: choice, values: [60, 100], weights: [1, 1]}")
    errs = _errors(tmp_path, bad)
    assert any("weights must sum to 1 (got 2)" in e and "normalize: true" in e for e in errs), errs
    ok = bad.replace("weights: [1, 1]}", "weights: [1, 1], normalize: true}")
    path = tmp_path / "ok.yaml"
    path.write_text(ok, encoding="utf-8")
    dist = load_scenario(path).drivers[1].amount
    assert dist.center() == pytest.approx(80.0)


@pytest.mark.parametrize("horizon", ["100Y", "11Y", "121M", "41Q", "3700D", "2036-02-13"])
def test_horizons_over_ten_years_are_rejected(tmp_path, horizon) -> None:
    errs = _errors(tmp_path, TEXT.replace("horizon: 6M", f"horizon: {horizon}"))
    assert any(e.startswith("s.yaml:9:10 horizon: must be at most 10 years") for e in errs), errs


@pytest.mark.parametrize("horizon", ["10Y", "120M", "2036-02-12"])
def test_ten_years_is_still_fine(tmp_path, horizon) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TEXT.replace("horizon: 6M", f"horizon: {horizon}"), encoding="utf-8")
    assert load_scenario(path).horizon_date().year == 2036


@pytest.mark.parametrize("text, value", [("1.0e9", 1e9), ("1e9", 1e9), ("-2.5E-3", -0.0025), ("1.5e+3", 1500.0)])
def test_exponent_floats_are_numbers(text, value) -> None:
    assert parse_yaml(f"x: {text}\n").data["x"] == value
    assert parse_yaml("x: 12\ny: 1e9x\n").data == {"x": 12, "y": "1e9x"}


@pytest.mark.parametrize("command", ["run", "backtest"])
def test_no_save_is_a_hidden_alias_of_no_record(command, capsys) -> None:
    assert main([command, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "--no-record" in help_text and "--no-save" not in help_text


@pytest.mark.snapshot
def test_run_no_save_records_nothing(snapshot_dir, capsys) -> None:
    from scenarios.store.runs import list_runs

    before = len(list_runs(limit=None))
    assert main(["run", str(FIXTURE), "--draws", "50", "--format", "json", "--no-save"]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] is None
    assert len(list_runs(limit=None)) == before
    assert main(["run", str(FIXTURE), "--draws", "50", "--format", "json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert run_id and len(list_runs(limit=None)) == before + 1


@pytest.mark.snapshot
def test_html_comment_and_script_in_a_name_do_not_blank_the_report(snapshot_dir, tmp_path, capsys) -> None:
    name = "x<!--<script>alert(1)</script>&"
    path = tmp_path / "s.yaml"
    path.write_text(TEXT.replace("name: tencent-vat-rumour", f"name: '{name}'"), encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(path), "--out", str(out), "--draws", "200"]) == 0
    html = out.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', html, re.S)
    assert block is not None
    assert "<" not in block.group(1) and ">" not in block.group(1)
    data = json.loads(block.group(1))
    assert name in json.dumps(data, ensure_ascii=False)
    assert html.count("<!--") == html.count("-->")  # no comment opened by the data


def _fake_bin(tmp_path: Path, sudo_ok: bool) -> Path:
    """A PATH with only fakes: a non-root ``id``, a ``sudo`` that records how it was called
    (and would block reading a password without -n), an ``apt-get`` that records its calls."""
    import os

    b = tmp_path / "bin"
    b.mkdir()
    log = tmp_path / "calls.log"
    scripts = {
        "id": "echo 1000",
        "sudo": (f'echo "sudo $*" >> {log}\n'
                 'case "$1" in -n) shift; ' + ('exec "$@"' if sudo_ok else "exit 1") + ';; '
                 '*) read -r password; exit 1;; esac'),
        "apt-get": f'echo "apt-get $*" >> {log}',
        "true": "exit 0",
    }
    for name, body in scripts.items():
        path = b / name
        path.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        os.chmod(path, 0o755)
    return b


@pytest.mark.parametrize("sudo_ok", [False, True])
def test_install_browser_never_prompts(tmp_path, sudo_ok) -> None:
    import subprocess

    script = Path(__file__).parents[2] / "scripts" / "install-browser.sh"
    fake = _fake_bin(tmp_path, sudo_ok)
    proc = subprocess.run(["/bin/bash", str(script)], env={"PATH": str(fake)}, capture_output=True,
                          text=True, timeout=30, stdin=subprocess.PIPE)
    assert proc.returncode == 0
    calls = (tmp_path / "calls.log").read_text() if (tmp_path / "calls.log").exists() else ""
    assert all(line.startswith(("sudo -n", "apt-get")) for line in calls.splitlines()), calls
    if sudo_ok:
        assert "apt-get install -y" in calls
    else:
        assert "apt-get" not in calls
        assert "To install it: sudo apt-get install -y" in proc.stderr


def test_validation_reports_independent_errors_in_one_pass(tmp_path) -> None:
    """A schema error in one driver no longer hides the FX and shares errors of the rest."""
    text = """name: rounds
as_of: 2026-02-12
horizon: 6M
universe: [0700.HK, 9988.HK]
currency: HKD
baseline:
  0700.HK:
    currency: CNY
    eps: 27.0
drivers:
  - type: earnings_growth
    growth: 0.1
  - type: nope
  - type: ai_capex
    symbols: [0700.HK]
    amount: 80
    unit: bn
    currency: CNY
    useful_life_years: 5
"""
    errs = _errors(tmp_path, text)
    assert errs[0].startswith("s.yaml:8:15 baseline.0700.HK.currency: no FX rate from CNY to HKD")
    assert errs[1].startswith("s.yaml:13:5 drivers[1]: unknown type 'nope'")
    assert errs[2].startswith("s.yaml:14:11 drivers[2].type: ai_capex needs baseline eps and shares "
                              "for 0700.HK (missing: shares)"), errs
    assert len(errs) == 3
    # a required field that fails makes the later checks meaningless: only the schema errors
    errs = _errors(tmp_path, text.replace("as_of: 2026-02-12", "as_of: someday"))
    assert len(errs) == 2 and "as_of" in errs[0]
