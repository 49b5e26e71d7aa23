"""Malformed scenario files: every problem is reported with file, line, column, field path
and what was expected. Expected strings are written by hand from the YAML text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scenarios.data.memory import MemorySource
from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model import data_checks, load_scenario


def _write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def _errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, name: str = "bad.yaml") -> list[str]:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, name, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    exc = info.value
    return [e.format() for e in exc.errors] if isinstance(exc, ScenarioErrors) else [exc.format()]


HEAD = """name: t
as_of: 2025-06-30
horizon: 6M
universe: [0700.HK, 9988.HK]
"""


def test_unknown_key_is_located_at_the_key(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: earnings_growth\n    growht: 0.1\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:5 drivers[0].growth: is required but missing",
        "bad.yaml:7:5 drivers[0].growht: unknown field (check the spelling; unknown keys are rejected)",
    ]


def test_unknown_top_level_key(tmp_path, monkeypatch) -> None:
    assert _errors(tmp_path, monkeypatch, HEAD + "colour: red\n") == [
        "bad.yaml:5:1 colour: unknown field (check the spelling; unknown keys are rejected)",
    ]


def test_wrong_type(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: earnings_growth\n    growth: fast\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:13 drivers[0].growth: must be a number (got 'fast')",
    ]


def test_negative_useful_life(tmp_path, monkeypatch) -> None:
    text = HEAD + """baseline:
  0700.HK: {eps: 20, shares: 9}
drivers:
  - type: ai_capex
    amount: 10
    useful_life_years: -3
"""
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:10:24 drivers[0].useful_life_years: must be > 0 (got -3)",
    ]


def test_unclipped_normal_for_a_positive_parameter(tmp_path, monkeypatch) -> None:
    text = HEAD + """baseline:
  0700.HK: {eps: 20, shares: 9}
drivers:
  - type: ai_capex
    symbols: [700]
    amount: 10
    useful_life_years: {dist: normal, mean: 5, sd: 1}
"""
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:11:24 drivers[0].useful_life_years: must be > 0 for every draw, but "
        "normal(mean=5, sd=1) ranges over [-3.5, 13.5] (add clip: [low, high] or use a bounded distribution)",
    ]


def test_impossible_date(tmp_path, monkeypatch) -> None:
    text = HEAD.replace("as_of: 2025-06-30", "as_of: 2025-02-30")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:2:8 as_of: must be a date YYYY-MM-DD (got '2025-02-30')",
    ]


def test_bad_horizon_text(tmp_path, monkeypatch) -> None:
    text = HEAD.replace("horizon: 6M", "horizon: six months")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:3:10 horizon: must be a date YYYY-MM-DD or a period such as 90D, 6W, 6M, 2Q, 1Y "
        "(got 'six months')",
    ]


def test_horizon_before_as_of(tmp_path, monkeypatch) -> None:
    text = HEAD.replace("horizon: 6M", "horizon: 2025-01-31")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:3:10 horizon: must be after as_of (2025-06-30) (got 2025-01-31)",
    ]


def test_unknown_driver_type(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: moonshot\n    size: 3\n"
    errs = _errors(tmp_path, monkeypatch, text)
    assert errs == [
        "bad.yaml:6:5 drivers[0]: unknown type 'moonshot' (expected one of 'earnings_growth', "
        "'ai_capex', 'subsidy', 'buyback', 'margin_change', 'revenue_uplift', 'fx_change', "
        "'rerating', 'sentiment_shock', 'index_weighting')",
    ]


def test_negative_sd(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: earnings_growth\n    growth: {dist: normal, mean: 0.1, sd: -0.02}\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:43 drivers[0].growth.sd: must be >= 0 (got -0.02)",
    ]


def test_uniform_low_above_high(tmp_path, monkeypatch) -> None:
    text = HEAD + ("drivers:\n  - type: rerating\n"
                   "    change: {dist: uniform, low: 0.3, high: 0.1}\n")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:45 drivers[0].change.high: must be >= low (0.3) (got 0.1)",
    ]


def test_unknown_distribution(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: rerating\n    change: {dist: gaussian, mean: 0}\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:13 drivers[0].change: unknown dist 'gaussian' (expected one of 'normal', "
        "'lognormal', 'uniform', 'triangular', 'choice')",
    ]


def test_duplicate_key(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: rerating\n    change: 0.1\n    change: 0.2\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:8:5 drivers[0].change: duplicate key 'change' (a key may appear once per mapping)",
    ]


def test_unknown_universe(tmp_path, monkeypatch) -> None:
    text = HEAD.replace("universe: [0700.HK, 9988.HK]", "universe: hstek")
    errs = _errors(tmp_path, monkeypatch, text)
    assert len(errs) == 1
    assert errs[0].startswith("bad.yaml:4:11 universe: unknown universe 'hstek' (known: ")
    assert "hstech" in errs[0]


def test_extends_cycle_names_the_cycle(tmp_path, monkeypatch) -> None:
    _write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    _write(tmp_path, "b.yaml", "extends: c.yaml\nname: b\n")
    _write(tmp_path, "c.yaml", "extends: a.yaml\nname: c\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("a.yaml")
    assert str(info.value) == "c.yaml:1:10 extends: extends cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"


def test_self_extends(tmp_path, monkeypatch) -> None:
    assert _errors(tmp_path, monkeypatch, "extends: bad.yaml\n" + HEAD) == [
        "bad.yaml:1:10 extends: extends cycle: bad.yaml -> bad.yaml",
    ]


def test_error_in_parent_is_located_in_the_parent(tmp_path, monkeypatch) -> None:
    _write(tmp_path, "base.yaml", HEAD + "drivers:\n  - type: earnings_growth\n    label: g\n"
           "    growth: 0.1\n    years: -1\n")
    text = "extends: base.yaml\nname: child\ndrivers:\n  - label: g\n    growth: 0.2\n"
    assert _errors(tmp_path, monkeypatch, text, "child.yaml") == [
        "base.yaml:9:12 drivers[0].years: must be > 0 (got -1)",
    ]


def test_percent_looking_growth_is_a_located_warning(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "w.yaml", HEAD + "drivers:\n  - type: earnings_growth\n    growth: 35\n")
    scenario = load_scenario("w.yaml")
    assert [w.format() for w in scenario.warnings] == [
        "w.yaml:7:13 drivers[0].growth: warning: 35 looks like a percent: fractions are used, so "
        "it means +3500%; write 0.35 for 35%",
    ]


def test_percent_looking_distribution_mean_warns(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "w.yaml", HEAD + "drivers:\n  - type: earnings_growth\n"
           "    growth: {dist: normal, mean: 12, sd: 1}\n")
    (w,) = load_scenario("w.yaml").warnings
    assert (w.line, w.column, w.field) == (7, 13, "drivers[0].growth")
    assert "12 looks like a percent" in w.message


def test_driver_symbol_outside_universe(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: rerating\n    symbols: [9988.HK, 3690]\n    change: 0.1\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:24 drivers[0].symbols[1]: 3690.HK is not in the universe (0700.HK, 9988.HK)",
    ]


def test_missing_fx_for_foreign_money(tmp_path, monkeypatch) -> None:
    text = HEAD + """baseline:
  0700.HK: {eps: 20, shares: 9}
