"""Runs of schema 2 (before the noise-free forecast and the Shapley attribution) read back.

``data/schema2/*.json`` are ``--format json`` outputs of the release before schema 3 (a run and
a single backtest of ``examples/tencent_feb_2026.yaml``, 200 draws; the absolute path of
the file made relative). They must read back key for
key, and the terminal renderings must fall back to what they hold (log terms, the median).
"""

from __future__ import annotations

import json
from pathlib import Path

from scenarios.results import (
    SCHEMA_VERSION,
    RunResult,
    SingleBacktestResult,
    from_payload,
)

DATA = Path(__file__).parent / "data" / "schema2"


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_schema2_run_reads_back_key_for_key() -> None:
    run = _load("run-tencent_feb_2026.json")
    assert run["schema_version"] == 2 < SCHEMA_VERSION
    typed = from_payload("run", run)
    assert isinstance(typed, RunResult)
    assert typed.to_dict() == run
    assert typed.attribution is None and all(f.point_return is None for f in typed.forecasts)


def test_schema2_run_table_labels_its_top_driver_as_log() -> None:
    from rich.console import Console

    from scenarios.cli.run import _table

    typed = from_payload("run", _load("run-tencent_feb_2026.json"))
    console = Console(width=200, record=True)
    console.print(_table(typed))
    text = console.export_text()
    top = [f for f in typed.forecasts if f.top_driver]
    assert top and all(f"{f.top_driver} {f.top_driver_log:+.3f} log" in text for f in top)
    assert " pp" not in text.split("moved most by")[1].split("\n", 2)[2]  # no pp claimed for old runs


def test_schema2_backtest_reads_back_key_for_key() -> None:
    bt = _load("backtest-tencent_feb_2026.json")
    typed = from_payload("backtest", bt)
    assert isinstance(typed, SingleBacktestResult)
    assert typed.to_dict() == bt
    assert typed.score_summary.ic_status is None and typed.score_summary.signal is None
