"""Typed results: scenario runs, backtest scores and walk-forward track records.

The one package that turns results into JSON and back. Every consumer (terminal rendering, the
report, ``scenarios runs show`` / ``runs compare``, :mod:`scenarios.api`) reads results through
these models instead of looking keys up in dicts.

=============================  ==============================================================
:class:`RunResult`             one Monte Carlo run (``scenarios run``; kind ``"run"``): the
                               per-symbol and index forecast summaries, inputs, provenance
:class:`SingleBacktestResult`  a scenario scored at its own as_of (``scenarios backtest``)
:class:`WalkForwardResult`     a scenario walked forward (``scenarios backtest --roll``)
=============================  ==============================================================

Units: every return, band quantile, probability and coverage is a **fraction** (0.05 = 5%);
prices are in each symbol's listing currency. Undefined numbers (NaN) are ``None``.

JSON form (``to_dict`` / ``to_json``; :func:`from_payload` / :func:`from_json` read it back):
the keys the first release wrote, plus ``schema_version`` (:data:`SCHEMA_VERSION`). Payloads
of the first release (run ``schema_version`` 1, backtests without a version) read back as they
are; anything else gives :class:`~scenarios.errors.IncompatibleRunError` ("recorded by another
version of scenarios: re-run it").

Modules (a name loads its module on first use, so a run does not build the backtest and set
models): :mod:`~scenarios.results.base` (the frozen base model, :data:`SCHEMA_VERSION`, index line
names), :mod:`~scenarios.results.run` (:class:`RunResult` and its rows),
:mod:`~scenarios.results.backtest` (single and walk-forward backtests),
:mod:`~scenarios.results.sets` (scenario sets), :mod:`~scenarios.results.payload` (JSON in and out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuation._lazy import lazy_names

if TYPE_CHECKING:
    from scenarios.jsonable import to_jsonable
    from scenarios.results.backtest import (
        BenchmarkExcess as BenchmarkExcess,
    )
    from scenarios.results.backtest import (
        DMTest,
        IndexPerformance,
        IndexScore,
        IndexTrack,
        IndexVs,
        IndexWindow,
        PnlLeg,
        PnlScore,
        PnlTrack,
        PnlWalk,
        ScorePair,
        ScoreSummary,
        SingleBacktestResult,
        SymbolScore,
        TrackRecord,
        WalkForwardResult,
        WalkWindow,
    )
    from scenarios.results.backtest import (
        ExcessScore as ExcessScore,
    )
    from scenarios.results.backtest import (
        ExcessTrack as ExcessTrack,
    )
    from scenarios.results.backtest import (
        ExcessWindow as ExcessWindow,
    )
    from scenarios.results.base import INDEX_BASE_LINE as INDEX_BASE_LINE
    from scenarios.results.base import INDEX_LINE as INDEX_LINE
    from scenarios.results.base import READABLE_VERSIONS as READABLE_VERSIONS
    from scenarios.results.base import SCHEMA_VERSION
    from scenarios.results.base import Num as Num
    from scenarios.results.payload import BacktestResult, Result, from_backtest, from_json, from_payload, result_of
    from scenarios.results.run import IndexForecast, IndexLine, PnlForecast, PnlPosition, RunResult, SymbolForecast
    from scenarios.results.sets import (
        ComponentLine,
        ComponentScore,
        MixtureLine,
        SetBacktestResult,
        SetComponent,
        SetRunResult,
    )

__all__ = [
    "SCHEMA_VERSION", "BacktestResult", "DMTest", "IndexForecast", "IndexLine", "IndexPerformance",
    "IndexScore", "IndexTrack", "IndexVs", "IndexWindow", "PnlForecast", "PnlLeg", "PnlPosition", "PnlScore",
    "PnlTrack", "PnlWalk", "Result", "RunResult", "ScorePair",
    "ScoreSummary", "SingleBacktestResult", "SymbolForecast", "SymbolScore", "TrackRecord",
    "WalkForwardResult", "WalkWindow", "ComponentLine", "ComponentScore", "MixtureLine",
    "SetBacktestResult", "SetComponent", "SetRunResult", "from_backtest", "from_json", "from_payload", "result_of",
    "to_jsonable",
]

_MODULES = {
    "base": ("INDEX_BASE_LINE", "INDEX_LINE", "READABLE_VERSIONS", "SCHEMA_VERSION", "Num"),
    "run": ("IndexForecast", "IndexLine", "PnlForecast", "PnlPosition", "RunResult", "SymbolForecast"),
    "backtest": ("BenchmarkExcess", "DMTest", "ExcessScore", "ExcessTrack", "ExcessWindow", "IndexPerformance",
                 "IndexScore", "IndexTrack", "IndexVs", "IndexWindow", "PnlLeg", "PnlScore", "PnlTrack",
                 "PnlWalk", "ScorePair", "ScoreSummary", "SingleBacktestResult", "SymbolScore", "TrackRecord",
                 "WalkForwardResult", "WalkWindow"),
    "sets": ("ComponentLine", "ComponentScore", "MixtureLine", "SetBacktestResult", "SetComponent",
             "SetRunResult"),
    "payload": ("BacktestResult", "Result", "from_backtest", "from_json", "from_payload", "result_of"),
}
#: public name -> the module that defines it
_NAMES: dict[str, str] = {n: f"{__name__}.{m}" for m, names in _MODULES.items() for n in names}
_NAMES["to_jsonable"] = "scenarios.jsonable"


__getattr__, __dir__ = lazy_names(__name__, globals(), _NAMES)
