"""What a report is drawn from: a scenario file run now, or a typed result (fresh or recorded).

* :func:`view_for_file`: run a scenario file and, once its horizon has passed, score it against
  realized prices (nothing is recorded);
* :func:`view_for_result`: a :class:`~scenarios.results.RunResult` or backtest result
  (:func:`recorded_view`: one recorded in the store). A run
  whose horizon has passed is scored by re-running its own file with its seed and draws; a
  backtest recorded without its run (a walk-forward) has its forecast re-run the same way.
* :func:`rerun_recorded`: that re-run, with the file's SHA-256 check, written once.

A recorded run's realised score is kept in the store once computed (:mod:`scenarios.report.scored`)
and reused while everything it was computed from is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.report.scored import UNREAD, forecast_score, keep, kept, realised_score, with_pnl
from scenarios.results import (
    IndexPerformance,
    Result,
    RunResult,
    SingleBacktestResult,
    WalkForwardResult,
)

if TYPE_CHECKING:
    from scenarios.engine.result import ScenarioResult
    from scenarios.model.schema import Scenario
    from scenarios.report.model import ReportView

__all__ = ["Rerun", "prefetch_prices", "recorded_view", "rerun_recorded", "view_for_file", "view_for_result"]


def prefetch_prices(symbols: Any = (), *, scenario: Any = None) -> None:
    """Read the price series a report will need from the store in one query.

    They go into the shared resolver's memo (:meth:`scenarios.data.resolver.Resolver.prefetch`)
    instead of one store connection per symbol: ``symbols`` plus, for a ``scenario``, its universe
    (every member a seeds universe ever had, which the index replica reads) and its benchmarks. Best
    effort: a symbol no source knows is left for its own read to report.
    """
    from scenarios.data import default_source
    from scenarios.errors import ScenariosError

    syms = {str(s) for s in symbols}
    if scenario is not None:
        syms.update(str(b) for b in (getattr(scenario, "benchmarks", None) or []))
        uni = getattr(scenario, "universe", None)
        if isinstance(uni, str):
            from scenarios.seeds.universes import load_universes

            try:
                u = load_universes().get(uni)
            except (ScenariosError, KeyError, ValueError):
                u = None
            if u is not None:
                syms.update(m.symbol for m in u.members)
                if u.index_symbol:
                    syms.add(u.index_symbol)
        elif uni:
            syms.update(str(x) for x in uni)
    if not syms:
        return
    try:
        default_source().prefetch(sorted(syms))
    except ScenariosError:   # the reads themselves say what is missing
        return


@dataclass(frozen=True)
class Rerun:
    """A recorded run's scenario re-run: ``changed`` when the file's hash is not the recorded one."""

    scenario: Scenario
    result: ScenarioResult
    changed: bool


def rerun_recorded(file: str | None, file_sha256: str | None, *, draws: int | None,
                   seed: int | None) -> Rerun | None:
    """Re-run the scenario file a result was recorded from.

    It runs with the recorded seed and draws (the same ensemble, deterministically). None when the
    file is not there any more; :attr:`Rerun.changed` says whether its SHA-256 differs from the
    recorded one.
    """
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    if not file or not Path(file).is_file():
        return None
    scenario = load_scenario(file)
    prefetch_prices(scenario=scenario)
    current = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    changed = file_sha256 not in (None, current, getattr(scenario, "file_sha256", None))
    return Rerun(scenario, run_scenario(scenario, draws=draws, seed=seed), changed)


def _horizon_passed(horizon: str) -> bool:
    return dt.date.fromisoformat(str(horizon)[:10]) <= dt.date.today()


def view_for_file(path: str | Path, *, draws: int | None = None, seed: int | None = None) -> ReportView:
    """Run ``path`` now (scored when its horizon has passed) and build the report view.

    The scenario is resolved once (prices, checks, index weights) for both the run and its
    tornado (:func:`scenarios.engine.run_scenario` is ``run_resolved(resolve_scenario(..))``).
    """
    from scenarios.engine.run import run_resolved
    from scenarios.model import load_scenario
    from scenarios.model.resolved import resolve_scenario
    from scenarios.report.adapters import view_from_parts

    scenario = load_scenario(path)
    prefetch_prices(scenario=scenario)
    rs = resolve_scenario(scenario, draws=draws, seed=seed)
    result = run_resolved(rs)
    score = perf = None
    if _horizon_passed(result.horizon):
        scored = realised_score(scenario, result)
        score, perf = scored["score"], scored["counterfactual"]
    view = view_from_parts(RunResult.from_engine(result), score=score, counterfactual=perf)
    t = _tornado(rs, name=scenario.name)
    return replace(view, tornado=t) if t is not None else view


def _tornado(rs: Any, *, name: str) -> Any:
    """Return the tornado of a resolved scenario (:mod:`scenarios.sensitivity`).

    None without random parameters.
    """
    from scenarios.sensitivity import random_params, tornado

    if not random_params(rs):
        return None
    return tornado(rs, name=name)


_SCORED_NOW = "Scored now: the run's own file, seed and draws re-run and compared with realized prices."


def recorded_view(run_id: str) -> tuple[ReportView, list[str]]:
    """Return the report view of a recorded run (an id or a unique prefix) and its data changes.

    The changes are lines naming the symbols whose price rows changed since the run was recorded
    (:func:`scenarios.data.fingerprint.data_changes`; also noted in the view). Every price series
    the report reads comes from the store in one query: those the run recorded and, for a run with
    a kept score, every series that score was computed from (read again to check it).
    """
    from scenarios.data.fingerprint import _data_sources, data_changes
    from scenarios.results import result_of
    from scenarios.store.runs import fetch_run
    from scenarios.store.scores import kept_score

    info, stored = fetch_run(run_id)
    record = result_of(info.kind, stored, what=f"run {info.id}")
    payload = record.to_dict()
    entry = kept_score(info.id) if isinstance(record, RunResult) and _horizon_passed(record.horizon) else None
    kept_syms = entry[0].get("prices") if entry is not None else None
    prefetch_prices([*(sym for sym, _info, _as_of in _data_sources(payload)),
                     *(kept_syms if isinstance(kept_syms, dict) else ())])
    changes = data_changes(payload)
    view = view_for_result(record, run_id=info.id, kind=info.kind, data_changes=changes, kept_entry=entry)
    return view, changes


def view_for_result(record: Result, *, run_id: str | None = None, kind: str | None = None,
                    data_changes: list[str] | None = None,
                    kept_entry: Any = UNREAD) -> ReportView:
    """Return the report view of a typed result (see the module docstring).

    ``kind`` is the store's kind shown in the header (default: ``run`` or ``backtest``).
    ``data_changes``: lines naming the symbols whose price rows changed since the run was recorded
    (default: checked here for a recorded run, ``run_id`` given; see
    :mod:`scenarios.data.fingerprint`). ``kept_entry``: the run's kept score as already read from
    the store (:func:`scenarios.store.scores.kept_score`, None when there is none; default: read
    here).
    """
    from scenarios.errors import DataFormatError
    from scenarios.report.adapters import view_from_parts

    kind = kind or ("run" if isinstance(record, RunResult) else "backtest")
    notes: list[str] = []
    if data_changes is None and run_id is not None:
        from scenarios.data.fingerprint import data_changes as check

        data_changes = check(record.to_dict())
    if data_changes:
        notes.append("Price data changed since this run: " + "; ".join(data_changes) + ".")
    result: RunResult | None = None
    score: SingleBacktestResult | dict[str, Any] | None = None
    walk: WalkForwardResult | None = None
    counterfactual: IndexPerformance | dict[str, Any] | None = None
    scored_now = False
    if isinstance(record, RunResult):
        result = record
        if _horizon_passed(record.horizon):
            # a recorded run's score as kept in the store while its inputs hold (scenarios.report.scored)
            kept_score = (kept(record, run_id, entry=kept_entry)
                          if record._engine is None and run_id is not None else None)
            rerun = (None if record._engine is not None or kept_score is not None else
                     rerun_recorded(record.file, record.file_sha256, draws=record.draws, seed=record.seed))
            if record._engine is not None:
                score = with_pnl(forecast_score(record.engine), record.engine)
                scored_now = score is not None
            elif kept_score is not None:
                notes.append(_SCORED_NOW)
                score, counterfactual = kept_score["score"], kept_score["counterfactual"]
                scored_now = score is not None
            elif rerun is None:
                notes.append(f"The horizon has passed but the scenario file {record.file or '(not recorded)'} "
                             "is not there to re-run and score it: run `scenarios backtest FILE` for the scores.")
            elif rerun.changed:
                notes.append(f"The horizon has passed but {record.file} changed since this run: not scored.")
            else:
                notes.append(_SCORED_NOW)
                scored = realised_score(rerun.scenario, rerun.result)
                score, counterfactual = scored["score"], scored["counterfactual"]
                scored_now = score is not None
                if run_id is not None:
                    keep(run_id, record, rerun.scenario, scored)
    else:
        if isinstance(record, SingleBacktestResult):
            score = record
            perf = record.index_performance
            counterfactual = perf if perf is not None and perf.levels else None
            result = record.result
        else:
            walk = record
        if result is None:
            rerun = rerun_recorded(record.file, record.file_sha256, draws=record.draws, seed=record.seed)
            if rerun is None:
                raise DataFormatError(
                    f"run {run_id or record.scenario} holds backtest scores only, and its scenario file "
                    f"{record.file or '(not recorded)'} is not there any more to re-run the forecast it "
                    "scored; report the scenario file instead (scenarios report FILE)")
            if rerun.changed:
                notes.append(f"The scenario file {record.file} changed since run {run_id or ''}: the fans are "
                             "re-run from the current file, the scores are the recorded ones."
                             .replace("run : ", "this run: "))
            result = RunResult.from_engine(rerun.result)
    assert result is not None
    view_kind = ("walk-forward" if walk is not None else "run, scored now" if scored_now else kind)
    view = view_from_parts(result, score=score, walk_forward=walk, counterfactual=counterfactual,
                           run_id=run_id, kind=view_kind)
    if notes:
        joined = " ".join([*notes, view.notes.get("forecast", "")]).strip()
        view = replace(view, notes={**view.notes, "forecast": joined})
    return view