drivers:
  - type: subsidy
    symbols: [0700.HK]
    amount: 1
    unit: bn
    currency: CNY
"""
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:12:15 drivers[0].currency: no FX rate from CNY to HKD for 0700.HK: add fx: "
        "{CNYHKD: RATE} (HKD per CNY) at the top level, or fx: RATE in baseline.0700.HK or in the driver",
    ]


def test_driver_needs_baseline(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: buyback\n    amount: 5\n    unit: bn\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:11 drivers[0].type: buyback needs baseline shares for 0700.HK "
        "(missing: shares)",
    ]


def test_unknown_claim_id(tmp_path, monkeypatch) -> None:
    text = HEAD + "narrative:\n  claims: [a000-tencent-drawdown, no-such-claim]\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:35 narrative.claims[1]: unknown claim id 'no-such-claim'",
    ]


def test_grid_value_is_validated_where_it_is_written(tmp_path, monkeypatch) -> None:
    text = HEAD + ("drivers:\n  - type: earnings_growth\n    label: g\n    growth: 0.1\n"
                   "grid:\n  drivers[g].growth: [0.1, -2]\n  drivers[h].growth: [1]\n")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:11:3 grid.drivers[h].growth: bad parameter path: no single item labelled 'h'",
    ]
    text = text.replace("  drivers[h].growth: [1]\n", "")
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:10:28 grid.drivers[g].growth[1]: value -2 for drivers[0].growth: "
        "drivers[0].growth: must be > -1 (got -2)",
    ]


def test_unknown_symbol_needs_the_data_layer(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "u.yaml", HEAD.replace("[0700.HK, 9988.HK]", "[0700.HK, 0999.HK]")
           + "benchmarks: [^HSI]\n")
    idx = pd.bdate_range("2025-01-01", "2025-12-31")
    src = MemorySource({"0700.HK": pd.Series(400.0, index=idx), "^HSI": pd.Series(2e4, index=idx)})
    scenario = load_scenario("u.yaml")
    errors, warnings = data_checks(scenario, src)
    assert [e.format() for e in errors] == [
        "u.yaml:4:21 universe[1]: unknown symbol 0999.HK: the price source (memory) has no data for it",
    ]
    assert warnings == []


def test_stale_price_is_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "s.yaml", HEAD)
    idx = pd.bdate_range("2025-01-01", "2025-06-30")
    src = MemorySource({"0700.HK": pd.Series(400.0, index=idx),
                        "9988.HK": pd.Series(100.0, index=idx[:-20])})
    errors, _ = data_checks(load_scenario("s.yaml"), src)
    assert len(errors) == 1
    assert errors[0].format().startswith("s.yaml:4:21 universe[1]: the last close of 9988.HK before 2025-06-30")


def test_infinite_numbers_are_rejected(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: earnings_growth\n    growth: .inf\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:7:13 drivers[0].growth: input should be a finite number (got inf)",
    ]


def test_fx_change_without_foreign_reporting_currency(tmp_path, monkeypatch) -> None:
    text = HEAD + "drivers:\n  - type: fx_change\n    change: 0.02\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:11 drivers[0].type: fx_change acts on no symbol: none of its targets has a "
        "baseline currency different from its listing currency",
    ]


def test_baseline_outside_the_universe_and_non_positive_eps(tmp_path, monkeypatch) -> None:
    text = HEAD + "baseline:\n  0700.HK: {eps: -1}\n  3690.HK: {eps: 5}\n"
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:18 baseline.0700.HK.eps: must be > 0: the price model divides the close by EPS "
        "(got -1); leave eps out for a loss-making company",
        "bad.yaml:7:3 baseline.3690.HK: baseline for 3690.HK, which is not in the universe",
    ]


def test_a_control_character_in_a_driver_label_is_located(tmp_path, monkeypatch) -> None:
    """A label names the driver in tables and in ``--vary drivers[LABEL].PARAM``: a newline or an
    escape in it (``"gro\\nwth"`` used to print the label over two rows of the run's table) is an
    error at the label, shown escaped; a Chinese label with an ideographic space is fine."""
    drivers = ('drivers:\n  - type: sentiment_shock\n    label: "gro\\nwth\\e[2J"\n    shock: -0.05\n'
               '    half_life_days: 10\n    date: 2025-06-01\n')
    assert _errors(tmp_path, monkeypatch, HEAD + drivers) == [
        "bad.yaml:7:12 drivers[0].label: a driver label is one line without control characters: it names "
        "the driver in tables and in options such as --vary drivers[LABEL].PARAM (got 'gro\\nwth\\x1b[2J')"]
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "ok.yaml", HEAD + drivers.replace("gro\\nwth\\e[2J", "情绪\u3000冲击"))
    assert load_scenario("ok.yaml").drivers[0].label == "情绪\u3000冲击"


def test_a_key_or_value_with_a_newline_keeps_its_error_on_one_line(tmp_path, monkeypatch) -> None:
    """Keys of the file are part of an error's field and values are quoted in its message: their
    newlines, tabs and escapes show as ``\\n``, ``\\t``, ``\\x1b`` (an unknown key ``"a\\nb"`` used to
    print its error over two lines, the second one starting with ``b: unknown field``)."""
    text = HEAD.replace("9988.HK]", "9988.HK]\nbenchmarks: [^HSI]") + (
        '"co\\nlour": red\nbaseline:\n  "07\\t00": {eps: 20, shares: 9}\n'
        'drivers:\n  - type: rerating\n    symbols: ["09\\n88.HK\\e[2J"]\n    change: 0.1\n')
    assert _errors(tmp_path, monkeypatch, text) == [
        "bad.yaml:6:1 co\\nlour: unknown field (check the spelling; unknown keys are rejected)",
        "bad.yaml:8:3 baseline.07\\t00: baseline for 07\\t00, which is not in the universe",
        "bad.yaml:11:15 drivers[0].symbols[0]: 09\\n88.HK\\x1b[2J is not in the universe (0700.HK, 9988.HK)",
    ]


def test_a_warning_of_a_file_with_a_newline_in_its_name_stays_on_one_line(tmp_path, monkeypatch) -> None:
    """A located warning shows its file like an error does (``w\\narn.yaml``), not over two lines."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "w\narn.yaml", HEAD + "drivers:\n  - type: earnings_growth\n    growth: 35\n")
    (w,) = load_scenario("w\narn.yaml").warnings
    assert w.format().startswith("w\\narn.yaml:7:13 drivers[0].growth: warning: 35 looks like a percent")


def test_an_fx_key_with_a_trailing_newline_is_located(tmp_path, monkeypatch) -> None:
    """``$`` of the currency-pair pattern matched before a trailing newline: ``"CNYHKD\\n"`` passed
    as a key no currency lookup finds; it is an error at the fx table now."""
    assert _errors(tmp_path, monkeypatch, HEAD + 'fx: {"CNYHKD\\n": 1.09}\n') == [
        "bad.yaml:5:5 fx: fx keys are currency pairs such as CNYHKD (HKD per CNY) (got 'CNYHKD\\n')"]


def test_a_control_character_in_a_theme_name_is_located(tmp_path, monkeypatch) -> None:
    """A theme name is referred to by drivers (``themes``, ``tilts``, ``exclude``) like a label: a
    newline or an escape in it (accepted silently before) is an error at the key, shown escaped; a
    Chinese theme name with an ideographic space is fine."""
    themes = 'themes:\n  "ai\\nchips\\x9b": [0700.HK]\n'
    assert _errors(tmp_path, monkeypatch, HEAD + themes) == [
        "bad.yaml:6:3 themes.ai\\nchips\\x9b: a theme name is one line without control characters: drivers "
        "refer to it in themes, tilts and exclude (got 'ai\\nchips\\x9b')"]
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "ok.yaml", HEAD + themes.replace("ai\\nchips\\x9b", "人工智能\u3000芯片"))
    assert load_scenario("ok.yaml").themes == {"人工智能\u3000芯片": ["0700.HK"]}
