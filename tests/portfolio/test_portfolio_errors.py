"""Bad ``portfolio:`` blocks give located errors (file:line:col field) and exit 2 in the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.errors import ScenarioError, ScenarioErrors

HEAD = """name: bad
as_of: 2025-06-30
horizon: 2025-12-31
universe: [AAA.HK, NVDA]
benchmarks: [^HSI]
"""


def _run(tmp_path: Path, body: str):
    from scenarios.data.memory import synthetic_source
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    f = tmp_path / "bad.yaml"
    f.write_text(HEAD + body, encoding="utf-8")
    src = synthetic_source(["AAA.HK", "NVDA", "^HSI", "BBB.HK"], seed=1)
    return run_scenario(load_scenario(f), source=src, draws=10)


@pytest.mark.parametrize(("body", "where", "words"), [
    (("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1}\n"
      "    - {symbol: BBB.HK, side: short, weight: 1}\n"),
     "bad.yaml:9:", "BBB.HK is not in the universe"),
    (("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1}\n"
      "    - {symbol: NVDA, side: short, weight: 1}\n"),
     "bad.yaml:9:", "add fx: {USDHKD: RATE}"),
    (("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1}\n"
      "    - {symbol: index, side: short, notional: 5}\n"),
     "bad.yaml:7:", "by weight or every position by notional"),
    ("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: sell, weight: 1}\n",
     "bad.yaml:8:", "'long' or 'short'"),
    ("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1, lots: 3}\n",
     "bad.yaml:8:", "lots"),
    ("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: -1}\n",
     "bad.yaml:8:", "must be > 0"),
    ("portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1}\n  costs_bps: -3\n",
     "bad.yaml:9:", "costs_bps"),
])
def test_located_errors(tmp_path: Path, body: str, where: str, words: str) -> None:
    with pytest.raises((ScenarioError, ScenarioErrors)) as info:
        _run(tmp_path, body)
    text = info.value.format() if hasattr(info.value, "format") else str(info.value)
    assert where in text and words in text, text


def test_validate_reports_a_symbol_outside_universe_and_benchmarks(tmp_path: Path) -> None:
    from scenarios import api

    f = tmp_path / "bad.yaml"
    f.write_text(HEAD + "portfolio:\n  positions:\n    - {symbol: AAA.HK, side: long, weight: 1}\n"
                 "    - {symbol: 0700.HK, side: short, weight: 1}\n", encoding="utf-8")
    v = api.validate(f, data=False)
    assert not v.ok
    text = " ".join(e.format() for e in v.errors)
    assert "bad.yaml:9:" in text and "portfolio.positions[1].symbol" in text and "0700.HK" in text
